"""The provider API, version 1 (django-ninja): submit, read, list and withdraw filings;
register webhook endpoints; read the event feed.

Every request carries one provider's key (`Authorization: Bearer …`) and sees only that
provider's filings: another provider's reference is answered 404, as an unknown one
is. Errors are RFC 9457 problem details, in the language of `Accept-Language`
(Chinese by default, English). The OpenAPI 3.1 document is at `/api/v1/openapi.json`.
"""

import base64
import binascii
import datetime
import functools
import hashlib
import json
import logging
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from api import openapi
from filings.importing import RecordInvalid, is_plain_text, parse_record
from filings.models import FilingApplication, FilingStatus, ProviderEvent
from filings.privacy import mask_mobile, personal_numbers_in
from infra.times import BEIJING, rfc3339
from integrations import keys, tasks, webhooks
from integrations.models import (
    IdempotentAnswer,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from verification import moves

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
PAGE_LIMIT = 100
IDEMPOTENCY_KEY_LONGEST = 255


def api_language(request):
    """The answer's language from `Accept-Language`: English if asked for first,
    else Chinese."""
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh-hans"
    return "zh-hans"


def in_api_language(view):
    """Run `view` in the language the request asks for (`api_language`)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with translation.override(api_language(request)):
            return view(request, *args, **kwargs)

    return wrapped


class Problem(Exception):
    """An answer other than success, as RFC 9457 problem details."""

    def __init__(self, status, title, detail="", errors=(), headers=None, **params):
        super().__init__(str(title))
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers, self.params = list(errors), headers or {}, params

    def body(self):
        body = {
            "type": "about:blank",
            "title": str(self.title),
            "status": self.status,
            "detail": str(self.detail) % self.params
            if self.params
            else str(self.detail),
        }
        if self.errors:
            body["errors"] = [{"path": p, "message": m} for p, m in self.errors]
        return body


def invalid_parameter(detail, path, message):
    """A 422 for one bad parameter or header: `detail` for people, `message` as
    `errors` names it."""
    return Problem(422, _("Invalid request"), detail, [(path, message)])


def problem_response(request, problem):
    with translation.override(api_language(request)):
        response = JsonResponse(
            problem.body(), status=problem.status, content_type=PROBLEM
        )
    for name, value in problem.headers.items():
        response[name] = value
    return response


class ProviderKey(HttpBearer):
    """A live provider key; a key over its throttle is answered 429."""

    def authenticate(self, request, token):
        record = keys.authenticate(token)
        if record is None:
            return None
        wait = keys.throttled(record)
        if wait:
            raise Problem(
                429,
                _("Too many requests"),
                _("This key sent too many requests; try again in %(s)d seconds."),
                headers={"Retry-After": str(wait)},
                s=wait,
            )
        return record


class ProviderApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return openapi.finish(super().get_openapi_schema(path_prefix=path_prefix))


api = ProviderApi(
    title="icpportal provider API",
    version="1",
    description=openapi.DESCRIPTION,
    urls_namespace="api-v1",
    auth=ProviderKey(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(Problem)
def _problem(request, exc):
    return problem_response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return problem_response(
        request,
        Problem(
            401,
            _("Not authenticated"),
            _("Send a live API key of your provider: Authorization: Bearer <key>."),
            headers={"WWW-Authenticate": 'Bearer realm="icpportal"'},
        ),
    )


@api.exception_handler(NinjaValidationError)
def _invalid_parameters(request, exc):
    errors = [
        (
            ".".join(str(part) for part in error.get("loc", ())[1:]),
            error.get("msg", ""),
        )
        for error in exc.errors
    ]
    return problem_response(
        request,
        Problem(422, _("Invalid request"), _("A parameter is not valid."), errors),
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(request, Problem(404, _("Not found"), _("No such filing.")))


def no_such_address(request, *args, **kwargs):
    """An address under /api/ that names no operation: 404 as a problem."""
    return problem_response(
        request,
        Problem(404, _("Not found"), _("No operation of the API has this address.")),
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """Ninja's own refusals (a body it cannot parse, say), as problems."""
    if exc.status_code == 400:
        return _bad_request(request, exc)
    return problem_response(request, Problem(exc.status_code, _("Refused"), str(exc)))


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    return problem_response(
        request,
        Problem(
            413,
            _("Content Too Large"),
            _("The body is larger than %(limit)d bytes."),
            limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        ),
    )


# What a request's content can make Python or the database refuse: JSON nested past
# the recursion limit, a lone surrogate that cannot be encoded, a NUL PostgreSQL will
# not store, a value longer than its column. The request was wrong, not the server.
BAD_INPUT = (
    RecursionError,
    UnicodeError,
    ValueError,
    OverflowError,
    DataError,
    SuspiciousOperation,
)


def _bad_request(request, exc):
    return problem_response(
        request,
        Problem(
            400,
            _("Bad request"),
            _(
                "The request holds something that cannot be read or stored (nesting "
                "too deep, a character that is not text, a NUL)."
            ),
        ),
    )


@api.exception_handler(Exception)
def _unexpected(request, exc):
    """The last resort: what the input broke is a 400; anything else a 500, both
    as problems, never the HTML error page."""
    if isinstance(exc, BAD_INPUT):
        logger.warning("API request refused as unreadable: %r", exc, exc_info=exc)
        return _bad_request(request, exc)
    logger.exception("API request failed")
    return problem_response(
        request,
        Problem(
            500,
            _("Server error"),
            _("The request failed on our side; nothing was half saved. Try again."),
        ),
    )


# What a provider reads ------------------------------------------------------------
class PersonOut(Schema):
    roles: list[str]
    mobile: str
    status: str
    consecutive_failures: int
    resends: int
    verified_at: datetime.datetime | None


class FilingOut(Schema):
    reference: str
    provider: str
    province: str
    type: str
    change_scope: str
    policy: str
    status: str
    submitted_at: datetime.datetime | None
    verification_deadline: datetime.datetime | None
    icp_number: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    people: list[PersonOut]


class FilingPage(Schema):
    filings: list[FilingOut]
    next_cursor: str | None


def filing_out(filing):
    """A filing as its provider's console shows it: never a code, a full mobile or
    a full certificate number."""
    return {
        "reference": filing.reference,
        "provider": filing.provider.code,
        "province": filing.province_id,
        "type": filing.filing_type,
        "change_scope": filing.change_scope,
        "policy": filing.policy,
        "status": filing.status,
        "submitted_at": rfc3339(filing.submitted_at),
        "verification_deadline": rfc3339(filing.verification_deadline),
        "icp_number": filing.icp_number,
        "created_at": rfc3339(filing.created_at),
        "updated_at": rfc3339(filing.updated_at),
        "people": [
            {
                "roles": v.roles,
                "mobile": mask_mobile(v.mobile),
                "status": v.status,
                "consecutive_failures": v.failed_attempts,
                "resends": v.resends,
                "verified_at": rfc3339(v.verified_at),
            }
            for v in sorted(filing.verifications.all(), key=lambda v: v.pk)
        ],
    }


def _filings(request):
    return (
        FilingApplication.objects.filter(provider=request.auth.provider)
        .select_related("provider")
        .prefetch_related("verifications")
    )


def _own_filing(request, reference):
    if not is_plain_text(reference):
        raise Http404  # no reference holds one (and PostgreSQL refuses a NUL)
    filing = _filings(request).filter(reference=reference).first()
    if filing is None:
        raise Http404
    return filing


# Submitting -----------------------------------------------------------------------
def _record(request):
    """The submission body: a JSON object in the import format."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, _("Not JSON"), _("The body must be a JSON object.")) from exc
    if not isinstance(body, dict):
        raise Problem(
            422,
            _("Invalid filing"),
            _("The body must be a JSON object."),
            [("", "must be an object")],
        )
    own = request.auth.provider.code
    given = body.setdefault("provider", own)
    if given != own:
        raise Problem(
            422,
            _("Invalid filing"),
            _("A key submits for its own provider only."),
            [("provider", f"must be {own}, the provider of this key")],
        )
    return body


def _submit(request, draft):
    """(status, body) of one submission."""
    body = _record(request)
    reference = body.get("reference")
    taken = Problem(
        409,
        _("Already submitted"),
        _("Your provider has a filing with this reference already."),
        [("reference", f"{request.auth.provider.code} {reference} already exists")],
    )
    if (
        isinstance(reference, str)
        and is_plain_text(reference)
        and _filings(request).filter(reference=reference.strip()).exists()
    ):
        raise taken
    try:
        record = parse_record(body)
        filing = moves.import_filing(record, submit=not draft)
    except RecordInvalid as exc:
        if any(
            path == "reference" and message.endswith("already exists")
            for path, message in exc.errors
        ):
            raise taken from exc
        raise Problem(
            422,
            _("Invalid filing"),
            _("The filing was not accepted; the errors name the fields."),
            exc.errors,
        ) from exc
    filing = _filings(request).get(pk=filing.pk)
    return 201, filing_out(filing)


def _answer(status, body, headers=None):
    content_type = PROBLEM if status >= 400 else "application/json"
    response = JsonResponse(body, status=status, content_type=content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 201:
        # Encoded, whatever a reference held before references had a character set.
        response["Location"] = f"/api/v1/filings/{quote(body['reference'], safe='')}"
    return response


@api.post(
    "/filings",
    response={201: FilingOut},
    summary="Submit a filing",
    openapi_extra=openapi.SUBMIT,
)
@in_api_language
def submit_filing(request, draft: bool = False):
    """Submit one filing in the import format (or keep it as a draft with
    `?draft=true`). With an `Idempotency-Key`, the same key and body get the first
    answer again; the same key with another body is refused."""
    idempotency_key = request.headers.get("Idempotency-Key")
    if idempotency_key is not None and not (
        0 < len(idempotency_key) <= IDEMPOTENCY_KEY_LONGEST
    ):
        raise invalid_parameter(
            _("An Idempotency-Key has 1 to 255 characters."),
            "Idempotency-Key",
            "must have 1 to 255 characters",
        )
    digest = hashlib.sha256(request.body + b"?draft=" + str(draft).encode()).hexdigest()
    with transaction.atomic():
        kept = None
        if idempotency_key:
            try:
                # A second request with the key waits here for the first to commit.
                with transaction.atomic():
                    kept = IdempotentAnswer.objects.create(
                        api_key=request.auth,
                        idempotency_key=idempotency_key,
                        request_hash=digest,
                        status=0,
                        body="",
                    )
            except IntegrityError:
                first = IdempotentAnswer.objects.get(
                    api_key=request.auth, idempotency_key=idempotency_key
                )
                if first.request_hash != digest:
                    raise Problem(
                        422,
                        _("Idempotency-Key reused"),
                        _(
                            "This Idempotency-Key came with another request before; "
                            "use a new key for a new request."
                        ),
                        [("Idempotency-Key", "was used with another body")],
                    ) from None
                return _answer(
                    first.status,
                    json.loads(first.body),
                    {"Idempotent-Replayed": "true"},
                )
        try:
            status, body = _submit(request, draft)
        except Problem as problem:
            with translation.override(api_language(request)):
                status, body = problem.status, problem.body()
        if kept is not None:
            kept.status, kept.body = status, json.dumps(body)
            kept.save(update_fields=["status", "body"])
    return _answer(status, body)


# Reading --------------------------------------------------------------------------
def _cursor(filing):
    raw = json.dumps([filing.updated_at.isoformat(), filing.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor):
    """(updated_at, id) a page continues after."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.datetime.fromisoformat(moment)
        if timezone.is_naive(moment) or not isinstance(pk, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise invalid_parameter(
            _("The cursor is not one this API gave."),
            "cursor",
            "is not a cursor of this API",
        ) from exc
    return moment, pk


class ListFilter(Schema):
    status: FilingStatus | None = None
    updated_since: str | None = None
    cursor: str | None = None
    limit: int = 50


def _since(text):
    """`updated_since` as an aware time (Beijing time if it names no offset); 422
    unless it is an ISO 8601 time the database can hold."""
    try:
        since = parse_datetime(text)
        if since is not None:
            if timezone.is_naive(since):
                since = since.replace(tzinfo=BEIJING)
            since.astimezone(datetime.UTC)  # year 1 or 9999 may leave the range
    except (ValueError, OverflowError):
        since = None
    if since is None:
        raise invalid_parameter(
            _("updated_since is an ISO 8601 date and time."),
            "updated_since",
            "must be an ISO 8601 date and time",
        )
    return since


@api.get(
    "/filings",
    response={200: FilingPage},
    summary="List your filings, most recently changed first",
    openapi_extra=openapi.LIST,
)
@in_api_language
def list_filings(request, filters: Query[ListFilter]):
    """A page of your filings, the most recently changed first. Pass `next_cursor`
    back as `cursor` for the next page; a page follows on from the last row it saw,
    so rows are neither repeated nor skipped while others change (a filing that
    changes meanwhile moves to the front: ask again with `updated_since`)."""
    if not 1 <= filters.limit <= PAGE_LIMIT:
        raise invalid_parameter(_("limit is 1 to 100."), "limit", "must be 1 to 100")
    filings = _filings(request).order_by("-updated_at", "-id")
    if filters.status:
        filings = filings.filter(status=filters.status)
    if filters.updated_since:
        filings = filings.filter(updated_at__gte=_since(filters.updated_since))
    if filters.cursor:
        moment, pk = _after(filters.cursor)
        filings = filings.filter(
            Q(updated_at__lt=moment) | Q(updated_at=moment, id__lt=pk)
        )
    page = list(filings[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "filings": [filing_out(f) for f in page],
        "next_cursor": _cursor(page[-1]) if more else None,
    }


@api.get(
    "/filings/{reference}",
    response={200: FilingOut},
    summary="Read a filing",
    openapi_extra=openapi.READ,
)
@in_api_language
def read_filing(request, reference: str):
    """Your filing: its status and deadline, and the people who must verify."""
    return filing_out(_own_filing(request, reference))


class WithdrawIn(Schema):
    reason: str = ""


@api.post(
    "/filings/{reference}/withdraw",
    response={200: FilingOut},
    summary="Withdraw a filing",
    openapi_extra=openapi.WITHDRAW,
)
@in_api_language
def withdraw_filing(request, reference: str, withdrawal: WithdrawIn | None = None):
    """Withdraw a filing that is still waiting (a draft, waiting for verification,
    or under review): it is cancelled, and its open verifications closed."""
    filing = _own_filing(request, reference)
    if withdrawal and not is_plain_text(withdrawal.reason):
        raise invalid_parameter(
            _("The reason holds a control character or one that is not text."),
            "reason",
            "contains a character that is not text",
        )
    if withdrawal and personal_numbers_in(withdrawal.reason):
        raise invalid_parameter(
            _(
                "The reason holds a full mobile or certificate number; staff read "
                "it in the audit trail. Write a mobile masked, like 138****8000."
            ),
            "reason",
            "holds a full mobile or certificate number",
        )
    reason = (withdrawal.reason.strip() if withdrawal else "")[:500] or (
        f"Withdrawn by the provider through the API (key “{request.auth.name}”)"
    )
    try:
        moves.cancel_filing(filing, actor=moves.PROVIDER, reason=reason)
    except moves.IllegalTransition as exc:
        raise Problem(
            409,
            _("Cannot be withdrawn"),
            _(
                "The filing is “%(status_label)s”; only a waiting filing can be withdrawn."
            ),
            status_label=FilingStatus(filing.status).label,
        ) from exc
    return filing_out(_own_filing(request, reference))


# Webhook endpoints ----------------------------------------------------------------
ENDPOINT_PREFIX = "we_"


class EndpointIn(Schema):
    url: str
    events: list[str] | None = None
    description: str = ""


class EndpointChange(Schema):
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


class EndpointOut(Schema):
    id: str
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_at: datetime.datetime | None
    disabled_reason: str
    failing_since: datetime.datetime | None
    previous_secret_until: datetime.datetime | None
    created_at: datetime.datetime


class EndpointCreated(EndpointOut):
    secret: str


class SecretOut(Schema):
    secret: str
    previous_secret_until: datetime.datetime


class AttemptOut(Schema):
    event: str
    type: str
    filing: str
    sequence: int
    sent_at: datetime.datetime
    status_code: int | None
    latency_ms: int
    error: str
    excerpt: str
    sent_again: bool
    delivery_status: str


class AttemptPage(Schema):
    attempts: list[AttemptOut]


class SendAgainIn(Schema):
    event: str


class EventOut(Schema):
    id: str
    type: str
    timestamp: str
    data: dict


class EventPage(Schema):
    events: list[EventOut]
    next_after: str | None


def endpoint_out(endpoint, *, secret=False):
    """An endpoint as its provider reads it; its secret only when just made."""
    out = {
        "id": f"{ENDPOINT_PREFIX}{endpoint.pk}",
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
            provider=request.auth.provider, pk=int(number)
        ).first()
    if endpoint is None:
        raise Problem(404, _("Not found"), _("No such webhook endpoint."))
    return endpoint


@api.post(
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


@api.get(
    "/webhooks",
    response={200: list[EndpointOut]},
    summary="List your webhook endpoints",
    openapi_extra=openapi.ENDPOINT_LIST,
)
@in_api_language
def list_webhooks(request):
    """Your endpoints, oldest first (without their secrets)."""
    found = WebhookEndpoint.objects.filter(provider=request.auth.provider)
    return [endpoint_out(e) for e in found.order_by("id")]


@api.get(
    "/webhooks/{endpoint_id}",
    response={200: EndpointOut},
    summary="Read a webhook endpoint",
    openapi_extra=openapi.ENDPOINT_READ,
)
@in_api_language
def read_webhook(request, endpoint_id: str):
    """One of your endpoints (without its secret)."""
    return endpoint_out(_own_endpoint(request, endpoint_id))


@api.patch(
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


@api.delete(
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


@api.post(
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


@api.get(
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


@api.post(
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


# The event feed -------------------------------------------------------------------
@api.get(
    "/events",
    response={200: EventPage},
    summary="Your events, in order, after a given one",
    openapi_extra=openapi.EVENTS,
)
@in_api_language
def list_events(request, after: str = "", limit: int = 100):
    """Your filings' events after event `after` (its id; none: from the first), in
    the order they were written, the same as the webhooks deliver. A receiver that
    was down asks with the last id it has seen until `next_after` is null."""
    if not 1 <= limit <= 500:
        raise invalid_parameter(_("limit is 1 to 500."), "limit", "must be 1 to 500")
    start = webhooks.parse_event_id(after) if after else 0
    if start is None:
        raise invalid_parameter(
            _("after is an event id, such as evt_123."),
            "after",
            "must be an event id",
        )
    settled = timezone.now() - datetime.timedelta(
        seconds=settings.EVENT_FEED_SETTLE_SECONDS
    )
    events = list(
        ProviderEvent.objects.filter(
            provider=request.auth.provider, pk__gt=start, created_at__lte=settled
        )
        .select_related("filing", "provider")
        .order_by("id")[: limit + 1]
    )
    more = len(events) > limit
    events = events[:limit]
    return {
        "events": [webhooks.event_body(e) for e in events],
        "next_after": webhooks.event_id(events[-1]) if more else None,
    }
