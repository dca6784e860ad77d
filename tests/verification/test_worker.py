"""The production path: tasks queued in the database and run by `db_worker`."""

import pytest
from django.core.management import call_command

from tests.factories import FilingFactory
from tests.verification.test_sms_delivery import FlakyBackend
from verification import moves
from verification.models import SmsMessage
from verification.sms import locmem

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_tasks(settings, reference_data):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def test_messages_wait_for_the_worker(database_tasks):
    moves.submit_filing(FilingFactory())
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"queued"}
    assert locmem.outbox == []
    run_worker()
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert len(locmem.outbox) == 4


def test_a_failed_send_is_deferred_for_a_later_attempt(database_tasks, settings):
    from django_tasks_db.models import DBTaskResult

    settings.SMS_BACKEND = "tests.verification.test_sms_delivery.FlakyBackend"
    settings.SMS_RETRY_DELAY_SECONDS = 0
    FlakyBackend.calls, FlakyBackend.failures = 0, 1
    moves.submit_filing(FilingFactory(filing_type="cancel_access"))
    run_worker()
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts) == ("sent", 2)
    sms_tasks = DBTaskResult.objects.filter(task_path__endswith=".deliver_sms")
    assert sms_tasks.count() == 2  # the first try and its deferred retry
