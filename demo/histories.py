"""The audit events that led a generated filing to its state: created, submitted,
each person verified, then how verification ended and what review decided."""

from filings.models import ActorKind, AuditEvent, EventType, FilingStatus
from verification.models import VerificationStatus

V = VerificationStatus


class History:
    """A generated filing's audit events, in the order they happened."""

    def __init__(self, filing):
        self.filing, self.events = filing, []

    def add(self, event_type, from_status="", to_status="", when=None, **details):
        """One event; `details`: its reason, actor (the provider by default), data."""
        item = AuditEvent(
            filing_id=self.filing.pk,
            actor_kind=details.get("actor", ActorKind.PROVIDER),
            event_type=event_type,
            from_status=from_status,
            to_status=to_status,
            reason=details.get("reason", ""),
            data={"demo": True, **details.get("data", {})},
        )
        item.created_at = when
        self.events.append(item)


WITHDRAWN = "withdrawn by the provider"


def _left_verification(history, filing, outcome):
    """The event that ended verification, if it ended; the status it left."""
    final, when, waiting = (
        filing.status,
        filing.updated_at,
        FilingStatus.PENDING_VERIFICATION,
    )
    if final == waiting:
        return waiting
    if final == FilingStatus.RETURNED:
        expired = outcome == "expired"
        kind = EventType.EXPIRED if expired else EventType.VERIFICATION_FAILED
        actor = ActorKind.SYSTEM if expired else ActorKind.APPLICANT
        history.add(kind, waiting, final, when, reason=kind, actor=actor)
        return final
    if final == FilingStatus.CANCELLED:
        history.add(EventType.CANCELLED, waiting, final, when, reason=WITHDRAWN)
        return final
    history.add(
        EventType.VERIFICATION_COMPLETED,
        waiting,
        FilingStatus.UNDER_REVIEW,
        when,
        actor=ActorKind.APPLICANT,
    )
    return FilingStatus.UNDER_REVIEW


def _decided(history, filing, first):
    """The review's decision (or the withdrawal) that took the filing from `first`."""
    final, when = filing.status, filing.updated_at
    if final == FilingStatus.APPROVED:
        history.add(
            EventType.APPROVED, first, final, when, actor=ActorKind.ADMINISTRATION
        )
    elif final == FilingStatus.REJECTED:
        history.add(
            EventType.REJECTED,
            first,
            final,
            when,
            actor=ActorKind.ADMINISTRATION,
            data={"rejection_reason": filing.rejection_reason},
        )
    elif final == FilingStatus.CANCELLED and first == FilingStatus.UNDER_REVIEW:
        history.add(EventType.CANCELLED, first, final, when, reason=WITHDRAWN)


def filing_history(filing, outcome):
    """The audit events that led a generated `filing` to where its `outcome` put it."""
    submitted = filing.submitted_at or filing.created_at
    history = History(filing)
    history.add(EventType.CREATED, "", FilingStatus.DRAFT, submitted)
    if filing.status == FilingStatus.DRAFT:
        return history.events
    first = (
        FilingStatus.PENDING_VERIFICATION
        if filing.verification_deadline
        else FilingStatus.UNDER_REVIEW
    )
    history.add(EventType.SUBMITTED, FilingStatus.DRAFT, first, submitted)
    for verification in getattr(filing, "demo_verifications", []):
        if verification.status == V.VERIFIED:
            history.add(
                EventType.VERIFIED,
                when=verification.verified_at,
                actor=ActorKind.APPLICANT,
                data={"verification": verification.pk, "roles": verification.roles},
            )
    if first == FilingStatus.PENDING_VERIFICATION:
        first = _left_verification(history, filing, outcome)
        if first != FilingStatus.UNDER_REVIEW:
            return history.events
    _decided(history, filing, first)
    return history.events
