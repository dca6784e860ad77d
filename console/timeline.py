"""How each record of a filing is told: the timeline's sentences (the filing's
events, the case work, the pages' attempts, the texts, the notes), and the words for
people, staff, channels and texts they are made of.

Every sentence is translated and every time is Beijing time; identifiers, event codes
and stored data never reach the page.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from console.labels import (
    channel_label,
    ordinal_failures,
    person_text,
    roles_text,
    staff_label,
)
from console.models import MacroAction
from console.text_states import (  # re-exported: how staff read a text's state
    report_text as report_text,
)
from console.text_states import (
    text_state as text_state,
)
from console.text_states import (
    text_undelivered as text_undelivered,
)
from filings import policies, review_outcomes
from filings.models import (
    CASE_WORK_EVENTS,
    ActorKind,
    AuditEvent,
    EventType,
    FilingStatus,
)
from filings.privacy import mask_code, show_mobile
from infra import times
from verification.models import (
    COUNTED_WRONG,
    THROTTLED,
    AttemptAction,
    AttemptReason,
    DeliveryReport,
    SmsKind,
    SmsStatus,
    WrongPart,
)
from verification.sms.base import report_meaning

R = AttemptReason


TIMELINE_LIMIT = 300


beijing = times.beijing_text


@dataclass
class Entry:
    """One line of the timeline."""

    when: datetime.datetime
    sentence: str
    kind: str  # "event", "attempt" or "text": how the line is styled
    tone: str = ""  # "good", "bad" or "": its colour
    detail: str = ""
    order: int = 0
    same_as: str = ""  # entries with the same key in a row are shown as one
    repeats: int = 1
    first_when: datetime.datetime | None = None

    @property
    def when_text(self):
        return beijing(self.when, with_seconds=True)

    @property
    def kind_label(self):
        return kind_label(self.kind)

    @property
    def repeated_text(self):
        """'12 times since 14:05:10' for a line that stands for several."""
        if self.repeats == 1:
            return ""
        return _("%(n)d times since %(when)s") % {
            "n": self.repeats,
            "when": beijing(self.first_when, with_seconds=True),
        }


# The timeline -----------------------------------------------------------------------
def timeline(story, by_id):
    """Audit events, attempts, texts and internal notes, newest first, as
    translated sentences."""
    # A note's event only says it was written: the note itself is its entry.
    entries = [
        event_entry(story, e, by_id)
        for e in story.events
        if e.event_type != EventType.NOTE_ADDED
    ]
    entries += [attempt_entry(story, a, by_id) for a in story.attempts]
    entries += [text_entry(t, by_id) for t in story.texts]
    entries += [note_entry(n) for n in story.notes]
    # At one instant the event comes before the text it queued, and the attempt
    # before the event it caused.
    entries.sort(key=lambda e: (e.when, e.order), reverse=True)
    return _collapse(entries)[:TIMELINE_LIMIT]


def _collapse(entries):
    """Runs of the same attempt (a flood of tries, say) as one line with a count, so
    they cannot push the filing's own events off the page."""
    shown = []
    for entry in entries:
        last = shown[-1] if shown else None
        if last is not None and entry.same_as and entry.same_as == last.same_as:
            last.repeats += 1
            last.first_when = entry.when
            continue
        shown.append(entry)
    return shown


def actor_text(story, event):
    if event.actor_kind == ActorKind.STAFF:
        return staff_label(event.staff_user)
    if event.actor_kind == ActorKind.PROVIDER:
        return story.filing.provider.local_name
    if event.actor_kind == ActorKind.APPLICANT:
        return _("The applicant")
    if event.actor_kind == ActorKind.ADMINISTRATION:
        return _("The communications administration")
    return _("The system")


def _parse_moment(value):
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _with_reason(sentence, reason):
    if not reason:
        return sentence
    return _("%(sentence)s: “%(reason)s”") % {"sentence": sentence, "reason": reason}


@dataclass
class Told:
    """What an audit event's sentence is made from."""

    story: object  # the filing's Story (console.story), which reads this module
    event: AuditEvent
    who: str
    person: object = None
    data: dict = field(default_factory=dict)

    @property
    def staff(self):
        return self.event.actor_kind == ActorKind.STAFF

    def say(self, sentence, **values):
        """`sentence` with the actor (`who`) and the person filled in."""
        return sentence % {
            "who": self.who,
            "person": person_text(self.person),
            **values,
        }


def _created(told):
    return told.say(_("%(who)s created the filing as a draft")), ""


def _submitted(told):
    if told.event.to_status == FilingStatus.PENDING_VERIFICATION:
        return told.say(
            _("%(who)s submitted the filing; codes went to the people who must verify")
        ), ""
    return told.say(
        _("%(who)s submitted the filing; nobody needs to verify, so it went to review")
    ), ""


def _verified(told):
    if told.staff:
        return told.say(_("%(who)s marked %(person)s verified")), "good"
    return told.say(_("%(person)s verified")), "good"


# A new code, by what sent it (`codes.resend_code`'s trigger).
CODE_RESENT_BY = {
    "applicant": lambda: _(
        "%(person)s asked for a new code; the old one stopped working"
    ),
    "staff": lambda: _("%(who)s sent %(person)s a new code"),
    "automatic": lambda: _(
        "The system sent %(person)s a new code automatically, as the policy provides"
    ),
    "mobile_changed": lambda: _("A new code went to %(person)s at the new number"),
    "interrupted_send": lambda: _(
        "The system sent %(person)s a new code because the earlier text was interrupted"
    ),
}


def _code_resent(told):
    sentence = CODE_RESENT_BY.get(
        told.data.get("trigger"), lambda: _("%(person)s got a new code")
    )()
    return told.say(sentence), ""


def _text_not_delivered(told):
    if told.data.get("report") == DeliveryReport.UNKNOWN:
        return told.say(
            _(
                "No delivery report came for the text to %(person)s: whether it "
                "reached the phone is unknown"
            )
        ), "bad"
    why = report_meaning(told.data.get("code", ""), told.data.get("reason", ""))
    return told.say(
        _("The text to %(person)s was not delivered: %(why)s"), why=why
    ), "bad"


def _mobile_changed(told):
    return told.say(
        _("%(who)s changed a mobile from %(old)s to %(new)s"),
        old=told.data.get("from", "—"),
        new=told.data.get("to", "—"),
    ), ""


def _verification_completed(told):
    return _("Everyone has verified; the filing went to review"), "good"


def _verification_failed(told):
    limit = policies.get_policy(told.story.filing.policy).failure_limit
    return told.say(
        _(
            "%(person)s reached %(limit)d consecutive failures; the verification "
            "failed and the filing was returned to the provider"
        ),
        limit=limit,
    ), "bad"


def _expired(told):
    return _(
        "The deadline passed before everyone verified; the filing was returned to "
        "the provider"
    ), "bad"


def _returned(told):
    return told.say(_("%(who)s returned the filing to the provider")), "bad"


def _cancelled(told):
    return told.say(_("%(who)s cancelled the filing")), ""


def _approved(told):
    sentence = told.say(_("%(who)s approved the filing"))
    if told.story.filing.icp_number:
        sentence = _("%(sentence)s; ICP number %(number)s") % {
            "sentence": sentence,
            "number": told.story.filing.icp_number,
        }
    return sentence, "good"


def _rejected(told):
    outcome = review_outcomes.REJECTION_REASONS.get(
        told.data.get("rejection_reason", "")
    )
    if outcome is None:
        return told.say(_("%(who)s rejected the filing")), "bad"
    return told.say(
        _("%(who)s rejected the filing (%(why)s)"), why=str(outcome.text)
    ), "bad"


def _deadline_extended(told):
    hours = told.data.get("hours")
    sentence = (
        told.say(_("%(who)s extended the deadline by %(hours)s h"), hours=hours)
        if hours
        else told.say(_("%(who)s extended the deadline"))
    )
    if new := _parse_moment(told.data.get("to")):
        sentence = _("%(sentence)s, to %(when)s") % {
            "sentence": sentence,
            "when": beijing(new),
        }
    return sentence, ""


def _contact_check_opened(told):
    sentence = told.say(_("%(who)s opened a check of the contact details"))
    if deadline := _parse_moment(told.data.get("deadline")):
        sentence = _("%(sentence)s; the contacts confirm their mobiles by %(when)s") % {
            "sentence": sentence,
            "when": beijing(deadline),
        }
    return sentence, ""


def _contact_confirmed(told):
    roles = told.data.get("roles") or []
    return _("%(roles)s confirmed their mobile for the contact check") % {
        "roles": roles_text(roles) if roles else _("A contact")
    }, "good"


def _contact_check_confirmed(told):
    return _("Every contact confirmed; the contact check passed"), "good"


def _contact_check_missed(told):
    return _(
        "The correction deadline passed before every contact confirmed; the filing "
        "is flagged for access removal"
    ), "bad"


def _access_removed(told):
    return told.say(
        _("%(who)s removed the filing's access (missed contact check)")
    ), "bad"


def _status_changed(told):
    """Any other event: the move it made (an event type this table does not know)."""
    return told.say(
        _("%(who)s changed the filing from “%(old)s” to “%(new)s”"),
        old=told.event.get_from_status_display() or "—",
        new=told.event.get_to_status_display() or "—",
    ), ""


# Each event of the filing's own moves as a sentence and its tone; case-work events
# are `CASE_SENTENCES`'.
EVENT_SENTENCES = {
    EventType.CREATED: _created,
    EventType.SUBMITTED: _submitted,
    EventType.VERIFIED: _verified,
    EventType.CODE_RESENT: _code_resent,
    EventType.MOBILE_CHANGED: _mobile_changed,
    EventType.TEXT_NOT_DELIVERED: _text_not_delivered,
    EventType.VERIFICATION_COMPLETED: _verification_completed,
    EventType.VERIFICATION_FAILED: _verification_failed,
    EventType.EXPIRED: _expired,
    EventType.RETURNED: _returned,
    EventType.CANCELLED: _cancelled,
    EventType.APPROVED: _approved,
    EventType.REJECTED: _rejected,
    EventType.DEADLINE_EXTENDED: _deadline_extended,
    EventType.CONTACT_CHECK_OPENED: _contact_check_opened,
    EventType.CONTACT_CONFIRMED: _contact_confirmed,
    EventType.CONTACT_CHECK_CONFIRMED: _contact_check_confirmed,
    EventType.CONTACT_CHECK_MISSED: _contact_check_missed,
    EventType.ACCESS_REMOVED: _access_removed,
}


def _shown_reason(event):
    """The reason a sentence quotes: staff's; for a cancellation, the provider's too."""
    if event.event_type == EventType.CANCELLED:
        return event.reason if event.actor_kind != ActorKind.SYSTEM else ""
    return event.reason if event.actor_kind == ActorKind.STAFF else ""


def event_entry(story, event, by_id):
    """An audit event as a sentence."""
    data = event.data if isinstance(event.data, dict) else {}
    told = Told(
        story,
        event,
        actor_text(story, event),
        by_id.get(data.get("verification")),
        data,
    )
    if event.event_type in CASE_WORK_EVENTS:
        return case_entry(told)
    sentence, tone = EVENT_SENTENCES.get(event.event_type, _status_changed)(told)
    return Entry(
        event.created_at,
        _with_reason(sentence, _shown_reason(event)),
        "event",
        tone,
        order=1,
    )


def _claimed(told):
    return told.say(_("%(who)s took the filing (“I have this”)"))


def _assigned(told):
    sentence = told.say(
        _("%(who)s assigned the filing to %(to)s"), to=told.data.get("to") or "—"
    )
    if told.data.get("from"):
        sentence = _("%(sentence)s; it was with %(previous)s") % {
            "sentence": sentence,
            "previous": told.data["from"],
        }
    return sentence


def _released(told):
    sentence = told.say(_("%(who)s released the filing; nobody has it now"))
    previous = told.data.get("from")
    if previous and previous != getattr(told.event.staff_user, "username", None):
        sentence = _("%(sentence)s (it was with %(previous)s)") % {
            "sentence": sentence,
            "previous": previous,
        }
    return sentence


def _follow_up_set(told):
    sentence = told.say(
        _("%(who)s set a follow-up for %(when)s"),
        when=beijing(_parse_moment(told.data.get("due"))),
    )
    if told.event.reason:
        sentence = _("%(sentence)s: “%(note)s”") % {
            "sentence": sentence,
            "note": told.event.reason,
        }
    return sentence


def _follow_up_done(told):
    return told.say(
        _("%(who)s marked the follow-up for %(when)s done"),
        when=beijing(_parse_moment(told.data.get("due"))),
    )


def _note_added(told):
    return told.say(_("%(who)s wrote an internal note"))


def _macro_run(told):
    english = (translation.get_language() or "").startswith("en")
    name = told.data.get("name_en" if english else "name_zh") or "—"
    return told.say(_("%(who)s ran the macro “%(name)s”"), name=name)


def _override_name(told):
    name = told.data.get("action", "")
    return MacroAction(name).label if name in MacroAction.values else "—"


def _escalation_asked(told):
    return told.say(
        _("%(who)s asked a supervisor to “%(action)s”"), action=_override_name(told)
    )


def _escalation_approved(told):
    return told.say(
        _("%(who)s approved %(asker)s’s request to “%(action)s”"),
        asker=told.data.get("asked_by") or "—",
        action=_override_name(told),
    )


def _escalation_declined(told):
    return told.say(
        _("%(who)s declined %(asker)s’s request to “%(action)s”"),
        asker=told.data.get("asked_by") or "—",
        action=_override_name(told),
    )


# Each case-work event (claims, follow-ups, notes, macros) as a sentence.
CASE_SENTENCES = {
    EventType.CLAIMED: _claimed,
    EventType.ASSIGNED: _assigned,
    EventType.RELEASED: _released,
    EventType.FOLLOW_UP_SET: _follow_up_set,
    EventType.FOLLOW_UP_DONE: _follow_up_done,
    EventType.NOTE_ADDED: _note_added,
    EventType.MACRO_RUN: _macro_run,
    EventType.ESCALATION_ASKED: _escalation_asked,
    EventType.ESCALATION_APPROVED: _escalation_approved,
    EventType.ESCALATION_DECLINED: _escalation_declined,
}


def case_entry(told):
    """A case-work event (claims, follow-ups, macros) as a sentence."""
    sentence = CASE_SENTENCES[told.event.event_type](told)
    return Entry(told.event.created_at, sentence, "case", order=0)


def note_entry(note):
    """An internal note: who wrote it, and what, as the detail."""
    who = staff_label(note.author)
    if note.macro_id:
        sentence = _("Internal note by %(who)s, from the macro “%(name)s”") % {
            "who": who,
            "name": note.macro.local_name,
        }
    else:
        sentence = _("Internal note by %(who)s") % {"who": who}
    return Entry(note.created_at, sentence, "note", detail=note.text, order=3)


WRONG_ENTRY = {
    WrongPart.CODE: lambda: _("entered a wrong code"),
    WrongPart.OLD_CODE: lambda: _("entered the code that a resend replaced"),
    WrongPart.CERTIFICATE: lambda: _("entered wrong certificate digits"),
    WrongPart.CODE_AND_CERTIFICATE: lambda: _(
        "entered a wrong code and wrong certificate digits"
    ),
}


def _verify_words(story, attempt):
    """(what the person did, tone) for a verify attempt."""
    reason = attempt.reason
    limit = policies.get_policy(story.filing.policy).failure_limit
    if reason == R.VERIFIED:
        return _("entered the right code and digits"), "good"
    if reason in COUNTED_WRONG or reason == R.CODE_NOT_FOUND:
        words = WRONG_ENTRY.get(
            attempt.wrong_part, lambda: _("entered a wrong code or certificate digits")
        )()
        if reason == R.CODE_NOT_FOUND:
            return (
                _(
                    "%(words)s (not counted: the provincial rule counts wrong digits only)"
                )
                % {"words": words},
                "",
            )
        if attempt.consecutive_failures:
            words = _("%(words)s (%(count)s)") % {
                "words": words,
                "count": ordinal_failures(attempt.consecutive_failures, limit),
            }
        if reason == R.FAILURE_LIMIT:
            words = _("%(words)s, the failure limit") % {"words": words}
        return words, "bad"
    other = {
        R.EXPIRED: _("tried after the deadline had passed"),
        R.ALREADY_FAILED: _("tried after the verification had failed"),
        R.ALREADY_EXPIRED: _("tried after the verification had expired"),
        R.CANCELLED: _("tried a verification that was closed"),
        R.ALREADY_VERIFIED: _("entered the code again after verifying"),
        R.WRONG_AFTER_VERIFIED: _("entered wrong details after verifying"),
        R.NO_VERIFICATION: _("tried a number with nothing to verify"),
        R.INVALID_MOBILE: _("typed something that is not a mobile number"),
    }
    return other.get(reason, _("made an attempt the page refused")), "bad"


def _resend_words(attempt):
    return {
        R.RESENT: (_("asked for a new code"), ""),
        R.RESEND_CAP: (
            _("asked for a new code and was refused: the cap is reached"),
            "bad",
        ),
        R.WRONG_CERTIFICATE: (
            _("asked for a new code with wrong certificate digits"),
            "bad",
        ),
        R.NOTHING_PENDING: (_("asked for a new code with nothing pending"), "bad"),
    }.get(attempt.reason, (_("asked for a new code and was refused"), "bad"))


def attempt_entry(story, attempt, by_id):
    """An attempt as a sentence: who, what was wrong, where from."""
    verify = attempt.action == AttemptAction.VERIFY
    if attempt.reason == R.WRONG_PICTURE:
        words, tone = (
            _("typed the characters in the picture wrong; nothing was checked"),
            "",
        )
    elif attempt.reason in THROTTLED:
        words, tone = _("was held back for trying too often"), "bad"
    elif verify:
        words, tone = _verify_words(story, attempt)
    else:
        words, tone = _resend_words(attempt)
    person = by_id.get(attempt.verification_id)
    who = (
        _("The applicant at %(mobile)s") % {"mobile": show_mobile(attempt.mobile)}
        if person is None
        else _("The applicant, %(person)s,") % {"person": person_text(person)}
    )
    where = channel_label(attempt.channel)
    sentence = _("%(who)s %(words)s on %(where)s") % {
        "who": who,
        "words": words,
        "where": where,
    }
    same_as = sentence
    if attempt.ip:
        sentence = _("%(sentence)s from %(ip)s") % {
            "sentence": sentence,
            "ip": attempt.ip,
        }
    return Entry(
        attempt.created_at, sentence, "attempt", tone, order=0, same_as=same_as
    )


def text_entry(message, by_id):
    """A text message as a sentence; its text, code masked, as the detail."""
    recipient = show_mobile(message.recipient)
    state = text_state(message)
    if message.kind == SmsKind.VERIFICATION_CODE:
        sentence = _("Text with a code to %(to)s from %(sender)s: %(state)s") % {
            "to": recipient,
            "sender": message.sender,
            "state": state,
        }
    else:
        sentence = _("Notification to %(to)s from %(sender)s: %(state)s") % {
            "to": recipient,
            "sender": message.sender,
            "state": state,
        }
    tone = "bad" if text_undelivered(message) else ""
    if message.error and message.status in (SmsStatus.FAILED, SmsStatus.QUEUED):
        sentence = delivery_failure(message, sentence)
    return Entry(
        message.created_at,
        sentence,
        "text",
        tone,
        detail=mask_code(message.text),
        order=2,
    )


def delivery_failure(message, sentence):
    """`sentence` about a text, with why its last attempt failed: in words (the
    retry rules' reading of the gateway's answer) and as the gateway said it."""
    parts = {
        "sentence": sentence,
        "why": message.get_failure_display(),
        "error": message.error[:200],
        "attempts": message.attempts,
    }
    if message.status == SmsStatus.QUEUED:
        if not message.failure:
            return (
                _("%(sentence)s, to be tried again (the gateway said: %(error)s)")
                % parts
            )
        return (
            _(
                "%(sentence)s, to be tried again after %(attempts)s attempts: "
                "%(why)s (the gateway said: %(error)s)"
            )
            % parts
        )
    if not message.failure:
        return _("%(sentence)s (the gateway said: %(error)s)") % parts
    return _("%(sentence)s: %(why)s (the gateway said: %(error)s)") % parts


def kind_label(kind):
    return {
        "event": _("Filing"),
        "attempt": _("Page"),
        "text": _("Text"),
        "case": _("Case work"),
        "note": _("Note"),
    }[kind]
