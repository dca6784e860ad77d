"""A worker that dies while sending a text: the message shows "sending" to staff,
the deadline sweep settles it, no code is sent twice and no verification is lost."""

import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from filings.models import AuditEvent
from tests.conftest import postgres_only
from tests.verification.helpers import CODE_RE, submitted_filing, verify_person
from verification import actions, deadlines, tasks
from verification.models import SmsKind, SmsMessage, SmsStatus

LATER = datetime.timedelta(seconds=settings.SMS_INTERRUPTED_AFTER_SECONDS + 1)


class WorkerDied(BaseException):
    """Stands in for the process going away (not an Exception: nothing catches it)."""


def dying_send(self, message):
    raise WorkerDied


def code_of(message):
    return CODE_RE.search(message.text).group(1)


def interrupted_code_message(monkeypatch):
    """A pending filing whose leader's code message died mid-send."""
    monkeypatch.setattr(settings, "SMS_BACKEND", "locmem")
    filing, leader, admin = submitted_filing()
    message = SmsMessage.objects.filter(
        recipient=leader.mobile, kind=SmsKind.VERIFICATION_CODE
    ).get()
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.QUEUED)
    from verification.sms.locmem import LocmemBackend

    monkeypatch.setattr(LocmemBackend, "send", dying_send)
    with pytest.raises(WorkerDied):
        tasks.deliver_sms.call(message.pk)
    monkeypatch.undo()
    monkeypatch.setattr(settings, "SMS_BACKEND", "locmem")
    message.refresh_from_db()
    return filing, leader, message


@pytest.mark.django_db
def test_the_message_stays_visibly_sending(monkeypatch, client):
    _, leader, message = interrupted_code_message(monkeypatch)
    assert (message.status, message.attempts) == (SmsStatus.SENDING, 1)
    assert message.attempted_at is not None
    staff = User.objects.create_superuser("ops", "ops@example.com", "pw-ops-123456")
    client.force_login(staff)
    page = client.get(f"/admin/verification/smsmessage/{message.pk}/change/")
    assert page.status_code == 200
    assert "Sending" in page.content.decode() or "发送中" in page.content.decode()
    # A sweep before the grace period leaves it alone: it may still be in flight.
    assert deadlines.process_deadlines().interrupted_sms == 0
    message.refresh_from_db()
    assert message.status == SmsStatus.SENDING


@pytest.mark.django_db
def test_the_sweep_sends_a_fresh_code_and_never_the_same_one_twice(
    monkeypatch, django_capture_on_commit_callbacks
):
    filing, leader, message = interrupted_code_message(monkeypatch)
    old_code = code_of(message)
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines.recover_interrupted_sms(timezone.now() + LATER) == 1

    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.error == deadlines.INTERRUPTED_ERROR
    fresh = (
        SmsMessage.objects.filter(
            recipient=leader.mobile, kind=SmsKind.VERIFICATION_CODE
        )
        .exclude(pk=message.pk)
        .get()
    )
    assert fresh.status == SmsStatus.SENT
    assert code_of(fresh) != old_code
    assert [m.pk for m in SmsMessage.objects.all() if old_code in m.text] == [
        message.pk
    ]
    event = AuditEvent.objects.filter(filing=filing, event_type="code_resent").get()
    assert event.data["trigger"] == "interrupted_send"
    assert event.actor_kind == "system"
    # The verification is not lost: the old code is dead, the new one works.
    assert verify_person(filing, leader, code=old_code).status == 2
    assert verify_person(filing, leader, code=code_of(fresh)).status == 31
    # Settled once: a second sweep finds nothing.
    assert deadlines.recover_interrupted_sms(timezone.now() + LATER) == 0


@pytest.mark.django_db
def test_no_fresh_code_when_a_newer_one_was_issued_meanwhile(monkeypatch):
    filing, leader, message = interrupted_code_message(monkeypatch)
    actions.resend(actions.CENTRAL, leader.mobile, leader.certificate_number[-6:])
    codes_before = SmsMessage.objects.filter(kind=SmsKind.VERIFICATION_CODE).count()
    assert deadlines.recover_interrupted_sms(timezone.now() + LATER) == 1
    assert SmsMessage.objects.filter(kind=SmsKind.VERIFICATION_CODE).count() == (
        codes_before
    )


@pytest.mark.django_db
def test_an_interrupted_notification_is_queued_again_and_sent(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(settings, "SMS_BACKEND", "locmem")
    filing, leader, _ = submitted_filing()
    notice = SmsMessage.objects.filter(kind=SmsKind.NOTIFICATION).first()
    SmsMessage.objects.filter(pk=notice.pk).update(
        status=SmsStatus.SENDING,
        attempts=1,
        attempted_at=timezone.now() - LATER,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines.process_deadlines().interrupted_sms == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (SmsStatus.SENT, 2)


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_worker_process_killed_mid_send(monkeypatch):
    """A real process dies inside the gateway call: its claim is committed, the
    message is "sending", and the sweep recovers the verification."""
    monkeypatch.setattr(settings, "SMS_BACKEND", "locmem")
    filing, leader, _ = submitted_filing()
    message = SmsMessage.objects.filter(
        recipient=leader.mobile, kind=SmsKind.VERIFICATION_CODE
    ).get()
    # Delivered at commit by the immediate backend; queue it again for the worker.
    SmsMessage.objects.filter(pk=message.pk).update(
        status=SmsStatus.QUEUED, attempts=0, sent_at=None
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "icpportal.settings",
        "DEBUG": "true",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "SMS_BACKEND": "tests.hardening.dying_backend.DyingBackend",
    }
    worker = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from verification.tasks import deliver_sms; "
            f"deliver_sms.call({message.pk})",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert worker.returncode == 9, worker.stderr.decode()[-2000:]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENDING, 1)
    assert message.backend == "tests.hardening.dying_backend.DyingBackend"

    assert deadlines.recover_interrupted_sms(timezone.now() + LATER) == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    fresh = SmsMessage.objects.filter(
        recipient=leader.mobile, kind=SmsKind.VERIFICATION_CODE, pk__gt=message.pk
    ).get()
    assert fresh.status == SmsStatus.SENT
    assert verify_person(filing, leader, code=code_of(fresh)).status == 31
