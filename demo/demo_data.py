"""Realistic, reproducible demo data, written in bulk.

Filings are generated in their final states (pending, under review, approved with ICP
numbers, returned, ...) together with the history that leads there: audit events,
verifications, and for filings still waiting the codes and texts in the demo phone. The
rules come from the same tables as live filings (who must verify, windows, senders,
ICP number formats). The random generator is seeded, so the same seed gives the same
data; verification codes of the demo come from it too (live codes use `secrets`).
"""

import datetime
import hashlib
import math
import random
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.db.models import Max
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone

from demo.histories import filing_history
from demo.identities import WORDS, Identities
from demo.journeys import Journey, first_texts
from filings import icp_numbers, policies, review_outcomes, working_days
from filings.models import (
    AuditEvent,
    Domain,
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
from filings.privacy import lookup_key
from infra import times
from infra.times import BEIJING
from verification import codes, moves
from verification.models import (
    Attempt,
    AttemptReason,
    FunnelDay,
    SmsMessage,
    Verification,
    VerificationStatus,
)

R = AttemptReason
V = VerificationStatus

REJECTION_CODES = sorted(review_outcomes.REJECTION_REASONS)
# The statuses of a filing that went to the administration's review.
REVIEWED = (FilingStatus.UNDER_REVIEW, FilingStatus.APPROVED, FilingStatus.REJECTED)

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
TYPE_WEIGHTS = [
    (FilingType.FIRST_FILING, 45),
    (FilingType.ADD_SERVICE, 15),
    (FilingType.ADD_ACCESS, 10),
    (FilingType.CHANGE, 15),
    (FilingType.CANCEL_SUBJECT, 4),
    (FilingType.CANCEL_SERVICE, 7),
    (FilingType.CANCEL_ACCESS, 4),
]


# The filing's status each outcome ends in (someone has to verify).
OUTCOME_STATUS = {
    "pending": FilingStatus.PENDING_VERIFICATION,
    "expiring": FilingStatus.PENDING_VERIFICATION,
    "under_review": FilingStatus.UNDER_REVIEW,
    "approved": FilingStatus.APPROVED,
    "expired": FilingStatus.RETURNED,
    "failed": FilingStatus.RETURNED,
    "rejected": FilingStatus.REJECTED,
    "cancelled": FilingStatus.CANCELLED,
}


def _final_status(outcome, anyone_verifies):
    """The filing's status for `outcome`; with nobody to verify, a waiting filing is
    in review, and one that would have expired or failed was rejected."""
    status = OUTCOME_STATUS[outcome]
    if anyone_verifies:
        return status
    if status == FilingStatus.PENDING_VERIFICATION:
        return FilingStatus.UNDER_REVIEW
    if outcome in ("expired", "failed"):
        return FilingStatus.REJECTED
    return status


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


class DemoGenerator(Identities):
    """Filings in their final states with the history that leads there."""

    def __init__(self, seed, now=None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        Identities.__init__(self, self.rng, {p.code: p for p in Province.objects.all()})
        self.providers = list(Provider.objects.order_by("code"))
        self.pending_hashes = set(
            Verification.objects.filter(status=V.PENDING)
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
        certificate_number = self.uscc_code(province.code)
        subject = Subject(
            name=self.company(province.code),
            nature="enterprise",
            certificate_type="uscc",
            certificate_number=certificate_number,
            certificate_key=lookup_key(certificate_number),
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
                services.append(self._service(batch, subject, leader, province))
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

    def _service(self, batch, subject, leader, province):
        """A website (with its domain) or an app of `subject`, its administrator the
        leader or another person; added to `batch`."""
        same_person = self.rng.random() < 0.3
        admin = leader if same_person else self.person(province.code)
        if not same_person:
            batch.people.append(admin)
        kind = ServiceKind.APP if self.rng.random() < 0.2 else ServiceKind.WEBSITE
        service = Service(
            subject=subject,
            kind=kind,
            name=f"{subject.name[:4]}{'应用' if kind == ServiceKind.APP else '网站'}",
            app_identifier=f"cn.{self.rng.choice(WORDS)}.app{self.rng.randrange(100000)}"
            if kind == ServiceKind.APP
            else "",
            # Drawn from the name, not the seeded draws (which stay as they were).
            app_platforms="android,ios" if kind == ServiceKind.APP else "",
            app_signing_md5=hashlib.md5(  # noqa: S324 - a made-up fingerprint
                subject.name.encode(), usedforsecurity=False
            ).hexdigest()
            if kind == ServiceKind.APP
            else "",
            administrator=admin,
        )
        batch.services.append(service)
        if kind == ServiceKind.WEBSITE:
            batch.domains.append(Domain(service=service, name=self.domain()))
        return service

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
                events += filing_history(filing, outcome)
                if filing.status == FilingStatus.PENDING_VERIFICATION:
                    sms += first_texts(filing, submitted)
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
        self._assign_ids(table, fields, objects)
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

    def _assign_ids(self, table, fields, objects):
        """Number the objects from the table's next id and stamp their automatic
        times, as a save would."""
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
        """Put `filing` in the final state `outcome` names: its status and times, its
        people's verifications (added to `verifications`), its ICP number."""
        if outcome == "draft":
            filing.status = FilingStatus.DRAFT
            return
        filing.submitted_at = submitted
        people = self._verifiers(filing, services, leader)
        if people:
            policy = policies.get_policy(filing.policy)
            filing.verification_deadline = submitted + policy.window
        filing.status = _final_status(outcome, bool(people))
        decided = submitted + datetime.timedelta(hours=self.rng.randrange(1, 20))
        if outcome == "expired" and filing.verification_deadline:
            decided = filing.verification_deadline
        decided = self._by_now(decided, submitted)
        waiting = filing.status == FilingStatus.PENDING_VERIFICATION
        filing.updated_at = submitted if waiting else decided
        own = [
            self._verification(filing, outcome, index, len(people), item, decided)
            for index, item in enumerate(people.items())
        ]
        verifications += own
        filing.demo_verifications = own
        verified = [v.verified_at for v in own if v.verified_at]
        if verified and not waiting and filing.updated_at <= max(verified):
            # what happened to the filing comes after its people verified
            filing.updated_at = decided = self._by_now(
                max(verified) + datetime.timedelta(minutes=self.rng.randrange(1, 90)),
                max(verified),
            )
        if filing.status in REVIEWED:
            self._review_clock(filing, max(verified) if verified else submitted)
        if filing.status == FilingStatus.REJECTED:
            # Drawn from the reference, not the seeded draws: the draws after it
            # stay those of the demo before the catalogue.
            filing.rejection_reason = REJECTION_CODES[
                zlib.crc32(filing.reference.encode()) % len(REJECTION_CODES)
            ]
        if (
            filing.status == FilingStatus.APPROVED
            and filing.filing_type in icp_numbers.NUMBERED_TYPES
        ):
            self._number(filing, services, decided)

    @staticmethod
    def _review_clock(filing, entered):
        """The review clock of a filing that went to review at `entered`."""
        filing.review_started_at = entered
        deadline = working_days.add_working_days(
            entered.astimezone(BEIJING).date(),
            working_days.review_days(filing.province_id),
        )
        filing.review_deadline = deadline.day
        filing.review_deadline_provisional = deadline.provisional

    def _verifiers(self, filing, services, leader):
        """{mobile: Verifier} of the people who must verify `filing`."""
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
        return people

    def _verification(self, filing, outcome, index, of, person, decided):
        """The `index`th of `of` people's verification, in the state the filing's
        outcome leaves it, its times and (pending) its code."""
        mobile, verifier = person
        submitted = filing.submitted_at
        verification = Verification(
            filing=filing,
            mobile=mobile,
            is_leader=Role.LEADER in verifier.roles,
            is_administrator=Role.ADMINISTRATOR in verifier.roles,
            certificate_hashes=codes.certificate_hashes(verifier.certificate_numbers),
        )
        verification.created_at = submitted
        verification.status = self._person_status(filing.status, outcome, index, of)
        if verification.status == V.FAILED:
            verification.failed_attempts = 5
        if verification.status == V.VERIFIED:
            verification.verified_at = min(
                submitted + self._time_to_verify(policies.get_policy(filing.policy)),
                self.now - datetime.timedelta(minutes=1),
            )
        verification.updated_at = {
            V.EXPIRED: filing.verification_deadline,
            V.PENDING: submitted,
        }.get(verification.status, verification.verified_at or decided)
        if verification.status == V.PENDING:
            verification.demo_code, verification.code_hash = self._draw_code()
            verification.code_issued_at = submitted
            verification.code_delivered_at = submitted  # see _texts
            verification.auto_resend_due_at = policies.automatic_resend_time(
                filing.policy, submitted, filing.verification_deadline
            )
        return verification

    def _person_status(self, filing_status, outcome, index, of):
        """Where the `index`th of `of` people stands once the filing is settled."""
        if filing_status == FilingStatus.PENDING_VERIFICATION:
            # someone is always still to verify (else it would be under review)
            alone = of == 1
            return (
                V.PENDING if index or self.rng.random() < 0.7 or alone else V.VERIFIED
            )
        if filing_status == FilingStatus.RETURNED and outcome == "expired":
            return V.EXPIRED
        if filing_status == FilingStatus.RETURNED:
            return V.FAILED if index == 0 else V.CANCELLED
        if filing_status == FilingStatus.CANCELLED:
            return V.CANCELLED
        return V.VERIFIED

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

    def save_counters(self):
        for (province, year), last in self.counters.items():
            IcpNumberCounter.objects.update_or_create(
                province_id=province, year=year, defaults={"last_serial": last}
            )
