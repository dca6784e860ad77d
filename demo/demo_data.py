"""Realistic, reproducible demo data, written in bulk.

Filings are generated in their final states (pending, under review, approved with ICP
numbers, returned, ...) together with the history that leads there: audit events,
verifications, and for filings still waiting the codes and texts in the demo phone. The
rules come from the same tables as live filings (who must verify, windows, senders,
ICP number formats). The random generator is seeded, so the same seed gives the same
data; verification codes of the demo come from it too (live codes use `secrets`).
"""

import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.db.models import Max
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from stdnum.cn import ric, uscc

from filings import icp_numbers, policies
from filings.models import (
    ActorKind,
    AuditEvent,
    Domain,
    EventType,
    FilingApplication,
    FilingStatus,
    FilingType,
    IcpNumberCounter,
    Person,
    PolicyKey,
    Provider,
    Province,
    Role,
    Service,
    ServiceKind,
    Subject,
)
from infra import times
from verification import codes, messages, moves
from verification.models import (
    Attempt,
    AttemptAction,
    AttemptReason,
    FunnelDay,
    SmsKind,
    SmsMessage,
    SmsStatus,
    Verification,
    WrongPart,
)

R = AttemptReason

PROVINCE_NUMBERS = {
    "bj": 11, "tj": 12, "he": 13, "sx": 14, "nm": 15, "ln": 21, "jl": 22, "hl": 23,
    "sh": 31, "js": 32, "zj": 33, "ah": 34, "fj": 35, "jx": 36, "sd": 37, "ha": 41,
    "hb": 42, "hn": 43, "gd": 44, "gx": 45, "hi": 46, "cq": 50, "sc": 51, "gz": 52,
    "yn": 53, "xz": 54, "sn": 61, "gs": 62, "qh": 63, "nx": 64, "xj": 65,
}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建文斌宇浩然欣怡涵萱诺晨阳雪梅佳琪思远志鹏海燕晓东红"
BRANDS = [
    "云帆",
    "星河",
    "蓝海",
    "瑞丰",
    "恒信",
    "华创",
    "睿思",
    "泰和",
    "嘉禾",
    "鼎盛",
    "博远",
    "新纪元",
    "天行",
    "汇通",
    "凌云",
    "锦程",
    "卓越",
    "优品",
    "易达",
    "智联",
]
INDUSTRIES = [
    "科技",
    "网络",
    "信息技术",
    "电子商务",
    "文化传媒",
    "教育咨询",
    "软件",
    "数据服务",
    "旅游",
    "物流",
]
WORDS = [
    "cloud",
    "star",
    "blue",
    "sky",
    "river",
    "peak",
    "bright",
    "future",
    "smart",
    "link",
    "data",
    "shop",
    "travel",
    "learn",
    "media",
    "soft",
    "net",
    "hub",
]
TLDS = ["cn", "com.cn", "com", "net", "net.cn"]
# Mobile prefixes of every carrier, with the virtual operators' ranges.
MOBILE_PREFIXES = [
    "134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
    "182", "183", "184", "187", "188", "198",  # China Mobile
    "130", "131", "132", "155", "156", "166", "185", "186",  # China Unicom
    "133", "153", "173", "177", "180", "181", "189", "199",  # China Telecom
    "192",  # China Broadnet
    "1700", "1703", "1704", "162", "165", "167", "171",  # virtual operators
]  # fmt: skip
PROVIDER_PREFIX = {"aliyun": "ALI", "jdcloud": "JD", "tencent": "TC", "huawei": "HW"}

# Final status of a generated filing, with its weight.
OUTCOMES = [
    ("pending", 12),
    ("expiring", 3),
    ("under_review", 15),
    ("approved", 45),
    ("expired", 8),
    ("failed", 4),
    ("rejected", 5),
    ("cancelled", 5),
    ("draft", 3),
]
# The last month, drawn in detail (texts and attempts), with the shape of real work.
MONTH_DAYS = 30
RECENT_SHARE = 0.75  # of decided filings, submitted within the month
WEEKDAY_WEIGHTS = [1.0, 1.05, 1.0, 0.95, 0.9, 0.4, 0.3]  # Monday first
HOUR_WEIGHTS = [
    1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 5, 9, 11, 10,
    6, 7, 10, 11, 10, 9, 6, 5, 5, 4, 3, 2,
]  # fmt: skip
# How a person who did not verify in time was lost, with its weight.
EXPIRY_LOSSES = [
    ("not_delivered", 20),
    ("never_tried", 40),
    ("wrong_entries", 28),
    ("resend_cap", 12),
]
# Which part of a wrong entry was wrong, with its weight.
WRONG_PARTS = [
    (WrongPart.CODE, 45),
    (WrongPart.CERTIFICATE, 30),
    (WrongPart.OLD_CODE, 15),
    (WrongPart.CODE_AND_CERTIFICATE, 10),
]
DEMO_IPS = ["203.0.113.", "198.51.100.", "192.0.2."]  # documentation ranges only
DEMO_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0 Safari/537.36",
]
TYPE_WEIGHTS = [
    (FilingType.FIRST_FILING, 45),
    (FilingType.ADD_SERVICE, 15),
    (FilingType.ADD_ACCESS, 10),
    (FilingType.CHANGE, 15),
    (FilingType.CANCEL_SUBJECT, 4),
    (FilingType.CANCEL_SERVICE, 7),
    (FilingType.CANCEL_ACCESS, 4),
]


def _region_codes():
    """Per province, city-level region codes that python-stdnum accepts."""
    found = {}
    for code, number in PROVINCE_NUMBERS.items():
        good = []
        for suffix in ("0100", "0102", "0103", "0104", "0105", "0200", "0000"):
            base = f"{number}{suffix}19900101001"
            try:
                valid = ric.is_valid(base + ric.calc_check_digit(base + "0"))
            except (
                KeyError
            ):  # python-stdnum's region table lacks a field for some codes
                valid = False
            if valid:
                good.append(f"{number}{suffix}")
        found[code] = good or ["110102"]
    return found


@dataclass
class Batch:
    """Everything generated for a slice of filings, written together."""

    people: list = field(default_factory=list)
    subjects: list = field(default_factory=list)
    services: list = field(default_factory=list)
    domains: list = field(default_factory=list)
    filings: list = field(default_factory=list)
    links: list = field(default_factory=list)  # (filing, service)
    plans: list = field(default_factory=list)  # per filing: what happened to it


class DemoGenerator:
    def __init__(self, seed, now=None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.regions = _region_codes()
        # A region code is valid only for birth years when it existed (python-stdnum).
        self.region_years = {}
        self.provinces = {p.code: p for p in Province.objects.all()}
        self.providers = list(Provider.objects.order_by("code"))
        self.mobiles = set()
        self.pending_hashes = set(
            Verification.objects.filter(status="pending")
            .exclude(code_hash="")
            .values_list("code_hash", flat=True)
        )
        self.next_ids = {}
        self.converter_cache = {}
        self.written = set()
        self.counters = {
            (c.province_id, c.year): c.last_serial
            for c in IcpNumberCounter.objects.all()
        }

    # People and names ---------------------------------------------------------------
    def name(self):
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + given

    def mobile(self):
        while True:
            prefix = self.rng.choice(MOBILE_PREFIXES)
            number = prefix + "".join(
                self.rng.choice("0123456789") for _ in range(11 - len(prefix))
            )
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def resident_id(self, province):
        """A valid number; region codes also have to have existed in the birth year."""
        for _ in range(50):
            region = self.rng.choice(self.regions[province])
            born = datetime.date(1960, 1, 1) + datetime.timedelta(
                days=self.rng.randrange(16000)
            )
            base = f"{region}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            number = base + ric.calc_check_digit(base + "0")
            key = (region, born.year)
            if key not in self.region_years:
                try:
                    self.region_years[key] = ric.is_valid(number)
                except KeyError:  # python-stdnum's table lacks a field for some
                    self.region_years[key] = False
            if self.region_years[key]:
                return number
        raise RuntimeError(f"no valid resident ID found for {province}")

    def uscc_code(self, province):
        body = "".join(
            self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9)
        )
        base = f"91{PROVINCE_NUMBERS[province]}0100{body}"[:17]
        return base + uscc.calc_check_digit(base)

    def person(self, province):
        return Person(
            name=self.name(),
            certificate_type="resident_id",
            certificate_number=self.resident_id(province),
            mobile=self.mobile(),
            emergency_mobile=self.mobile(),
        )

    def company(self, province):
        city = self.provinces[province].name_zh.rstrip("省市").replace("自治区", "")[:2]
        return f"{city}{self.rng.choice(BRANDS)}{self.rng.choice(INDUSTRIES)}有限公司"

    def domain(self):
        return (
            f"{self.rng.choice(WORDS)}{self.rng.choice(WORDS)}{self.rng.randrange(10000)}"
            f".{self.rng.choice(TLDS)}"
        )

    # Filings ------------------------------------------------------------------------
    def _policy_and_time(self, province, outcome):
        """A policy that applied in the province, and a submission time for it."""
        recent = outcome in ("pending", "expiring", "draft")
        if recent:
            choices = [PolicyKey.MIIT_CURRENT] * 6 + [PolicyKey.MIIT_2020]
            if province.pilot_start:
                choices.append(PolicyKey.PROVINCIAL_2019)
            if (
                province.pilot_start
                and province.pilot_start <= policies.PILOT_2017_START
            ):
                choices.append(PolicyKey.PILOT_2017)
            policy = self.rng.choice(choices)
            window = policies.get_policy(policy).window
            if outcome == "expiring":
                left = datetime.timedelta(minutes=self.rng.randrange(10, 110))
            else:
                left = datetime.timedelta(minutes=self.rng.randrange(150, 23 * 60))
            return policy, self.now - (window - left)
        if self.rng.random() < RECENT_SHARE:
            return self._recent_policy(province), self._month_moment()
        days_ago = self.rng.randrange(MONTH_DAYS, 730)
        policy = (
            PolicyKey.MIIT_CURRENT
            if days_ago < 400
            else self.rng.choice([PolicyKey.MIIT_2020, PolicyKey.MIIT_CURRENT])
        )
        return policy, self.now - datetime.timedelta(
            days=days_ago, seconds=self.rng.randrange(86400)
        )

    def _recent_policy(self, province):
        """Mostly the MIIT site; the provinces with their own site keep some."""
        if province.pilot_start and self.rng.random() < 0.15:
            return PolicyKey.PROVINCIAL_2019
        return PolicyKey.MIIT_CURRENT

    def _month_moment(self):
        """A submission time in the last month, before the deadline window of now:
        weekdays busier than weekends, office hours busier than nights (Beijing)."""
        today = self.now.astimezone(times.BEIJING).date()
        # three days back at least: every window (48 h at most) has closed since
        days = [today - datetime.timedelta(days=n) for n in range(3, MONTH_DAYS)]
        weights = [WEEKDAY_WEIGHTS[d.weekday()] for d in days]
        day = self.rng.choices(days, weights)[0]
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        moment = datetime.datetime.combine(
            day, datetime.time(hour, self.rng.randrange(60)), tzinfo=times.BEIJING
        )
        return moment + datetime.timedelta(seconds=self.rng.randrange(60))

    def _weighted(self, pairs):
        return self.rng.choices([v for v, _ in pairs], [w for _, w in pairs])[0]

    def filing(self, batch, index, reference_tag):
        province = self.provinces[self.rng.choice(list(self.provinces))]
        provider = self.rng.choice(self.providers)
        outcome = self._weighted(OUTCOMES)
        filing_type = self._weighted(TYPE_WEIGHTS)
        change_scope = (
            self.rng.choice(["subject", "service", "both"])
            if filing_type == FilingType.CHANGE
            else ""
        )
        policy, submitted = self._policy_and_time(province, outcome)

        leader = self.person(province.code)
        batch.people.append(leader)
        subject = Subject(
            name=self.company(province.code),
            nature="enterprise",
            certificate_type="uscc",
            certificate_number=self.uscc_code(province.code),
            province=province,
            leader=leader,
        )
        batch.subjects.append(subject)
        services = []
        if (
            policies.needs_services(filing_type, change_scope)
            or self.rng.random() < 0.5
        ):
            for _ in range(1 if self.rng.random() < 0.8 else 2):
                same_person = self.rng.random() < 0.3
                admin = leader if same_person else self.person(province.code)
                if not same_person:
                    batch.people.append(admin)
                kind = (
                    ServiceKind.APP if self.rng.random() < 0.2 else ServiceKind.WEBSITE
                )
                service = Service(
                    subject=subject,
                    kind=kind,
                    name=f"{subject.name[:4]}{'应用' if kind == ServiceKind.APP else '网站'}",
                    app_identifier=f"cn.{self.rng.choice(WORDS)}.app{self.rng.randrange(100000)}"
                    if kind == ServiceKind.APP
                    else "",
                    administrator=admin,
                )
                services.append(service)
                batch.services.append(service)
                if kind == ServiceKind.WEBSITE:
                    batch.domains.append(Domain(service=service, name=self.domain()))
        prefix = PROVIDER_PREFIX.get(provider.code, provider.code.upper())
        filing = FilingApplication(
            provider=provider,
            reference=f"{prefix}-{reference_tag}-{index:06d}",
            province=province,
            subject=subject,
            filing_type=filing_type,
            change_scope=change_scope,
            policy=policy,
            created_at=submitted,
            updated_at=submitted,
        )
        batch.filings.append(filing)
        batch.links += [(filing, s) for s in services]
        batch.plans.append((filing, outcome, submitted, services, leader))

    # Writing ------------------------------------------------------------------------
    def write(self, batch):
        """Write one batch in one transaction; returns the number of filings."""
        verifications, events, sms = [], [], []
        for filing, outcome, submitted, services, leader in batch.plans:
            self._decide(filing, outcome, submitted, services, leader, verifications)
        with transaction.atomic():
            self._insert(Person, batch.people)
            self._insert(Subject, batch.subjects)
            self._insert(Service, batch.services)
            self._insert(Domain, batch.domains)
            self._insert(FilingApplication, batch.filings)
            through = FilingApplication.services.through
            self._insert(
                through,
                [through(filingapplication=f, service=s) for f, s in batch.links],
            )
            # The month's people in detail, before their rows are written: a wrong
            # entry of someone still waiting shows in their failure count.
            journeys = [
                self._journey(filing, verification, submitted)
                for filing, _outcome, submitted, _services, _leader in batch.plans
                if self._in_month(filing)
                for verification in filing.demo_verifications
            ]
            self._insert(Verification, verifications)
            for filing, outcome, submitted, _services, _leader in batch.plans:
                events += self._history(filing, outcome, submitted)
                if filing.status == FilingStatus.PENDING_VERIFICATION:
                    sms += self._texts(filing, submitted)
            attempts = []
            for journey in journeys:
                sms += journey.texts
                attempts += journey.attempts
            self._insert(AuditEvent, events)
            self._insert(SmsMessage, sms)
            self._insert(Attempt, attempts)
        return len(batch.filings)

    def _insert(self, model, objects):
        """INSERT the objects with executemany and ids assigned here.

        Django's bulk_create spends most of its time building one large statement per
        batch; a prepared statement run for each row is several times faster, and
        assigning the ids ourselves lets related rows point at them without RETURNING.
        """
        if not objects:
            return
        table = model._meta.db_table
        if table not in self.next_ids:
            self.next_ids[table] = (
                model.objects.aggregate(top=Max("id"))["top"] or 0
            ) + 1
        fields = model._meta.concrete_fields
        stamped = [
            f.attname
            for f in fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        for obj in objects:
            obj.pk = self.next_ids[table]
            self.next_ids[table] += 1
            obj._prepare_related_fields_for_save(operation_name="seed_demo")
            for attname in stamped:
                if getattr(obj, attname) is None:
                    setattr(obj, attname, self.now)
            obj._state.adding, obj._state.db = False, "default"
        attnames = [f.attname for f in fields]
        converters = self._converters(model, fields)
        # A field left at its database default holds a marker, not a value.
        for f in fields:
            if f.has_db_default():
                for obj in objects:
                    if isinstance(getattr(obj, f.attname), DatabaseDefault):
                        default = f.db_default
                        setattr(obj, f.attname, getattr(default, "value", default))
        rows = [
            tuple(
                convert(value) if convert else value
                for convert, value in zip(
                    converters, [getattr(obj, a) for a in attnames], strict=True
                )
            )
            for obj in objects
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is PostgreSQL's bulk path; names come from the model's metadata.
                with cursor.cursor.copy(
                    f"COPY {quote(table)} ({columns}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {quote(table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
                cursor.executemany(sql, rows)
        self.written.add(model)

    def _converters(self, model, fields):
        """Per column, how to turn the Python value into a database value (None: as is).

        The generator builds values of the right types already, so only datetimes and
        JSON need adapting; the field's full preparation for every value costs more than
        the rest of the insert.
        """
        if model not in self.converter_cache:
            db = connections["default"]  # the wrapper itself, not the per-thread proxy
            converters = []
            for f in fields:
                if f.get_internal_type() == "DateTimeField":
                    converters.append(db.ops.adapt_datetimefield_value)
                elif f.get_internal_type() == "JSONField":
                    converters.append(lambda value, f=f: f.get_db_prep_save(value, db))
                else:
                    converters.append(None)
            self.converter_cache[model] = converters
        return self.converter_cache[model]

    def finish(self):
        """After the last batch: counters, sequences past the ids assigned here, and
        the funnel's stored days forgotten (the history just written predates them)."""
        self.save_counters()
        FunnelDay.objects.all().delete()
        reset = connection.ops.sequence_reset_sql(no_style(), list(self.written))
        if reset:
            with connection.cursor() as cursor:
                for statement in reset:
                    cursor.execute(statement)

    def _decide(self, filing, outcome, submitted, services, leader, verifications):
        policy = policies.get_policy(filing.policy)
        if outcome == "draft":
            filing.status = FilingStatus.DRAFT
            return
        filing.submitted_at = submitted
        roles = policies.required_roles(
            filing.policy,
            filing.filing_type,
            filing.change_scope,
            [s.kind for s in services],
        )
        people = defaultdict(moves.Verifier)
        if Role.LEADER in roles:
            people[leader.mobile].add(Role.LEADER, leader.certificate_number)
        if Role.ADMINISTRATOR in roles:
            for service in services:
                administrator = service.administrator
                people[administrator.mobile].add(
                    Role.ADMINISTRATOR, administrator.certificate_number
                )
        if people:
            filing.verification_deadline = submitted + policy.window
        status = {
            "pending": FilingStatus.PENDING_VERIFICATION,
            "expiring": FilingStatus.PENDING_VERIFICATION,
            "under_review": FilingStatus.UNDER_REVIEW,
            "approved": FilingStatus.APPROVED,
            "expired": FilingStatus.RETURNED,
            "failed": FilingStatus.RETURNED,
            "rejected": FilingStatus.REJECTED,
            "cancelled": FilingStatus.CANCELLED,
        }[outcome]
        if status == FilingStatus.PENDING_VERIFICATION and not people:
            status = FilingStatus.UNDER_REVIEW  # nobody to verify: straight to review
        if outcome in ("expired", "failed") and not people:
            status = FilingStatus.REJECTED
        filing.status = status
        decided = submitted + datetime.timedelta(hours=self.rng.randrange(1, 20))
        if outcome == "expired" and filing.verification_deadline:
            decided = filing.verification_deadline
        decided = self._by_now(decided, submitted)
        filing.updated_at = (
            decided if status != FilingStatus.PENDING_VERIFICATION else submitted
        )
        own = []
        auto_resend = (
            policies.automatic_resend_time(
                filing.policy, submitted, filing.verification_deadline
            )
            if people
            else None
        )
        for index, (mobile, verifier) in enumerate(people.items()):
            verification = Verification(
                filing=filing,
                mobile=mobile,
                is_leader=Role.LEADER in verifier.roles,
                is_administrator=Role.ADMINISTRATOR in verifier.roles,
                certificate_hashes=codes.certificate_hashes(
                    verifier.certificate_numbers
                ),
            )
            verification.created_at = submitted
            if status == FilingStatus.PENDING_VERIFICATION:
                # someone is always still to verify (else it would be under review)
                verification.status = (
                    "pending"
                    if index or self.rng.random() < 0.7 or len(people) == 1
                    else "verified"
                )
            elif status == FilingStatus.RETURNED and outcome == "expired":
                verification.status = "expired"
            elif status == FilingStatus.RETURNED:
                verification.status = "failed" if index == 0 else "cancelled"
                verification.failed_attempts = 5 if index == 0 else 0
            elif status == FilingStatus.CANCELLED:
                verification.status = "cancelled"
            else:
                verification.status = "verified"
            if verification.status == "verified":
                verification.verified_at = min(
                    submitted + self._time_to_verify(policy),
                    self.now - datetime.timedelta(minutes=1),
                )
            if verification.status == "expired":
                verification.updated_at = filing.verification_deadline
            elif verification.status == "pending":
                verification.updated_at = submitted
            else:
                verification.updated_at = verification.verified_at or decided
            if verification.status == "pending":
                verification.demo_code, verification.code_hash = self._draw_code()
                verification.code_issued_at = submitted
                verification.code_delivered_at = submitted  # see _texts
                verification.auto_resend_due_at = auto_resend
            own.append(verification)
        verifications += own
        filing.demo_verifications = own
        verified = [v.verified_at for v in own if v.verified_at]
        if (
            verified
            and status != FilingStatus.PENDING_VERIFICATION
            and filing.updated_at <= max(verified)
        ):
            # what happened to the filing comes after its people verified
            filing.updated_at = decided = self._by_now(
                max(verified) + datetime.timedelta(minutes=self.rng.randrange(1, 90)),
                max(verified),
            )
        if (
            status == FilingStatus.APPROVED
            and filing.filing_type in icp_numbers.NUMBERED_TYPES
        ):
            self._number(filing, services, decided)

    def _by_now(self, moment, earliest):
        """`moment`, moved back to a minute before the generator's now if it is
        later (a filing submitted this morning cannot have been decided tonight),
        but never before `earliest`."""
        return max(earliest, min(moment, self.now - datetime.timedelta(minutes=1)))

    def _time_to_verify(self, policy):
        """Most people verify within the hour; a long tail waits until evening or
        the next day."""
        minutes = math.exp(self.rng.gauss(math.log(25), 1.3))
        limit = policy.window.total_seconds() / 60 - 60
        return datetime.timedelta(minutes=min(max(minutes, 1), limit))

    def _number(self, filing, services, decided):
        year = decided.astimezone(times.BEIJING).year
        key = (filing.province.pk, year)
        self.counters[key] = self.counters.get(key, 0) + 1
        base = icp_numbers.subject_number(
            filing.province.abbreviation, year, self.counters[key]
        )
        filing.icp_number = base
        icp_numbers.number_services(base, services)

    def _history(self, filing, outcome, submitted):
        def event(
            event_type,
            from_status,
            to_status,
            when,
            reason="",
            actor=ActorKind.PROVIDER,
            data=None,
        ):
            item = AuditEvent(
                filing_id=filing.pk,
                actor_kind=actor,
                event_type=event_type,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                data={"demo": True, **(data or {})},
            )
            item.created_at = when
            return item

        events = [event(EventType.CREATED, "", FilingStatus.DRAFT, submitted)]
        if filing.status == FilingStatus.DRAFT:
            return events
        first = (
            FilingStatus.PENDING_VERIFICATION
            if filing.verification_deadline
            else FilingStatus.UNDER_REVIEW
        )
        events.append(event(EventType.SUBMITTED, FilingStatus.DRAFT, first, submitted))
        for verification in getattr(filing, "demo_verifications", []):
            if verification.status == "verified":
                events.append(
                    event(
                        "verified",
                        "",
                        "",
                        verification.verified_at,
                        actor=ActorKind.APPLICANT,
                        data={
                            "verification": verification.pk,
                            "roles": verification.roles,
                        },
                    )
                )
        when = filing.updated_at
        final = filing.status
        if first == FilingStatus.PENDING_VERIFICATION and final not in (
            FilingStatus.PENDING_VERIFICATION,
        ):
            if final == FilingStatus.RETURNED:
                kind = "expired" if outcome == "expired" else "verification_failed"
                events.append(
                    event(
                        kind,
                        first,
                        final,
                        when,
                        kind,
                        ActorKind.SYSTEM if kind == "expired" else ActorKind.APPLICANT,
                    )
                )
                return events
            if final == FilingStatus.CANCELLED:
                events.append(
                    event(
                        EventType.CANCELLED,
                        first,
                        final,
                        when,
                        "withdrawn by the provider",
                    )
                )
                return events
            events.append(
                event(
                    "verification_completed",
                    first,
                    FilingStatus.UNDER_REVIEW,
                    when,
                    actor=ActorKind.APPLICANT,
                )
            )
            first = FilingStatus.UNDER_REVIEW
        if final == FilingStatus.APPROVED:
            events.append(
                event(EventType.APPROVED, first, final, when, actor=ActorKind.STAFF)
            )
        elif final == FilingStatus.REJECTED:
            events.append(
                event(
                    "rejected",
                    first,
                    final,
                    when,
                    "materials incomplete",
                    ActorKind.STAFF,
                )
            )
        elif final == FilingStatus.CANCELLED and first == FilingStatus.UNDER_REVIEW:
            events.append(
                event(
                    EventType.CANCELLED, first, final, when, "withdrawn by the provider"
                )
            )
        return events

    # The month in detail ----------------------------------------------------------
    def _in_month(self, filing):
        return (
            filing.submitted_at is not None
            and filing.verification_deadline is not None
            and self.now - filing.submitted_at < datetime.timedelta(days=MONTH_DAYS)
        )

    def _journey(self, filing, verification, submitted):
        """The texts and attempts that led one person to their final status.

        Pending people already have their live code in the demo phone (`_texts`);
        everyone else gets a code text now, delivered or not."""
        journey = Journey(self, filing, verification)
        status = verification.status
        if status != "pending":
            loss = self._weighted(EXPIRY_LOSSES) if status == "expired" else "delivered"
            journey.code_text(submitted, delivered=loss != "not_delivered")
        else:
            loss = "waiting"
        end = {
            "verified": verification.verified_at,
            "failed": filing.updated_at,
            "pending": self.now,
        }.get(status, filing.verification_deadline - datetime.timedelta(hours=1))
        start = submitted + (end - submitted) * self.rng.uniform(0.05, 0.5)
        if status == "verified":
            wrong = self.rng.choices([0, 1, 2, 3], [70, 18, 8, 4])[0]
            if self.rng.random() < 0.08:
                journey.resend(start, end)
            journey.wrong_entries(wrong, start, end)
            journey.verified(end)
        elif status == "failed":
            limit = policies.get_policy(filing.policy).failure_limit
            journey.wrong_entries(limit, start, end, to_the_limit=True)
        elif status == "expired" and loss == "wrong_entries":
            journey.wrong_entries(self.rng.choice([1, 2, 3]), start, end)
        elif status == "expired" and loss == "resend_cap":
            cap = policies.get_policy(filing.policy).resend_cap or 0
            for _ in range(cap):
                journey.resend(start, end)
            journey.resend(start, end, refused=True)
        elif status == "pending" and self.rng.random() < 0.2:
            journey.wrong_entries(1, start, end)
            verification.failed_attempts = journey.failures
        return journey

    def _draw_code(self):
        while True:
            code = f"{self.rng.randrange(10**6):06d}"
            digest = codes.hash_code(code)
            if digest not in self.pending_hashes:
                self.pending_hashes.add(digest)
                return code, digest

    def _texts(self, filing, submitted):
        """The notification and the codes a pending filing's people received."""
        texts = []
        pending = [v for v in filing.demo_verifications if v.status == "pending"]
        for verification in filing.demo_verifications:
            texts.append(
                SmsMessage(
                    kind=SmsKind.NOTIFICATION,
                    sender=messages.provider_sender(filing.provider),
                    recipient=verification.mobile,
                    text=messages.order_submitted_text(filing, submitted),
                    status=SmsStatus.SENT,
                    created_at=submitted,
                    attempted_at=submitted,
                    sent_at=submitted,
                    attempts=1,
                    filing_id=filing.pk,
                )
            )
        for verification in pending:
            texts.append(
                SmsMessage(
                    kind=SmsKind.VERIFICATION_CODE,
                    sender=messages.code_sender(filing.policy, verification.mobile),
                    recipient=verification.mobile,
                    text=messages.verification_code_text(
                        filing, verification.demo_code, submitted
                    ),
                    status=SmsStatus.SENT,
                    created_at=submitted,
                    attempted_at=submitted,
                    sent_at=submitted,
                    attempts=1,
                    filing_id=filing.pk,
                    verification_id=verification.pk,
                )
            )
        return texts

    def save_counters(self):
        for (province, year), last in self.counters.items():
            IcpNumberCounter.objects.update_or_create(
                province_id=province, year=year, defaults={"last_serial": last}
            )


class Journey:
    """One person's texts and attempts, built in time order."""

    def __init__(self, generator, filing, verification):
        self.rng = generator.rng
        self.filing = filing
        self.verification = verification
        self.texts, self.attempts = [], []
        self.failures = 0
        self.ip = self.rng.choice(DEMO_IPS) + str(self.rng.randrange(1, 255))
        self.agent = self.rng.choice(DEMO_AGENTS)
        self.channel = (
            f"p:{filing.province.pk}"
            if filing.policy in (PolicyKey.PILOT_2017, PolicyKey.PROVINCIAL_2019)
            else "central"
        )
        self.counts_any_field = (
            policies.get_policy(filing.policy).failures_count
            == policies.COUNTS_ANY_FIELD
        )

    def _between(self, start, end):
        span = max((end - start).total_seconds(), 60)
        return start + datetime.timedelta(seconds=self.rng.uniform(0, span))

    def code_text(self, when, delivered=True):
        code = f"{self.rng.randrange(10**6):06d}"
        text = SmsMessage(
            kind=SmsKind.VERIFICATION_CODE,
            sender=messages.code_sender(self.filing.policy, self.verification.mobile),
            recipient=self.verification.mobile,
            text=messages.verification_code_text(self.filing, code, when),
            status=SmsStatus.SENT if delivered else SmsStatus.FAILED,
            error="" if delivered else "isv.MOBILE_NUMBER_ILLEGAL: handset unreachable",
            sent_at=when if delivered else None,
            attempted_at=when,
            attempts=1 if delivered else 3,
            filing=self.filing,
            verification=self.verification,
        )
        text.created_at = when
        self.texts.append(text)
        if delivered and self.verification.code_delivered_at is None:
            self.verification.code_delivered_at = when

    def _attempt(self, when, action, status, reason, wrong_part="", count=None):
        attempt = Attempt(
            action=action,
            channel=self.channel,
            mobile=self.verification.mobile,
            verification=self.verification,
            status=status,
            reason=reason,
            wrong_part=wrong_part,
            consecutive_failures=count,
            ip=self.ip,
            user_agent=self.agent,
        )
        attempt.created_at = when
        self.attempts.append(attempt)
        if action == AttemptAction.VERIFY:
            first = self.verification.first_attempt_at
            self.verification.first_attempt_at = min(first or when, when)

    def resend(self, start, end, refused=False):
        when = end if refused else self._between(start, end)
        if refused:
            self._attempt(
                when, AttemptAction.RESEND, messages.RESEND_LIMIT_REACHED, R.RESEND_CAP
            )
            return
        self._attempt(when, AttemptAction.RESEND, messages.RESENT, R.RESENT)
        self.verification.resends += 1
        self.code_text(when)

    def wrong_entries(self, n, start, end, to_the_limit=False):
        moments = sorted(self._between(start, end) for _ in range(n))
        for index, when in enumerate(moments):
            part = self.rng.choices(
                [p for p, _ in WRONG_PARTS], [w for _, w in WRONG_PARTS]
            )[0]
            if part == WrongPart.OLD_CODE and not self.resent_before(when):
                part = WrongPart.CODE  # there is an old code only after a resend
            if to_the_limit and not self.counts_any_field:
                part = WrongPart.CERTIFICATE  # only wrong digits count there
            counted = self.counts_any_field or part == WrongPart.CERTIFICATE
            if not counted:
                self._attempt(
                    when,
                    AttemptAction.VERIFY,
                    messages.NOT_FOUND,
                    R.CODE_NOT_FOUND,
                    part,
                )
                continue
            self.failures += 1
            last = to_the_limit and index == n - 1
            self._attempt(
                when,
                AttemptAction.VERIFY,
                messages.FAILED_CONTACT_PROVIDER
                if last
                else messages.WRONG_INFORMATION,
                R.FAILURE_LIMIT
                if last
                else (
                    R.WRONG_CODE_OR_CERTIFICATE
                    if self.counts_any_field
                    else R.WRONG_CERTIFICATE
                ),
                part,
                self.failures,
            )

    def resent_before(self, when):
        return any(
            a.action == AttemptAction.RESEND
            and a.reason == R.RESENT
            and a.created_at < when
            for a in self.attempts
        )

    def verified(self, when):
        self.failures = 0
        self._attempt(
            when,
            AttemptAction.VERIFY,
            messages.VERIFIED_WAIT_FOR_OTHERS,
            R.VERIFIED,
        )
