"""How a training scenario is built: a caller (an applicant's phone, the provider's
system) and a `Build` that imports, submits, verifies and resends through the engine
at the moments the scenario's story tells of; and one builder per scenario, each
returning its filing with what its texts need in `build.facts`."""

import datetime
import random
import re
import secrets
from dataclasses import dataclass

from django.utils import timezone
from stdnum.cn import ric, uscc

from demo import clock, gateway
from demo.identities import GIVEN, SURNAMES
from demo.journeys import DEMO_AGENTS, DEMO_IPS
from demo.models import Behaviour
from filings import policies, review_outcomes
from filings.importing import parse_record
from filings.models import Person
from infra import times
from infra.times import BEIJING
from verification import actions, contact_checks, deadlines, moves
from verification.models import SmsKind, SmsMessage, SmsStatus
from verification.tasks import deliver_sms

CODE_RE = re.compile(r"验证码为(\d{6})")
PHONE_AGENT = DEMO_AGENTS[1]  # an Android phone's browser
MINUTE = datetime.timedelta(minutes=1)


class BuildRefused(Exception):
    """The engine held back a step of the scenario (a throttle); nothing was kept."""


def _not_held_back(outcome):
    if outcome.throttled:
        raise BuildRefused(
            "The verification pages' throttle held back a step of the scenario; "
            f"try again in {outcome.throttled.retry_after} seconds."
        )
    return outcome.status


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

    def __init__(self, rng=None, provider_code=None):
        self.rng = rng or random.Random(secrets.randbits(64))
        self.provider_code = provider_code or "aliyun"
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

    def submit(self, *, policy, province, leader, administrator, provider=None):
        """The provider imports and submits a first filing (one website)."""
        today = timezone.localtime(clock.demo_now(), BEIJING)
        reference = f"TRN-{today:%m%d}-{secrets.token_hex(3).upper()}"
        word = self.rng.choice(["cloud", "star", "river", "peak", "smart", "link"])
        record = {
            "provider": provider or self.provider_code,
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


def _reviewed(build, person, *, province, ago):
    """A filing of `person` (both roles) submitted and verified `ago` before now:
    under review since then."""
    with clock.at(_ago(build, **ago)):
        filing = build.submit(
            policy="miit-current",
            province=province,
            leader=person,
            administrator=person,
        )
        build.verify(filing, person)
    filing.refresh_from_db()
    return filing


def build_coded_rejection(build):
    """Rejected by the administration an hour ago for a catalogued reason."""
    person = build.person("139")
    filing = _reviewed(build, person, province="js", ago={"days": 4})
    code = build.rng.choice(sorted(review_outcomes.REJECTION_REASONS))
    with clock.at(_ago(build, hours=1)):
        moves.reject_filing(filing, actor=moves.ADMINISTRATION, code=code)
    build.facts.update(name=person.name, rejection=code)
    return filing


def build_subject_in_flight(build):
    """Under review since yesterday; the provider's second filing for the same
    subject was refused at submission (a refused submission leaves no record)."""
    person = build.person("135")
    filing = _reviewed(build, person, province="js", ago={"days": 1})
    build.facts["name"] = person.name
    return filing


def build_missed_contact_check(build):
    """Approved a month ago; its contact check, opened nine days ago, was missed two
    days ago (nobody confirmed) and the filing is flagged for access removal."""
    person = build.person("138")
    filing = _reviewed(build, person, province="bj", ago={"days": 40})
    approved_at = _ago(build, days=30)
    with clock.at(approved_at):
        moves.approve_filing(filing, actor=moves.ADMINISTRATION, now=approved_at)
    opened = _ago(build, days=9)
    with clock.at(opened):
        check = contact_checks.open_check(filing, actor=moves.SYSTEM, now=opened)
        build.deliver(filing)
    missed = check.deadline + MINUTE
    with clock.at(missed):
        contact_checks.mark_missed(missed)
    build.facts.update(name=person.name, check_deadline=check.deadline.isoformat())
    return filing
