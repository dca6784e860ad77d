"""Demo time travel: supervisors run the deadline sweep at a chosen future time."""

import datetime
import json

import pytest
from django.utils import timezone

from demo import gateway
from demo.models import Behaviour, GatewayRule
from filings.models import FilingApplication
from infra.times import BEIJING
from tests.verification.helpers import submitted_filing
from verification.models import DeliveryReport, SmsMessage

URL = "/admin/demo/time-travel/"


# Travelling copies the SQLite database, which cannot happen inside the transaction
# an ordinary test runs in: these tests commit (and `reference_data` restores the
# groups and provinces the flush between them removes).
@pytest.fixture(autouse=True)
def demo(settings, reference_data):
    settings.DEMO_MODE = True


def test_supervisor_expires_filings_in_the_future(login, supervisor):
    filing, _, _ = submitted_filing()
    client = login(supervisor)
    assert "Demo time travel" in client.get("/admin/").content.decode()
    later = timezone.now().astimezone(BEIJING) + datetime.timedelta(days=2)
    response = client.post(
        URL,
        {
            "when_0": later.strftime("%Y-%m-%d"),
            "when_1": later.strftime("%H:%M"),
            "confirmed": "1",
        },
        follow=True,
    )
    assert "1 filing returned as expired" in response.content.decode()
    assert FilingApplication.objects.get(pk=filing.pk).status == "returned"


def test_the_past_is_refused(login, supervisor):
    client = login(supervisor)
    response = client.post(URL, {"when_0": "2020-01-01", "when_1": "00:00"})
    assert "Choose a time in the future" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "today", "time"),
    [("zh-hans", "今天", "时间"), ("en", "Today", "Time")],
)
def test_the_date_field_follows_the_language(login, supervisor, language, today, time):
    html = login(supervisor, language).get(URL).content.decode()
    assert f'<html lang="{language}"' in html
    # the admin's calendar widgets, labelled by its translated catalogue, not the
    # browser's own date picker (which follows the browser, not the console)
    assert 'class="vDateField"' in html and 'type="datetime-local"' not in html
    assert "admin/js/calendar.js" in html
    catalogue = login(supervisor, language).get("/admin/jsi18n/").content.decode()
    escaped = json.dumps(today)[1:-1]  # the catalogue escapes non-ASCII as \uXXXX
    assert (escaped in catalogue or today in catalogue) == (language != "en")
    assert time in html


def test_agents_may_not(login, agent):
    client = login(agent)
    assert client.get(URL).status_code == 403
    assert "Demo time travel" not in client.get("/admin/").content.decode()


def test_only_in_demo_mode(login, supervisor, settings):
    settings.DEMO_MODE = False
    assert login(supervisor).get(URL).status_code == 404


def test_late_texts_arrive_by_the_chosen_time(
    login, supervisor, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = gateway.PATH
    GatewayRule.objects.create(behaviour=Behaviour.DELAYED, delay_minutes=180)
    with django_capture_on_commit_callbacks(execute=True):
        filing, _, _ = submitted_filing()
    texts = SmsMessage.objects.filter(filing=filing)
    assert {t.report for t in texts} == {DeliveryReport.AWAITING}
    later = timezone.now().astimezone(BEIJING) + datetime.timedelta(hours=4)
    response = login(supervisor).post(
        URL,
        {
            "when_0": later.strftime("%Y-%m-%d"),
            "when_1": later.strftime("%H:%M"),
            "confirmed": "1",
        },
        follow=True,
    )
    assert "4 late texts arrived by then." in response.content.decode()
    assert {t.report for t in texts.all()} == {DeliveryReport.DELIVERED}
