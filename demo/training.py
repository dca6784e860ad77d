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
import random
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

from demo import clock, gateway
from demo.identities import GIVEN, SURNAMES
from demo.journeys import DEMO_AGENTS, DEMO_IPS
from demo.models import Behaviour, TrainingRun
from filings import policies
from filings.importing import parse_record
from filings.models import AuditEvent, EventType, Person, Province
from filings.privacy import mask_mobile
from infra import times
from infra.times import BEIJING
from verification import actions, deadlines, messages, moves
from verification.models import SmsKind, SmsMessage, SmsStatus
from verification.tasks import deliver_sms

CODE_RE = re.compile(r"验证码为(\d{6})")
PHONE_AGENT = DEMO_AGENTS[1]  # an Android phone's browser
MINUTE = datetime.timedelta(minutes=1)


class TrainingUnavailable(Exception):
    """Scenarios need demo mode and the training gateway."""


class BuildRefused(Exception):
    """The engine held back a step of the scenario (a throttle); nothing was kept."""


def _not_held_back(outcome):
    if outcome.throttled:
        raise BuildRefused(
            "The verification pages' throttle held back a step of the scenario; "
            f"try again in {outcome.throttled.retry_after} seconds."
        )
    return outcome.status


def available():
    """Whether scenarios can be built here: demo mode, with the training gateway."""
    return gateway.in_use()


beijing = times.beijing_text


# Who calls -------------------------------------------------------------------------
@dataclass
class Caller:
    name: str
    mobile: str
    certificate: str

    def as_record(self):
        return {
            "name": self.name,
            "certificate_type": "resident_id",
            "certificate_number": self.certificate,
            "mobile": self.mobile,
        }

    @property
    def last6(self):
        return self.certificate[-6:]


class Build:
    """What one scenario is built with: made-up people, the moments of its story, and
    the engine's calls at those moments."""

    def __init__(self, rng=None):
        self.rng = rng or random.Random(secrets.randbits(64))
        self.ip = self.rng.choice(DEMO_IPS) + str(self.rng.randrange(1, 255))
        self.now = clock.demo_now()
        self.facts = {}

    def person(self, prefix):
        """A new person: a Chinese name, a valid resident ID, and an unused mobile
        starting with `prefix` (its carrier)."""
        while True:
            mobile = prefix + "".join(
                self.rng.choice("0123456789") for _ in range(11 - len(prefix))
            )
            if not Person.objects.filter(mobile=mobile).exists():
                break
        name = self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
        )
        born = datetime.date(1965, 1, 1) + datetime.timedelta(
            days=self.rng.randrange(12000)
        )
        base = f"110102{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        return Caller(name, mobile, base + ric.calc_check_digit(base + "0"))

    def company_code(self):
        body = "".join(
            self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9)
        )
        base = f"91110100{body}"[:17]
        return base + uscc.calc_check_digit(base)

    def submit(self, *, policy, province, leader, administrator, provider="aliyun"):
        """The provider imports and submits a first filing (one website)."""
        today = timezone.localtime(clock.demo_now(), BEIJING)
        reference = f"TRN-{today:%m%d}-{secrets.token_hex(3).upper()}"
        word = self.rng.choice(["cloud", "star", "river", "peak", "smart", "link"])
        record = {
            "provider": provider,
            "reference": reference,
            "province": province,
            "type": "first_filing",
            "policy": policy,
            "subject": {
                "name": f"{leader.name[0]}氏{self.rng.choice(['科技', '网络', '信息'])}"
                "有限公司",
                "nature": "enterprise",
                "certificate_type": "uscc",
                "certificate_number": self.company_code(),
                "leader": leader.as_record(),
            },
            "services": [
                {
                    "kind": "website",
                    "name": f"{leader.name}的网站",
                    "domains": [f"{word}-{reference[-6:].lower()}.example.cn"],
                    "administrator": administrator.as_record(),
                }
            ],
        }
        filing = moves.import_filing(parse_record(record))
        self.deliver(filing)
        return filing

    def deliver(self, filing):
        """Deliver the filing's queued texts now, through the engine's delivery (with
        a task worker they would otherwise wait for it, outside the scenario)."""
        queued = SmsMessage.objects.filter(filing=filing, status=SmsStatus.QUEUED)
        for pk in queued.values_list("pk", flat=True):
            deliver_sms.call(pk)

    def code_of(self, person):
        """The newest code texted to `person` (what their phone shows, or would)."""
        text = (
            SmsMessage.objects.filter(
                recipient=person.mobile, kind=SmsKind.VERIFICATION_CODE
            )
            .order_by("-id")
            .first()
        )
        return CODE_RE.search(text.text).group(1)

    def channel(self, filing, province=None):
        if policies.get_policy(filing.policy).is_provincial:
            return actions.Channel(province or filing.province_id)
        return actions.CENTRAL

    def verify(self, filing, person, *, code=None, last6=None, province=None):
        """The person types on the verification page."""
        outcome = actions.verify(
            self.channel(filing, province),
            person.mobile,
            code or self.code_of(person),
            last6 or person.last6,
            ip=self.ip,
            user_agent=PHONE_AGENT,
        )
        self.deliver(filing)
        return _not_held_back(outcome)

    def resend(self, filing, person):
        """The person asks for a new code on the resend page."""
        outcome = actions.resend(
            self.channel(filing),
            person.mobile,
            person.last6,
            ip=self.ip,
            user_agent=PHONE_AGENT,
        )
        self.deliver(filing)
        return _not_held_back(outcome)

    def wrong_digits(self, person):
        """Six certificate characters that are not the person's."""
        while True:
            digits = f"{self.rng.randrange(10**6):06d}"
            if digits != person.last6.upper():
                return digits


def _ago(build, **delta):
    return build.now - datetime.timedelta(**delta)


# The scenarios' builders -----------------------------------------------------------
# Each returns the filing, and records in `build.facts` what its texts need.
def _leader_code_lost(build, *, policy, province, carriers, submitted, verified):
    """A filing whose administrator verified `verified` ago, and whose entity
    leader's code, texted `submitted` ago, the carrier reported lost."""
    leader, administrator = (build.person(prefix) for prefix in carriers)
    with (
        clock.at(_ago(build, **submitted)),
        gateway.behaving(Behaviour.LOST, only=leader.mobile),
    ):
        filing = build.submit(
            policy=policy,
            province=province,
            leader=leader,
            administrator=administrator,
        )
    with clock.at(_ago(build, **verified)):
        build.verify(filing, administrator)
    build.facts["name"] = leader.name
    return filing


def build_never_got_text(build):
    return _leader_code_lost(
        build,
        policy="miit-current",
        province="bj",
        carriers=("139", "133"),
        submitted={"minutes": 55},
        verified={"minutes": 40},
    )


def build_five_wrong_digits(build):
    person = build.person("186")
    start = _ago(build, hours=3)
    with clock.at(start):
        filing = build.submit(
            policy="provincial-2019", province="zj", leader=person, administrator=person
        )
    for n in range(policies.get_policy(filing.policy).failure_limit):
        with clock.at(start + datetime.timedelta(minutes=70 + 3 * n)):
            build.verify(filing, person, last6=build.wrong_digits(person))
    build.facts["name"] = person.name
    return filing


def _last_evening(build, at=datetime.time(22, 50)):
    """The latest `at` Beijing time that is an hour or more ago."""
    today = timezone.localtime(build.now, BEIJING).date()
    moment = datetime.datetime.combine(today, at, tzinfo=BEIJING)
    if moment > build.now - datetime.timedelta(hours=1):
        moment -= datetime.timedelta(days=1)
    return moment


def build_deadline_overnight(build):
    leader, administrator = build.person("138"), build.person("130")
    deadline = _last_evening(build)
    window = policies.get_policy("miit-current").window
    submitted = deadline - window
    with clock.at(submitted):
        filing = build.submit(
            policy="miit-current",
            province="sh",
            leader=leader,
            administrator=administrator,
        )
    with clock.at(submitted + datetime.timedelta(minutes=35)):
        build.verify(filing, leader)
    sweep = deadline + 5 * MINUTE
    with clock.at(sweep):
        deadlines.process_deadlines(sweep)
    with clock.at(min(build.now - 10 * MINUTE, sweep + datetime.timedelta(hours=9))):
        build.verify(filing, administrator, code=build.code_of(administrator))
    build.facts["name"] = administrator.name
    return filing


def build_administrator_changed_phones(build):
    leader, administrator = build.person("135"), build.person("189")
    new_phone = build.person("177")
    with clock.at(_ago(build, hours=2)):
        filing = build.submit(
            policy="miit-current",
            province="gd",
            leader=leader,
            administrator=administrator,
        )
    with clock.at(_ago(build, minutes=95)):
        build.verify(filing, leader)
    # With the new phone in hand, the administrator asks for a code for it.
    moved = Caller(administrator.name, new_phone.mobile, administrator.certificate)
    with clock.at(_ago(build, minutes=20)):
        build.resend(filing, moved)
    build.facts.update(name=administrator.name, new_mobile=new_phone.mobile)
    return filing


def build_shared_mobile(build):
    person = build.person("150")
    with clock.at(_ago(build, minutes=30)):
        filing = build.submit(
            policy="miit-current", province="js", leader=person, administrator=person
        )
    build.facts["name"] = person.name
    return filing


def build_waiting_auto_resend(build):
    return _leader_code_lost(
        build,
        policy="provincial-2019",
        province="sd",
        carriers=("187", "153"),
        submitted={"hours": 2},
        verified={"minutes": 80},
    )


def build_wrong_province_site(build):
    person = build.person("182")
    with clock.at(_ago(build, hours=1)):
        filing = build.submit(
            policy="provincial-2019", province="zj", leader=person, administrator=person
        )
    for minutes in (25, 22):
        with clock.at(_ago(build, minutes=minutes)):
            build.verify(filing, person, province="fj")
    build.facts.update(name=person.name, wrong_province="fj")
    return filing


def build_resend_cap(build):
    person = build.person("131")
    start = _ago(build, hours=3)
    with gateway.behaving(Behaviour.LOST, only=person.mobile):
        with clock.at(start):
            filing = build.submit(
                policy="miit-current",
                province="bj",
                leader=person,
                administrator=person,
            )
        for minutes in (30, 65, 100):
            with clock.at(start + datetime.timedelta(minutes=minutes)):
                build.resend(filing, person)
    build.facts["name"] = person.name
    return filing


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
]
BY_KEY = {scenario.key: scenario for scenario in SCENARIOS}


def create_run(scenario_key, trainee, created_by):
    """Build a new filing for the scenario and hand it to `trainee`; returns the
    TrainingRun. Raises TrainingUnavailable outside demo mode, and BuildRefused (with
    nothing kept) when the engine held a step back."""
    if not available():
        raise TrainingUnavailable(
            "Training scenarios need demo mode (DEMO_MODE=true) and the training "
            "gateway (SMS_BACKEND=database)."
        )
    scenario = BY_KEY[scenario_key]
    build = Build()
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
    }
    changed = filing.audit_events.filter(event_type=EventType.MOBILE_CHANGED).first()
    if changed:
        values["old_mobile"] = (changed.data or {}).get("from", "")
    elif values["new_mobile"]:
        administrator = filing.services.select_related("administrator").first()
        values["old_mobile"] = mask_mobile(administrator.administrator.mobile)
    return values


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
