"""The one public entrance for filing moves: the doors (portal, console, demo, API)
call these, never `filings.transitions` (the layout test holds them to it).

The moves that open or close verifications are the move of `filings.transitions` plus
the engine's part, done on the locked filing row in the move's own transaction:
submitting creates the verifications and texts their codes; returning, cancelling and
expiring close the pending ones; completing checks that everyone verified; failing
marks one person failed. The moves with no verification part (approving, rejecting,
extending a deadline, recording the support team's case events) pass through as they
are, so that a door has one module to call and cannot pick the wrong one.
"""

import datetime
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from filings import importing, policies, transitions
from filings.importing import FilingRecord
from filings.models import AuditEvent, EventType, FilingApplication, Role, Service
from filings.transitions import (  # the entrance's vocabulary, for the doors
    ADMINISTRATION,
    APPLICANT,
    PROVIDER,
    SYSTEM,
    Actor,
    IllegalTransition,
    allowed_events,
    extensions_so_far,
)
from verification import codes, messages
from verification.models import SmsKind, Verification, VerificationStatus


@dataclass
class Verifier:
    """One person who must verify: their roles, and the certificate numbers that
    identify them (a leader and an administrator may share a mobile)."""

    roles: set[str] = field(default_factory=set)
    certificate_numbers: set[str] = field(default_factory=set)

    def add(self, role: str, certificate_number: str) -> None:
        self.roles.add(role)
        self.certificate_numbers.add(certificate_number)


def required_verifications(filing: FilingApplication) -> dict[str, Verifier]:
    """The verifications a filing needs under its policy: {mobile: Verifier}.

    Two roles with the same mobile are one person and so one verification.
    """
    services = list(filing.services.select_related("administrator"))
    roles = policies.required_roles(
        filing.policy,
        filing.filing_type,
        filing.change_scope,
        [service.kind for service in services],
    )
    return people_by_mobile(filing, roles, services)


def people_by_mobile(
    filing: FilingApplication,
    roles: Collection[str],
    services: list[Service] | None = None,
) -> dict[str, Verifier]:
    """The filing's people in `roles` (the leader, the services' administrators)
    by mobile: {mobile: Verifier}; one mobile is one person."""
    if services is None:
        services = list(filing.services.select_related("administrator"))
    by_mobile: defaultdict[str, Verifier] = defaultdict(Verifier)
    if Role.LEADER in roles:
        leader = filing.subject.leader
        by_mobile[leader.mobile].add(Role.LEADER, leader.certificate_number)
    if Role.ADMINISTRATOR in roles:
        for service in services:
            administrator = service.administrator
            by_mobile[administrator.mobile].add(
                Role.ADMINISTRATOR, administrator.certificate_number
            )
    return dict(by_mobile)


def _send_submission_messages(
    filing: FilingApplication,
    verifications: Sequence[Verification],
    now: datetime.datetime,
) -> None:
    """The provider's "order submitted" text, then a code for each verification."""
    recipients = [v.mobile for v in verifications] or [filing.subject.leader.mobile]
    for mobile in recipients:
        codes.queue_sms(
            kind=SmsKind.NOTIFICATION,
            sender=messages.provider_sender(filing.provider),
            recipient=mobile,
            text=messages.order_submitted_text(filing, now),
            filing=filing,
        )
    for verification in verifications:
        codes.issue_code(verification, filing, now)


def submit_filing(
    filing: FilingApplication,
    *,
    actor: Actor = transitions.PROVIDER,
    now: datetime.datetime | None = None,
) -> FilingApplication:
    """Submit a draft to the communications administration.

    Creates one pending verification per distinct mobile that must verify, texts each
    a code and sets the deadline from the policy window; a filing that needs nobody
    goes straight to review.
    """
    now = now or timezone.now()
    needed = required_verifications(filing)

    def create_verifications(locked: FilingApplication) -> dict[str, Any]:
        auto_resend_at = None
        if needed:
            # The move set the deadline: someone has to verify.
            assert locked.verification_deadline is not None
            auto_resend_at = policies.automatic_resend_time(
                locked.policy, now, locked.verification_deadline
            )
        created = Verification.objects.bulk_create(
            Verification(
                filing=locked,
                mobile=mobile,
                is_leader=Role.LEADER in verifier.roles,
                is_administrator=Role.ADMINISTRATOR in verifier.roles,
                certificate_hashes=codes.certificate_hashes(
                    verifier.certificate_numbers
                ),
                auto_resend_due_at=auto_resend_at,
            )
            for mobile, verifier in needed.items()
        )
        _send_submission_messages(locked, created, now)
        return {"verifications": len(needed)}

    return transitions.submit_filing(
        filing,
        needs_verification=bool(needed),
        actor=actor,
        now=now,
        apply=create_verifications,
    )


def import_filing(
    record: FilingRecord, *, actor: Actor = transitions.PROVIDER, submit: bool = True
) -> FilingApplication:
    """Write a parsed import record (`filings.importing.parse_record`) and, unless
    `submit` is off, submit it: one transaction, so a failure leaves nothing."""
    with transaction.atomic():
        filing = importing.create_filing(record, actor=actor)
        if submit:
            filing = submit_filing(filing, actor=actor, now=record.submitted_at)
    return filing


def _close_pending(status: str) -> transitions.Apply:
    """An `apply` for a move out of verification: the pending verifications close
    with `status`."""

    def close(locked: FilingApplication) -> dict[str, Any] | None:
        closed = locked.verifications.filter(status=VerificationStatus.PENDING).update(
            status=status, updated_at=timezone.now()
        )
        return {"verifications_closed": closed} if closed else None

    return close


def return_filing(
    filing: FilingApplication,
    *,
    actor: Actor,
    reason: str,
    data: dict[str, Any] | None = None,
) -> FilingApplication:
    """Return a filing to its provider; pending verifications are cancelled."""
    return transitions.return_filing(
        filing,
        actor=actor,
        reason=reason,
        data=data,
        apply=_close_pending(VerificationStatus.CANCELLED),
    )


def cancel_filing(
    filing: FilingApplication, *, actor: Actor, reason: str
) -> FilingApplication:
    """Cancel a filing (withdrawn by the provider, or by staff); verifications close."""
    return transitions.cancel_filing(
        filing,
        actor=actor,
        reason=reason,
        apply=_close_pending(VerificationStatus.CANCELLED),
    )


def expire_filing(
    filing: FilingApplication,
    *,
    actor: Actor = transitions.SYSTEM,
    now: datetime.datetime | None = None,
) -> FilingApplication:
    """Return a filing whose verification deadline has passed; verifications expire.

    The set-based form for the deadline sweep is `verification.deadlines`.
    """
    return transitions.expire_filing(
        filing,
        actor=actor,
        now=now,
        apply=_close_pending(VerificationStatus.EXPIRED),
    )


def complete_verification(
    filing: FilingApplication,
    *,
    actor: Actor = transitions.APPLICANT,
    locked_verifications: Sequence[Verification] | None = None,
) -> FilingApplication:
    """Move a filing whose verifications are all done to review.

    A caller that holds the filing's lock in its transaction and read the filing's
    verifications after taking it passes them as `locked_verifications`; the row is
    then neither locked nor read again.
    """

    def check_all_verified(locked: FilingApplication) -> None:
        if locked_verifications is None:
            outstanding = locked.verifications.exclude(
                status=VerificationStatus.VERIFIED
            ).count()
        else:
            outstanding = sum(
                v.status != VerificationStatus.VERIFIED for v in locked_verifications
            )
        if outstanding:
            raise transitions.IllegalTransition(
                locked,
                EventType.VERIFICATION_COMPLETED,
                f"{outstanding} verification(s) are not verified yet.",
            )

    return transitions.complete_verification(
        filing,
        actor=actor,
        apply=check_all_verified,
        already_locked=locked_verifications is not None,
    )


def first_attempt(now: datetime.datetime) -> Coalesce:
    """The update that records a person's first attempt (and keeps a later one from
    overwriting it), folded into the statement each outcome writes anyway."""
    return Coalesce(F("first_attempt_at"), Value(now))


def _mark_failed_alone(
    locked: FilingApplication, verification: Verification, now: datetime.datetime
) -> dict[str, Any]:
    """Mark `verification` failed, then close the filing's other pending ones: for a
    caller that did not read the filing's verifications under its lock."""
    Verification.objects.filter(pk=verification.pk).update(
        status=VerificationStatus.FAILED,
        failed_attempts=verification.failed_attempts,
        first_attempt_at=first_attempt(now),
        updated_at=now,
    )
    verification.status = VerificationStatus.FAILED
    close = _close_pending(VerificationStatus.CANCELLED)
    return {
        "verification": verification.pk,
        "roles": verification.roles,
        **(close(locked) or {}),
    }


def _mark_failed_among(
    verification: Verification,
    locked_verifications: Sequence[Verification],
    now: datetime.datetime,
) -> dict[str, Any]:
    """Mark `verification` failed and close the other pending ones of
    `locked_verifications` (the filing's, read under its lock) in one statement."""
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
        first_attempt_at=Case(
            When(this, then=first_attempt(now)),
            default=F("first_attempt_at"),
        ),
        updated_at=now,
    )
    verification.status = VerificationStatus.FAILED
    for other in others:
        other.status = VerificationStatus.CANCELLED
    data: dict[str, Any] = {
        "verification": verification.pk,
        "roles": verification.roles,
    }
    if others:
        data["verifications_closed"] = len(others)
    return data


def fail_verification(
    filing: FilingApplication,
    verification: Verification,
    *,
    actor: Actor = transitions.APPLICANT,
    locked_verifications: Sequence[Verification] | None = None,
) -> FilingApplication:
    """Return a filing because one of its verifications failed too often.

    The failed verification is marked failed (with its `failed_attempts`); the
    filing's other pending ones close. A caller holding the filing's lock passes the
    filing's verifications, read under that lock, as `locked_verifications` (see
    `complete_verification`).
    """

    def mark_failed(locked: FilingApplication) -> dict[str, Any]:
        now = timezone.now()
        if locked_verifications is None:
            return _mark_failed_alone(locked, verification, now)
        return _mark_failed_among(verification, locked_verifications, now)

    return transitions.fail_verification(
        filing,
        actor=actor,
        apply=mark_failed,
        already_locked=locked_verifications is not None,
    )


# The moves with no verification part ------------------------------------------------
def approve_filing(
    filing: FilingApplication,
    *,
    actor: Actor,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> FilingApplication:
    """The administration approves a filing under review; it gets its ICP numbers."""
    return transitions.approve_filing(filing, actor=actor, reason=reason, now=now)


def remove_access(
    filing: FilingApplication,
    *,
    actor: Actor,
    reason: str,
    apply: transitions.Apply | None = None,
) -> FilingApplication:
    """Remove the access of an approved filing (a missed contact check, confirmed by
    staff; `verification.contact_checks` passes the check's part as `apply`)."""
    return transitions.remove_access(filing, actor=actor, reason=reason, apply=apply)


def reject_filing(
    filing: FilingApplication, *, actor: Actor, code: str, reason: str = ""
) -> FilingApplication:
    """The administration rejects a filing under review for the catalogued reason
    `code` (`filings.review_outcomes`), with the decider's note `reason`, if any."""
    return transitions.reject_filing(filing, actor=actor, code=code, reason=reason)


def extend_deadline(
    filing: FilingApplication,
    *,
    hours: int,
    actor: Actor,
    reason: str,
    now: datetime.datetime | None = None,
) -> FilingApplication:
    """Move a pending filing's verification deadline `hours` later (staff within
    their limits; the system, for the demo's time travel, by any length)."""
    return transitions.extend_deadline(
        filing, hours=hours, actor=actor, reason=reason, now=now
    )


def record_event(
    filing: FilingApplication, actor: Actor, event_type: str, **details: Any
) -> AuditEvent:
    """Write one audit event on a filing locked by the caller's transaction: the
    support team's case work (claimed, assigned, note written...), no status move."""
    return transitions.record_event(filing, actor, event_type, **details)


__all__ = [
    "ADMINISTRATION",
    "APPLICANT",
    "PROVIDER",
    "SYSTEM",
    "Actor",
    "IllegalTransition",
    "allowed_events",
    "approve_filing",
    "cancel_filing",
    "complete_verification",
    "expire_filing",
    "extend_deadline",
    "extensions_so_far",
    "fail_verification",
    "import_filing",
    "record_event",
    "reject_filing",
    "remove_access",
    "people_by_mobile",
    "required_verifications",
    "return_filing",
    "submit_filing",
]
