"""The training gateway, through the engine: each behaviour a supervisor sets shows in
the delivery record, the engine's retries and the demo phone; none of it outside demo
mode."""

import datetime
import itertools

import pytest
from django.core import checks
from django.utils import timezone

from demo import gateway
from demo.models import Behaviour, GatewayRule, PlannedReport
from demo.views import phone_inbox
from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from verification import moves
from verification.models import (
    DeliveryFailure,
    DeliveryReport,
    SmsKind,
    SmsMessage,
    SmsStatus,
)

pytestmark = pytest.mark.django_db

CHINA_MOBILE, CHINA_UNICOM, CHINA_TELECOM = "13800138", "13000130", "13300133"


@pytest.fixture
def training(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = gateway.PATH
    settings.SMS_MAX_ATTEMPTS = 3


def rule(behaviour, carrier="", **values):
    return GatewayRule.objects.create(carrier=carrier, behaviour=behaviour, **values)


FRESH = itertools.count(1)  # the last digits of each new number


def code_to(prefix, capture):
    """Submit a filing whose leader and administrator share a mobile starting with
    `prefix` (one code); return that code's text."""
    person = PersonFactory(mobile=f"{prefix}{next(FRESH):03d}")
    filing = FilingFactory(policy="miit-current", subject__leader=person, services=[])
    filing.services.add(ServiceFactory(subject=filing.subject, administrator=person))
    with capture(execute=True):
        moves.submit_filing(filing)
    return SmsMessage.objects.get(
        recipient=person.mobile, kind=SmsKind.VERIFICATION_CODE
    )


def test_with_no_rule_a_text_is_delivered_at_once(
    training, django_capture_on_commit_callbacks
):
    text = code_to(CHINA_MOBILE, django_capture_on_commit_callbacks)
    assert (text.status, text.report, text.report_code) == (
        SmsStatus.SENT,
        DeliveryReport.DELIVERED,
        "DELIVRD",
    )
    assert text.gateway_id == f"TRN{text.pk:09d}"
    assert text.verification.code_delivered_at == text.reported_at
    assert [t.pk for t in phone_inbox(text.recipient)].count(text.pk) == 1


def test_a_late_text_arrives_when_due(
    training, client, django_capture_on_commit_callbacks
):
    rule(Behaviour.DELAYED, delay_minutes=30)
    text = code_to(CHINA_UNICOM, django_capture_on_commit_callbacks)
    assert (text.status, text.report) == (SmsStatus.SENT, DeliveryReport.AWAITING)
    assert text.verification.code_delivered_at is None
    assert phone_inbox(text.recipient) == []
    due = PlannedReport.objects.get(message=text).due_at
    assert gateway.push_due_reports(due - datetime.timedelta(minutes=1)) == 0
    assert gateway.push_due_reports(due) == 2  # the provider's notice was late too
    text.refresh_from_db()
    assert (text.report, text.reported_at) == (DeliveryReport.DELIVERED, due)
    assert text.verification.code_delivered_at == due
    assert any(t.pk == text.pk for t in phone_inbox(text.recipient))


def test_a_due_report_arrives_with_the_next_request(
    training, client, django_capture_on_commit_callbacks
):
    rule(Behaviour.DELAYED, delay_minutes=5)
    text = code_to(CHINA_UNICOM, django_capture_on_commit_callbacks)
    html = client.get("/demo/phone/", {"mobile": text.recipient}).content.decode()
    assert "验证码为" not in html
    # five minutes later
    PlannedReport.objects.update(due_at=timezone.now() - datetime.timedelta(seconds=1))
    html = client.get("/demo/phone/", {"mobile": text.recipient}).content.decode()
    assert "验证码为" in html
    assert not PlannedReport.objects.exists()


def test_exactly_the_share_is_lost_on_its_carrier_only(
    training, django_capture_on_commit_callbacks
):
    rule(Behaviour.LOST, carrier="China Mobile", lost_percent=50)
    codes = [code_to(CHINA_MOBILE, django_capture_on_commit_callbacks) for _ in "12"]
    # each filing texts its provider's notice, then the code: every second is lost
    texts = SmsMessage.objects.filter(recipient__startswith=CHINA_MOBILE).order_by("id")
    assert [(t.kind, t.report) for t in texts] == [
        ("notification", "delivered"),
        ("verification_code", "undelivered"),
    ] * 2
    lost = codes[0]
    lost.refresh_from_db()
    assert (lost.report_code, lost.copies, lost.status) == ("UNDELIV", 0, "sent")
    assert lost.verification.code_delivered_at is None
    assert [t.kind for t in phone_inbox(lost.recipient)] == ["notification"]
    other = code_to(CHINA_UNICOM, django_capture_on_commit_callbacks)
    assert other.report == DeliveryReport.DELIVERED


def test_a_duplicated_text_is_on_the_phone_twice(
    training, django_capture_on_commit_callbacks
):
    rule(Behaviour.DUPLICATED)
    text = code_to(CHINA_TELECOM, django_capture_on_commit_callbacks)
    assert (text.report, text.copies) == (DeliveryReport.DELIVERED, 2)
    assert [t.pk for t in phone_inbox(text.recipient)].count(text.pk) == 2


def test_a_carrier_down_is_retried_then_given_up(
    training, django_capture_on_commit_callbacks
):
    rule(Behaviour.DOWN, carrier="China Telecom")
    text = code_to(CHINA_TELECOM, django_capture_on_commit_callbacks)
    assert (text.status, text.attempts, text.failure) == (
        SmsStatus.FAILED,
        3,
        DeliveryFailure.CARRIER_DOWN,
    )
    assert text.report == "" and "carrier network unreachable" in text.error
    assert phone_inbox(text.recipient) == []
    assert code_to(CHINA_MOBILE, django_capture_on_commit_callbacks).status == "sent"


def test_a_carrier_back_up_delivers_the_retry(
    training, django_capture_on_commit_callbacks, monkeypatch
):
    down = rule(Behaviour.DOWN, carrier="China Telecom")
    sent = []
    real_send = gateway.TrainingGateway.send

    def send_then_repair(self, message):
        sent.append(message.pk)
        if len(sent) == 2:  # the carrier is back before the second attempt
            GatewayRule.objects.filter(pk=down.pk).update(behaviour=Behaviour.NORMAL)
        return real_send(self, message)

    monkeypatch.setattr(gateway.TrainingGateway, "send", send_then_repair)
    code = code_to(CHINA_TELECOM, django_capture_on_commit_callbacks)
    notice = SmsMessage.objects.get(recipient=code.recipient, kind="notification")
    assert sent[:2] == [notice.pk, notice.pk]
    assert (notice.status, notice.attempts, notice.report) == ("sent", 2, "delivered")
    assert (code.status, code.attempts) == ("sent", 1)


def test_none_of_it_outside_demo_mode(settings, django_capture_on_commit_callbacks):
    settings.DEMO_MODE = False
    settings.SMS_BACKEND = gateway.PATH
    rule(Behaviour.LOST)
    text = code_to(CHINA_MOBILE, django_capture_on_commit_callbacks)
    assert (text.status, text.report) == (SmsStatus.SENT, "")
    assert text.verification.code_delivered_at == text.sent_at
    assert not gateway.in_use()
    errors = checks.run_checks(tags=["sms"])
    assert [e.id for e in errors] == ["demo.E001"]
    settings.DEMO_MODE = True
    assert checks.run_checks(tags=["sms"]) == []
