"""A text whose task was lost (the only worker killed right after taking it) is
queued again by the deadline sweep; the task row its worker left running is marked
failed; a text that some queued task will still send is left alone."""

import datetime

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from infra import task_rows
from tests.verification.helpers import CODE_RE, submitted_filing, verify_person
from verification import deadlines, tasks
from verification.models import SmsKind, SmsMessage, SmsStatus, VerificationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_in_database(settings, django_capture_on_commit_callbacks):
    """Tasks queued as rows, as in production (the submission's commit queues its
    texts' tasks); texts land in the outbox table. Returns the submission."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SMS_BACKEND = "database"

    def submit():
        with django_capture_on_commit_callbacks(execute=True):
            return submitted_filing()

    return submit


def code_message(mobile):
    return SmsMessage.objects.get(recipient=mobile, kind=SmsKind.VERIFICATION_CODE)


def queued_long_ago(message, seconds=600):
    SmsMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def task_row(message):
    return DBTaskResult.objects.get(
        task_path=tasks.deliver_sms.module_path, args_kwargs__args__0=message.pk
    )


def worker_took_and_died(message):
    """What a worker killed right after its claim leaves: the task row running,
    the text still queued."""
    task_row(message).claim("dead-worker")


def test_a_text_whose_worker_died_after_taking_it_is_sent_by_the_sweep(
    queued_in_database, django_capture_on_commit_callbacks
):
    filing, leader, _ = queued_in_database()
    message = code_message(leader.mobile)
    assert message.status == SmsStatus.QUEUED
    worker_took_and_died(message)
    queued_long_ago(message)

    with django_capture_on_commit_callbacks(execute=True):
        report = deadlines.process_deadlines()
    assert report.stranded_sms == 1
    dead = DBTaskResult.objects.get(
        task_path=tasks.deliver_sms.module_path,
        args_kwargs__args__0=message.pk,
        status=TaskResultStatus.FAILED,
    )
    assert dead.exception_class_path == task_rows.WORKER_LOST
    fresh = DBTaskResult.objects.get(
        task_path=tasks.deliver_sms.module_path,
        args_kwargs__args__0=message.pk,
        status=TaskResultStatus.READY,
    )
    message.refresh_from_db()
    assert (message.status, message.error) == (
        SmsStatus.QUEUED,
        deadlines.STRANDED_ERROR,
    )

    tasks.deliver_sms.call(*fresh.args_kwargs["args"])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 1)
    # The same code, sent once, works.
    code = CODE_RE.search(message.text).group(1)
    assert verify_person(filing, leader, code=code).status in (3, 31)
    # Settled: the next sweep finds nothing.
    assert deadlines.process_deadlines().stranded_sms == 0


def test_a_text_a_queued_task_will_send_is_left_alone(queued_in_database):
    """Its task waits in the queue (a backlog, or a retry deferred with back-off)."""
    _, leader, _ = queued_in_database()
    message = code_message(leader.mobile)
    queued_long_ago(message)
    assert deadlines.requeue_stranded_sms() == 0
    assert task_row(message).status == TaskResultStatus.READY


def test_a_text_queued_a_moment_ago_is_left_alone(queued_in_database):
    _, leader, _ = queued_in_database()
    message = code_message(leader.mobile)
    worker_took_and_died(message)
    queued_long_ago(message, seconds=30)
    assert deadlines.requeue_stranded_sms() == 0
    assert task_row(message).status == TaskResultStatus.RUNNING


def test_after_a_failed_attempt_the_wait_counts_from_that_attempt(
    queued_in_database, settings
):
    _, leader, _ = queued_in_database()
    message = code_message(leader.mobile)
    worker_took_and_died(message)
    queued_long_ago(message)
    SmsMessage.objects.filter(pk=message.pk).update(
        attempts=1, attempted_at=timezone.now() - datetime.timedelta(seconds=60)
    )
    assert deadlines.requeue_stranded_sms() == 0
    later = timezone.now() + datetime.timedelta(
        seconds=settings.SMS_STALE_QUEUED_SECONDS
    )
    assert deadlines.requeue_stranded_sms(later) == 1


def test_a_code_for_a_verification_no_longer_pending_is_not_sent(queued_in_database):
    filing, leader, _ = queued_in_database()
    message = code_message(leader.mobile)
    worker_took_and_died(message)
    queued_long_ago(message)
    filing.verifications.update(status=VerificationStatus.EXPIRED)
    assert deadlines.requeue_stranded_sms() == 1
    message.refresh_from_db()
    assert (message.status, message.error) == (
        SmsStatus.FAILED,
        deadlines.STRANDED_CLOSED_ERROR,
    )
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        args_kwargs__args__0=message.pk, task_path=tasks.deliver_sms.module_path
    )


def test_with_the_immediate_backend_the_sweep_sends_it_at_once(
    settings, django_capture_on_commit_callbacks
):
    """No task rows to ask: a text still queued that long was lost in the process
    that queued it."""
    settings.SMS_BACKEND = "locmem"
    _, leader, _ = submitted_filing()
    message = code_message(leader.mobile)
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.QUEUED)
    queued_long_ago(message)
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines.requeue_stranded_sms() == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_a_task_row_left_running_is_reaped_after_the_limit(
    queued_in_database, settings
):
    _, leader, _ = queued_in_database()
    message = code_message(leader.mobile)
    worker_took_and_died(message)
    assert task_rows.reap(settings.TASK_STALE_RUNNING_SECONDS) == 0
    later = timezone.now() + datetime.timedelta(
        seconds=settings.TASK_STALE_RUNNING_SECONDS + 1
    )
    assert task_rows.stale_running(settings.TASK_STALE_RUNNING_SECONDS, now=later) == 1
    assert task_rows.reap(settings.TASK_STALE_RUNNING_SECONDS, now=later) == 1
    row = task_row(message)
    assert (row.status, row.exception_class_path) == (
        TaskResultStatus.FAILED,
        task_rows.WORKER_LOST,
    )
