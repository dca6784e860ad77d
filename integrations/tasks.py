"""The webhooks' background tasks (Django's tasks API): dispatch and delivery.

`events_committed` is what `PROVIDER_EVENT_RECEIVERS` calls once a transaction that
wrote provider events commits. With a backend that can defer (the database one), a
failed delivery is queued again for its next attempt; with the immediate one the
next attempt waits for `manage.py send_webhooks`.
"""

import contextlib
import datetime
import logging
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.tasks import default_task_backend, task

from infra import task_rows
from infra.rates import CACHE_ERRORS
from integrations import webhooks
from integrations.models import DeliveryStatus

logger = logging.getLogger(__name__)

# Set while a dispatcher is queued and has not started: a commit then needs none of
# its own, the queued one reads the outbox after it starts. The expiry bounds what a
# lost key or a long queue can hold back (the next commit queues one anyway).
DISPATCH_QUEUED_KEY = "api:webhooks:dispatcher-queued"
DISPATCH_QUEUED_SECONDS = 30
# Deliveries one task sends, one after the other: the task queue's own work is paid
# once for them all.
DELIVERY_BATCH = 100
# How long a batch task sends before it puts the rest back in the queue.
DELIVERY_BATCH_SECONDS = 15


def _dispatcher_already_queued():
    """True when a dispatcher is queued and not started (the cache says so). A
    cache of this process only (locmem) cannot say it for the workers, and a cache
    that is away says nothing: then every commit queues its own."""
    if isinstance(caches["default"], LocMemCache):
        return False
    try:
        return not cache.add(DISPATCH_QUEUED_KEY, 1, DISPATCH_QUEUED_SECONDS)
    except CACHE_ERRORS as exc:
        logger.warning("Cache unavailable, a dispatcher queued per commit: %s", exc)
        return False


def events_committed():
    """Queue the dispatcher, unless one is queued already: either way the events
    just committed get their deliveries."""
    if not _dispatcher_already_queued():
        try:
            dispatch_events.enqueue()
        except Exception:
            # No dispatcher after all: the next commit must not wait for the mark.
            with contextlib.suppress(*CACHE_ERRORS):
                cache.delete(DISPATCH_QUEUED_KEY)
            raise


def enqueue_deliveries(delivery_ids, *, due_by=None):
    """Queue the deliveries in batches of `DELIVERY_BATCH`, in the order given
    (`due_by`: see `deliver_webhook`)."""
    when = due_by.isoformat() if due_by else None
    delivery_ids = list(delivery_ids)
    for start in range(0, len(delivery_ids), DELIVERY_BATCH):
        deliver_webhooks.enqueue(
            delivery_ids[start : start + DELIVERY_BATCH], due_by=when
        )


@task()
def dispatch_events():
    """Make the deliveries of the events not dispatched yet, and queue them."""
    # Before the outbox is read: a commit from now on queues a dispatcher again.
    with contextlib.suppress(*CACHE_ERRORS):
        cache.delete(DISPATCH_QUEUED_KEY)
    dispatched, made = webhooks.dispatch()
    enqueue_deliveries(made)
    return dispatched


def _queue_next(delivery_id, next_at):
    if next_at is not None and default_task_backend.supports_defer:
        deliver_webhook.using(run_after=next_at).enqueue(delivery_id)


@task()
def deliver_webhook(delivery_id, due_by=None):
    """Send one delivery if it is due (now, or by `due_by`, the ISO time of the
    sweep that queued it: a demo's sweep may travel in time); a failure queues its
    next attempt."""
    now = datetime.datetime.fromisoformat(due_by) if due_by else None
    _queue_next(delivery_id, webhooks.attempt(delivery_id, now=now))


@task()
def deliver_webhooks(delivery_ids, due_by=None):
    """Send deliveries one after the other, in the order given (events in the
    order written). At the first failure the rest are queued each on its own task,
    as if there had been no batch, so one receiver that is down or slow does not
    hold up the others; after `DELIVERY_BATCH_SECONDS` of sending, the rest go back
    to the queue as a new batch, behind the other work waiting there."""
    now = datetime.datetime.fromisoformat(due_by) if due_by else None
    started = time.monotonic()
    for index, delivery_id in enumerate(delivery_ids):
        if index and time.monotonic() - started > DELIVERY_BATCH_SECONDS:
            deliver_webhooks.enqueue(delivery_ids[index:], due_by=due_by)
            return
        next_at = webhooks.attempt(delivery_id, now=now)
        if next_at is not None:
            _queue_next(delivery_id, next_at)
            for rest in delivery_ids[index + 1 :]:
                deliver_webhook.enqueue(rest, due_by=due_by)
            return


def send_again_soon(delivery, *, user=None):
    """Queue a delivery to be sent once more, now, whatever became of it (a
    receiver that lost it asks for it again). False if it is being sent now."""
    if delivery.status == DeliveryStatus.SENDING:
        return False
    send_again.enqueue(delivery.pk, user.pk if user else None)
    return True


@task()
def send_again(delivery_id, user_id=None):
    """Send a delivery once more now, at a provider's or a staff user's request."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    _queue_next(
        delivery_id, webhooks.attempt(delivery_id, again=True, sent_again_by=user)
    )


def sweep(now=None):
    """The safety net (`manage.py send_webhooks`): events no dispatcher took,
    sends whose worker stopped, deliveries due whose task was lost, and task rows
    a dead worker left running. Returns the report (`webhooks.SweepReport`)."""
    report = webhooks.sweep(now=now)
    # Real time: a demo's sweep travelling in time must not reap live tasks.
    report.reaped_tasks = task_rows.reap(settings.TASK_STALE_RUNNING_SECONDS)
    enqueue_deliveries(report.due, due_by=now)
    return report
