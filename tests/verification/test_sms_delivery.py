"""Messages: recorded, enqueued on commit, delivered by the configured backend,
retried on failure; senders and texts by policy."""

import io

import pytest
from django.db import transaction

from tests.factories import FilingFactory, PersonFactory
from tests.verification.helpers import latest_code, submitted_filing
from verification import messages, moves
from verification.models import SmsMessage
from verification.sms import SmsSendError, get_backend, locmem
from verification.sms.base import BaseSmsBackend
from verification.sms.console import ConsoleBackend
from verification.tasks import deliver_sms

pytestmark = pytest.mark.django_db


class FlakyBackend(BaseSmsBackend):
    """Fails `failures` times, then delivers."""

    failures = 2
    calls = 0

    def send(self, message):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise SmsSendError("gateway timeout")
        return f"gw-{message.pk}"


class RejectingBackend(BaseSmsBackend):
    def send(self, message):
        raise SmsSendError("isv.MOBILE_NUMBER_ILLEGAL: bad number", retryable=False)


def test_submission_texts_a_notification_and_each_code(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        filing, leader, admin = submitted_filing()
    kinds = [(m.recipient, m.kind) for m in locmem.outbox]
    assert kinds == [
        (leader.mobile, "notification"),
        (admin.mobile, "notification"),
        (leader.mobile, "verification_code"),
        (admin.mobile, "verification_code"),
    ]
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert all(m.attempts == 1 and m.sent_at for m in SmsMessage.objects.all())


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submitted_filing()
        raise RuntimeError("provider connection dropped")
    assert locmem.outbox == []
    assert SmsMessage.objects.count() == 0


def test_failed_sends_are_retried_until_delivered(
    settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls, FlakyBackend.failures = 0, 2
    filing = FilingFactory(filing_type="cancel_access")  # one notification, no code
    with django_capture_on_commit_callbacks(execute=True):
        moves.submit_filing(filing)
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts, message.gateway_id) == (
        "sent",
        3,
        f"gw-{message.pk}",
    )
    assert message.error == ""


def test_a_send_that_keeps_failing_is_marked_failed_with_its_error(
    settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = f"{__name__}.FlakyBackend"
    settings.SMS_MAX_ATTEMPTS = 3
    FlakyBackend.calls, FlakyBackend.failures = 0, 99
    filing = FilingFactory(filing_type="cancel_access")
    with django_capture_on_commit_callbacks(execute=True):
        moves.submit_filing(filing)
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts, message.error) == (
        "failed",
        3,
        "gateway timeout",
    )


def test_a_permanent_rejection_is_not_retried(
    settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = f"{__name__}.RejectingBackend"
    filing = FilingFactory(filing_type="cancel_access")
    with django_capture_on_commit_callbacks(execute=True):
        moves.submit_filing(filing)
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts) == ("failed", 1)
    assert "MOBILE_NUMBER_ILLEGAL" in message.error


def test_a_message_is_never_sent_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submitted_filing(same_person=True)
    code_message = SmsMessage.objects.get(kind="verification_code")
    sent = len(locmem.outbox)
    deliver_sms.enqueue(code_message.pk)  # e.g. a duplicate task after a worker restart
    assert len(locmem.outbox) == sent
    assert SmsMessage.objects.get(pk=code_message.pk).attempts == 1


def test_database_backend_marks_messages_sent(
    settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "database"
    with django_capture_on_commit_callbacks(execute=True):
        submitted_filing()
    rows = SmsMessage.objects.all()
    assert {m.status for m in rows} == {"sent"}
    assert {m.backend for m in rows} == {"verification.sms.database.DatabaseBackend"}
    assert locmem.outbox == []


def test_console_backend_prints_the_message():
    stream = io.StringIO()
    message = SmsMessage(sender="12381", recipient="13800138000", text="hello")
    ConsoleBackend(stream).send(message)
    assert stream.getvalue() == "SMS from 12381 to 13800138000: hello\n"


def test_backend_names_resolve(settings):
    for name, cls in [
        ("console", "ConsoleBackend"),
        ("locmem", "LocmemBackend"),
        ("database", "DatabaseBackend"),
        ("aliyun", "AliyunBackend"),
        ("tencent", "TencentBackend"),
    ]:
        assert type(get_backend(name)).__name__ == cls


@pytest.mark.parametrize(
    ("policy", "mobile", "sender"),
    [
        ("pilot-2017", "13800138000", "106575000130"),  # China Mobile
        ("pilot-2017", "13012345678", "10655113"),  # China Unicom
        ("provincial-2019", "18912345678", "106598051001"),  # China Telecom
        ("provincial-2019", "17012345678", "106598051001"),  # virtual, Telecom host
        ("provincial-2019", "17031234567", "106575000130"),  # virtual, Mobile host
        ("provincial-2019", "17041234567", "10655113"),  # virtual, Unicom host
        ("provincial-2019", "16212345678", "106598051001"),  # 162: Telecom MVNO
        ("provincial-2019", "16512345678", "106575000130"),  # 165: Mobile MVNO
        ("provincial-2019", "16712345678", "10655113"),  # 167: Unicom MVNO
        ("provincial-2019", "19212345678", "106575000130"),  # Broadnet on Mobile
        ("miit-2020", "13012345678", "12381"),
        ("miit-current", "18912345678", "12381"),
    ],
)
def test_code_sender(policy, mobile, sender):
    assert messages.code_sender(policy, mobile) == sender


@pytest.mark.parametrize(
    ("policy", "hours", "path"),
    [
        ("pilot-2017", 48, "/p/gs/verify/"),
        ("provincial-2019", 48, "/p/sd/verify/"),
        ("miit-2020", 24, "/verify/"),
        ("miit-current", 24, "/verify/"),
    ],
)
def test_code_text(policy, hours, path):
    filing, leader, _ = submitted_filing(policy)
    message = SmsMessage.objects.filter(
        recipient=leader.mobile, kind="verification_code"
    ).get()
    code = latest_code(leader.mobile)
    assert f"验证码为{code}" in message.text
    assert f"{hours}小时内有效" in message.text
    assert f"http://testserver{path}" in message.text
    assert "模拟" in message.text and "miit.gov.cn" not in message.text
    assert message.sender == messages.code_sender(policy, leader.mobile)


def test_notification_comes_from_the_provider():
    person = PersonFactory()
    filing = FilingFactory(subject__leader=person, provider__code="aliyun")
    moves.submit_filing(filing)
    notice = SmsMessage.objects.get(recipient=person.mobile, kind="notification")
    assert notice.sender == "1069000000101"
    assert notice.text.startswith("【阿里云】")
    assert filing.reference in notice.text
