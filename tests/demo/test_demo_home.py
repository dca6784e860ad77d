"""The demo landing page: "try it" creates a filing and leads to the demo phone."""

import re

import pytest

from filings.models import FilingApplication
from tests.portal.helpers import banner, post_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = "database"


def test_landing_explains_in_both_languages(client):
    html = client.get("/demo/").content.decode()
    assert "ICP备案短信核验" in html and 'id="try-it"' in html
    client.cookies["django_language"] = "en"
    html = client.get("/demo/").content.decode()
    assert "texts a 6-digit code" in html


def test_landing_describes_the_work_queue_in_both_languages(client, settings):
    settings.QUEUE_DEADLINE_HOURS = 8
    html = client.get("/demo/").content.decode()
    assert 'href="/admin/queue/"' in html
    assert "截止时间在 8 小时内" in html
    client.cookies["django_language"] = "en"
    html = client.get("/demo/").content.decode()
    assert "a deadline within 8 hours with someone still to verify" in html
    assert "“Customer never got the text”" in html


def test_landing_lists_the_training_scenarios_for_staff(client):
    html = client.get("/demo/").content.decode()
    assert 'href="/demo/training/"' in html and "重发次数已达上限" in html
    client.cookies["django_language"] = "en"
    html = client.get("/demo/").content.decode()
    assert "For support staff: training scenarios" in html
    assert "The resend limit is reached" in html


def test_try_it_leads_through_the_phone_to_a_verification(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/demo/")
    assert response.status_code == 303
    phone = client.get(response["Location"]).content.decode()
    identity = client.session["demo_identity"]
    filing = FilingApplication.objects.get(reference=identity["reference"])
    assert filing.status == "pending_verification"
    assert identity["mobile"] in phone and identity["cert_last6"] in phone
    code = re.search(r"验证码为(\d{6})", phone).group(1)
    page = post_form(
        client,
        "/verify/",
        {
            "code": code,
            "mobile": identity["mobile"],
            "cert_last6": identity["cert_last6"],
        },
    )
    assert banner(page)[0] == 3


def test_not_outside_demo_mode(client, settings):
    settings.DEMO_MODE = False
    assert client.get("/demo/").status_code == 404
    assert client.post("/demo/").status_code == 404
