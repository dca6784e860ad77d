"""The endpoint rules: a 410 disables it at once; failing for 5 days disables it and
tells its owner; the attempt log and "send again", for the provider (API) and staff;
the event feed for a receiver that was down."""

import datetime

import pytest
from django.utils import timezone

from filings import transitions
from filings.models import Provider, ProviderEvent
from integrations import tasks, webhooks
from integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.api.receiver import Receiver
from tests.factories import FilingFactory
from verification import moves

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.EVENT_FEED_SETTLE_SECONDS = 0
    made = Receiver().start()
    yield made
    made.stop()


@pytest.fixture
def endpoint(receiver, key):
    made = webhooks.create_endpoint(key[0].provider, receiver.url, api_key=key[0])
    receiver.secret = made.secret
    return made


def submit_and_sweep(now=None, **kwargs):
    filing = moves.submit_filing(FilingFactory(**kwargs))
    tasks.sweep(now=now)  # in the test's transaction nothing was queued on commit
    return filing


def test_a_410_disables_the_endpoint_and_cancels_what_waits(receiver, endpoint):
    receiver.answer = 503
    submit_and_sweep()
    receiver.answer = 410
    submit_and_sweep()
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "gone")
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        "cancelled"
    }
    submit_and_sweep()  # nothing more is made for it
    assert WebhookDelivery.objects.count() == 2
    assert [a.status_code for a in WebhookAttempt.objects.order_by("id")] == [503, 410]


def test_failing_for_five_days_disables_it_and_tells_its_owner(
    receiver, endpoint, admin_client
):
    receiver.answer = 500
    start = timezone.now()
    submit_and_sweep()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.enabled
    WebhookDelivery.objects.update(next_attempt_at=start)
    # four days on, still failing: still enabled
    type(endpoint).objects.update(failing_since=start - datetime.timedelta(days=4))
    tasks.sweep()
    endpoint.refresh_from_db()
    assert endpoint.enabled
    type(endpoint).objects.update(failing_since=start - datetime.timedelta(days=5))
    WebhookDelivery.objects.update(next_attempt_at=start)
    tasks.sweep()
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "failing")
    page = admin_client.get("/admin/").content.decode()
    assert "webhook" in page.lower() and endpoint.url in page


def test_a_success_ends_the_failing_spell(receiver, endpoint):
    receiver.answer = 500
    submit_and_sweep()
    receiver.answer = 200
    tasks.sweep(now=timezone.now() + datetime.timedelta(seconds=6))
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_the_provider_reads_the_attempts_and_sends_one_again(
    receiver, endpoint, call, key
):
    receiver.answer = 500
    submit_and_sweep()
    receiver.answer = 200
    ident = f"we_{endpoint.pk}"
    log = call("get", f"/webhooks/{ident}/attempts", key[1]).json()["attempts"]
    (first,) = log
    assert (first["status_code"], first["type"], first["delivery_status"]) == (
        500,
        "filing.submitted",
        "pending",
    )
    assert first["excerpt"] == '{"status": 500}'
    assert first["latency_ms"] >= 0
    again = call(
        "post", f"/webhooks/{ident}/send-again", key[1], {"event": first["event"]}
    )
    assert again.status_code == 202
    assert [p["id"] for p in receiver.received] == [first["event"]]
    log = call("get", f"/webhooks/{ident}/attempts", key[1]).json()["attempts"]
    assert [(a["status_code"], a["sent_again"]) for a in log] == [
        (200, True),
        (500, False),
    ]
    # sent again once more after it was delivered: the receiver tells the repeat
    call("post", f"/webhooks/{ident}/send-again", key[1], {"event": first["event"]})
    assert [p["webhook-id"] for p in receiver.received] == [first["event"]] * 2
    unknown = call("post", f"/webhooks/{ident}/send-again", key[1], {"event": "evt_0"})
    assert unknown.status_code == 404


def test_staff_send_again_from_the_console(receiver, endpoint, admin_client):
    receiver.answer = 500
    submit_and_sweep()
    receiver.answer = 200
    delivery = WebhookDelivery.objects.get()
    response = admin_client.post(
        "/admin/integrations/webhookdelivery/",
        {"action": "send_again", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert response.status_code == 200
    attempt = WebhookAttempt.objects.order_by("-id").first()
    assert attempt.sent_again and attempt.sent_again_by.username == "admin"
    assert len(receiver.received) == 1


def test_the_event_feed_rebuilds_what_a_receiver_missed(call, key, other_key, settings):
    settings.EVENT_FEED_SETTLE_SECONDS = 0
    provider = key[0].provider
    filings = [
        moves.submit_filing(
            FilingFactory(provider=provider, filing_type="cancel_access")
        )
        for _ in range(3)
    ]
    moves.submit_filing(
        FilingFactory(provider=Provider.objects.get(code="jdcloud"))
    )  # not ours
    transitions.approve_filing(filings[0], actor=transitions.SYSTEM)
    seen, after = [], ""
    while True:
        page = call("get", f"/events?limit=2&after={after}", key[1]).json()
        seen += page["events"]
        if not page["next_after"]:
            break
        after = page["next_after"]
    ours = ProviderEvent.objects.filter(provider=provider).order_by("id")
    assert [e["id"] for e in seen] == [f"evt_{e.pk}" for e in ours]
    assert len(seen) == 7  # 3 × (submitted, under review) and one approval
    assert {e["data"]["provider"] for e in seen} == {"aliyun"}
    by_filing = {}
    for event in seen:
        by_filing.setdefault(event["data"]["filing"], []).append(
            event["data"]["sequence"]
        )
    assert by_filing[filings[0].reference] == [1, 2, 3]
    bad = call("get", "/events?after=yesterday", key[1])
    assert bad.status_code == 422


def test_the_feed_holds_back_events_still_settling(call, key, settings):
    settings.EVENT_FEED_SETTLE_SECONDS = 60
    moves.submit_filing(FilingFactory(provider=key[0].provider))
    assert call("get", "/events", key[1]).json()["events"] == []
