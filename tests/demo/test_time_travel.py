"""Demo time travel: supervisors run the deadline sweep at a chosen future time."""

import datetime

import pytest
from django.utils import timezone

from filings.models import FilingApplication
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db
URL = "/admin/demo/time-travel/"


@pytest.fixture(autouse=True)
def demo(settings):
    settings.DEMO_MODE = True


def test_supervisor_expires_filings_in_the_future(login, supervisor):
    filing, _, _ = submitted_filing()
    client = login(supervisor)
    assert "Demo time travel" in client.get("/admin/").content.decode()
    later = timezone.localtime() + datetime.timedelta(days=2)
    response = client.post(URL, {"when": later.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert "1 filings returned as expired" in response.content.decode()
    assert FilingApplication.objects.get(pk=filing.pk).status == "returned"


def test_the_past_is_refused(login, supervisor):
    client = login(supervisor)
    response = client.post(URL, {"when": "2020-01-01T00:00"})
    assert "Choose a time in the future" in response.content.decode()


def test_agents_may_not(login, agent):
    client = login(agent)
    assert client.get(URL).status_code == 403
    assert "Demo time travel" not in client.get("/admin/").content.decode()


def test_only_in_demo_mode(login, supervisor, settings):
    settings.DEMO_MODE = False
    assert login(supervisor).get(URL).status_code == 404
