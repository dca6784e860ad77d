"""The provider API's webhook endpoints: register, list, read, change, delete, rotate
the secret, read the attempts and ask for a delivery again. What they send and how
is `integrations.webhooks`."""

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from api import openapi
from api.filings import PAGE_LIMIT, Moment
from api.problems import Problem, in_api_language, invalid_parameter
from infra.times import rfc3339
from integrations import tasks, webhooks
from integrations.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

router = Router()

# Webhook endpoints ----------------------------------------------------------------
ENDPOINT_PREFIX = "we_"


class EndpointIn(Schema):
    # A field the API does not know is refused, not ignored (a typo would lose it).
    model_config = ConfigDict(extra="forbid")

    url: str
    events: list[str] | None = None
    description: str = ""


class EndpointChange(Schema):
    # A field the API does not know is refused, not ignored (a typo would lose it).
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


class EndpointOut(Schema):
    id: str
    livemode: bool
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_at: Moment | None
    disabled_reason: str
    failing_since: Moment | None
    previous_secret_until: Moment | None
    created_at: Moment


class EndpointCreated(EndpointOut):
    secret: str


class SecretOut(Schema):
    secret: str
    previous_secret_until: Moment


class AttemptOut(Schema):
    event: str
    type: str
    filing: str
    sequence: int
    sent_at: Moment
    status_code: int | None
    latency_ms: int
    error: str
    excerpt: str
    sent_again: bool
    delivery_status: str


class AttemptPage(Schema):
    attempts: list[AttemptOut]


class SendAgainIn(Schema):
    # A field the API does not know is refused, not ignored (a typo would lose it).
    model_config = ConfigDict(extra="forbid")

    event: str


def endpoint_out(endpoint, *, secret=False):
    """An endpoint as its provider reads it; its secret only when just made."""
    out = {
        "id": f"{ENDPOINT_PREFIX}{endpoint.pk}",
        "livemode": endpoint.livemode,
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_at": rfc3339(endpoint.disabled_at),
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": rfc3339(endpoint.failing_since),
        "previous_secret_until": rfc3339(endpoint.previous_secret_until),
        "created_at": rfc3339(endpoint.created_at),
    }
    if secret:
        out["secret"] = endpoint.secret
    return out


def _refused(exc):
    return Problem(
        422, _("Endpoint not accepted"), exc.detail, [(exc.path, exc.message)]
    )


def _own_endpoint(request, endpoint_id):
    number = endpoint_id.removeprefix(ENDPOINT_PREFIX)
    endpoint = None
    if number.isascii() and number.isdigit() and len(number) < 19:
        endpoint = WebhookEndpoint.objects.filter(
            provider=request.auth.provider,
            livemode=request.auth.livemode,
            pk=int(number),
        ).first()
    if endpoint is None:
        raise Problem(404, _("Not found"), _("No such webhook endpoint."))
    return endpoint


@router.post(
    "/webhooks",
    response={201: EndpointCreated},
    summary="Register a webhook endpoint",
    openapi_extra=openapi.ENDPOINT_CREATE,
)
@in_api_language
def create_webhook(request, endpoint: EndpointIn):
    """Register an HTTPS endpoint for your filings' events (`events`: the types it
    wants; none listed: every type). The answer holds its signing secret, shown this
    once."""
    try:
        made = webhooks.create_endpoint(
            request.auth.provider,
            endpoint.url,
            endpoint.events,
            description=endpoint.description,
            api_key=request.auth,
        )
    except webhooks.EndpointRefused as exc:
        raise _refused(exc) from exc
    return Status(201, endpoint_out(made, secret=True))


@router.get(
    "/webhooks",
    response={200: list[EndpointOut]},
    summary="List your webhook endpoints",
    openapi_extra=openapi.ENDPOINT_LIST,
)
@in_api_language
def list_webhooks(request):
    """Your endpoints, oldest first (without their secrets)."""
    found = WebhookEndpoint.objects.filter(
        provider=request.auth.provider, livemode=request.auth.livemode
    )
    return [endpoint_out(e) for e in found.order_by("id")]


@router.get(
    "/webhooks/{endpoint_id}",
    response={200: EndpointOut},
    summary="Read a webhook endpoint",
    openapi_extra=openapi.ENDPOINT_READ,
)
@in_api_language
def read_webhook(request, endpoint_id: str):
    """One of your endpoints (without its secret)."""
    return endpoint_out(_own_endpoint(request, endpoint_id))


@router.patch(
    "/webhooks/{endpoint_id}",
    response={200: EndpointOut},
    summary="Change a webhook endpoint",
    openapi_extra=openapi.ENDPOINT_CHANGE,
)
@in_api_language
def change_webhook(request, endpoint_id: str, change: EndpointChange):
    """Change the address, the events or the description, or enable or disable
    the endpoint (enabling one starts its failure count over)."""
    endpoint = _own_endpoint(request, endpoint_id)
    try:
        webhooks.change_endpoint(
            endpoint,
            url=change.url,
            events=change.events,
            description=change.description,
            enabled=change.enabled,
        )
    except webhooks.EndpointRefused as exc:
        raise _refused(exc) from exc
    return endpoint_out(_own_endpoint(request, endpoint_id))


@router.delete(
    "/webhooks/{endpoint_id}",
    response={204: None},
    summary="Delete a webhook endpoint",
    openapi_extra=openapi.ENDPOINT_READ,
)
@in_api_language
def delete_webhook(request, endpoint_id: str):
    """Delete an endpoint, with its deliveries and their log."""
    _own_endpoint(request, endpoint_id).delete()
    return Status(204, None)


@router.post(
    "/webhooks/{endpoint_id}/rotate-secret",
    response={200: SecretOut},
    summary="Rotate a webhook endpoint's secret",
    openapi_extra=openapi.ENDPOINT_READ,
)
@in_api_language
def rotate_webhook_secret(request, endpoint_id: str):
    """A new signing secret, shown this once. Until `previous_secret_until` each
    delivery is signed with both, so a receiver can move to the new one."""
    endpoint = webhooks.rotate_secret(_own_endpoint(request, endpoint_id))
    return {
        "secret": endpoint.secret,
        "previous_secret_until": rfc3339(endpoint.previous_secret_until),
    }


@router.get(
    "/webhooks/{endpoint_id}/attempts",
    response={200: AttemptPage},
    summary="The delivery log of a webhook endpoint",
    openapi_extra=openapi.ENDPOINT_READ,
)
@in_api_language
def list_webhook_attempts(request, endpoint_id: str, limit: int = 50):
    """The latest attempts to deliver to this endpoint, newest first: what it
    answered and how fast."""
    endpoint = _own_endpoint(request, endpoint_id)
    if not 1 <= limit <= PAGE_LIMIT:
        raise invalid_parameter(_("limit is 1 to 100."), "limit", "must be 1 to 100")
    attempts = (
        WebhookAttempt.objects.filter(delivery__endpoint=endpoint)
        .select_related("delivery__event__filing")
        .order_by("-started_at", "-id")[:limit]
    )
    return {
        "attempts": [
            {
                "event": webhooks.event_id(a.delivery.event),
                "type": a.delivery.event.event_type,
                "filing": a.delivery.event.filing.reference,
                "sequence": a.delivery.event.sequence,
                "sent_at": rfc3339(a.started_at),
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "error": a.error,
                "excerpt": a.excerpt,
                "sent_again": a.sent_again,
                "delivery_status": a.delivery.status,
            }
            for a in attempts
        ]
    }


@router.post(
    "/webhooks/{endpoint_id}/send-again",
    response={202: None},
    summary="Send an event to a webhook endpoint again",
    openapi_extra=openapi.ENDPOINT_SEND_AGAIN,
)
@in_api_language
def send_webhook_again(request, endpoint_id: str, again: SendAgainIn):
    """Send one event to this endpoint once more, now, whatever became of it
    before (the receiver tells a repeat by its `webhook-id`)."""
    endpoint = _own_endpoint(request, endpoint_id)
    number = webhooks.parse_event_id(again.event)
    delivery = (
        WebhookDelivery.objects.filter(endpoint=endpoint, event_id=number).first()
        if number is not None
        else None
    )
    if delivery is None:
        raise Problem(
            404,
            _("Not found"),
            _("This endpoint was never sent that event."),
        )
    if not endpoint.enabled:
        raise Problem(
            409,
            _("Endpoint disabled"),
            _("Enable the endpoint before sending it events again."),
        )
    if not tasks.send_again_soon(delivery):
        raise Problem(
            409,
            _("Being sent"),
            _("The event is being sent to this endpoint right now."),
        )
    return Status(202, None)
