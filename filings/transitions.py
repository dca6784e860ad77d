"""Every change of a filing's status goes through this module.

Each public function is one move of the state machine. It runs in a transaction,
locks the filing row, refuses a move the `ALLOWED_MOVES` table does not allow (raising
`IllegalTransition` and leaving nothing behind), saves, and writes exactly one audit
event in the same transaction.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from filings import policies
from filings.models import (
    ActorKind,
    AuditEvent,
    FilingApplication,
    FilingStatus,
    Role,
)
from verification.models import Verification, VerificationStatus

S = FilingStatus

SUBMITTED = "submitted"
VERIFICATION_COMPLETED = "verification_completed"
EXPIRED = "expired"
VERIFICATION_FAILED = "verification_failed"
RETURNED = "returned"
CANCELLED = "cancelled"
APPROVED = "approved"
REJECTED = "rejected"

# The state machine: (from status, to status) -> the events that may make that move.
# A move is allowed only from a status listed here, and only by one of its events.
ALLOWED_MOVES = {
    (S.DRAFT, S.PENDING_VERIFICATION): {SUBMITTED},
    (S.DRAFT, S.UNDER_REVIEW): {SUBMITTED},
    (S.DRAFT, S.CANCELLED): {CANCELLED},
    (S.PENDING_VERIFICATION, S.UNDER_REVIEW): {VERIFICATION_COMPLETED},
    (S.PENDING_VERIFICATION, S.RETURNED): {RETURNED, EXPIRED, VERIFICATION_FAILED},
    (S.PENDING_VERIFICATION, S.CANCELLED): {CANCELLED},
    (S.UNDER_REVIEW, S.APPROVED): {APPROVED},
    (S.UNDER_REVIEW, S.REJECTED): {REJECTED},
    (S.UNDER_REVIEW, S.RETURNED): {RETURNED},
    (S.UNDER_REVIEW, S.CANCELLED): {CANCELLED},
}


def allowed_events(status):
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
    user: Any = None

    @classmethod
    def staff(cls, user):
        return cls(ActorKind.STAFF, user)


SYSTEM = Actor(ActorKind.SYSTEM)
PROVIDER = Actor(ActorKind.PROVIDER)
APPLICANT = Actor(ActorKind.APPLICANT)


class IllegalTransition(Exception):
    """A move the state machine does not allow, or whose precondition does not hold."""

    def __init__(self, filing, event, detail=""):
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


def record_event(
    filing, actor, event_type, *, from_status="", to_status="", reason="", data=None
):
    """Append an audit event for `filing`. Call it inside the caller's transaction."""
    return AuditEvent.objects.create(
        filing=filing,
        actor_kind=actor.kind,
        staff_user=actor.user if actor.kind == ActorKind.STAFF else None,
        event_type=event_type,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def _move(
    filing,
    event,
    to_status,
    *,
    actor,
    reason="",
    data=None,
    apply=None,
    already_locked=False,
):
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
        record_event(
            locked,
            actor,
            event,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data={**(data or {}), **(extra or {})},
        )
    return locked


def required_verifications(filing):
    """The verifications a filing needs under its policy: {mobile: set of roles}.

    Two roles with the same mobile are one person and so one verification.
    """
    services = list(filing.services.select_related("administrator"))
    roles = policies.required_roles(
        filing.policy,
        filing.filing_type,
        filing.change_scope,
        [service.kind for service in services],
    )
    by_mobile = defaultdict(set)
    if Role.LEADER in roles:
        by_mobile[filing.subject.leader.mobile].add(Role.LEADER)
    if Role.ADMINISTRATOR in roles:
        for service in services:
            by_mobile[service.administrator.mobile].add(Role.ADMINISTRATOR)
    return dict(by_mobile)


def _automatic_resend_time(filing, submitted_at):
    """12:00 Beijing time the day after submission, for policies that resend then,
    if that is still before the deadline."""
    policy = policies.get_policy(filing.policy)
    if policy.automatic_resend_at is None:
        return None
    day = submitted_at.astimezone(policies.BEIJING).date() + datetime.timedelta(days=1)
    due = datetime.datetime.combine(
        day, policy.automatic_resend_at, tzinfo=policies.BEIJING
    )
    return due if due < filing.verification_deadline else None


def _send_submission_messages(filing, verifications, now):
    """The provider's "order submitted" text, then a code for each verification."""
    from verification import codes, messages

    recipients = [v.mobile for v in verifications] or [filing.subject.leader.mobile]
    for mobile in recipients:
        codes.queue_sms(
            kind="notification",
            sender=messages.provider_sender(filing.provider),
            recipient=mobile,
            text=messages.order_submitted_text(filing, now),
            filing=filing,
        )
    for verification in verifications:
        codes.issue_code(verification, filing, now)


def submit_filing(filing, *, actor=PROVIDER, now=None):
    """Submit a draft to the communications administration.

    Creates one pending verification per distinct mobile that must verify and sets the
    deadline from the policy window; a filing that needs nobody goes straight to review.
    """
    now = now or timezone.now()
    needed = required_verifications(filing)

    def apply(locked):
        locked.submitted_at = now
        if needed:
            locked.verification_deadline = (
                now + policies.get_policy(locked.policy).window
            )
        auto_resend_at = _automatic_resend_time(locked, now) if needed else None
        created = Verification.objects.bulk_create(
            Verification(
                filing=locked,
                mobile=mobile,
                is_leader=Role.LEADER in roles,
                is_administrator=Role.ADMINISTRATOR in roles,
                auto_resend_due_at=auto_resend_at,
            )
            for mobile, roles in needed.items()
        )
        _send_submission_messages(locked, created, now)
        deadline = locked.verification_deadline
        return {
            "verifications": len(needed),
            "deadline": deadline.isoformat() if deadline else None,
        }

    to_status = S.PENDING_VERIFICATION if needed else S.UNDER_REVIEW
    return _move(filing, SUBMITTED, to_status, actor=actor, apply=apply)


def complete_verification(filing, *, actor=APPLICANT, locked_verifications=None):
    """Move a filing whose verifications are all done to review.

    A caller that holds the filing's lock in its transaction and read the filing's
    verifications after taking it passes them as `locked_verifications`; the row is
    then neither locked nor read again.
    """

    def apply(locked):
        if locked_verifications is None:
            outstanding = locked.verifications.exclude(
                status=VerificationStatus.VERIFIED
            ).count()
        else:
            outstanding = sum(
                v.status != VerificationStatus.VERIFIED for v in locked_verifications
            )
        if outstanding:
            raise IllegalTransition(
                locked,
                VERIFICATION_COMPLETED,
                f"{outstanding} verification(s) are not verified yet.",
            )

    return _move(
        filing,
        VERIFICATION_COMPLETED,
        S.UNDER_REVIEW,
        actor=actor,
        apply=apply,
        already_locked=locked_verifications is not None,
    )


def _require_reason(reason):
    if not reason or not reason.strip():
        raise ValueError("A reason is required for this move.")
    return reason.strip()


def _close_open_verifications(status):
    def apply(locked):
        closed = locked.verifications.filter(status=VerificationStatus.PENDING).update(
            status=status, updated_at=timezone.now()
        )
        return {"verifications_closed": closed} if closed else None

    return apply


def return_filing(filing, *, actor, reason, data=None):
    """Return a filing to its provider; pending verifications are cancelled."""
    return _move(
        filing,
        RETURNED,
        S.RETURNED,
        actor=actor,
        reason=_require_reason(reason),
        data=data,
        apply=_close_open_verifications(VerificationStatus.CANCELLED),
    )


def expire_filing(filing, *, actor=SYSTEM, now=None):
    """Return a filing whose verification deadline has passed; verifications expire.

    Refused unless the filing is still pending verification and its deadline is at
    or before `now`, so it can never undo a completed verification or an extension.
    """
    now = now or timezone.now()
    close = _close_open_verifications(VerificationStatus.EXPIRED)

    def apply(locked):
        if locked.verification_deadline is None or locked.verification_deadline > now:
            raise IllegalTransition(
                locked, EXPIRED, "its verification deadline has not passed."
            )
        return {
            "deadline": locked.verification_deadline.isoformat(),
            **(close(locked) or {}),
        }

    return _move(
        filing, EXPIRED, S.RETURNED, actor=actor, reason="expired", apply=apply
    )


def fail_verification(
    filing, verification, *, actor=APPLICANT, locked_verifications=None
):
    """Return a filing because one of its verifications failed too often.

    The failed verification is marked failed (with its `failed_attempts`); the
    filing's other pending ones close. A caller holding the filing's lock passes the
    filing's verifications, read under that lock, as `locked_verifications` (see
    `complete_verification`).
    """

    def apply(locked):
        now = timezone.now()
        if locked_verifications is None:
            Verification.objects.filter(pk=verification.pk).update(
                status=VerificationStatus.FAILED,
                failed_attempts=verification.failed_attempts,
                updated_at=now,
            )
            verification.status = VerificationStatus.FAILED
            close = _close_open_verifications(VerificationStatus.CANCELLED)
            return {"verification": verification.pk, **(close(locked) or {})}
        others = [
            v
            for v in locked_verifications
            if v.pk != verification.pk and v.status == VerificationStatus.PENDING
        ]
        # One statement: this one fails, the filing's other pending ones close.
        this = Q(pk=verification.pk)
        Verification.objects.filter(
            pk__in=[verification.pk, *(v.pk for v in others)]
        ).update(
            status=Case(
                When(this, then=Value(VerificationStatus.FAILED)),
                default=Value(VerificationStatus.CANCELLED),
            ),
            failed_attempts=Case(
                When(this, then=Value(verification.failed_attempts)),
                default=F("failed_attempts"),
                output_field=Verification._meta.get_field("failed_attempts"),
            ),
            updated_at=now,
        )
        verification.status = VerificationStatus.FAILED
        for other in others:
            other.status = VerificationStatus.CANCELLED
        data = {"verification": verification.pk}
        if others:
            data["verifications_closed"] = len(others)
        return data

    limit = policies.get_policy(filing.policy).failure_limit
    return _move(
        filing,
        VERIFICATION_FAILED,
        S.RETURNED,
        actor=actor,
        reason=f"verification failed: {limit} consecutive failed attempts",
        apply=apply,
        already_locked=locked_verifications is not None,
    )


# The deadline sweep as set-based SQL: the same number of statements for ten overdue
# filings or a hundred thousand. Each one moves pending_verification -> returned,
# expires its pending verifications and gets one "expired" audit event whose data
# holds the deadline as Python's isoformat() writes it.
_EXPIRE_POSTGRESQL = """
WITH overdue AS (
    SELECT id, verification_deadline FROM {filing}
    WHERE status = %(pending)s AND verification_deadline <= %(now)s
    ORDER BY id
    FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE {filing} AS f SET status = %(returned)s, updated_at = %(now)s
    FROM overdue WHERE f.id = overdue.id
    RETURNING f.id, overdue.verification_deadline AS deadline
), expired AS (
    UPDATE {verification} AS v SET status = %(expired)s, updated_at = %(now)s
    FROM moved WHERE v.filing_id = moved.id AND v.status = %(verification_pending)s
    RETURNING v.id
), events AS (
    INSERT INTO {event} (filing_id, created_at, actor_kind, staff_user_id,
        event_type, from_status, to_status, reason, data)
    SELECT id, %(created)s, %(actor)s, NULL, %(event)s, %(pending)s, %(returned)s,
        %(reason)s, jsonb_build_object('deadline',
            to_char(deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN date_part('microseconds', deadline)::int %% 1000000 = 0
                    THEN '' ELSE to_char(deadline AT TIME ZONE 'UTC', '.US') END
            || '+00:00')
    FROM moved
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM expired)
"""
# SQLite has one writer at a time: after the first statement nobody else can change
# these rows until the transaction ends, so three statements see the same filings.
_EXPIRE_SQLITE = (
    """
INSERT INTO {event} (filing_id, created_at, actor_kind, staff_user_id, event_type,
    from_status, to_status, reason, data)
SELECT id, %(created)s, %(actor)s, NULL, %(event)s, %(pending)s, %(returned)s,
    %(reason)s,
    json_object('deadline', replace(verification_deadline, ' ', 'T') || '+00:00')
FROM {filing}
WHERE status = %(pending)s AND verification_deadline <= %(now)s
""",
    """
UPDATE {verification} SET status = %(expired)s, updated_at = %(now)s
WHERE status = %(verification_pending)s AND filing_id IN (
    SELECT id FROM {filing}
    WHERE status = %(pending)s AND verification_deadline <= %(now)s)
""",
    """
UPDATE {filing} SET status = %(returned)s, updated_at = %(now)s
WHERE status = %(pending)s AND verification_deadline <= %(now)s
""",
)


def expire_overdue(now):
    """Return every filing whose verification deadline is at or before `now`.

    The set-based form of `expire_filing`, for the deadline sweep: one transaction
    moves the overdue filings, expires their verifications and writes one audit
    event per filing, in a fixed number of statements whatever their count. On
    PostgreSQL it skips filings another transaction holds (one being verified right
    now, say); the next sweep takes them. Returns (filings, verifications) expired.
    """
    assert EXPIRED in ALLOWED_MOVES[(S.PENDING_VERIFICATION, S.RETURNED)]
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    tables = {
        "filing": quote(FilingApplication._meta.db_table),
        "verification": quote(Verification._meta.db_table),
        "event": quote(AuditEvent._meta.db_table),
    }
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "now": adapt(now),
        "created": adapt(timezone.now()),
        "pending": S.PENDING_VERIFICATION,
        "returned": S.RETURNED,
        "verification_pending": VerificationStatus.PENDING,
        "expired": VerificationStatus.EXPIRED,
        "actor": ActorKind.SYSTEM,
        "event": EXPIRED,
        "reason": "expired",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_EXPIRE_POSTGRESQL.format(**tables), params)
            filings, verifications = cursor.fetchone()
            return filings, verifications
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"No deadline sweep for {connection.vendor}.")
        events, verifications, filings = (
            cursor.execute(sql.format(**tables), params).rowcount
            for sql in _EXPIRE_SQLITE
        )
        assert events == filings
        return filings, verifications


def cancel_filing(filing, *, actor, reason):
    """Cancel a filing (withdrawn by the provider, or by staff); verifications close."""
    return _move(
        filing,
        CANCELLED,
        S.CANCELLED,
        actor=actor,
        reason=_require_reason(reason),
        apply=_close_open_verifications(VerificationStatus.CANCELLED),
    )


def approve_filing(filing, *, actor, reason="", now=None):
    """The administration approves a filing under review; it gets its ICP numbers."""
    from filings import icp_numbers

    now = now or timezone.now()

    def apply(locked):
        year = now.astimezone(policies.BEIJING).year
        assigned = icp_numbers.assign(locked, year)
        return {"icp_numbers": assigned} if assigned else None

    return _move(filing, APPROVED, S.APPROVED, actor=actor, reason=reason, apply=apply)


DEADLINE_EXTENDED = "deadline_extended"


def extend_deadline(filing, *, hours, actor, reason, now=None):
    """Move a pending filing's verification deadline `hours` later.

    Not a status move, but the same discipline: the row is locked, the change checked,
    saved and audited in one transaction.
    """
    now = now or timezone.now()
    reason = _require_reason(reason)
    if not 1 <= hours <= 24 * 14:
        raise ValueError("Extend by 1 to 336 hours.")
    with transaction.atomic():
        locked = FilingApplication.objects.select_for_update().get(pk=filing.pk)
        if locked.status != S.PENDING_VERIFICATION:
            raise IllegalTransition(
                locked,
                DEADLINE_EXTENDED,
                f"it is {locked.status}; only a filing pending verification has a "
                "deadline to extend.",
            )
        old = locked.verification_deadline
        new = old + datetime.timedelta(hours=hours)
        if new <= now:
            raise IllegalTransition(
                locked,
                DEADLINE_EXTENDED,
                "the new deadline would still be in the past; extend by more hours.",
            )
        locked.verification_deadline = new
        locked.save(update_fields=["verification_deadline", "updated_at"])
        record_event(
            locked,
            actor,
            DEADLINE_EXTENDED,
            reason=reason,
            data={"from": old.isoformat(), "to": new.isoformat(), "hours": hours},
        )
    return locked


def reject_filing(filing, *, actor, reason):
    """The administration rejects a filing under review."""
    return _move(
        filing,
        REJECTED,
        S.REJECTED,
        actor=actor,
        reason=_require_reason(reason),
    )
