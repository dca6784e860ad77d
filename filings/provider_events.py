"""The events a filing's access provider is told of: the outbox of the webhooks.

`record` runs inside `transitions.record_event`, so every provider event is written in
the transaction of the state change it reports: a change that rolls back leaves none,
one that commits always leaves its own, whatever happens to the processes after. The
set-based deadline sweep writes its `filing.returned` rows itself, with the same
numbering (`verification.deadlines`).

Each event is numbered per filing (`sequence`, from 1, no gaps): the filing's row is
locked by every move that writes one, so the next number is the highest plus one.
It carries what the provider needs and nothing that identifies a person: no code, no
mobile, no certificate number. Who delivers them (the API door's webhooks) is named by
the `PROVIDER_EVENT_RECEIVERS` setting and called once the transaction commits.
"""

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.module_loading import import_string

from filings import review_outcomes
from filings.models import (
    CASE_WORK_EVENTS,
    ActorKind,
    AuditEvent,
    EventType,
    FilingApplication,
    FilingStatus,
    ProviderEvent,
    ProviderEventType,
    Service,
)
from infra import times
from infra.sql import Writes, composed, default_connection

logger = logging.getLogger(__name__)

T = ProviderEventType

RETURN_EXPIRED = "expired"
RETURN_FAILED = "failed"
RETURN_STAFF = "staff"


# What a provider event says, from the filing and the audit event that makes it;
# None when that audit event makes no such provider event.
Describe = Callable[[FilingApplication, AuditEvent], dict[str, Any] | None]


def _roles(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    return {"roles": list(audit.data.get("roles", []))}


def _submitted(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    return {"verification_deadline": times.rfc3339(filing.verification_deadline)}


def _under_review(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    deadline = filing.review_deadline
    return {
        "review_deadline": deadline.isoformat() if deadline else None,
        "review_deadline_provisional": filing.review_deadline_provisional,
    }


def _under_review_at_once(
    filing: FilingApplication, audit: AuditEvent
) -> dict[str, Any] | None:
    # A filing nobody has to verify goes to review when it is submitted.
    if audit.to_status != FilingStatus.UNDER_REVIEW:
        return None
    return _under_review(filing, audit)


def _returned(reason: str) -> Describe:
    def data(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
        return {"reason": reason}

    return data


def _approved(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    numbers = audit.data.get("icp_numbers") or {}
    by_service = {str(pk): number for pk, number in numbers.get("services", {}).items()}
    services = Service.objects.filter(pk__in=by_service).order_by("pk")
    return {
        "icp_number": numbers.get("subject", ""),
        "services": [
            {
                "kind": service.kind,
                "name": service.name,
                "icp_number": by_service[str(service.pk)],
            }
            for service in services
        ],
    }


def _rejected(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    code = audit.data.get("rejection_reason", "")
    if code not in review_outcomes.REJECTION_REASONS:
        return {"reason": None}
    return {
        "reason": review_outcomes.in_both_languages(review_outcomes.rejection(code))
    }


def _cancelled(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    by = "provider" if audit.actor_kind == ActorKind.PROVIDER else "staff"
    return {"by": by}


def _contact_check(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    return {
        "deadline": audit.data.get("deadline"),
        "roles": list(audit.data.get("roles", [])),
    }


def _text_not_delivered(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    return {
        "roles": list(audit.data.get("roles", [])),
        "report": audit.data.get("report", ""),
        "reason": audit.data.get("reason", ""),
    }


def _nothing(filing: FilingApplication, audit: AuditEvent) -> dict[str, Any]:
    return {}


# The audit events that the provider is told of -> the provider events each makes,
# in order, with what each says. A function that returns None makes none.
PROVIDER_EVENTS: dict[str, tuple[tuple[ProviderEventType, Describe], ...]] = {
    EventType.SUBMITTED: (
        (T.FILING_SUBMITTED, _submitted),
        (T.FILING_UNDER_REVIEW, _under_review_at_once),
    ),
    EventType.VERIFIED: ((T.VERIFICATION_COMPLETED, _roles),),
    EventType.VERIFICATION_COMPLETED: ((T.FILING_UNDER_REVIEW, _under_review),),
    EventType.VERIFICATION_FAILED: (
        (T.VERIFICATION_FAILED, _roles),
        (T.FILING_RETURNED, _returned(RETURN_FAILED)),
    ),
    EventType.EXPIRED: ((T.FILING_RETURNED, _returned(RETURN_EXPIRED)),),
    EventType.RETURNED: ((T.FILING_RETURNED, _returned(RETURN_STAFF)),),
    EventType.TEXT_NOT_DELIVERED: (
        (T.VERIFICATION_TEXT_NOT_DELIVERED, _text_not_delivered),
    ),
    EventType.APPROVED: ((T.FILING_APPROVED, _approved),),
    EventType.REJECTED: ((T.FILING_REJECTED, _rejected),),
    EventType.CANCELLED: ((T.FILING_CANCELLED, _cancelled),),
    EventType.CONTACT_CHECK_OPENED: ((T.CONTACT_CHECK_OPENED, _contact_check),),
    EventType.CONTACT_CONFIRMED: ((T.CONTACT_CHECK_CONTACT_CONFIRMED, _roles),),
    EventType.CONTACT_CHECK_CONFIRMED: ((T.CONTACT_CHECK_CONFIRMED, _nothing),),
    EventType.CONTACT_CHECK_MISSED: ((T.CONTACT_CHECK_MISSED, _nothing),),
    EventType.ACCESS_REMOVED: ((T.FILING_ACCESS_REMOVED, _nothing),),
}

# The audit events the provider is not told of, each on purpose: the draft it made
# itself, the engine's and the support team's own steps (a new code, a new mobile, a
# longer deadline, case work), which change nothing the provider acts on.
NOT_TOLD: frozenset[EventType] = CASE_WORK_EVENTS | {
    EventType.CREATED,
    EventType.CODE_RESENT,
    EventType.MOBILE_CHANGED,
    EventType.DEADLINE_EXTENDED,
}


def made_by(
    filing: FilingApplication, audit: AuditEvent
) -> list[tuple[ProviderEventType, dict[str, Any]]]:
    """The provider events (type, data) that audit event `audit` of `filing` makes.

    Each data holds the filing's status after the event.
    """
    made = []
    for event_type, describe in PROVIDER_EVENTS.get(audit.event_type, ()):
        data = describe(filing, audit)
        if data is not None:
            made.append((event_type, {"status": filing.status, **data}))
    return made


class _Insert:
    """The INSERT of a filing's new provider events, numbered after its last one:
    one statement, so their ids follow their numbers."""

    def __init__(self, db: BaseDatabaseWrapper) -> None:
        quote = db.ops.quote_name
        self.table = quote(ProviderEvent._meta.db_table)
        self.data_field = ProviderEvent._meta.get_field("data")
        self.time_field = ProviderEvent._meta.get_field("created_at")
        self.row = (
            "(%s, %s, (SELECT COALESCE(MAX(sequence), 0) + %s "  # noqa: S608
            f"FROM {self.table} WHERE filing_id = %s), %s, %s, %s, NULL)"
        )

    def sql(self, rows: int) -> str:
        return (
            f"INSERT INTO {self.table} (provider_id, filing_id, sequence, "  # noqa: S608
            "event_type, data, created_at, dispatched_at) VALUES "
            + ", ".join([self.row] * rows)
        )

    def params(
        self,
        db: BaseDatabaseWrapper,
        filing: FilingApplication,
        made: list[tuple[ProviderEventType, dict[str, Any]]],
        first: int,
        now: datetime.datetime,
    ) -> list[Any]:
        params: list[Any] = []
        created = self.time_field.get_db_prep_save(now, db)
        for offset, (event_type, data) in enumerate(made, start=first):
            params += [
                filing.provider_id,
                filing.pk,
                offset,
                filing.pk,
                event_type,
                self.data_field.get_db_prep_save(data, db),
                created,
            ]
        return params


def record(
    filing: FilingApplication, audit: AuditEvent, *, writes: Writes | None = None
) -> int:
    """Write the provider events that `audit` (just recorded for the locked `filing`)
    makes, in the caller's transaction; with `writes`, added to them. Returns how
    many."""
    made = made_by(filing, audit)
    if not made:
        return 0
    db = writes.db if writes else default_connection()
    statement = composed(_Insert, db)
    now = timezone.now()
    first = 1
    if writes and writes.together:
        # Statements sent together do not see each other's rows: number past those
        # still pending for this filing.
        first = writes.numbered.get(filing.pk, 0) + 1
        writes.numbered[filing.pk] = first + len(made) - 1
    sql = statement.sql(len(made))
    params = statement.params(db, filing, made, first, now)
    if writes:
        writes.execute(sql, params)
    else:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
    notify_on_commit(db)
    return len(made)


def _notify() -> None:
    for path in settings.PROVIDER_EVENT_RECEIVERS:
        import_string(path)()


def notify_on_commit(db: BaseDatabaseWrapper | None = None) -> None:
    """Call the receivers of `PROVIDER_EVENT_RECEIVERS` once the current transaction
    commits. A receiver that fails is logged; the events stay in the outbox for the
    next sweep. (A transaction that records several audit events calls them as
    often: the second call finds the events dispatched.)"""
    db = db or default_connection()
    transaction.on_commit(_notify, using=db.alias, robust=True)
