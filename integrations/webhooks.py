"""Webhooks: a provider's endpoints, and the delivery of its filings' events to them.

The events are written by the state changes themselves (`filings.provider_events`,
the outbox). Once such a transaction commits, `events_committed` queues the
dispatcher; it makes one delivery per event and endpoint that wants it and marks the
event dispatched. A delivery is sent by the task worker, signed as the Standard
Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
with the `standardwebhooks` package, and retried on `WEBHOOK_RETRY_SCHEDULE` until the
endpoint answers 2xx. `sweep` (the `send_webhooks` command) is the safety net: events
no dispatcher took (a worker that died), deliveries whose task was lost, and sends
whose worker stopped mid-way.
"""

import base64
import contextlib
import datetime
import ipaddress
import json
import logging
import random
import secrets
import socket
import threading
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from standardwebhooks.webhooks import Webhook

from filings.models import ProviderEvent, ProviderEventType
from infra.times import rfc3339
from integrations.models import (
    DeliveryStatus,
    EndpointDisabled,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105  the prefix, not a secret
EVENT_PREFIX = "evt_"
EVENT_TYPES = [value for value, _ in ProviderEventType.choices]
EXCERPT_LENGTH = 500
DISPATCH_BATCH = 500
# A delivery still "sending" this many timeouts after its claim had its worker stop
# mid-send (a minute with the default 15 s timeout).
STALLED_AFTER_TIMEOUTS = 4


class EndpointRefused(Exception):
    """An endpoint address or event list that is not accepted; `message` says why
    (translated), `path` names the field."""

    def __init__(self, path, message, detail):
        super().__init__(str(detail))
        self.path, self.message, self.detail = path, message, detail


# Endpoints ------------------------------------------------------------------------
# IPv6 prefixes whose addresses carry an IPv4 address that a host or a translator on
# the way delivers to: (prefix, how many bits of the address lie right of the IPv4
# address). Python judges `::127.0.0.1` or `64:ff9b::127.0.0.1` global by their IPv6
# prefix, yet the packet may end up at 127.0.0.1, so the IPv4 address is judged.
_EMBEDDING_IPV4 = [
    (ipaddress.IPv6Network("::/96"), 0),  # IPv4-compatible (deprecated, RFC 4291)
    (ipaddress.IPv6Network("::ffff:0:0/96"), 0),  # IPv4-mapped
    (ipaddress.IPv6Network("::ffff:0:0:0/96"), 0),  # SIIT translated (RFC 6145)
    (ipaddress.IPv6Network("64:ff9b::/96"), 0),  # NAT64 well-known prefix (RFC 6052)
    (ipaddress.IPv6Network("2002::/16"), 80),  # 6to4: bits 16 to 48 (RFC 3056)
]
# Refused whatever they hold. Site-local addresses (deprecated by RFC 3879) lead to
# the local site, yet Python judges them global. The local-use NAT64 prefix (RFC
# 8215) leads to a translator inside some network, whose operator chooses where in
# the address the IPv4 address sits (RFC 6052 allows six places), so it cannot be
# read reliably: an address public by one reading is private by another.
_NEVER_PUBLIC = [
    ipaddress.IPv6Network("fec0::/10"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
]


def _unwrapped(address):
    """`address` (text, perhaps with an IPv6 zone) as an ip_address; an IPv6
    address that embeds an IPv4 one is given as that IPv4 address."""
    address = ipaddress.ip_address(address.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        for network, shift in _EMBEDDING_IPV4:
            if address in network:
                return ipaddress.IPv4Address((int(address) >> shift) & 0xFFFFFFFF)
    return address


def _public(address):
    """Whether a webhook may be sent to `address`: a global unicast address, judged
    by the IPv4 address it embeds if it embeds one."""
    address = _unwrapped(address)
    if isinstance(address, ipaddress.IPv6Address) and any(
        address in network for network in _NEVER_PUBLIC
    ):
        return False
    return address.is_global and not address.is_multicast


def refuse_control_characters(url):
    """EndpointRefused if `url` holds a control character anywhere (a line break
    in an address could split the request it is sent in, and no address needs
    one)."""
    # Cc: the C0 controls (NUL, tab, LF, CR...), DEL and the C1 controls.
    if any(unicodedata.category(c) == "Cc" for c in url or ""):
        raise EndpointRefused(
            "url",
            "holds a control character (a line break, tab, NUL or the like)",
            _(
                "The address holds a control character (a line break, a tab or "
                "the like); write it on one line without them."
            ),
        )


def check_description(description):
    """The description stripped and cut to 200 characters; EndpointRefused if it
    holds a control character or one that is not text (PostgreSQL refuses a NUL,
    and no description needs either)."""
    description = (description or "").strip()
    if any(
        unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in description
    ):
        raise EndpointRefused(
            "description",
            "holds a control character or one that is not text",
            _("The description holds a control character or one that is not text."),
        )
    return description[:200]


def resolve(host, port):
    """The addresses `host` resolves to, every one of them public unless
    WEBHOOKS_ALLOW_PRIVATE is on; EndpointRefused otherwise."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise EndpointRefused(
            "url",
            "does not resolve",
            _("The address's host name does not resolve to an IP address."),
        ) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not settings.WEBHOOKS_ALLOW_PRIVATE and not all(map(_public, addresses)):
        raise EndpointRefused(
            "url",
            "resolves to a loopback, private or link-local address",
            _(
                "The address leads to a loopback, private or link-local network; "
                "webhooks go only to public addresses."
            ),
        )
    return addresses


def check_url(url):
    """`url` as an endpoint's address, or EndpointRefused: HTTPS, a host that
    resolves to public addresses only, no user name or password and no control
    character in it (plain http:// and private networks only with
    WEBHOOKS_ALLOW_PRIVATE)."""
    refuse_control_characters(url)
    url = (url or "").strip()
    if len(url) > 2000:
        raise EndpointRefused(
            "url", "is too long", _("The address is longer than 2000 characters.")
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EndpointRefused(
            "url", "is not a URL", _("The address is not a URL.")
        ) from exc
    schemes = ("https", "http") if settings.WEBHOOKS_ALLOW_PRIVATE else ("https",)
    if parts.scheme not in schemes:
        raise EndpointRefused(
            "url",
            "must be https://",
            _("The address must begin with https://; plain http:// is not accepted."),
        )
    if not parts.hostname:
        raise EndpointRefused("url", "has no host", _("The address has no host name."))
    if parts.username or parts.password:
        raise EndpointRefused(
            "url",
            "holds a user name or password",
            _("The address must not hold a user name or password."),
        )
    resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    return url


def check_events(events):
    """The event types asked for (sorted, each once), or EndpointRefused."""
    if events is None:
        return []
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise EndpointRefused(
            "events", "must be a list", _("events is a list of event types.")
        )
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise EndpointRefused(
            "events",
            f"unknown event types: {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}",
            _("events names an event type that does not exist."),
        )
    return sorted(set(events))


def new_secret():
    """A signing secret as Standard Webhooks writes it: whsec_ and 24 random bytes
    in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def create_endpoint(
    provider, url, events=None, *, description="", created_by=None, api_key=None
):
    """A new endpoint of `provider`: returns it; its `secret` is shown once. One
    made with a test key is sent the sandbox's events only.

    EndpointRefused if the address or the events are not accepted."""
    return WebhookEndpoint.objects.create(
        provider=provider,
        livemode=api_key.livemode if api_key is not None else True,
        url=check_url(url),
        events=check_events(events),
        description=check_description(description),
        secret=new_secret(),
        created_by=created_by,
        api_key=api_key,
    )


def change_endpoint(endpoint, *, url=None, events=None, description=None, enabled=None):
    """Change what is given (None: unchanged). Enabling a disabled endpoint starts
    its failure count over; disabling one cancels its deliveries still waiting."""
    fields = []
    if url is not None:
        endpoint.url = check_url(url)
        fields.append("url")
    if events is not None:
        endpoint.events = check_events(events)
        fields.append("events")
    if description is not None:
        endpoint.description = check_description(description)
        fields.append("description")
    with transaction.atomic():
        if fields:
            endpoint.save(update_fields=fields)
        if enabled is True and not endpoint.enabled:
            endpoint.disabled_at, endpoint.disabled_reason = None, ""
            endpoint.failing_since = None
            endpoint.save(
                update_fields=["disabled_at", "disabled_reason", "failing_since"]
            )
        elif enabled is False and endpoint.enabled:
            disable(endpoint, EndpointDisabled.BY_PROVIDER)
    return endpoint


def rotate_secret(endpoint, *, now=None):
    """Give `endpoint` a new secret; the old one signs beside it for
    WEBHOOK_SECRET_GRACE_HOURS. Returns the endpoint (its new `secret`)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_until = now + datetime.timedelta(
            hours=settings.WEBHOOK_SECRET_GRACE_HOURS
        )
        locked.secret = new_secret()
        locked.save(
            update_fields=["secret", "previous_secret", "previous_secret_until"]
        )
    return locked


def signing_secrets(endpoint, now=None):
    """The secrets a delivery to `endpoint` is signed with now: the current one, and
    the one before it during the grace period after a rotation."""
    now = now or timezone.now()
    kept = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until and now < until:
        kept.append(endpoint.previous_secret)
    return kept


def disable(endpoint, reason, *, now=None):
    """Stop sending to `endpoint`; its deliveries still waiting are cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(
            pk=endpoint.pk, disabled_at__isnull=True
        ).update(disabled_at=now, disabled_reason=reason)
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint.pk, status=DeliveryStatus.PENDING
        ).update(status=DeliveryStatus.CANCELLED, next_attempt_at=None)
    if changed:
        endpoint.disabled_at, endpoint.disabled_reason = now, reason
        logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return bool(changed)


# Events ----------------------------------------------------------------------------
def event_id(event):
    """An event's public id (the `webhook-id` of its deliveries)."""
    return f"{EVENT_PREFIX}{event.pk}"


def parse_event_id(value):
    """The number in an event id (`evt_123`, or `123`), or None."""
    text = str(value or "").removeprefix(EVENT_PREFIX)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def event_body(event):
    """An event as it is delivered and listed: the Standard Webhooks payload shape,
    `type`, `timestamp` and `data`. `event.filing` is read (select it with it)."""
    filing = event.filing
    return {
        "id": event_id(event),
        "livemode": filing.livemode,
        "type": event.event_type,
        "timestamp": rfc3339(event.created_at),
        "data": {
            "filing": filing.reference,
            "provider": event.provider.code,
            "province": filing.province_id,
            "sequence": event.sequence,
            **_times_in_beijing(event.data),
        },
    }


# Times inside an event's data; events written before every time was in Beijing
# time hold them as UTC, and are written the one way on the way out.
EVENT_DATA_TIMES = ("verification_deadline",)


def _times_in_beijing(data):
    data = dict(data)
    for key in EVENT_DATA_TIMES:
        if isinstance(data.get(key), str):
            with contextlib.suppress(ValueError):
                moment = datetime.datetime.fromisoformat(data[key])
                if moment.tzinfo is not None:
                    data[key] = rfc3339(moment)
    return data


def dispatch(*, now=None, limit=DISPATCH_BATCH):
    """Make the deliveries of events not dispatched yet, oldest first, each batch
    in one transaction. Safe to run concurrently (rows another dispatcher holds are
    skipped). Returns (events dispatched, ids of the deliveries made), for the caller
    to queue (`integrations.tasks`)."""
    now = now or timezone.now()
    dispatched, made_ids = 0, []
    while True:
        with transaction.atomic():
            events = list(
                ProviderEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(dispatched_at__isnull=True)
                .annotate(livemode=F("filing__livemode"))
                .only("id", "provider_id", "event_type")
                .order_by("id")[:limit]
            )
            if not events:
                return dispatched, made_ids
            # A live endpoint is sent the live filings' events, a test key's endpoint
            # the sandbox's.
            endpoints = {}
            for endpoint in WebhookEndpoint.objects.filter(
                provider_id__in={e.provider_id for e in events},
                disabled_at__isnull=True,
            ):
                key = (endpoint.provider_id, endpoint.livemode)
                endpoints.setdefault(key, []).append(endpoint)
            made = WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now)
                    for event in events
                    for endpoint in endpoints.get(
                        (event.provider_id, event.livemode), ()
                    )
                    if endpoint.wants(event.event_type)
                ],
                ignore_conflicts=True,
            )
            ProviderEvent.objects.filter(pk__in=[e.pk for e in events]).update(
                dispatched_at=now
            )
            if made:
                made_ids += (
                    WebhookDelivery.objects.filter(
                        event_id__in=[e.pk for e in events],
                        status=DeliveryStatus.PENDING,
                        attempts=0,
                    )
                    .order_by("event_id", "pk")
                    .values_list("pk", flat=True)
                )
            dispatched += len(events)
        if len(events) < limit:
            return dispatched, made_ids


# Sending ---------------------------------------------------------------------------
def retry_delay(attempts_made):
    """Seconds from a failed attempt to the next, with its jitter; None when every
    attempt of the schedule has been made."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempts_made >= len(schedule):
        return None
    wait = schedule[attempts_made]
    return wait * (1 + random.random() / 10)  # noqa: S311  not a secret


def sign(endpoint, msg_id, body, now):
    """The `webhook-signature` header: one `v1,` signature per live secret."""
    return " ".join(
        Webhook(secret).sign(msg_id, now, body)
        for secret in signing_secrets(endpoint, now)
    )


_pools = threading.local()


def _pool(scheme, address, port, host):
    """A kept-alive connection pool to `address` (already checked) for `host`."""
    kept = getattr(_pools, "kept", None)
    if kept is None:
        kept = _pools.kept = {}
    key = (scheme, address, port, host)
    if key not in kept:
        if len(kept) > 64:
            for old in kept.values():
                old.close()
            kept.clear()
        options = {"maxsize": 1, "retries": False, "block": False}
        if scheme == "https":
            kept[key] = urllib3.HTTPSConnectionPool(
                address,
                port,
                server_hostname=host,
                assert_hostname=host,
                cert_reqs="CERT_REQUIRED",
                **options,
            )
        else:
            kept[key] = urllib3.HTTPConnectionPool(address, port, **options)
    return kept[key]


@dataclass
class Answer:
    status_code: int | None
    excerpt: str = ""
    error: str = ""


def post(url, body, headers):
    """POST `body` to `url` (its host resolved and checked again now, and the
    connection made to that checked address), within WEBHOOK_TIMEOUT_SECONDS.
    Redirects are not followed. Returns an Answer."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(parts.hostname, port)[0]
    except EndpointRefused as exc:
        return Answer(None, error=exc.message)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    pool = _pool(parts.scheme, address, port, parts.hostname)
    try:
        response = pool.urlopen(
            "POST",
            target,
            body=body.encode(),
            headers={**headers, "Host": host},
            redirect=False,
            timeout=urllib3.Timeout(total=settings.WEBHOOK_TIMEOUT_SECONDS),
            preload_content=False,
            assert_same_host=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}"[:300])
    try:
        text = response.read(4096).decode("utf-8", "replace")
        if response.length_remaining is not None and response.length_remaining < 65536:
            response.drain_conn()
        else:
            response.close()
    except urllib3.exceptions.HTTPError as exc:
        text = f"(answer cut short: {type(exc).__name__})"
    finally:
        response.release_conn()
    return Answer(response.status, excerpt=text[:EXCERPT_LENGTH])


def _claim(delivery_id, now, force=False):
    """Take a delivery that is due (or, `force`, any not being sent): mark it
    sending and commit that, so no other worker sends it too. Returns it or None."""
    open_states = [DeliveryStatus.PENDING]
    if force:
        open_states += [
            DeliveryStatus.DELIVERED,
            DeliveryStatus.FAILED,
            DeliveryStatus.CANCELLED,
        ]
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
    with transaction.atomic():
        claimed = WebhookDelivery.objects.filter(
            Q(pk=delivery_id, status__in=open_states) & (Q() if force else due)
        ).update(status=DeliveryStatus.SENDING, claimed_at=now)
        if not claimed:
            return None
    return (
        WebhookDelivery.objects.select_related(
            "endpoint", "event__filing", "event__provider"
        )
        .filter(pk=delivery_id)
        .first()
    )


def attempt(delivery_id, *, now=None, again=False, sent_again_by=None):
    """Send one delivery once, if it is due (or, `again`, whatever its state unless
    it is being sent; `sent_again_by` the staff user who asked). Records the attempt
    and what follows: delivered; the next attempt (its time is returned, for the
    caller to queue); given up; or, on a 410, the endpoint disabled."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now, force=again)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    body = json.dumps(event_body(event), ensure_ascii=False, separators=(",", ":"))
    msg_id = event_id(event)
    signed_at = timezone.now()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "icpportal-webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": sign(endpoint, msg_id, body, signed_at),
    }
    started = time.perf_counter()
    if endpoint.enabled:
        answer = post(endpoint.url, body, headers)
    else:
        answer = Answer(None, error="the endpoint is disabled")
    latency = round((time.perf_counter() - started) * 1000)
    return _settle(delivery, answer, latency, signed_at, again, sent_again_by)


def _settle(delivery, answer, latency, when, again, sent_again_by):
    endpoint = delivery.endpoint
    WebhookAttempt.objects.create(
        delivery=delivery,
        started_at=when,
        latency_ms=latency,
        status_code=answer.status_code,
        error=answer.error,
        excerpt=answer.excerpt,
        sent_again=again,
        sent_again_by=sent_again_by,
    )
    attempts = delivery.attempts + 1
    ok = answer.status_code is not None and 200 <= answer.status_code < 300
    update = {"attempts": attempts, "claimed_at": None}
    next_at = None
    if ok:
        update.update(
            status=DeliveryStatus.DELIVERED, delivered_at=when, next_attempt_at=None
        )
        if endpoint.failing_since:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    elif answer.status_code == 410 or not endpoint.enabled:
        update.update(status=DeliveryStatus.CANCELLED, next_attempt_at=None)
    else:
        delay = retry_delay(attempts)
        if delay is None:
            update.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        else:
            next_at = when + datetime.timedelta(seconds=delay)
            update.update(status=DeliveryStatus.PENDING, next_attempt_at=next_at)
    WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING
    ).update(**update)
    if answer.status_code == 410:
        disable(endpoint, EndpointDisabled.GONE, now=when)
    elif not ok and endpoint.enabled:
        _count_failure(endpoint, when)
    logger.info(
        "Webhook %s to endpoint %s: %s in %d ms",
        event_id(delivery.event),
        endpoint.pk,
        answer.status_code or answer.error,
        latency,
    )
    return next_at


def _count_failure(endpoint, when):
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=when
    )
    since = endpoint.failing_since or when
    limit = datetime.timedelta(days=settings.WEBHOOK_DISABLE_AFTER_DAYS)
    if when - since >= limit:
        disable(endpoint, EndpointDisabled.FAILING, now=when)


@dataclass
class SweepReport:
    dispatched: int = 0
    stalled: int = 0
    due: list | None = None
    reaped_tasks: int = 0


def sweep(*, now=None):
    """Dispatch the events no dispatcher took, put deliveries whose worker stopped
    mid-send back to be sent, and list the deliveries that are due (made here or
    before), for the caller to queue (`integrations.tasks.sweep`)."""
    now = now or timezone.now()
    report = SweepReport()
    report.dispatched, _made = dispatch(now=now)
    stalled_after = datetime.timedelta(
        seconds=settings.WEBHOOK_TIMEOUT_SECONDS * STALLED_AFTER_TIMEOUTS
    )
    report.stalled = WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lte=now - stalled_after
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=now, claimed_at=None)
    report.due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:10000]
    )
    return report


# The reasons the system disables an endpoint on its own, which its owners are told.
TOLD_DISABLED = [EndpointDisabled.GONE, EndpointDisabled.FAILING]


def disabled_endpoints(user):
    """The endpoints the system disabled (410, or failing for days) that `user`
    owns: made by them, or with an API key they made. Endpoints nobody owns are
    told to those who may change endpoints. Told until enabled again or deleted."""
    if not getattr(user, "is_staff", False):
        return []
    owned = Q(created_by=user) | Q(api_key__created_by=user)
    if user.has_perm("integrations.change_webhookendpoint"):
        owned |= Q(created_by__isnull=True) & (
            Q(api_key__isnull=True) | Q(api_key__created_by__isnull=True)
        )
    return list(
        WebhookEndpoint.objects.filter(owned, disabled_reason__in=TOLD_DISABLED)
        .select_related("provider")
        .order_by("-disabled_at")[:10]
    )
