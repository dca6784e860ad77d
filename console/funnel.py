"""Where verifications are lost: the funnel from code sent to review, for a period.

One person asked to verify (one `Verification`) is one unit. For the people whose
filing was submitted in the period:

    codes sent -> texts delivered -> first attempt -> verified -> under review

and each person who did not get through is counted under one named loss. The whole
table is one grouped query (by province, provider, policy and carrier), folded
here into the totals and each breakdown, so the cost does not grow with the number of
breakdowns; the time to verification is one more query. A day whose people have all
finished cannot change any more: its rows are computed once and kept (`FunnelDay`), so
a period costs its stored days plus the days still open, usually the last two.
"""

import datetime
import functools
import io
import math
from dataclasses import dataclass, field

import phonenumbers
from django.db import connection, transaction
from django.db.models import (
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumbers import carrier

from filings import policies, spreadsheets
from filings.models import FilingApplication, PolicyKey, Provider, Province
from infra import scope
from infra.times import BEIJING
from verification.models import (
    FunnelDay,
    FunnelDuration,
    Verification,
    VerificationStatus,
)

DEFAULT_DAYS = 30
MAX_DAYS = 366
STAGES = [
    ("sent", _("Codes sent")),
    ("delivered", _("Texts delivered")),
    ("attempted", _("First attempt")),
    ("verified", _("Verified")),
    ("reviewed", _("Under review")),
]
# Why a person did not get through, in the order they are tested.
LOSSES = [
    ("not_delivered", _("Text not delivered")),
    ("never_tried", _("Delivered, never tried")),
    ("wrong_entries", _("Wrong entries, then the deadline")),
    ("failure_limit", _("Failure limit reached")),
    ("resend_cap", _("Resend cap reached")),
    ("others_missing", _("Verified, but someone else did not")),
]
OPEN = [
    ("waiting", _("Still waiting")),
    ("withdrawn", _("Withdrawn")),
]
BREAKDOWNS = [
    ("province", _("Province")),
    ("provider", _("Provider")),
    ("carrier", _("Carrier")),
    ("policy", _("Policy")),
]
VIRTUAL_PREFIXES = {"162", "165", "167", "170", "171"}


@dataclass
class Figures:
    """The funnel of one group of people."""

    label: str = ""
    stages: dict = field(default_factory=dict)
    losses: dict = field(default_factory=dict)

    @classmethod
    def from_counts(cls, label, counts):
        """Figures from a vector: the stages in STAGES order, then the losses."""
        stage_keys = [key for key, _label in STAGES]
        loss_keys = [key for key, _label in LOSSES + OPEN]
        return cls(
            label=label,
            stages=dict(zip(stage_keys, counts, strict=False)),
            losses=dict(zip(loss_keys, counts[len(stage_keys) :], strict=True)),
        )

    @property
    def sent(self):
        return self.stages.get("sent", 0)

    def rate(self, key):
        """Share of the codes sent that reached stage `key`, in per cent."""
        return round(100 * self.stages.get(key, 0) / self.sent, 1) if self.sent else 0

    @property
    def stage_rows(self):
        """(label, count, per cent of sent, lost since the stage before)."""
        rows, previous = [], None
        for key, label in STAGES:
            n = self.stages.get(key, 0)
            rows.append(
                (label, n, self.rate(key), None if previous is None else previous - n)
            )
            previous = n
        return rows

    @property
    def loss_rows(self):
        return [(label, self.losses.get(key, 0)) for key, label in LOSSES + OPEN]


@dataclass
class Funnel:
    start: datetime.date
    end: datetime.date  # inclusive
    total: Figures
    breakdowns: dict  # key -> list of Figures, largest first
    median: datetime.timedelta | None
    p90: datetime.timedelta | None


# No filing of this system is older (the earliest policy dates from 2017).
EARLIEST_DAY = datetime.date(2000, 1, 1)


def period(start=None, end=None, today=None):
    """A valid (start, end) pair of Beijing dates, end inclusive; the last 30 days by
    default, at most a year."""
    today = today or timezone.localtime(timezone.now(), BEIJING).date()
    # Dates out of all reason (year 1, year 9999) are brought inside, so no day
    # arithmetic below leaves the calendar.
    end = max(min(end or today, today), EARLIEST_DAY)
    start = start or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    start = max(min(start, today), EARLIEST_DAY)
    if start > end:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        start = end - datetime.timedelta(days=MAX_DAYS - 1)
    return start, end


def _bounds(start, end):
    first = datetime.datetime.combine(start, datetime.time(), tzinfo=BEIJING)
    last = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time(), tzinfo=BEIJING
    )
    return first, last


# One statement over the period's people (the verification rows carry when their first
# code was delivered and when they first tried), joined to their filings and grouped.
# "done" says whether everyone of the person's filing verified: a filing's people are
# created together, so they are in the period together. The providers' sandbox is
# left out. Plain SQL that PostgreSQL and SQLite both run; table names come from the
# models.
FUNNEL_SQL = """
SELECT {day_column} f.province_id, f.provider_id, f.policy, p.prefix,
       CASE
           WHEN p.status = %(pending)s THEN 'waiting'
           WHEN p.status = %(cancelled)s THEN 'withdrawn'
           WHEN p.status = %(verified)s AND p.done = 0 THEN 'others_missing'
           WHEN p.status = %(verified)s THEN ''
           WHEN p.status = %(failed)s THEN 'failure_limit'
           WHEN p.code_delivered_at IS NULL THEN 'not_delivered'
           WHEN {capped} THEN 'resend_cap'
           WHEN p.first_attempt_at IS NOT NULL THEN 'wrong_entries'
           ELSE 'never_tried'
       END AS loss,
       COUNT(*) AS sent,
       SUM(CASE WHEN p.code_delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered,
       SUM(CASE WHEN p.first_attempt_at IS NOT NULL THEN 1 ELSE 0 END) AS attempted,
       SUM(CASE WHEN p.status = %(verified)s THEN 1 ELSE 0 END) AS verified,
       SUM(CASE WHEN p.status = %(verified)s AND p.done = 1 THEN 1 ELSE 0 END)
           AS reviewed
FROM (
    SELECT v.filing_id, v.status, v.resends, v.code_delivered_at, v.first_attempt_at,
           substr(v.mobile, 1, 3) AS prefix, {day} AS day,
           MIN(CASE WHEN v.status = %(verified)s THEN 1 ELSE 0 END)
               OVER (PARTITION BY v.filing_id) AS done
    FROM {verification} v
    WHERE v.created_at >= %(first)s AND v.created_at < %(last)s
) p
JOIN {filing} f ON f.id = p.filing_id AND f.livemode
GROUP BY {day_column} f.province_id, f.provider_id, f.policy, p.prefix, loss
"""
# The Beijing date of a stored moment, in each database's dialect.
BEIJING_DAY = {
    "postgresql": "(v.created_at AT TIME ZONE 'Asia/Shanghai')::date",
    "sqlite": "date(v.created_at, '+8 hours')",
}


def _capped_sql():
    """True for a person who used every resend their policy allows (the policy table
    as SQL; a policy without a cap never matches)."""
    arms = [
        f"(f.policy = '{key}' AND p.resends >= {policy.resend_cap})"
        for key, policy in sorted(policies.POLICIES.items())
        if policy.resend_cap is not None
    ]
    return " OR ".join(arms) or "1 = 0"


# The rows by prefix, regrouped by carrier (a handful of rows instead of scores).
BY_CARRIER_SQL = """
SELECT {day_column} province_id, provider_id, policy, {carrier} AS carrier, loss,
       CAST(SUM(sent) AS INTEGER), CAST(SUM(delivered) AS INTEGER),
       CAST(SUM(attempted) AS INTEGER), CAST(SUM(verified) AS INTEGER),
       CAST(SUM(reviewed) AS INTEGER)
FROM ({by_prefix}) by_prefix
GROUP BY {day_column} province_id, provider_id, policy, {carrier}, loss
"""
COLUMNS = ["province", "provider", "policy", "carrier", "loss", *[k for k, _ in STAGES]]


def _grouped(start, end):
    """One row per (province, provider, policy, carrier, loss) with its stage counts."""
    sql, params = _grouped_sql(start, end)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def _grouped_sql(start, end, by_day=False):
    """The grouped statement and its parameters; `by_day` adds the Beijing day of
    submission as the first column."""
    first, last = _bounds(start, end)
    quote = connection.ops.quote_name
    by_prefix = FUNNEL_SQL.format(
        verification=quote(Verification._meta.db_table),
        filing=quote(FilingApplication._meta.db_table),
        capped=_capped_sql(),
        day=BEIJING_DAY.get(connection.vendor, "NULL") if by_day else "NULL",
        day_column="p.day," if by_day else "",
    )
    sql = BY_CARRIER_SQL.format(
        day_column="day," if by_day else "",
        carrier=_carrier_sql(),
        by_prefix=by_prefix,
    )
    S = VerificationStatus
    adapt = connection.ops.adapt_datetimefield_value  # SQLite stores UTC text
    params = {
        "first": adapt(first),
        "last": adapt(last),
        "pending": S.PENDING,
        "cancelled": S.CANCELLED,
        "verified": S.VERIFIED,
        "failed": S.FAILED,
    }
    return sql, params


def _first_open_day():
    """The Beijing day of the oldest person still waiting, or None."""
    oldest = (
        Verification.objects.filter(status=VerificationStatus.PENDING)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return oldest.astimezone(BEIJING).date() if oldest else None


# Whole minutes from submission to verification, counted per minute (and per Beijing
# day of submission when kept), so that percentiles of any period add up from days.
MINUTES = {
    "postgresql": "floor(extract(epoch FROM v.verified_at - f.submitted_at) / 60)",
    "sqlite": (
        "CAST(ROUND((julianday(v.verified_at) - julianday(f.submitted_at)) * 86400)"
        " AS INTEGER) / 60"
    ),
}
MINUTES_SQL = """
SELECT {day_column} f.provider_id, {minutes} AS minutes, COUNT(*)
FROM {verification} v JOIN {filing} f ON f.id = v.filing_id
WHERE v.created_at >= %(first)s AND v.created_at < %(last)s
  AND v.status = %(verified)s AND v.verified_at IS NOT NULL
  AND f.submitted_at IS NOT NULL AND f.livemode
GROUP BY {day_column} f.provider_id, minutes
"""


def _minutes(start, end):
    """[(provider id, minutes, people)] of the people who verified."""
    sql, params = _minutes_sql(start, end)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _minutes_sql(start, end, by_day=False):
    first, last = _bounds(start, end)
    quote = connection.ops.quote_name
    day = BEIJING_DAY.get(connection.vendor, "NULL")
    sql = MINUTES_SQL.format(
        day_column=f"{day}," if by_day else "",
        minutes=MINUTES.get(connection.vendor, MINUTES["postgresql"]),
        verification=quote(Verification._meta.db_table),
        filing=quote(FilingApplication._meta.db_table),
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "first": adapt(first),
        "last": adapt(last),
        "verified": VerificationStatus.VERIFIED,
    }
    return sql, params


def percentiles(histogram, shares=(0.5, 0.9)):
    """Nearest-rank percentiles of a {minutes: people} histogram, as timedeltas."""
    n = sum(histogram.values())
    if not n:
        return [None for _share in shares]
    found = []
    for share in shares:
        rank, seen = math.ceil(share * n), 0
        for minutes in sorted(histogram):
            seen += histogram[minutes]
            if seen >= rank:
                found.append(datetime.timedelta(minutes=int(minutes)))
                break
    return found


def _final_days(start, end):
    """The figures of the days from `start` to `end` whose people have all finished,
    read from the kept days (the missing ones computed and kept first): (rows,
    minutes histogram, the first day still to compute live)."""
    today = timezone.localtime(timezone.now(), BEIJING).date()
    open_day = _first_open_day()
    last_final = min(end, today - datetime.timedelta(days=1))
    if open_day is not None:
        last_final = min(last_final, open_day - datetime.timedelta(days=1))
    if last_final < start:
        return [], {}, start
    kept = FunnelDay.objects.filter(day__range=(start, last_final))
    stored = set(kept.values_list("day", flat=True).distinct())
    days = {
        start + datetime.timedelta(days=n) for n in range((last_final - start).days + 1)
    }
    if missing := days - stored:
        _keep_days(min(missing), max(missing), missing)
    stages = [key for key, _label in STAGES]
    grouped = (
        kept.filter(sent__gt=0)
        .order_by()
        .values("province", "provider_id", "policy", "carrier", "loss")
        .annotate(**{f"total_{key}": Sum(key) for key in stages})
    )
    rows = [
        {
            "province": row["province"],
            "provider": row["provider_id"],
            "policy": row["policy"],
            "carrier": row["carrier"],
            "loss": row["loss"],
            **{key: row[f"total_{key}"] for key in stages},
        }
        for row in grouped
    ]
    durations = FunnelDuration.objects.filter(day__range=(start, last_final))
    if (provider_id := scope.provider_in_scope()) is not None:
        durations = durations.filter(provider_id=provider_id)
    histogram = dict(
        durations.order_by()
        .values_list("minutes")
        .annotate(n=Sum("people"))
        .values_list("minutes", "n")
    )
    return rows, histogram, last_final + datetime.timedelta(days=1)


# Keeping days is done in the database, INSERT ... SELECT: a month is some hundred
# thousand rows, too many to carry through Python. A day kept twice at once keeps
# its first rows (the unique constraints).
KEEP_SQL = """
{insert} {funnelday} (day, province, provider_id, policy, carrier, loss, sent,
    delivered, attempted, verified, reviewed)
{grouped}
{conflict}
"""
KEEP_MINUTES_SQL = """
{insert} {funnelduration} (day, provider_id, minutes, people)
{minutes}
{conflict}
"""


def _insert_ignoring_duplicates():
    if connection.vendor == "sqlite":
        return "INSERT OR IGNORE INTO", ""
    return "INSERT INTO", "ON CONFLICT DO NOTHING"


def keep_final_days(days):
    """Keep every finished day of the last `days` not kept yet; returns how many."""
    end = timezone.localtime(timezone.now(), BEIJING).date()
    start = end - datetime.timedelta(days=days - 1)
    kept = FunnelDay.objects.filter(day__range=(start, end))
    before = kept.values("day").distinct().count()
    with transaction.atomic():
        _plan_one_off()
        _final_days(start, end)
    return kept.values("day").distinct().count() - before


def _keep_days(first, last, wanted):
    """Compute the days `wanted` (between `first` and `last`) and keep them; a day
    with nobody is kept as one row of zeros."""
    insert, conflict = _insert_ignoring_duplicates()
    quote = connection.ops.quote_name
    grouped, params = _grouped_sql(first, last, by_day=True)
    sql = KEEP_SQL.format(
        insert=insert,
        conflict=conflict,
        funnelday=quote(FunnelDay._meta.db_table),
        grouped=grouped,
    )
    minutes, minute_params = _minutes_sql(first, last, by_day=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(
            KEEP_MINUTES_SQL.format(
                insert=insert,
                conflict=conflict,
                funnelduration=quote(FunnelDuration._meta.db_table),
                minutes=minutes,
            ),
            minute_params,
        )
    have = set(
        FunnelDay.objects.filter(day__in=wanted)
        .values_list("day", flat=True)
        .distinct()
    )
    FunnelDay.objects.bulk_create(
        [FunnelDay(day=d) for d in sorted(set(wanted) - have)], ignore_conflicts=True
    )
    if connection.vendor == "postgresql" and len(wanted) > 1:
        # Many days kept at once (a first view, a long period): the planner's figures
        # for the kept rows are stale until autovacuum comes by, and the next reads
        # of them took 1.1 s instead of 0.4 s at a million filings.
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {quote(FunnelDay._meta.db_table)}, "
                f"{quote(FunnelDuration._meta.db_table)}"
            )


@functools.cache
def _carrier_sql():
    """The prefix-to-carrier table (`carrier_of_prefix`) as a SQL CASE."""
    arms = " ".join(
        f"WHEN '{prefix}' THEN '{carrier_of_prefix(prefix)}'"
        for prefix in (str(n) for n in range(130, 200))
        if carrier_of_prefix(prefix) != "other"
    )
    return f"CASE prefix {arms} ELSE 'other' END"


CARRIERS = {
    "China Mobile": _("China Mobile"),
    "China Unicom": _("China Unicom"),
    "China Telecom": _("China Telecom"),
    "China Broadnet": _("China Broadnet"),
    "virtual": _("Virtual operators"),
    "other": _("Other"),
}


@functools.cache
def carrier_of_prefix(prefix):
    """The carrier (a key of CARRIERS) that a three-digit mobile prefix belongs to."""
    if prefix in VIRTUAL_PREFIXES:
        return "virtual"
    try:
        number = phonenumbers.parse(f"+86{prefix}{'0' * (11 - len(prefix or ''))}")
    except phonenumbers.NumberParseException:
        return "other"
    name = carrier.name_for_number(number, "en")
    return name if name in CARRIERS else "other"


def _plan_one_off():
    """Plan these one-off aggregates for their own values: PostgreSQL's JIT compiles
    them for longer than they run (the planner's estimate for the grouped rows is
    far too high), and a plan prepared for any value (psycopg prepares a statement
    after its 5th use) cannot use the partial index on the people still waiting:
    0.6 s instead of a millisecond at a million filings."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def _summed(rows, loss_at, width):
    """{(breakdown, group name): counts per stage and loss} over the day rows."""
    provinces = {p.code: p.local_name for p in Province.objects.all()}
    providers = {p.pk: p.local_name for p in Provider.objects.all()}
    policy_names = dict(PolicyKey.choices)
    stages = [key for key, _label in STAGES]
    sums = {}
    for row in rows:
        keys = [
            ("all", ""),
            ("province", provinces.get(row["province"], "—")),
            ("provider", providers.get(row["provider"], "—")),
            ("carrier", str(CARRIERS.get(row["carrier"], CARRIERS["other"]))),
            ("policy", str(policy_names.get(row["policy"], "—"))),
        ]
        lost = loss_at.get(row["loss"])
        for key in keys:
            total = sums.setdefault(key, [0] * width)
            for index, stage in enumerate(stages):
                total[index] += row[stage]
            if lost is not None:
                total[lost] += row["sent"]
    return sums


def compute(start, end):
    """The funnel for Beijing dates `start` to `end` (inclusive), of the provider in
    scope or everyone's."""
    loss_at = {
        key: len(STAGES) + index for index, (key, _label) in enumerate(LOSSES + OPEN)
    }
    width = len(STAGES) + len(loss_at)
    # A provider's staff see their provider's people alone (infra.scope); the kept
    # days are everyone's, and read here for the one provider.
    provider_id = scope.provider_in_scope()
    with transaction.atomic():
        _plan_one_off()
        rows, histogram, live_from = _final_days(start, end)
        if live_from <= end:
            rows += _grouped(live_from, end)
            for provider, minutes, people in _minutes(live_from, end):
                if provider_id is None or provider == provider_id:
                    histogram[minutes] = histogram.get(minutes, 0) + people
    if provider_id is not None:
        rows = [row for row in rows if row["provider"] == provider_id]
    median, p90 = percentiles(histogram)
    sums = _summed(rows, loss_at, width)
    total = Figures.from_counts(str(_("All")), sums.get(("all", ""), [0] * width))
    breakdowns = {key: [] for key, _label in BREAKDOWNS}
    for (key, name), counts in sums.items():
        if key != "all":
            breakdowns[key].append(Figures.from_counts(name, counts))
    for found in breakdowns.values():
        found.sort(key=lambda f: (-f.sent, f.label))
    return Funnel(
        start=start,
        end=end,
        total=total,
        breakdowns=breakdowns,
        median=median,
        p90=p90,
    )


def csv_text(funnel):
    """The funnel's table, every breakdown, as CSV text in the active language."""
    out = io.StringIO()
    writer = spreadsheets.writer(out)
    writer.writerow(
        [str(_("Breakdown")), str(_("Group"))]
        + [str(label) for _key, label in STAGES]
        + [str(label) for _key, label in LOSSES + OPEN]
    )

    def row(kind, figures):
        writer.writerow(
            [kind, figures.label]
            + [figures.stages.get(key, 0) for key, _label in STAGES]
            + [figures.losses.get(key, 0) for key, _label in LOSSES + OPEN]
        )

    row(str(_("All")), funnel.total)
    for key, label in BREAKDOWNS:
        for figures in funnel.breakdowns[key]:
            row(str(label), figures)
    return out.getvalue()
