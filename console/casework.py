"""The support team's case work: claiming and assigning filings, internal notes,
follow-ups and macros.

Each function that changes a case runs in a transaction, locks the filing row, checks
the move and the user's permission, saves and writes its audit event in the same
transaction, as the filing's own moves do (`filings.transitions`). Macros run their
steps through the same override functions as the buttons on the filing page, all in
one transaction per filing: a refused step undoes the ones before it.
"""

import datetime
import string

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from console import labels, overrides, timeline
from console.models import WAITING_STATUSES, WORK_CASES, Case, FollowUp, Note
from filings.models import EventType, FilingApplication, Service
from filings.privacy import personal_numbers_in
from infra import scope
from verification import moves

WORK = WORK_CASES
ASSIGN = "console.assign_cases"
NOTE_MAX = 2000
FOLLOW_UP_NOTE_MAX = 500
FOLLOW_UP_LONGEST = datetime.timedelta(days=90)
TEMPLATE_FIELDS = ("reference", "provider", "agent", "deadline")


class CaseRefused(Exception):
    """Case work that the user's role or the filing's state does not allow. The
    message is for the staff member, in their language."""


class AlreadyOwned(CaseRefused):
    """Someone else has the filing."""

    def __init__(self, owner):
        self.owner = owner
        super().__init__(
            _("%(who)s has this filing already.") % {"who": labels.staff_label(owner)}
        )


def _require(user, permission):
    if not user.has_perm(permission):
        raise CaseRefused(_("Your role does not allow this; ask a supervisor."))


def lock(filing):
    """The filing's row, locked for the caller's transaction."""
    return (
        FilingApplication.objects.select_for_update(of=("self",))
        .select_related("provider", "subject__leader")
        .get(pk=filing.pk)
    )


def _case_of(locked):
    """The filing's case row, created on first use (the filing row is locked, so two
    requests cannot both create it)."""
    case = Case.objects.select_related("owner").filter(filing=locked).first()
    return case or Case(filing=locked)


def claim(filing, user, *, now=None):
    """`user` takes the filing ("I have this"). Refused with `AlreadyOwned` when
    someone else has it; claiming one's own filing again changes nothing."""
    _require(user, WORK)
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock(filing)
        case = _case_of(locked)
        if case.owner_id == user.pk:
            return case
        if case.owner_id is not None:
            raise AlreadyOwned(case.owner)
        case.owner, case.owned_since = user, now
        case.save()
        moves.record_event(locked, moves.Actor.staff(user), EventType.CLAIMED)
    return case


def assign(filing, agent, by, *, now=None):
    """A supervisor gives the filing to `agent`, whoever had it."""
    _require(by, ASSIGN)
    if not (agent.is_active and agent.is_staff and agent.has_perm(WORK)):
        raise CaseRefused(
            _("%(who)s cannot work cases; choose an agent or a supervisor.")
            % {"who": agent.get_username()}
        )
    if scope.staff_provider_id(agent) not in (None, filing.provider_id):
        raise CaseRefused(
            _("%(who)s is another access provider's staff and cannot read this filing.")
            % {"who": agent.get_username()}
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock(filing)
        case = _case_of(locked)
        if case.owner_id == agent.pk:
            raise CaseRefused(
                _("%(who)s has this filing already.")
                % {"who": labels.staff_label(agent)}
            )
        previous = case.owner
        case.owner, case.owned_since = agent, now
        case.save()
        moves.record_event(
            locked,
            moves.Actor.staff(by),
            EventType.ASSIGNED,
            data={
                "to": agent.get_username(),
                "from": previous.get_username() if previous else "",
            },
        )
    return case


def release(filing, by, *, now=None):
    """Nobody has the filing any more. An agent releases their own; a supervisor
    releases anyone's."""
    _require(by, WORK)
    with transaction.atomic():
        locked = lock(filing)
        case = _case_of(locked)
        if case.owner_id is None:
            raise CaseRefused(_("Nobody has this filing."))
        if case.owner_id != by.pk and not by.has_perm(ASSIGN):
            raise CaseRefused(
                _("%(who)s has this filing; only a supervisor can release it.")
                % {"who": labels.staff_label(case.owner)}
            )
        previous = case.owner
        case.owner, case.owned_since = None, None
        case.save()
        moves.record_event(
            locked,
            moves.Actor.staff(by),
            EventType.RELEASED,
            data={"from": previous.get_username()},
        )
    return case


def known_numbers(filing):
    """The filing's own mobiles and certificate numbers, which no note may hold."""
    subject, leader = filing.subject, filing.subject.leader
    numbers = [
        subject.certificate_number,
        leader.certificate_number,
        leader.mobile,
        leader.emergency_mobile,
    ]
    for row in Service.objects.filter(filings=filing).values_list(
        "administrator__mobile",
        "administrator__emergency_mobile",
        "administrator__certificate_number",
    ):
        numbers += row
    numbers += [v.mobile for v in filing.verifications.all()]
    return [n for n in numbers if n]


def check_free_text(text, filing=None, *, limit=NOTE_MAX, required=True):
    """`text` stripped, or CaseRefused saying why it cannot be kept: empty, too
    long, or holding a full mobile or certificate number."""
    text = (text or "").strip()
    if required and not text:
        raise CaseRefused(_("Write the note first."))
    if len(text) > limit:
        raise CaseRefused(
            _("Keep it under %(n)d characters (this is %(length)d).")
            % {"n": limit, "length": len(text)}
        )
    found = personal_numbers_in(text, known_numbers(filing) if filing else ())
    if "mobile" in found:
        raise CaseRefused(
            _(
                "This holds a full mobile number. Every staff member reads notes and "
                "they are kept for good, so the console never stores one: write it "
                "masked, like 138****8000."
            )
        )
    if "certificate" in found:
        raise CaseRefused(
            _(
                "This holds a full certificate number. Every staff member reads notes "
                "and they are kept for good, so the console never stores one: write "
                "only its last four characters."
            )
        )
    return text


def add_note(filing, author, text, *, macro=None):
    """Append an internal note to the filing, and say so in its audit trail (the
    event names the note; its words stay in the note)."""
    _require(author, WORK)
    text = check_free_text(text, filing)
    with transaction.atomic():
        locked = lock(filing)
        note = Note.objects.create(filing=locked, author=author, text=text, macro=macro)
        moves.record_event(
            locked,
            moves.Actor.staff(author),
            EventType.NOTE_ADDED,
            data={"note": note.pk},
        )
    return note


def set_follow_up(filing, user, due_at, note="", *, now=None):
    """ "Call back at `due_at`": the filing enters the queue when it is due."""
    _require(user, WORK)
    now = now or timezone.now()
    note = check_free_text(note, filing, limit=FOLLOW_UP_NOTE_MAX, required=False)
    if due_at <= now:
        raise CaseRefused(_("Choose a time in the future."))
    if due_at > now + FOLLOW_UP_LONGEST:
        raise CaseRefused(_("Choose a time within the next 90 days."))
    with transaction.atomic():
        locked = lock(filing)
        if locked.status not in WAITING_STATUSES:
            raise CaseRefused(
                _(
                    "The filing is “%(status)s”: nothing is waiting on it, so there "
                    "is nothing to follow up."
                )
                % {"status": locked.get_status_display()}
            )
        follow_up = FollowUp.objects.create(
            filing=locked, due_at=due_at, note=note, created_by=user
        )
        moves.record_event(
            locked,
            moves.Actor.staff(user),
            EventType.FOLLOW_UP_SET,
            reason=note,
            data={"follow_up": follow_up.pk, "due": due_at.isoformat()},
        )
    return follow_up


def finish_follow_up(follow_up, user, *, now=None):
    """Mark a follow-up done."""
    _require(user, WORK)
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock(follow_up.filing)
        row = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if row.done_at is not None:
            raise CaseRefused(_("This follow-up is done already."))
        row.done_at, row.done_by = now, user
        row.save(update_fields=["done_at", "done_by"])
        moves.record_event(
            locked,
            moves.Actor.staff(user),
            EventType.FOLLOW_UP_DONE,
            data={"follow_up": row.pk, "due": row.due_at.isoformat()},
        )
    return row


def close_finished_follow_ups(*, now=None):
    """Mark done every open follow-up whose filing has left the waiting states
    (nobody marked it; the filing's own move said it). Returns how many.

    They count as done from that move on anyway (`open_follow_ups`, the queue); this
    keeps them out of the open follow-ups' index, so the queue reads only live ones.
    """
    now = now or timezone.now()
    finished = FollowUp.objects.filter(done_at__isnull=True).exclude(
        filing__status__in=WAITING_STATUSES
    )
    return finished.update(done_at=now)


def open_follow_ups(filing):
    """The filing's follow-ups still to do: none once it left the waiting states."""
    if filing.status not in WAITING_STATUSES:
        return []
    return list(
        filing.follow_ups.filter(done_at__isnull=True).select_related("created_by")
    )


# Macros -----------------------------------------------------------------------------
def template_problems(text):
    """Why a macro template cannot be used, or "" when it can."""
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError:
        return _("A brace is not closed; write {{ and }} for braces themselves.")
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS or spec or conversion:
            return _("Unknown placeholder {%(name)s}; use %(known)s.") % {
                "name": name,
                "known": ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS),
            }
    return ""


def render(text, filing, user):
    """A macro template with the filing's and the agent's words in place."""
    values = {
        "reference": filing.reference,
        "provider": filing.provider.local_name,
        "agent": user.get_username(),
        "deadline": timeline.beijing(filing.verification_deadline),
    }
    return string.Formatter().vformat(text or "", (), values)


class MacroRefused(CaseRefused):
    """A macro that did not run on a filing; nothing of it was kept."""


def missing_permissions(macro, user, steps=None):
    """The steps of `macro` that `user` may not run, as their labels."""
    steps = steps if steps is not None else list(macro.steps.all())
    missing = []
    if not user.has_perm(WORK):
        missing.append(_("case work"))
    for step in steps:
        if not user.has_perm(overrides.PERMISSION_OF[step.action]):
            missing.append(str(step.get_action_display()))
    return missing


def run_macro(macro, filing, user, *, now=None):
    """Run `macro` on `filing` as `user`: every step, the note and the follow-up, or,
    if any is refused, none of them (MacroRefused says which and why). Returns the
    sentences of what was done."""
    now = now or timezone.now()
    steps = list(macro.steps.all())
    missing = missing_permissions(macro, user, steps)
    if missing:
        raise MacroRefused(
            _("Your role does not allow: %(steps)s. Nothing was done.")
            % {"steps": ", ".join(missing)}
        )
    actor = moves.Actor.staff(user)
    with transaction.atomic():
        locked = lock(filing)
        reason = render(macro.reason_template, locked, user).strip() or macro.local_name
        moves.record_event(
            locked,
            actor,
            EventType.MACRO_RUN,
            reason=reason,
            data={
                "macro": macro.pk,
                "name_zh": macro.name_zh,
                "name_en": macro.name_en,
            },
        )
        done = _run_steps(steps, locked, reason, actor)
        locked.refresh_from_db(fields=["status", "verification_deadline"])
        if macro.note_template.strip():
            text = render(macro.note_template, locked, user)
            try:
                add_note(locked, user, text, macro=macro)
            except CaseRefused as exc:
                raise MacroRefused(
                    _("The macro's note was refused: %(why)s Nothing was done.")
                    % {"why": exc}
                ) from exc
            done.append(_("note written"))
        if macro.follow_up_hours and locked.status in WAITING_STATUSES:
            due = now + datetime.timedelta(hours=macro.follow_up_hours)
            set_follow_up(locked, user, due, macro.local_name, now=now)
            done.append(_("follow-up at %(when)s") % {"when": timeline.beijing(due)})
    return done


def _run_steps(steps, locked, reason, actor):
    """Run a macro's steps on the locked filing; the sentences of what each did.
    A refused step raises MacroRefused (the caller's transaction rolls back)."""
    done = []
    for step in steps:
        data = {"reason": reason, "verification": None, "hours": step.hours}
        try:
            said = overrides.MACRO_STEPS[step.action](locked, data, actor)
        except overrides.REFUSALS as exc:
            raise MacroRefused(
                _("“%(step)s” was refused: %(why)s Nothing was done.")
                % {
                    "step": step.get_action_display(),
                    "why": overrides.refusal_text(locked, exc),
                }
            ) from exc
        done.append(
            f"{step.get_action_display()} ({said})"
            if said
            else str(step.get_action_display())
        )
    return done
