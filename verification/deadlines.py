"""The deadline sweep: expiry, the automatic next-day resends, and messages whose
worker died mid-send. `process_deadlines` runs it; `process_deadlines_task` is the same
as a task for a scheduler or the worker.
"""

import datetime
import functools
import json
from dataclasses import dataclass
from typing import Any

from captcha.models import CaptchaStore
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.tasks import task
from django.utils import timezone

from filings import provider_events, transitions
from filings.models import (
    ActorKind,
    AuditEvent,
    EventType,
    FilingApplication,
    FilingStatus,
    ProviderEvent,
    ProviderEventType,
    TestClock,
    on_clock,
)
from infra import task_rows
from verification import (
    administration,
    codes,
    contact_checks,
    receipts,
    sandbox,
    staff_actions,
)
from verification.models import (
    SmsKind,
    SmsMessage,
    SmsStatus,
    Verification,
    VerificationStatus,
)
from verification.tasks import deliver_sms

S = FilingStatus

# The deadline sweep as set-based SQL: the same number of statements for ten overdue
# filings or a hundred thousand. Each one moves pending_verification -> returned,
# expires its pending verifications and gets one "expired" audit event whose data
# holds the deadline as Python's isoformat() writes it, and one `filing.returned`
# provider event numbered after the filing's last (`filings.provider_events`).
_EXPIRE_POSTGRESQL = """
WITH overdue AS (
    SELECT id, verification_deadline FROM {filing}
    WHERE status = %(pending)s AND verification_deadline <= %(now)s AND {on_clock}
    ORDER BY id
    FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE {filing} AS f SET status = %(returned)s, updated_at = %(now)s
    FROM overdue WHERE f.id = overdue.id
    RETURNING f.id, f.provider_id, overdue.verification_deadline AS deadline
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
), provider_events AS (
    INSERT INTO {provider_event} (provider_id, filing_id, sequence, event_type, data,
        created_at, dispatched_at)
    SELECT provider_id, id, COALESCE((SELECT MAX(sequence) FROM {provider_event} AS pe
        WHERE pe.filing_id = moved.id), 0) + 1, %(provider_event)s,
        %(provider_data)s::jsonb, %(created)s, NULL
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
WHERE status = %(pending)s AND verification_deadline <= %(now)s AND {on_clock}
""",
    """
INSERT INTO {provider_event} (provider_id, filing_id, sequence, event_type, data,
    created_at, dispatched_at)
SELECT provider_id, id, COALESCE((SELECT MAX(sequence) FROM {provider_event} AS pe
    WHERE pe.filing_id = f.id), 0) + 1, %(provider_event)s, %(provider_data)s,
    %(created)s, NULL
FROM {filing} AS f
WHERE status = %(pending)s AND verification_deadline <= %(now)s AND {on_clock}
""",
    """
UPDATE {verification} SET status = %(expired)s, updated_at = %(now)s
WHERE status = %(verification_pending)s AND filing_id IN (
    SELECT id FROM {filing}
    WHERE status = %(pending)s AND verification_deadline <= %(now)s AND {on_clock})
""",
    """
UPDATE {filing} SET status = %(returned)s, updated_at = %(now)s
WHERE status = %(pending)s AND verification_deadline <= %(now)s AND {on_clock}
""",
)


def _expiry_statement_parts(
    connection: Any, now: datetime.datetime, clock: TestClock | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """The expiry statements' table names and parameters."""
    quote = connection.ops.quote_name
    tables = {
        "filing": quote(FilingApplication._meta.db_table),
        "verification": quote(Verification._meta.db_table),
        "event": quote(AuditEvent._meta.db_table),
        "provider_event": quote(ProviderEvent._meta.db_table),
        "on_clock": (
            "test_clock_id = %(clock)s"
            if clock is not None
            else "test_clock_id IS NULL"
        ),
    }
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "clock": clock.pk if clock is not None else None,
        "now": adapt(now),
        "created": adapt(timezone.now()),
        "pending": S.PENDING_VERIFICATION,
        "returned": S.RETURNED,
        "verification_pending": VerificationStatus.PENDING,
        "expired": VerificationStatus.EXPIRED,
        "actor": ActorKind.SYSTEM,
        "event": EventType.EXPIRED.value,
        "reason": "expired",
        "provider_event": ProviderEventType.FILING_RETURNED,
        "provider_data": json.dumps(
            {"status": S.RETURNED, "reason": provider_events.RETURN_EXPIRED}
        ),
    }
    return tables, params


def expire_overdue(
    now: datetime.datetime, clock: TestClock | None = None
) -> tuple[int, int]:
    """Return every filing whose verification deadline is at or before `now`, of
    those on no test clock, or on `clock`.

    The set-based form of `verification.moves.expire_filing`, for the deadline sweep: one transaction
    moves the overdue filings, expires their verifications and writes one audit
    event per filing, in a fixed number of statements whatever their count. On
    PostgreSQL it skips filings another transaction holds (one being verified right
    now, say); the next sweep takes them. Returns (filings, verifications) expired.
    """
    assert (
        EventType.EXPIRED
        in transitions.ALLOWED_MOVES[(S.PENDING_VERIFICATION, S.RETURNED)]
    )
    connection = transaction.get_connection()
    tables, params = _expiry_statement_parts(connection, now, clock)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_EXPIRE_POSTGRESQL.format(**tables), params)
            filings, verifications = cursor.fetchone()
            if filings:
                provider_events.notify_on_commit(connection)
            return filings, verifications
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"No deadline sweep for {connection.vendor}.")
        events, told, verifications, filings = (
            cursor.execute(sql.format(**tables), params).rowcount
            for sql in _EXPIRE_SQLITE
        )
        assert events == told == filings
        if filings:
            provider_events.notify_on_commit(connection)
        return filings, verifications


@dataclass
class DeadlineReport:
    expired_filings: int = 0
    expired_verifications: int = 0
    automatic_resends: int = 0
    expired_captchas: int = 0
    interrupted_sms: int = 0
    stranded_sms: int = 0
    reaped_tasks: int = 0
    reviews_approved: int = 0
    reviews_rejected: int = 0
    contact_checks_missed: int = 0
    receipts_pulled: int = 0
    deliveries_unknown: int = 0
    sandbox_steps: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "sandbox_steps": self.sandbox_steps,
            "receipts_pulled": self.receipts_pulled,
            "deliveries_unknown": self.deliveries_unknown,
            "contact_checks_missed": self.contact_checks_missed,
            "reviews_approved": self.reviews_approved,
            "reviews_rejected": self.reviews_rejected,
            "expired_filings": self.expired_filings,
            "expired_verifications": self.expired_verifications,
            "automatic_resends": self.automatic_resends,
            "expired_captchas": self.expired_captchas,
            "interrupted_sms": self.interrupted_sms,
            "stranded_sms": self.stranded_sms,
            "reaped_tasks": self.reaped_tasks,
        }


INTERRUPTED_ERROR = (
    "The worker stopped while sending; whether the gateway delivered it is unknown."
)


def recover_interrupted_sms(now: datetime.datetime | None = None) -> int:
    """Settle messages whose worker died mid-send (still "sending" after
    SMS_INTERRUPTED_AFTER_SECONDS). Returns how many were settled.

    Such a message may or may not have reached the phone, so a code is never sent
    again: the message is marked failed and, if its verification is still pending
    and this was its latest code, a fresh code is issued (the old one stops
    working). A notification carries no code and is queued again.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.SMS_INTERRUPTED_AFTER_SECONDS)
    stalled = SmsMessage.objects.filter(
        status=SmsStatus.SENDING, attempted_at__lte=cutoff
    )
    settled = 0
    for message_id, verification_id in stalled.values_list("pk", "verification_id"):
        with transaction.atomic():
            live = None
            if verification_id:
                # Filing, then verification, then message: the engine's lock order.
                verification = Verification.objects.get(pk=verification_id)
                try:
                    live = staff_actions.lock_pending(verification, now)
                except staff_actions.NotResendable:
                    live = None
            message = (
                stalled.select_for_update(skip_locked=True)
                .filter(pk=message_id)
                .first()
            )
            if message is None:
                continue
            settled += 1
            if message.kind != SmsKind.VERIFICATION_CODE:
                message.status, message.error = SmsStatus.QUEUED, INTERRUPTED_ERROR
                message.save(update_fields=["status", "error"])
                transaction.on_commit(
                    functools.partial(deliver_sms.enqueue, message.pk)
                )
                continue
            message.status, message.error = SmsStatus.FAILED, INTERRUPTED_ERROR
            message.save(update_fields=["status", "error"])
            newer = SmsMessage.objects.filter(
                verification_id=verification_id,
                kind=SmsKind.VERIFICATION_CODE,
                pk__gt=message.pk,
            ).exists()
            if live is not None and not newer:
                codes.resend_code(live, now, transitions.SYSTEM, "interrupted_send")
    return settled


STRANDED_ERROR = "Its task was lost (the worker stopped after taking it); queued again."
STRANDED_CLOSED_ERROR = (
    "Its task was lost and its verification is no longer pending: not sent."
)
STRANDED_BATCH = 1000


def stranded_sms(now: datetime.datetime | None = None) -> QuerySet[SmsMessage]:
    """Messages "queued" for longer than SMS_STALE_QUEUED_SECONDS (since they were
    queued, or since their last failed attempt) that no queued task will send: a
    worker took their task and died before it claimed the message. A queryset of
    candidates; `requeue_stranded_sms` checks the task queue before it acts."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.SMS_STALE_QUEUED_SECONDS)
    return SmsMessage.objects.alias(
        queued_since=Coalesce("attempted_at", "created_at")
    ).filter(status=SmsStatus.QUEUED, queued_since__lte=cutoff)


def _lost(now: datetime.datetime) -> set[int]:
    """The ids of stranded messages (at most STRANDED_BATCH) no queued task will send."""
    candidates = list(
        stranded_sms(now).order_by("pk").values_list("pk", flat=True)[:STRANDED_BATCH]
    )
    return set(candidates) - task_rows.waiting_for(deliver_sms, candidates)


def stranded_texts_state() -> str:
    """The /healthz?deep=1 check: "ok", or `Stuck` with how many texts have waited
    over SMS_STALE_QUEUED_SECONDS to leave (queued, or still being sent)."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.SMS_STALE_QUEUED_SECONDS)
    queued = len(_lost(now))
    sending = SmsMessage.objects.filter(
        status=SmsStatus.SENDING, attempted_at__lte=cutoff
    ).count()
    if queued or sending:
        raise task_rows.Stuck(
            f"{queued} texts queued and {sending} being sent for over "
            f"{settings.SMS_STALE_QUEUED_SECONDS} s"
        )
    return "ok"


def requeue_stranded_sms(now: datetime.datetime | None = None) -> int:
    """Queue again every stranded message (`stranded_sms`) and mark failed the task
    rows their dead worker left running. A stranded message was never handed to the
    gateway in the lost attempt (it is still "queued"), so sending it now delivers
    it once. A code whose verification is no longer pending is not sent: it could
    not be used. Returns how many messages were settled."""
    now = now or timezone.now()
    lost = _lost(now)
    if not lost:
        return 0
    # A worker may take a message's queued task between the two reads above, so a
    # row marked failed here can still be running: harmless, as `tasks._claim` is
    # the one gate to the gateway and lets one of the two tasks through.
    task_rows.fail_running(deliver_sms, lost, now=now)
    settled = 0
    for message_id in sorted(lost):
        with transaction.atomic():
            message = (
                SmsMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=message_id, status=SmsStatus.QUEUED)
                .select_related("verification")
                .first()
            )
            if message is None:
                continue
            settled += 1
            closed = (
                message.kind == SmsKind.VERIFICATION_CODE
                and message.verification is not None
                and message.verification.status != VerificationStatus.PENDING
            )
            if closed:
                message.status, message.error = SmsStatus.FAILED, STRANDED_CLOSED_ERROR
                message.save(update_fields=["status", "error"])
                continue
            message.error = STRANDED_ERROR
            message.save(update_fields=["error"])
            transaction.on_commit(functools.partial(deliver_sms.enqueue, message.pk))
    return settled


def _review(
    now: datetime.datetime, report: DeadlineReport, clock: TestClock | None
) -> None:
    """The simulated administration's decisions: the sandbox's always, the live
    filings' when SIMULATED_ADMINISTRATION is on (never on a test clock)."""
    reviewed = [administration.process_reviews(now, livemode=False, clock=clock)]
    if settings.SIMULATED_ADMINISTRATION and clock is None:
        reviewed.append(administration.process_reviews(now))
    report.reviews_approved = sum(r.approved for r in reviewed)
    report.reviews_rejected = sum(r.rejected for r in reviewed)


def _housekeeping(report: DeadlineReport, now: datetime.datetime) -> None:
    """What the real-time sweep alone does: captchas, dead workers' texts and task
    rows, missed contact checks, the gateways' receipts."""
    # Real time, not `now`: a demo travelling in time must not void live captchas
    # nor take a message being sent right now for an interrupted one.
    report.expired_captchas, _ = CaptchaStore.objects.filter(
        expiration__lte=timezone.now()
    ).delete()
    report.interrupted_sms = recover_interrupted_sms()
    report.stranded_sms = requeue_stranded_sms()
    report.reaped_tasks = task_rows.reap(settings.TASK_STALE_RUNNING_SECONDS)
    report.contact_checks_missed = contact_checks.mark_missed(now)
    # Real time: the gateways' receipts do not travel with the demo.
    pulled = receipts.pull_due()
    report.receipts_pulled = pulled.outcomes[receipts.RECORDED]
    report.deliveries_unknown = pulled.unknown


def process_deadlines(
    now: datetime.datetime | None = None,
    *,
    batch_size: int = 1000,
    clock: TestClock | None = None,
) -> DeadlineReport:
    """Expire overdue verifications (returning their filings) and send the automatic
    next-day resends that are due, `batch_size` filings per transaction; let the
    sandbox's magic applicants act and the simulated administration decide. Also
    purges expired captcha challenges, settles texts whose worker died (mid-send, or
    after taking their task) and reaps task rows a dead worker left running.
    Idempotent and safe to run concurrently.

    The filings on a test clock are left out; with `clock`, only that clock's are
    taken, at its time `now` (`verification.test_clocks`), and nothing else is done.
    """
    now = now or timezone.now()
    report = DeadlineReport()
    report.expired_filings, report.expired_verifications = expire_overdue(now, clock)
    if clock is None:
        _housekeeping(report, now)
    # The sandbox's applicants with magic mobiles take their steps.
    report.sandbox_steps = sandbox.act(now, clock)
    _review(now, report, clock)
    report.automatic_resends = _automatic_resends(now, batch_size, clock)
    return report


def _automatic_resends(
    now: datetime.datetime, batch_size: int, clock: TestClock | None
) -> int:
    """Send the automatic next-day resends due at `now`; returns how many."""
    sent = 0
    due = Verification.objects.filter(
        status=VerificationStatus.PENDING,
        auto_resent_at__isnull=True,
        auto_resend_due_at__lte=now,
    )
    while True:
        with transaction.atomic():
            filings = {
                filing.pk: filing
                for filing in FilingApplication.objects.select_for_update(
                    of=("self",), skip_locked=True
                )
                .filter(
                    pk__in=due.values("filing_id"),
                    status=FilingStatus.PENDING_VERIFICATION,
                    verification_deadline__gt=now,
                    **on_clock(clock),
                )
                .select_related("province", "provider")
                .order_by("pk")[:batch_size]
            }
            if not filings:
                return sent
            for verification in due.select_for_update().filter(filing_id__in=filings):
                verification.filing = filings[verification.filing_id]
                Verification.objects.filter(pk=verification.pk).update(
                    auto_resent_at=now
                )
                codes.resend_code(verification, now, transitions.SYSTEM, "automatic")
                sent += 1


@task()
def process_deadlines_task(now: str | None = None) -> dict[str, int]:
    """The deadline sweep as a task, for a scheduler or the worker to run."""
    when = datetime.datetime.fromisoformat(now) if now else None
    return process_deadlines(now=when).as_dict()
