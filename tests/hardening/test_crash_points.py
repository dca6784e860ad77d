"""A real task worker killed at every step boundary of the text path and of the
webhook path, the only worker there is: after the sweeps and a fresh worker, each
code reached the phone exactly once, or was marked failed and a fresh code was sent
(and works); each webhook event was delivered (at least once, under one id); no
task row is left running and no text is left waiting."""

import collections
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from filings.models import Provider, ProviderEvent
from infra import task_rows
from integrations import tasks as webhook_tasks
from integrations import webhooks
from integrations.models import DeliveryStatus, WebhookDelivery
from tests.api.receiver import Receiver
from tests.conftest import postgres_only
from tests.hardening.crashing_worker import DIED
from tests.servers import database_url
from tests.verification.helpers import CODE_RE, submitted_filing, verify_person
from verification import deadlines
from verification.models import SmsKind, SmsMessage, SmsStatus

SMS_POINTS = [
    "sms:task_claimed",
    "sms:sending",
    "sms:gateway_answered",
    "sms:before_sent",
    "sms:after_sent",
]
WEBHOOK_POINTS = [
    "webhook:task_claimed",
    "webhook:sending",
    "webhook:receiver_answered",
    "webhook:after_settled",
]

pytestmark = [
    postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def deployment(settings, tmp_path):
    """The test process queues tasks in the database, as the web nodes do; the
    sweeps treat anything older than now as stale, so no test waits minutes."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SMS_BACKEND = "tests.hardening.phone_backend.PhoneBackend"
    settings.SMS_STALE_QUEUED_SECONDS = 0
    settings.SMS_INTERRUPTED_AFTER_SECONDS = 0
    settings.TASK_STALE_RUNNING_SECONDS = 0
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    # A send counts as stalled a few timeouts after its claim (the sweep's rule):
    # at once here, in the sweep's process only.
    settings.WEBHOOK_TIMEOUT_SECONDS = 0
    phone = tmp_path / "phone.jsonl"
    phone.touch()
    return phone


def run_worker(phone, crash_at=""):
    """The worker as its own process; returns its exit code."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "icpportal.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "TASK_BACKEND": "database",
        "SMS_BACKEND": "tests.hardening.phone_backend.PhoneBackend",
        "PHONE_FILE": str(phone),
        "WEBHOOKS_ALLOW_PRIVATE": "true",
        "CRASH_AT": crash_at,
    }
    worker = subprocess.run(
        [sys.executable, "tests/hardening/crashing_worker.py"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        timeout=120,
    )
    return worker.returncode, worker.stderr.decode()[-3000:]


def on_phone(phone, by="text"):
    """How many times each text reached the phone, by its text (or message id)."""
    lines = [json.loads(line) for line in phone.read_text().splitlines() if line]
    return collections.Counter(line[by] for line in lines)


def recover(phone):
    """What an operator's timers do after a worker died: the sweeps, then a worker."""
    deadlines.process_deadlines()
    webhook_tasks.sweep()
    code, errors = run_worker(phone)
    assert code == 0, errors
    # A sweep after the fresh worker finds nothing left (and a second worker runs
    # what the sweep may have queued at the last moment).
    deadlines.process_deadlines()
    code, errors = run_worker(phone)
    assert code == 0, errors


def assert_nothing_left_running():
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    assert not SmsMessage.objects.filter(
        status__in=[SmsStatus.QUEUED, SmsStatus.SENDING]
    ).exists()


@pytest.mark.parametrize("point", SMS_POINTS)
def test_a_code_is_delivered_once_or_replaced(deployment, point):
    phone = deployment
    filing, leader, admin = submitted_filing()
    assert SmsMessage.objects.filter(status=SmsStatus.QUEUED).count() == 4

    code, errors = run_worker(phone, crash_at=point)
    assert code == DIED, errors
    assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 1

    recover(phone)

    assert_nothing_left_running()
    reaped = DBTaskResult.objects.filter(exception_class_path=task_rows.WORKER_LOST)
    assert reaped.count() == 1
    texts = on_phone(phone)
    for person in (leader, admin):
        codes = list(
            SmsMessage.objects.filter(
                recipient=person.mobile, kind=SmsKind.VERIFICATION_CODE
            ).order_by("pk")
        )
        for message in codes:
            if message.status == SmsStatus.SENT:
                assert texts[message.text] == 1, (point, message.pk)
            else:
                # Failed: the gateway may have taken it; a fresh code was sent.
                assert message.status == SmsStatus.FAILED
                assert message.error == deadlines.INTERRUPTED_ERROR
                assert texts[message.text] <= 1
                assert codes[-1].pk > message.pk
        assert codes[-1].status == SmsStatus.SENT
        # Codes differ, so a code on the phone twice would be a text sent twice.
        assert all(texts[m.text] <= 1 for m in codes)
        latest = CODE_RE.search(codes[-1].text).group(1)
        assert verify_person(filing, person, code=latest).status in (3, 31)
    notices = SmsMessage.objects.filter(kind=SmsKind.NOTIFICATION)
    by_id = on_phone(phone, by="id")
    assert [(m.status, by_id[m.pk]) for m in notices] == [(SmsStatus.SENT, 1)] * 2


@pytest.mark.parametrize("point", WEBHOOK_POINTS)
def test_every_webhook_event_is_delivered(deployment, point):
    phone = deployment
    receiver = Receiver().start()
    try:
        for provider in Provider.objects.all():
            webhooks.create_endpoint(provider, receiver.url)
        filing, _, _ = submitted_filing()
        receiver.secret = filing.provider.webhook_endpoints.get().secret

        code, errors = run_worker(phone, crash_at=point)
        assert code == DIED, errors
        recover(phone)

        assert_nothing_left_running()
        events = {f"evt_{e.pk}" for e in ProviderEvent.objects.all()}
        assert events
        assert not receiver.refused
        delivered = collections.Counter(p["webhook-id"] for p in receiver.received)
        assert set(delivered) == events, point
        # At least once: only the delivery cut off after the receiver answered
        # may arrive twice, always under its one id.
        assert sum(delivered.values()) - len(events) <= 1
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
            DeliveryStatus.DELIVERED
        }
    finally:
        receiver.stop()
