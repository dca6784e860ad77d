"""Webhook delivery to a receiver on loopback that checks every signature with the
`standardwebhooks` library: at once after the commit, retried while the receiver is
down, each event once, in order by sequence; a commit whose process dies before it
queued anything is still delivered by the sweep."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from filings import transitions
from filings.models import Provider, ProviderEvent
from integrations import tasks, webhooks
from integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.api.receiver import Receiver
from tests.factories import FilingFactory
from tests.verification.helpers import submitted_filing, verify_person
from verification import moves

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    made = Receiver().start()
    yield made
    if made.server:
        made.stop()


@pytest.fixture
def endpoint(receiver):
    made = webhooks.create_endpoint(Provider.objects.get(code="aliyun"), receiver.url)
    receiver.secret = made.secret
    return made


def aliyun_filing(**kwargs):
    return FilingFactory(provider=Provider.objects.get(code="aliyun"), **kwargs)


def later(seconds):
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_a_committed_change_is_delivered_at_once_and_signed(
    receiver, endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        filing = moves.submit_filing(aliyun_filing(filing_type="cancel_access"))
    assert not receiver.refused
    assert [(p["type"], p["data"]["sequence"]) for p in receiver.received] == [
        ("filing.submitted", 1),
        ("filing.under_review", 2),
    ]
    first = receiver.received[0]
    event = ProviderEvent.objects.get(filing=filing, sequence=1)
    assert first["webhook-id"] == first["id"] == f"evt_{event.pk}"
    assert first["data"]["filing"] == filing.reference
    assert first["data"]["provider"] == "aliyun"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        "delivered"
    }
    attempt = WebhookAttempt.objects.first()
    assert attempt.status_code == 200 and '"status": 200' in attempt.excerpt


def test_another_providers_events_are_not_sent(
    receiver, endpoint, django_capture_on_commit_callbacks
):
    other = Provider.objects.get(code="jdcloud")
    with django_capture_on_commit_callbacks(execute=True):
        moves.submit_filing(FilingFactory(provider=other, filing_type="cancel_access"))
    assert receiver.received == []
    assert ProviderEvent.objects.filter(dispatched_at__isnull=False).count() == 2


def test_an_endpoint_gets_only_the_events_it_asked_for(
    receiver, django_capture_on_commit_callbacks
):
    made = webhooks.create_endpoint(
        Provider.objects.get(code="aliyun"), receiver.url, ["filing.under_review"]
    )
    receiver.secret = made.secret
    with django_capture_on_commit_callbacks(execute=True):
        moves.submit_filing(aliyun_filing(filing_type="cancel_access"))
    assert [p["type"] for p in receiver.received] == ["filing.under_review"]


def test_a_stopped_receiver_gets_everything_once_in_order_when_it_returns(
    receiver, endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        filing, leader, admin = submitted_filing()
    assert [p["type"] for p in receiver.received] == ["filing.submitted"]
    receiver.stop()
    with django_capture_on_commit_callbacks(execute=True):
        verify_person(filing, leader)
    with django_capture_on_commit_callbacks(execute=True):
        verify_person(filing, admin)
    with django_capture_on_commit_callbacks(execute=True):
        transitions.approve_filing(filing, actor=transitions.SYSTEM)
    waiting = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
    assert waiting.count() == 4
    assert all(d.attempts == 1 for d in waiting)
    # down for a while: the sweep retries when each is due, in vain
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep(now=later(6))
    assert {d.attempts for d in waiting.all()} == {2}
    receiver.start()  # back, on the same port
    assert tasks.sweep(now=later(5)).due == []  # nothing due before its time
    tasks.sweep(now=later(400))
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        "delivered"
    }
    tasks.sweep(now=later(100_000))
    arrived = receiver.in_order()
    assert len({p["id"] for p in receiver.received}) == len(receiver.received) == 5
    assert [(p["type"], p["data"]["sequence"]) for p in arrived] == [
        ("filing.submitted", 1),
        ("verification.completed", 2),
        ("verification.completed", 3),
        ("filing.under_review", 4),
        ("filing.approved", 5),
    ]
    assert not receiver.refused


def test_the_retry_schedule_is_the_specifications_with_jitter(settings):
    schedule = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    assert schedule == settings.WEBHOOK_RETRY_SCHEDULE
    for made, wait in enumerate(schedule[1:], start=1):
        delays = {webhooks.retry_delay(made) for _ in range(20)}
        assert all(wait <= d <= wait * 1.1 for d in delays)
        if wait:
            assert len(delays) > 1  # jittered
    assert webhooks.retry_delay(len(schedule)) is None


def test_after_the_last_attempt_the_delivery_is_given_up(
    receiver, endpoint, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 1, 1]
    receiver.answer = 503
    with django_capture_on_commit_callbacks(execute=True):
        moves.submit_filing(aliyun_filing())
    for _ in range(4):
        tasks.sweep(now=later(5))
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert list(WebhookAttempt.objects.values_list("status_code", flat=True)) == [
        503,
        503,
        503,
    ]


def test_a_commit_whose_process_died_before_queueing_is_delivered_by_the_sweep(
    receiver, endpoint, settings, django_capture_on_commit_callbacks
):
    settings.PROVIDER_EVENT_RECEIVERS = []  # nothing told: the process died here
    with django_capture_on_commit_callbacks(execute=True):
        filing = moves.submit_filing(aliyun_filing())
    assert receiver.received == []
    assert ProviderEvent.objects.get(filing=filing).dispatched_at is None
    call_command("send_webhooks")
    assert [p["type"] for p in receiver.received] == ["filing.submitted"]
    call_command("send_webhooks")
    assert len(receiver.received) == 1


def test_a_send_whose_worker_stopped_mid_way_is_sent_again(receiver, endpoint):
    moves.submit_filing(aliyun_filing())  # in the test's transaction: not queued
    tasks.sweep()  # dispatched and delivered
    assert len(receiver.received) == 1
    delivery = WebhookDelivery.objects.get()
    # a second event whose worker claimed it and stopped before answering
    moves.cancel_filing(
        ProviderEvent.objects.get().filing, actor=transitions.PROVIDER, reason="x"
    )
    webhooks.dispatch()
    stuck = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    WebhookDelivery.objects.filter(pk=stuck.pk).update(
        status="sending", claimed_at=timezone.now()
    )
    assert tasks.sweep().stalled == 0  # not yet: it may still be sending
    report = tasks.sweep(now=later(61))
    assert report.stalled == 1
    assert [p["type"] for p in receiver.in_order()] == [
        "filing.submitted",
        "filing.cancelled",
    ]
