"""A carrier's delivery report as staff read it: on the filing page's timeline and in
the texts list, in words with the carrier's code; a text reported undelivered puts
its filing in the work queue."""

import datetime

import pytest
from django.utils import timezone, translation

from console import queue, timeline
from tests.console.conftest import change_url
from tests.console.test_filing_page import text_of
from tests.console.test_queue import reasons_of
from tests.verification.helpers import submitted_filing
from verification.models import SmsKind, SmsMessage
from verification.tasks import record_delivery_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reporting(settings):
    settings.SMS_BACKEND = "tests.verification.test_delivery_reports.ReportingBackend"


def _code_text(capture):
    with capture(execute=True):
        filing, leader, _ = submitted_filing()
    return filing, SmsMessage.objects.get(
        recipient=leader.mobile, kind=SmsKind.VERIFICATION_CODE
    )


def _state(message):
    message.refresh_from_db()
    with translation.override("en"):
        return timeline.text_state(message)


def test_awaiting_delivered_late_and_twice(django_capture_on_commit_callbacks):
    _, message = _code_text(django_capture_on_commit_callbacks)
    assert _state(message) == "taken by the gateway; no delivery report yet"
    later = message.sent_at + datetime.timedelta(minutes=30)
    record_delivery_report(
        message, delivered=True, code="DELIVRD", when=later, copies=2
    )
    when = timeline.beijing(later)
    assert _state(message) == (
        f"delivered to the phone at {when}, 30 min after the gateway took it, "
        "2 times (the carrier delivered it again)"
    )


def test_undelivered_in_both_languages(django_capture_on_commit_callbacks):
    _, message = _code_text(django_capture_on_commit_callbacks)
    record_delivery_report(message, delivered=False, code="UNDELIV")
    state = _state(message)
    assert state.startswith("taken by the gateway, but not delivered to the phone: ")
    assert "the carrier could not deliver it to the phone" in state
    assert state.endswith(": UNDELIV)")
    with translation.override("zh-hans"):
        assert "运营商" in timeline.text_state(message)


def test_the_filing_page_and_the_queue_show_an_undelivered_code(
    client, login, agent, django_capture_on_commit_callbacks
):
    filing, message = _code_text(django_capture_on_commit_callbacks)
    assert reasons_of(agent, filing) is None
    record_delivery_report(
        message, delivered=False, code="EXPIRED", when=timezone.now()
    )
    row = reasons_of(agent, filing)
    assert set(row.reasons) == {queue.TEXT_FAILED}
    login(agent)
    client.cookies["django_language"] = "en"
    page = text_of(client.get(change_url(filing)))
    assert "the phone stayed off or out of reach until the carrier gave up" in page
    html = client.get("/admin/verification/smsmessage/").content.decode()
    assert "EXPIRED" in html
