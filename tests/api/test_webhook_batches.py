"""Deliveries sent in batches by one task each, in the order of their events; at the
first failure the rest go on tasks of their own, and a batch that has sent for its
time puts the rest back in the queue."""

import pytest
from django_tasks_db.models import DBTaskResult

from filings.models import Provider
from integrations import tasks
from integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.api.conftest import run_worker
from tests.factories import FilingFactory
from verification import moves

pytestmark = pytest.mark.django_db(transaction=True)


def submit(count):
    aliyun = Provider.objects.get(code="aliyun")
    for _ in range(count):
        moves.submit_filing(FilingFactory(provider=aliyun))


def queue_one_batch():
    """The commits' own dispatchers (and texts) dropped from the queue: the sweep
    dispatches every event in one go and queues their deliveries as one batch."""
    DBTaskResult.objects.all().delete()
    tasks.sweep()


def tasks_named(name):
    return DBTaskResult.objects.filter(task_path__endswith=f".{name}")


def test_one_task_sends_a_dispatch_in_order(worker_receiver):
    submit(3)
    queue_one_batch()
    run_worker()
    ids = [p["id"] for p in worker_receiver.received]
    assert len(ids) == 3
    assert ids == sorted(ids, key=lambda i: int(i.removeprefix("evt_")))
    assert tasks_named("deliver_webhooks").count() == 1
    assert not tasks_named("deliver_webhook").exists()


def test_at_the_first_failure_the_rest_go_on_tasks_of_their_own(
    worker_receiver, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 300]
    submit(3)
    worker_receiver.answer = 500
    queue_one_batch()
    run_worker()
    assert tasks_named("deliver_webhooks").count() == 1
    # the batch tried the first; the other two were tried on tasks of their own
    assert WebhookAttempt.objects.filter(status_code=500).count() == 3
    assert tasks_named("deliver_webhook").filter(status="SUCCESSFUL").count() == 2
    # and every delivery's next attempt waits in the queue, 5 minutes on
    assert tasks_named("deliver_webhook").filter(status="READY").count() == 3
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {
        (DeliveryStatus.PENDING, 1)
    }


def test_a_batch_that_has_sent_for_its_time_puts_the_rest_back(
    worker_receiver, monkeypatch
):
    monkeypatch.setattr(tasks, "DELIVERY_BATCH_SECONDS", 0)  # one send uses it up
    submit(3)
    queue_one_batch()
    run_worker()
    assert len(worker_receiver.received) == 3
    # one send each: the first batch of three, then of two, then of one
    batches = [len(t.args_kwargs["args"][0]) for t in tasks_named("deliver_webhooks")]
    assert sorted(batches) == [1, 2, 3]
