"""Training scenarios: filings in the troubled states that fill a support agent's day,
each with a question for the trainee, its answer, and the handling expected of them.

A scenario is built only through the engine: the provider's import and submission,
the applicant's own verify and resend calls, the deadline sweep, and the training
gateway for texts that go astray (`demo.gateway.behaving`). It is built at the
moments its story tells of (`demo.clock`), so the filing's timeline reads as it would
had it happened. The trainee then works the filing in the real console, and `check`
reads their part of the filing's audit trail against the expected handling.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from demo import gateway
from demo.models import TrainingRun
from demo.scenario_builds import (
    Build,
    build_administrator_changed_phones,
    build_coded_rejection,
    build_deadline_overnight,
    build_five_wrong_digits,
    build_missed_contact_check,
    build_never_got_text,
    build_resend_cap,
    build_shared_mobile,
    build_subject_in_flight,
    build_waiting_auto_resend,
    build_wrong_province_site,
)
from demo.scenario_builds import (
    BuildRefused as BuildRefused,  # what create_run raises: its callers catch it here
)
from filings import review_outcomes
from filings.models import AuditEvent, EventType, Province
from filings.privacy import mask_mobile
from infra import times
from verification import messages


class TrainingUnavailable(Exception):
    """Scenarios need demo mode and the training gateway."""


def available():
    """Whether scenarios can be built here: demo mode, with the training gateway."""
    return gateway.in_use()


beijing = times.beijing_text


# The scenarios ---------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One thing a trainee may do on a filing, read off its audit trail."""

    key: str
    label: str | Promise
    event_types: tuple
    test: object = None  # an extra check of the event

    def matches(self, event):
        if event.event_type not in self.event_types:
            return False
        return self.test is None or self.test(event.data or {})


STEPS = {
    step.key: step
    for step in [
        Step("claim", _("take the filing"), (EventType.CLAIMED, EventType.ASSIGNED)),
        Step(
            "resend",
            _("send a new code"),
            (EventType.CODE_RESENT,),
            lambda data: data.get("trigger") == "staff",
        ),
        Step(
            "change_mobile", _("change the mobile number"), (EventType.MOBILE_CHANGED,)
        ),
        Step("extend", _("extend the deadline"), (EventType.DEADLINE_EXTENDED,)),
        Step(
            "mark_verified",
            _("mark a person verified"),
            (EventType.VERIFIED,),
            lambda data: bool(data.get("by_staff")),
        ),
        Step("note", _("write an internal note"), (EventType.NOTE_ADDED,)),
        Step("follow_up", _("set a follow-up"), (EventType.FOLLOW_UP_SET,)),
        Step("return", _("return the filing"), (EventType.RETURNED,)),
        Step("cancel", _("cancel the filing"), (EventType.CANCELLED,)),
    ]
}


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str | Promise
    situation: str | Promise  # what the customer says, for the trainee
    question: str | Promise
    answer: str | Promise
    build: object
    expected: tuple = ()  # step keys, in order
    avoid: tuple = ()  # step keys that are wrong here

    def expected_text(self):
        return ", ".join(str(STEPS[key].label) for key in self.expected)


SCENARIOS = [
    Scenario(
        "never_got_text",
        _("The customer never got the text"),
        _(
            "%(name)s, the entity leader, calls: the website administrator has "
            "verified, but no text with a code ever reached %(name)s's phone."
        ),
        _("What became of the text, and how do you handle the call?"),
        _(
            "The gateway took the text, but the carrier's delivery report says it "
            "never reached the phone (UNDELIV): see the texts on the filing's timeline. "
            "The filing is still waiting, until %(deadline)s. Send a new code from the "
            "filing page (a staff resend does not count against the applicant's "
            "limit), write a note of what you told the customer, and set a follow-up "
            "to check that they verified. The macro “Customer never got the text” "
            "does all three."
        ),
        build_never_got_text,
        expected=("resend", "note", "follow_up"),
        avoid=("mark_verified",),
    ),
    Scenario(
        "five_wrong_digits",
        _("Five wrong certificate digits"),
        _(
            "%(name)s, who is both the entity leader and the administrator of a "
            "filing in %(province)s, calls: the verification page now says to contact "
            "the access provider."
        ),
        _("What happened, and what can still be done?"),
        _(
            "The code was right every time, but the last six certificate characters "
            "were wrong five times in a row. Under the provincial rules only wrong "
            "certificate digits count, and the fifth failed the verification: the "
            "filing went back to %(provider)s. It cannot be reopened; the provider "
            "must submit it again. Tell the customer to type the last six characters "
            "of their own certificate (an X may be typed as x), and write a note."
        ),
        build_five_wrong_digits,
        expected=("note",),
    ),
    Scenario(
        "deadline_overnight",
        _("The deadline passed overnight"),
        _(
            "%(name)s, the website administrator, tried to verify this morning; the "
            "page answers that the verification failed."
        ),
        _("Why does the code no longer work, and what can the customer do?"),
        _(
            "The 24-hour window ended at %(deadline)s with the administrator not "
            "verified (the entity leader had). The deadline sweep returned the filing "
            "to %(provider)s, and its codes stopped working. A returned filing cannot "
            "be revived or extended: the provider must submit it again, and both "
            "people must verify within 24 hours of that. Write a note of what you "
            "told the customer."
        ),
        build_deadline_overnight,
        expected=("note",),
    ),
    Scenario(
        "administrator_changed_phones",
        _("The administrator changed phones"),
        _(
            "%(name)s, the website administrator, calls from a new mobile number, "
            "%(new_mobile)s: no code ever arrived, and the resend page answers that "
            "nothing is waiting for that number. The provider confirms the new number."
        ),
        _("Where did the code go, and how do you get one to the new phone?"),
        _(
            "The code went to the number on the filing, %(old_mobile)s, the "
            "administrator's old phone; the verification pages know only that number, "
            "so the new one finds nothing. With the provider's confirmation, change "
            "the administrator's mobile on the filing page to %(new_mobile)s: a new "
            "code goes to the new phone and the old code stops working. Then write a "
            "note of who confirmed the number."
        ),
        build_administrator_changed_phones,
        expected=("change_mobile", "note"),
        avoid=("mark_verified",),
    ),
    Scenario(
        "shared_mobile",
        _("Both roles share one mobile"),
        _(
            "%(name)s is the entity leader and also the website administrator, with "
            "one mobile. One text arrived, and %(name)s asks where the second code, "
            "for the other role, is."
        ),
        _("Is a code missing?"),
        _(
            "No. Two roles with the same mobile are one person: one code and one "
            "verification cover both. %(name)s verifies once, with that code, the "
            "mobile and the last six characters of the certificate, before "
            "%(deadline)s. Do not send a new code: it would replace the one they "
            "have. Write a note of what you told them."
        ),
        build_shared_mobile,
        expected=("note",),
        avoid=("resend",),
    ),
    Scenario(
        "waiting_auto_resend",
        _("Waiting for the 12:00 automatic resend"),
        _(
            "%(name)s, the entity leader of a filing in %(province)s (provincial "
            "rules), never got a code and asks whether anything will happen by itself."
        ),
        _("What happens next without anyone doing anything, and when?"),
        _(
            "Under the provincial rules a new code goes out by itself at 12:00 "
            "Beijing time the day after submission: at %(auto_resend)s. The deadline, "
            "%(deadline)s, does not move. The customer may also ask for a code on "
            "%(province)s's resend page, or you can send one now. Write a note, and "
            "set a follow-up for after 12:00 to check that they verified."
        ),
        build_waiting_auto_resend,
        expected=("note", "follow_up"),
    ),
    Scenario(
        "wrong_province_site",
        _("Verified on the wrong province's site"),
        _(
            "%(name)s typed the code, the mobile and the certificate digits exactly "
            "as they should be, twice, and each time the page answered that the "
            "record cannot be found."
        ),
        _("Why is the record not found, and what do you tell the customer?"),
        _(
            "They used %(wrong_province)s's verification page; the filing is with "
            "%(province)s's communications administration, and under the provincial "
            "rules only %(province)s's page (%(url)s) knows it. The code is still "
            "good: give them the right address (it is also in the text). No new code "
            "is needed. Write a note."
        ),
        build_wrong_province_site,
        expected=("note",),
        avoid=("resend",),
    ),
    Scenario(
        "resend_cap",
        _("The resend limit is reached"),
        _(
            "%(name)s asked for a new code three times and none arrived; the resend "
            "page now says the resend limit is reached."
        ),
        _("Why did no code arrive, and what can you do now?"),
        _(
            "Every text was taken by the gateway and reported undelivered by the "
            "carrier: the phone is not receiving them. Ask the customer to check that "
            "the phone is on, has signal and does not block 12381 and 106 numbers. "
            "The applicant's limit is two resends, but a staff resend does not count "
            "against it: send a new code from the filing page, write a note, and set "
            "a follow-up before the deadline, %(deadline)s."
        ),
        build_resend_cap,
        expected=("resend", "note", "follow_up"),
    ),
    Scenario(
        "coded_rejection",
        _("Rejected by the administration"),
        _(
            "%(name)s calls: the filing %(reference)s was rejected, and they do not "
            "know why or what to do now."
        ),
        _("Why was it rejected, and what do you tell the customer?"),
        _(
            "The administration rejected it for a reason from its list: “%(reason)s” "
            "(see the filing's timeline). The filing is closed; nothing can reopen "
            "it. Tell the customer what to fix: %(fix)s Then the provider submits a "
            "new filing. Write a note of what you told them; no code, no extension, "
            "no cancellation."
        ),
        build_coded_rejection,
        expected=("note",),
        avoid=("resend", "cancel"),
    ),
    Scenario(
        "subject_in_flight",
        _("A second filing for a subject in flight"),
        _(
            "%(name)s calls: the provider tried to submit a new filing for their "
            "company, and it was refused as “subject in flight”."
        ),
        _("Why was the new filing refused, and what are the customer's choices?"),
        _(
            "A subject has one filing in flight at a time: filing %(reference)s of "
            "the same company is under review, and the administration decides it by "
            "%(review_deadline)s. The customer waits for that decision, or has the "
            "provider withdraw it and submit the new one. Do not cancel it yourself "
            "unless they ask; write a note."
        ),
        build_subject_in_flight,
        expected=("note",),
        avoid=("cancel", "return"),
    ),
    Scenario(
        "missed_contact_check",
        _("A missed contact check"),
        _(
            "%(name)s calls: the provider says their website's access is about to "
            "be removed, and they never did anything wrong."
        ),
        _("What happened, and what can the customer do?"),
        _(
            "After approval, the administration checked the filing's contact "
            "details: a code went to every contact, to confirm by %(check_deadline)s. "
            "Nobody confirmed, so the check was missed and the filing is flagged for "
            "access removal (see the timeline). The check cannot be confirmed any "
            "more. Tell the customer to make sure their contacts read such texts; a "
            "supervisor decides on the removal. Write a note, and set a follow-up "
            "for the supervisor's decision."
        ),
        build_missed_contact_check,
        expected=("note", "follow_up"),
        avoid=("cancel",),
    ),
]
BY_KEY = {scenario.key: scenario for scenario in SCENARIOS}


def filings_in_training():
    """The filings of training runs (their ids, as a queryset): the simulated
    administration leaves them as their scenario built them (SIMULATED_REVIEW_SKIP)."""
    return TrainingRun.objects.values("filing_id")


def create_run(scenario_key, trainee, created_by, provider_code=None):
    """Build a new filing for the scenario and hand it to `trainee`; returns the
    TrainingRun. The filing is the provider `provider_code`'s (by default the
    first scenario provider's). Raises TrainingUnavailable outside demo mode, and BuildRefused (with
    nothing kept) when the engine held a step back."""
    if not available():
        raise TrainingUnavailable(
            "Training scenarios need demo mode (DEMO_MODE=true) and the training "
            "gateway (SMS_BACKEND=database)."
        )
    scenario = BY_KEY[scenario_key]
    build = Build(provider_code=provider_code)
    with transaction.atomic():
        filing = scenario.build(build)
        return TrainingRun.objects.create(
            scenario=scenario.key,
            filing=filing,
            trainee=trainee,
            created_by=created_by,
            details=build.facts,
        )


# Reading a run ---------------------------------------------------------------------
def facts(run):
    """What the scenario's texts name, from the filing as it is now."""
    filing = run.filing
    details = run.details or {}
    verification = filing.verifications.order_by("auto_resend_due_at").first()
    wrong = details.get("wrong_province")
    values = {
        "name": details.get("name", ""),
        "provider": filing.provider.local_name,
        "province": filing.province.local_name,
        "deadline": beijing(filing.verification_deadline),
        "auto_resend": beijing(verification and verification.auto_resend_due_at),
        "url": messages.verification_page_url(filing),
        "new_mobile": details.get("new_mobile", ""),
        "old_mobile": "",
        "wrong_province": Province.objects.get(pk=wrong).local_name if wrong else "",
        "reference": filing.reference,
        "review_deadline": (
            filing.review_deadline.isoformat() if filing.review_deadline else "—"
        ),
        "check_deadline": beijing(_moment(details.get("check_deadline"))),
        **_rejection_words(details.get("rejection")),
    }
    changed = filing.audit_events.filter(event_type=EventType.MOBILE_CHANGED).first()
    if changed:
        values["old_mobile"] = (changed.data or {}).get("from", "")
    elif values["new_mobile"]:
        administrator = filing.services.select_related("administrator").first()
        values["old_mobile"] = mask_mobile(administrator.administrator.mobile)
    return values


def _moment(text):
    try:
        return datetime.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _rejection_words(code):
    outcome = review_outcomes.REJECTION_REASONS.get(code or "")
    if outcome is None:
        return {"reason": "", "fix": ""}
    return {"reason": str(outcome.text), "fix": str(outcome.fix)}


def told(run, text):
    return str(text) % facts(run)


@dataclass
class Result:
    """How a trainee handled a run: what they did on the filing, in order, and whether
    that was the expected handling."""

    done: list = field(default_factory=list)  # (when, words)
    missing: list = field(default_factory=list)  # step labels
    avoided: list = field(default_factory=list)  # step labels done that are wrong
    expected: list = field(default_factory=list)

    @property
    def started(self):
        return bool(self.done)

    @property
    def handled(self):
        return bool(self.expected) and not self.missing and not self.avoided


def _event_words(event):
    data = event.data or {}
    if event.event_type == EventType.MACRO_RUN:
        return _("ran the macro “%(name)s”") % {
            "name": data.get("name_en") if _english() else data.get("name_zh")
        }
    for step in STEPS.values():
        if step.matches(event):
            return str(step.label)
    return str(event.get_event_type_display())


def _english():
    return (translation.get_language() or "").startswith("en")


def trainee_events(run):
    """The trainee's part of the filing's audit trail since the run was handed out,
    in order."""
    return list(
        AuditEvent.objects.filter(
            filing=run.filing, staff_user=run.trainee, created_at__gte=run.created_at
        ).order_by("created_at", "id")
    )


def check_all(runs):
    """{run id: Result} for many runs, their trainees' events read in one query."""
    runs = list(runs)
    events = defaultdict(list)
    for event in AuditEvent.objects.filter(
        filing__in=[run.filing_id for run in runs], staff_user__isnull=False
    ).order_by("created_at", "id"):
        events[event.filing_id].append(event)
    return {
        run.pk: check(
            run,
            [
                e
                for e in events[run.filing_id]
                if e.staff_user_id == run.trainee_id and e.created_at >= run.created_at
            ],
        )
        for run in runs
    }


def check(run, events=None):
    """Read the trainee's work on the run's filing against the expected handling:
    the expected steps must all be there, in their order (others may come between),
    and none of the steps to avoid."""
    scenario = BY_KEY[run.scenario]
    events = trainee_events(run) if events is None else events
    result = Result(expected=[str(STEPS[key].label) for key in scenario.expected])
    result.done = [(beijing(e.created_at), _event_words(e)) for e in events]
    position = 0  # each expected step is looked for after the one before it
    for key in scenario.expected:
        step = STEPS[key]
        found = next(
            (i for i in range(position, len(events)) if step.matches(events[i])), None
        )
        if found is None:
            result.missing.append(str(step.label))
        else:
            position = found + 1
    result.avoided = [
        str(STEPS[key].label)
        for key in scenario.avoid
        if any(STEPS[key].matches(event) for event in events)
    ]
    return result


def mark_answer_shown(run):
    """The trainee asked for the answer: shown from now on, and the trainer sees
    when."""
    if run.answer_shown_at is None:
        TrainingRun.objects.filter(pk=run.pk, answer_shown_at__isnull=True).update(
            answer_shown_at=timezone.now()
        )
        run.refresh_from_db(fields=["answer_shown_at"])
    return run
