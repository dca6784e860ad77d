"""The provider API's filings: submit (idempotent with `Idempotency-Key`), list, read
and withdraw. A provider sees only its own filings: another provider's reference is
answered 404, as an unknown one is."""

import base64
import binascii
import dataclasses
import datetime
import hashlib
import json
import logging
from typing import Annotated
from urllib.parse import quote

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import ConfigDict, PlainSerializer

from api import openapi
from api.problems import (
    PROBLEM,
    Problem,
    api_language,
    in_api_language,
    invalid_parameter,
)
from filings import review_outcomes
from filings.conflicts import SubmissionConflict
from filings.importing import RecordInvalid, is_plain_text, parse_record
from filings.models import FilingApplication, FilingStatus, TestClock
from filings.privacy import mask_mobile, personal_numbers_in
from infra.times import BEIJING, rfc3339
from integrations.models import (
    IdempotentAnswer,
)
from verification import administration, moves

logger = logging.getLogger(__name__)

PAGE_LIMIT = 100
IDEMPOTENCY_KEY_LONGEST = 255

router = Router()

# A time as every answer writes it (`rfc3339`). Pydantic's own writing drops the
# fraction of a whole second, so a time that fell on .000 lost its milliseconds.
Moment = Annotated[datetime.datetime, PlainSerializer(rfc3339, return_type=str)]


# What a provider reads ------------------------------------------------------------
class PersonOut(Schema):
    roles: list[str]
    mobile: str
    status: str
    consecutive_failures: int
    resends: int
    verified_at: Moment | None


class ServiceOut(Schema):
    kind: str
    name: str
    domains: list[str]
    app_identifier: str
    platforms: list[str]
    signing_md5: str
    icp_number: str


class OutcomeOut(Schema):
    code: str
    text: str
    fix: str


class FilingOut(Schema):
    reference: str
    livemode: bool
    provider: str
    province: str
    type: str
    change_scope: str
    policy: str
    status: str
    submitted_at: Moment | None
    verification_deadline: Moment | None
    review_deadline: datetime.date | None
    review_deadline_provisional: bool
    rejection: OutcomeOut | None
    icp_number: str
    created_at: Moment
    updated_at: Moment
    people: list[PersonOut]
    services: list[ServiceOut]


class FilingPage(Schema):
    filings: list[FilingOut]
    next_cursor: str | None


def _date(day):
    return day.isoformat() if day else None


def _rejection(code):
    """The administration's reason, in the asked language (`in_api_language`)."""
    if code not in review_outcomes.REJECTION_REASONS:
        return None
    return review_outcomes.in_language(review_outcomes.rejection(code))


def filing_out(filing):
    """A filing as its provider's console shows it: never a code, a full mobile or
    a full certificate number."""
    return {
        "reference": filing.reference,
        "livemode": filing.livemode,
        "provider": filing.provider.code,
        "province": filing.province_id,
        "type": filing.filing_type,
        "change_scope": filing.change_scope,
        "policy": filing.policy,
        "status": filing.status,
        "submitted_at": rfc3339(filing.submitted_at),
        "verification_deadline": rfc3339(filing.verification_deadline),
        "review_deadline": _date(filing.review_deadline),
        "review_deadline_provisional": filing.review_deadline_provisional,
        "rejection": _rejection(filing.rejection_reason),
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
        "services": [
            {
                "kind": service.kind,
                "name": service.name,
                "domains": [domain.name for domain in service.domains.all()],
                "app_identifier": service.app_identifier,
                "platforms": service.platform_list,
                "signing_md5": service.signing_md5_text,
                "icp_number": service.icp_number,
            }
            for service in sorted(filing.services.all(), key=lambda s: s.pk)
        ],
    }


def _filings(request):
    # A live key sees live filings, a test key the sandbox's: never the other's.
    return (
        FilingApplication.objects.filter(
            provider=request.auth.provider, livemode=request.auth.livemode
        )
        .select_related("provider")
        .prefetch_related("verifications", "services__domains")
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


def _check_magic(subject_name):
    """A sandbox subject's magic review outcome must name a catalogued reason."""
    try:
        administration.magic_decision(subject_name)
    except ValueError as exc:
        raise Problem(
            422,
            _("Invalid filing"),
            _("The subject's name asks the sandbox for a rejection it does not know."),
            [("subject.name", str(exc))],
        ) from exc


def _clock_of(request, body):
    """The test clock a submission names (`test_clock`, taken out of the body), or
    None; 422 for a live key's, or a clock that is not the provider's."""
    if "test_clock" not in body:
        return None
    named = body.pop("test_clock")
    number = named.removeprefix("clock_") if isinstance(named, str) else ""
    clock = None
    plain = number.isascii() and number.isdigit() and len(number) < 19
    if not request.auth.livemode and plain:
        clock = TestClock.objects.filter(
            provider=request.auth.provider, pk=int(number)
        ).first()
    if clock is None:
        raise Problem(
            422,
            _("Invalid filing"),
            _("A filing runs on a test clock of your sandbox only (a test key)."),
            [("test_clock", "must be one of your test clocks, with a test key")],
        )
    if clock.is_advancing(timezone.now()):
        raise Problem(
            409,
            _("Test clock busy"),
            _(
                "The test clock is being advanced: submit when its advance has answered."
            ),
            [("test_clock", "the clock is being advanced")],
        )
    return clock


def _submit(request, draft):
    """(status, body) of one submission."""
    body = _record(request)
    clock = _clock_of(request, body)
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
        record = parse_record(body, livemode=request.auth.livemode)
        if not record.livemode:
            _check_magic(record.subject_name)
        if clock is not None:
            # Submitted at the clock's time, and running on it from then.
            record = dataclasses.replace(
                record, test_clock=clock, submitted_at=clock.now_at
            )
        filing = moves.import_filing(record, submit=not draft)
    except SubmissionConflict as exc:
        raise _conflict(exc) from exc
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


def _conflict(exc):
    """A submission the administration refuses: 409 for a subject with a filing in
    flight (it may be submitted once that one is decided), 422 for a domain that is
    another subject's."""
    status = 409 if exc.code == "subject_in_flight" else 422
    return Problem(
        status,
        _("Refused at submission"),
        "%(text)s %(fix)s",
        [("", exc.detail)],
        code=exc.code,
        text=exc.outcome.text,
        fix=exc.outcome.fix,
    )


def _answer(status, body, headers=None):
    content_type = PROBLEM if status >= 400 else "application/json"
    response = JsonResponse(body, status=status, content_type=content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 201:
        # Encoded, whatever a reference held before references had a character set.
        response["Location"] = f"/api/v1/filings/{quote(body['reference'], safe='')}"
    return response


@router.post(
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
        kept, first = (
            _hold_key(request, idempotency_key, digest)
            if idempotency_key
            else (None, None)
        )
        if first is not None:
            return _answer(
                first.status, json.loads(first.body), {"Idempotent-Replayed": "true"}
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


def _hold_key(request, idempotency_key, digest):
    """(the answer kept for this key, now held; None) for a new key, or (None, the
    first answer) for a key seen before with the same body. The same key with another
    body is refused. A second request with the key waits for the first to commit."""
    try:
        with transaction.atomic():
            return IdempotentAnswer.objects.create(
                api_key=request.auth,
                idempotency_key=idempotency_key,
                request_hash=digest,
                status=0,
                body="",
            ), None
    except IntegrityError:
        first = IdempotentAnswer.objects.get(
            api_key=request.auth, idempotency_key=idempotency_key
        )
    if first.request_hash != digest:
        raise Problem(
            422,
            _("Idempotency-Key reused"),
            _(
                "This Idempotency-Key came with another request before; use a new "
                "key for a new request."
            ),
            [("Idempotency-Key", "was used with another body")],
        )
    return None, first


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


@router.get(
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


@router.get(
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
    # A field the API does not know is refused, not ignored (a typo would lose it).
    model_config = ConfigDict(extra="forbid")

    reason: str = ""


@router.post(
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
