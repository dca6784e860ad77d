"""A gateway that sends delivery reports: a text it took waits for its report, a code
counts as delivered only when the report says the phone got it, and a text is
reported on once."""

import datetime

import pytest
from django.utils import timezone

from tests.verification.helpers import submitted_filing
from verification.models import DeliveryReport, SmsKind, SmsMessage, SmsStatus
from verification.sms.base import BaseSmsBackend
from verification.tasks import ReportRefused, record_delivery_report

pytestmark = pytest.mark.django_db


class ReportingBackend(BaseSmsBackend):
    """Takes every text; its reports come later."""

    reports_delivery = True

    def send(self, message):
        return f"rep-{message.pk}"


@pytest.fixture
def reporting(settings):
    settings.SMS_BACKEND = f"{__name__}.ReportingBackend"


def _code_text(capture):
    with capture(execute=True):
        filing, leader, _ = submitted_filing()
    message = SmsMessage.objects.get(
        recipient=leader.mobile, kind=SmsKind.VERIFICATION_CODE
    )
    return filing, message


def test_a_taken_text_waits_for_its_report(
    reporting, django_capture_on_commit_callbacks
):
    _, message = _code_text(django_capture_on_commit_callbacks)
    assert message.status == SmsStatus.SENT and message.gateway_id.startswith("rep-")
    assert message.report == DeliveryReport.AWAITING
    assert message.verification.code_delivered_at is None


def test_a_delivered_report_counts_the_code_delivered(
    reporting, django_capture_on_commit_callbacks
):
    _, message = _code_text(django_capture_on_commit_callbacks)
    later = timezone.now() + datetime.timedelta(minutes=7)
    record_delivery_report(
        message, delivered=True, code="DELIVRD", when=later, copies=2
    )
    message.refresh_from_db()
    assert (message.report, message.report_code, message.copies) == (
        DeliveryReport.DELIVERED,
        "DELIVRD",
        2,
    )
    assert message.reported_at == later
    assert message.verification.code_delivered_at == later


def test_an_undelivered_report_leaves_the_code_undelivered(
    reporting, django_capture_on_commit_callbacks
):
    _, message = _code_text(django_capture_on_commit_callbacks)
    record_delivery_report(message, delivered=False, code="UNDELIV")
    message.refresh_from_db()
    assert message.report == DeliveryReport.UNDELIVERED and message.copies == 0
    assert message.verification.code_delivered_at is None


def test_a_text_is_reported_on_once(reporting, django_capture_on_commit_callbacks):
    _, message = _code_text(django_capture_on_commit_callbacks)
    record_delivery_report(message, delivered=False, code="UNDELIV")
    with pytest.raises(ReportRefused):
        record_delivery_report(message, delivered=True, code="DELIVRD")
    message.refresh_from_db()
    assert message.report == DeliveryReport.UNDELIVERED


def test_a_gateway_without_reports_delivers_on_taking(
    settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "database"
    _, message = _code_text(django_capture_on_commit_callbacks)
    assert message.report == ""
    assert message.verification.code_delivered_at == message.sent_at
    with pytest.raises(ReportRefused):
        record_delivery_report(message, delivered=True, code="DELIVRD")
