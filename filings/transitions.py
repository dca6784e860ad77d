"""Every change of a filing's status goes through this module.

Each public function is one move of the state machine. It runs in a transaction,
locks the filing row, refuses a move the `ALLOWED_MOVES` table does not allow (raising
`IllegalTransition` and leaving nothing behind), saves, and writes exactly one audit
event in the same transaction.

These are the moves of the filing record alone. A move that opens or closes
verifications (submitting, completing, failing, expiring, returning, cancelling) is
called through `verification.moves`, which passes its part of the work as `apply`: it
runs on the locked row inside the move's transaction, after the move is checked.
The one status change written elsewhere is the deadline sweep's set-based expiry
(`verification.deadlines.expire_overdue`): the `expired` move for many filings and
their verifications in one statement, checked against `ALLOWED_MOVES` and audited
with the same event as `expire_filing`.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filings import (
    conflicts,
    icp_numbers,
    policies,
    provider_events,
    review_outcomes,
    working_days,
)
from filings.models import (
    ActorKind,
    AuditEvent,
    EventType,
    FilingApplication,
    FilingStatus,
)
from infra import times
from infra.sql import Writes, insert

if TYPE_CHECKING:
    from django.contrib.auth.models import User

S = FilingStatus

E = EventType  # every event is named by EventType, here and everywhere

# The state machine: (from status, to status) -> the events that may make that move.
# A move is allowed only from a status listed here, and only by one of its events.
ALLOWED_MOVES: dict[tuple[str, str], set[str]] = {
    (S.DRAFT, S.PENDING_VERIFICATION): {E.SUBMITTED},
    (S.DRAFT, S.UNDER_REVIEW): {E.SUBMITTED},
    (S.DRAFT, S.CANCELLED): {E.CANCELLED},
    (S.PENDING_VERIFICATION, S.UNDER_REVIEW): {E.VERIFICATION_COMPLETED},
    (S.PENDING_VERIFICATION, S.RETURNED): {
        E.RETURNED,
        E.EXPIRED,
        E.VERIFICATION_FAILED,
    },
    (S.PENDING_VERIFICATION, S.CANCELLED): {E.CANCELLED},
    (S.UNDER_REVIEW, S.APPROVED): {E.APPROVED},
    (S.UNDER_REVIEW, S.REJECTED): {E.REJECTED},
    (S.UNDER_REVIEW, S.RETURNED): {E.RETURNED},
    (S.UNDER_REVIEW, S.CANCELLED): {E.CANCELLED},
    # A missed contact check, confirmed by staff: the access is removed.
    (S.APPROVED, S.CANCELLED): {E.ACCESS_REMOVED},
}


def allowed_events(status: str) -> list[str]:
    """The events that may move a filing out of `status`, sorted."""
    return sorted(
        {
            event
            for (source, _), events in ALLOWED_MOVES.items()
            if source == status
            for event in events
        }
    )


@dataclass(frozen=True)
class Actor:
    """Who caused an event: the system, a provider, an applicant, or a staff user."""

    kind: str
    user: "User | None" = None

    @classmethod
    def staff(cls, user: "User") -> "Actor":
        return cls(ActorKind.STAFF, user)


SYSTEM = Actor(ActorKind.SYSTEM)
ADMINISTRATION = Actor(ActorKind.ADMINISTRATION)
PROVIDER = Actor(ActorKind.PROVIDER)
APPLICANT = Actor(ActorKind.APPLICANT)


class IllegalTransition(Exception):
    """A move the state machine does not allow, or whose precondition does not hold."""

    def __init__(self, filing: FilingApplication, event: str, detail: str = "") -> None:
        self.filing = filing
        self.event = event
        name = f"Filing {filing.provider.code}:{filing.reference}"
        if detail:
            message = f"{name}: {detail}"
        else:
            allowed = allowed_events(filing.status) or ["nothing (final status)"]
            message = (
                f"{name} is {filing.status}; it cannot be {event.replace('_', ' ')}. "
                f"Allowed from {filing.status}: {', '.join(allowed)}."
            )
        super().__init__(message)


# A move's own part, run on the locked row: it may add to the event's data by
# returning a dict, or refuse the move by raising `IllegalTransition`.
Apply = Callable[[FilingApplication], dict[str, Any] | None]


def record_event(  # noqa: PLR0913 - one keyword per column of the audit event
    filing: FilingApplication,
    actor: Actor,
    event_type: str,
    *,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    writes: Writes | None = None,
) -> AuditEvent:
    """Append an audit event for `filing`. Call it inside the caller's transaction.

    With `writes` (a `infra.sql.Writes`), the event is added to them and
    written when they are sent, still in the caller's transaction. The provider
    events it makes (`filings.provider_events`) are written with it.
    """
    audit = (writes.insert if writes else insert)(
        AuditEvent(
            filing=filing,
            actor_kind=actor.kind,
            staff_user=actor.user if actor.kind == ActorKind.STAFF else None,
            event_type=event_type,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=data or {},
        )
    )
    provider_events.record(filing, audit, writes=writes)
    return audit


def _move(  # noqa: PLR0913 - the event's columns, and how the row is held
    filing: FilingApplication,
    event: str,
    to_status: str,
    *,
    actor: Actor,
    reason: str = "",
    data: dict[str, Any] | None = None,
    apply: Apply | None = None,
    already_locked: bool = False,
) -> FilingApplication:
    """Lock `filing`, check the move, run `apply(locked)`, save, audit. Returns the row.

    `apply` may add to the event data by returning a dict, or refuse the move by
    raising `IllegalTransition`; either way it runs inside the transaction.

    `already_locked` says the caller locked and read `filing` in its own, still open
    transaction; the move then joins that transaction (a refusal rolls it all back)
    instead of locking the row again.
    """
    if already_locked and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("already_locked needs the caller's open transaction.")
    with transaction.atomic(savepoint=not already_locked):
        if already_locked:
            locked = filing
        else:
            locked = FilingApplication.objects.select_for_update().get(pk=filing.pk)
        if event not in ALLOWED_MOVES.get((locked.status, to_status), ()):
            raise IllegalTransition(locked, event)
        from_status = locked.status
        extra = apply(locked) if apply else None
        locked.status = to_status
        locked.save()
        # The audit event and its provider events go to the database together.
        writes = Writes()
        record_event(
            locked,
            actor,
            event,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data={**(data or {}), **(extra or {})},
            writes=writes,
        )
        writes.send()
    return locked


def start_review(locked: FilingApplication, now: datetime.datetime) -> dict[str, Any]:
    """Start the review clock of a filing going to review at `now`: its deadline is
    the province's number of working days after the Beijing day it enters review."""
    locked.review_started_at = now
    deadline = working_days.add_working_days(
        now.astimezone(times.BEIJING).date(),
        working_days.review_days(locked.province_id),
    )
    locked.review_deadline = deadline.day
    locked.review_deadline_provisional = deadline.provisional
    return {
        "review_deadline": deadline.day.isoformat(),
        "review_deadline_provisional": deadline.provisional,
    }


def submit_filing(
    filing: FilingApplication,
    *,
    needs_verification: bool,
    actor: Actor = PROVIDER,
    now: datetime.datetime | None = None,
    apply: Apply | None = None,
) -> FilingApplication:
    """Submit a draft to the communications administration.

    Refused with `conflicts.SubmissionConflict` when the subject has a filing in
    flight or a domain is another subject's. Sets the submission time and, when
    someone has to verify, the deadline from the policy window; a filing that needs
    nobody goes straight to review. Who verifies,
    and their records and codes, are the verification engine's part
    (`verification.moves.submit_filing`), passed in as `apply`.
    """
    now = now or timezone.now()

    def submit(locked: FilingApplication) -> dict[str, Any]:
        conflicts.check_submission(locked)
        locked.submitted_at = now
        if needs_verification:
            locked.verification_deadline = (
                now + policies.get_policy(locked.policy).window
            )
        extra = apply(locked) if apply else None
        deadline = locked.verification_deadline
        review = {} if needs_verification else start_review(locked, now)
        return {
            **(extra or {}),
            **review,
            "deadline": deadline.isoformat() if deadline else None,
        }

    to_status = S.PENDING_VERIFICATION if needs_verification else S.UNDER_REVIEW
    return _move(filing, E.SUBMITTED, to_status, actor=actor, apply=submit)


def complete_verification(
    filing: FilingApplication,
    *,
    actor: Actor = APPLICANT,
    apply: Apply | None = None,
    already_locked: bool = False,
    now: datetime.datetime | None = None,
) -> FilingApplication:
    """Move a filing whose verifications are all done to review, starting its
    review clock.

    Whether they are all done is the engine's to check (`apply` refuses with
    `IllegalTransition` if not; see `verification.moves.complete_verification`).
    """
    now = now or timezone.now()

    def complete(locked: FilingApplication) -> dict[str, Any]:
        extra = apply(locked) if apply else None
        return {**(extra or {}), **start_review(locked, now)}

    return _move(
        filing,
        E.VERIFICATION_COMPLETED,
        S.UNDER_REVIEW,
        actor=actor,
        apply=complete,
        already_locked=already_locked,
    )


def _require_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise ValueError("A reason is required for this move.")
    return reason.strip()


def return_filing(
    filing: FilingApplication,
    *,
    actor: Actor,
    reason: str,
    data: dict[str, Any] | None = None,
    apply: Apply | None = None,
) -> FilingApplication:
    """Return a filing to its provider (the engine's `apply` closes its
    verifications)."""
    return _move(
        filing,
        E.RETURNED,
        S.RETURNED,
        actor=actor,
        reason=_require_reason(reason),
        data=data,
        apply=apply,
    )


def expire_filing(
    filing: FilingApplication,
    *,
    actor: Actor = SYSTEM,
    now: datetime.datetime | None = None,
    apply: Apply | None = None,
) -> FilingApplication:
    """Return a filing whose verification deadline has passed.

    Refused unless the filing is still pending verification and its deadline is at
    or before `now`, so it can never undo a completed verification or an extension.
    """
    now = now or timezone.now()

    def expire(locked: FilingApplication) -> dict[str, Any]:
        if locked.verification_deadline is None or locked.verification_deadline > now:
            raise IllegalTransition(
                locked, E.EXPIRED, "its verification deadline has not passed."
            )
        return {
            "deadline": locked.verification_deadline.isoformat(),
            **((apply(locked) if apply else None) or {}),
        }

    return _move(
        filing,
        E.EXPIRED,
        S.RETURNED,
        actor=actor,
        reason="expired",
        apply=expire,
    )


def fail_verification(
    filing: FilingApplication,
    *,
    actor: Actor = APPLICANT,
    apply: Apply | None = None,
    already_locked: bool = False,
) -> FilingApplication:
    """Return a filing because one of its people failed verification too often
    (the engine's `apply` marks the verification failed and closes the others)."""
    limit = policies.get_policy(filing.policy).failure_limit
    return _move(
        filing,
        E.VERIFICATION_FAILED,
        S.RETURNED,
        actor=actor,
        reason=f"verification failed: {limit} consecutive failed attempts",
        apply=apply,
        already_locked=already_locked,
    )


def cancel_filing(
    filing: FilingApplication,
    *,
    actor: Actor,
    reason: str,
    apply: Apply | None = None,
) -> FilingApplication:
    """Cancel a filing (withdrawn by the provider, or by staff; the engine's `apply`
    closes its verifications)."""
    return _move(
        filing,
        E.CANCELLED,
        S.CANCELLED,
        actor=actor,
        reason=_require_reason(reason),
        apply=apply,
    )


def approve_filing(
    filing: FilingApplication,
    *,
    actor: Actor,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> FilingApplication:
    """The administration approves a filing under review; it gets its ICP numbers."""
    now = now or timezone.now()

    def apply(locked: FilingApplication) -> dict[str, Any] | None:
        year = now.astimezone(times.BEIJING).year
        assigned = icp_numbers.assign(locked, year)
        return {"icp_numbers": assigned} if assigned else None

    return _move(
        filing, E.APPROVED, S.APPROVED, actor=actor, reason=reason, apply=apply
    )


def extend_deadline(
    filing: FilingApplication,
    *,
    hours: int,
    actor: Actor,
    reason: str,
    now: datetime.datetime | None = None,
) -> FilingApplication:
    """Move a pending filing's verification deadline `hours` later.

    Not a status move, but the same discipline: the row is locked, the change checked,
    saved and audited in one transaction. Staff extend by 1 to 336 hours within the
    limits below; the system (the demo's time travel carrying a training scenario
    along) by any number of hours, and not counted against those limits.
    """
    now = now or timezone.now()
    reason = _require_reason(reason)
    most = 24 * 14 if actor.kind != ActorKind.SYSTEM else 24 * 366 * 10
    if not 1 <= hours <= most:
        raise ValueError(f"Extend by 1 to {most} hours.")
    with transaction.atomic():
        locked = FilingApplication.objects.select_for_update().get(pk=filing.pk)
        if locked.status != S.PENDING_VERIFICATION:
            raise IllegalTransition(
                locked,
                E.DEADLINE_EXTENDED,
                f"it is {locked.status}; only a filing pending verification has a "
                "deadline to extend.",
            )
        _check_extension_limits(locked, hours, actor)
        old = locked.verification_deadline
        assert old is not None  # a filing pending verification has its deadline
        new = old + datetime.timedelta(hours=hours)
        if new <= now:
            raise IllegalTransition(
                locked,
                E.DEADLINE_EXTENDED,
                "the new deadline would still be in the past; extend by more hours.",
            )
        locked.verification_deadline = new
        locked.save(update_fields=["verification_deadline", "updated_at"])
        record_event(
            locked,
            actor,
            E.DEADLINE_EXTENDED,
            reason=reason,
            data={"from": old.isoformat(), "to": new.isoformat(), "hours": hours},
        )
    return locked


def extensions_so_far(filing: FilingApplication) -> tuple[int, int]:
    """(how many times, how many hours in all) the deadline of the filing's current
    submission was extended."""
    events = AuditEvent.objects.filter(
        filing=filing, event_type=E.DEADLINE_EXTENDED
    ).exclude(actor_kind=ActorKind.SYSTEM)
    if filing.submitted_at:
        events = events.filter(created_at__gte=filing.submitted_at)
    hours = [data.get("hours", 0) for data in events.values_list("data", flat=True)]
    return len(hours), sum(hours)


def _check_extension_limits(
    filing: FilingApplication, hours: int, actor: Actor
) -> None:
    """An agent may extend one submission's deadline DEADLINE_EXTENSIONS_MAX times
    and DEADLINE_EXTENSION_MAX_HOURS in all; beyond that it takes a supervisor
    (`filings.extend_deadline_beyond_limit`): a code guessable at ten tries an hour
    must not stay open for weeks on one person's say."""
    user = actor.user
    if actor.kind == ActorKind.SYSTEM:
        return  # the limits are on people's say
    if user is not None and user.has_perm("filings.extend_deadline_beyond_limit"):
        return
    times, total = extensions_so_far(filing)
    most_times = settings.DEADLINE_EXTENSIONS_MAX
    most_hours = settings.DEADLINE_EXTENSION_MAX_HOURS
    if times + 1 > most_times or total + hours > most_hours:
        raise ValidationError(
            _(
                "This deadline was extended %(times)d times (%(total)d hours in all); "
                "without a supervisor it may be extended at most %(most_times)d times "
                "and %(most_hours)d hours in all. Ask a supervisor."
            )
            % {
                "times": times,
                "total": total,
                "most_times": most_times,
                "most_hours": most_hours,
            },
            code="extension_limit",
        )


def remove_access(
    filing: FilingApplication,
    *,
    actor: Actor,
    reason: str,
    apply: Apply | None = None,
) -> FilingApplication:
    """Remove the access of an approved filing whose contact check was missed (the
    engine's `apply` closes the check); the filing is cancelled."""
    return _move(
        filing,
        E.ACCESS_REMOVED,
        S.CANCELLED,
        actor=actor,
        reason=_require_reason(reason),
        apply=apply,
    )


def reject_filing(
    filing: FilingApplication, *, actor: Actor, code: str, reason: str = ""
) -> FilingApplication:
    """The administration rejects a filing under review for the catalogued reason
    `code` (`filings.review_outcomes`; ValueError if unknown); `reason` is the
    decider's own note, if any."""
    review_outcomes.rejection(code)

    def apply(locked: FilingApplication) -> dict[str, Any]:
        locked.rejection_reason = code
        return {"rejection_reason": code}

    return _move(
        filing,
        E.REJECTED,
        S.REJECTED,
        actor=actor,
        reason=(reason or "").strip(),
        apply=apply,
    )
