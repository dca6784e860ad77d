"""Escalations: an agent asks a supervisor for an override the agent's role lacks,
and the supervisor approves or declines.

Approving runs the override as the supervisor through the same function as the
filing page's button (`console.overrides.run_named`), in one transaction with the
answer: the override's own audit event names the supervisor, and an
"escalation approved" event beside it names both. Declining needs a reason. Each
function locks the request, checks that it is still waiting and writes its audit
event in the same transaction, as `console.casework` does.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from console import casework, labels, overrides
from console.models import Escalation, EscalationStatus, MacroAction
from filings import review_outcomes
from filings.models import EventType
from verification import moves

ANSWER = "console.answer_escalations"
# What a role must lack to ask for an override: its own permission, except for an
# extension, which an agent may make up to the limits and asks beyond them.
ASK_UNLESS = {
    **overrides.PERMISSION_OF,
    MacroAction.EXTEND_DEADLINE: "filings.extend_deadline_beyond_limit",
}
REASON_MAX = 1000
# The overrides that act on one person, or on everyone pending when none is named.
FOR_PEOPLE = frozenset({MacroAction.RESEND_CODE, MacroAction.MARK_VERIFIED})
# How long an agent's answered requests stay on their queue.
ANSWERS_SHOWN_DAYS = 7


def _check_text(text, filing, empty):
    text = (text or "").strip()
    if not text:
        raise casework.CaseRefused(empty)
    return casework.check_free_text(text, filing, limit=REASON_MAX)


def _check_request(filing, action, verification, hours, rejection_reason=""):
    if action not in MacroAction.values:
        raise casework.CaseRefused(_("Choose an override."))
    if (
        action == MacroAction.REJECT
        and rejection_reason not in review_outcomes.REJECTION_REASONS
    ):
        raise casework.CaseRefused(_("Choose the rejection reason."))
    if verification is not None and verification.filing_id != filing.pk:
        raise casework.CaseRefused(_("That person does not belong to this filing."))
    if action == MacroAction.EXTEND_DEADLINE and not (hours and 1 <= hours <= 336):
        raise casework.CaseRefused(_("Say by how many hours (1 to 336)."))


def ask(  # noqa: PLR0913 - the request's own fields
    filing,
    user,
    action,
    reason,
    *,
    verification=None,
    hours=None,
    rejection_reason="",
):
    """`user` asks a supervisor to run `action` on `filing`; returns the request.
    Refused when the user may run it themselves, cannot work cases, or already
    asked for the same override on this filing."""
    if not user.has_perm(casework.WORK):
        raise casework.CaseRefused(
            _("Your role does not allow this; ask a supervisor.")
        )
    _check_request(filing, action, verification, hours, rejection_reason)
    if user.has_perm(ASK_UNLESS[action]):
        raise casework.CaseRefused(
            _("Your role allows this; use the button on the filing page.")
        )
    verifications = list(filing.verifications.all())
    if why := overrides.why_unavailable(action, filing, verifications, timezone.now()):
        raise casework.CaseRefused(why)
    reason = _check_text(reason, filing, _("Write why you ask, then send it."))
    with transaction.atomic():
        locked = casework.lock(filing)
        if Escalation.objects.filter(
            filing=locked,
            action=action,
            asked_by=user,
            status=EscalationStatus.PENDING,
        ).exists():
            raise casework.CaseRefused(
                _("You have asked for this already; a supervisor will answer.")
            )
        escalation = Escalation.objects.create(
            filing=locked,
            action=action,
            verification=verification,
            hours=hours if action == MacroAction.EXTEND_DEADLINE else None,
            rejection_reason=(rejection_reason if action == MacroAction.REJECT else ""),
            reason=reason,
            asked_by=user,
        )
        moves.record_event(
            locked,
            moves.Actor.staff(user),
            EventType.ESCALATION_ASKED,
            reason=reason,
            data={"action": action, "escalation": escalation.pk},
        )
    return escalation


def _lock_waiting(escalation):
    locked = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("asked_by", "answered_by", "verification")
        .get(pk=escalation.pk)
    )
    if locked.status != EscalationStatus.PENDING:
        raise casework.CaseRefused(
            _("%(who)s has answered this request already.")
            % {"who": labels.staff_label(locked.answered_by)}
        )
    return locked


def approve(escalation, supervisor, *, now=None):
    """`supervisor` runs the requested override as themselves; returns what it did.
    A refused override (the filing has moved on) leaves the request waiting."""
    if not supervisor.has_perm(ANSWER):
        raise casework.CaseRefused(_("Your role does not allow this."))
    if not supervisor.has_perm(overrides.PERMISSION_OF[escalation.action]):
        raise casework.CaseRefused(_("Your role does not allow this override either."))
    now = now or timezone.now()
    actor = moves.Actor.staff(supervisor)
    with transaction.atomic():
        locked = _lock_waiting(escalation)
        filing = casework.lock(locked.filing)
        asker = locked.asked_by.get_username()
        # The override's own event keeps the agent's words; the "request approved"
        # event beside it names both, each in the reader's language.
        data = {
            "reason": locked.reason,
            "verification": locked.verification,
            "hours": locked.hours,
            "rejection_reason": locked.rejection_reason,
        }
        try:
            said = overrides.run_named(locked.action, filing, data, actor)
        except overrides.REFUSALS as exc:
            raise casework.CaseRefused(overrides.refusal_text(filing, exc)) from exc
        locked.status = EscalationStatus.APPROVED
        locked.answered_by, locked.answered_at = supervisor, now
        locked.save()
        locked.done = str(said or "")  # for the supervisor's message, not kept
        moves.record_event(
            filing,
            actor,
            EventType.ESCALATION_APPROVED,
            reason=locked.reason,
            data={
                "action": locked.action,
                "escalation": locked.pk,
                "asked_by": asker,
            },
        )
    return locked


def decline(escalation, supervisor, answer, *, now=None):
    """`supervisor` says no, and why; the agent reads it on their queue."""
    if not supervisor.has_perm(ANSWER):
        raise casework.CaseRefused(_("Your role does not allow this."))
    answer = _check_text(
        answer, escalation.filing, _("Write why you decline, for the agent to read.")
    )
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_waiting(escalation)
        filing = casework.lock(locked.filing)
        locked.status = EscalationStatus.DECLINED
        locked.answered_by, locked.answered_at = supervisor, now
        locked.answer = answer
        locked.save()
        moves.record_event(
            filing,
            moves.Actor.staff(supervisor),
            EventType.ESCALATION_DECLINED,
            reason=answer,
            data={
                "action": locked.action,
                "escalation": locked.pk,
                "asked_by": locked.asked_by.get_username(),
            },
        )
    return locked


def open_on(filing):
    """The requests on `filing` still waiting for a supervisor."""
    return list(
        Escalation.objects.filter(filing=filing, status=EscalationStatus.PENDING)
        .select_related("asked_by")
        .order_by("asked_at", "id")
    )


def waiting():
    """The requests no supervisor has answered yet, oldest first."""
    return (
        Escalation.objects.filter(status=EscalationStatus.PENDING)
        .select_related("filing__provider", "asked_by", "verification")
        .prefetch_related("asked_by__groups")
        .order_by("asked_at", "id")
    )


def of_agent(user, *, now=None):
    """`user`'s requests still waiting, and those answered in the last days."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=ANSWERS_SHOWN_DAYS)
    return list(
        Escalation.objects.filter(asked_by=user)
        .filter(Q(status=EscalationStatus.PENDING) | Q(answered_at__gte=since))
        .select_related("filing__provider", "answered_by")
        .prefetch_related("answered_by__groups")
        .order_by("-asked_at", "-id")[:20]
    )
