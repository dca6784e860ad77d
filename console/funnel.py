"""Where verifications are lost: the funnel from code sent to review, for a period.

One person asked to verify (one `Verification`) is one unit. For the people whose
filing was submitted in the period:

    codes sent -> texts delivered -> first attempt -> verified -> under review

and each person who did not get through is counted under one named loss. The whole
table is one grouped query (by province, provider, policy and mobile prefix), folded
here into the totals and each breakdown, so the cost does not grow with the number of
breakdowns; the time to verification is two ordered lookups.
"""

import csv
import datetime
import functools
import io
import math
from dataclasses import dataclass, field

import phonenumbers
from django.db import connection, transaction
from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
)
from django.utils.translation import gettext_lazy as _
from phonenumbers import carrier

from filings import policies
from filings.models import FilingApplication, PolicyKey, Provider, Province
from filings.policies import BEIJING
from verification.models import (
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


def period(start=None, end=None, today=None):
    """A valid (start, end) pair of Beijing dates, end inclusive; the last 30 days by
    default, at most a year."""
    today = today or datetime.datetime.now(BEIJING).date()
    end = min(end or today, today)
    start = start or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
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
# created together, so they are in the period together. Plain SQL that PostgreSQL and
# SQLite both run; table names come from the models.
FUNNEL_SQL = """
SELECT f.province_id, f.provider_id, f.policy, p.prefix,
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
       COUNT(*),
       SUM(CASE WHEN p.code_delivered_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.first_attempt_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status = %(verified)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status = %(verified)s AND p.done = 1 THEN 1 ELSE 0 END)
FROM (
    SELECT v.filing_id, v.status, v.resends, v.code_delivered_at, v.first_attempt_at,
           substr(v.mobile, 1, 3) AS prefix,
           MIN(CASE WHEN v.status = %(verified)s THEN 1 ELSE 0 END)
               OVER (PARTITION BY v.filing_id) AS done
    FROM {verification} v
    WHERE v.created_at >= %(first)s AND v.created_at < %(last)s
) p
JOIN {filing} f ON f.id = p.filing_id
GROUP BY f.province_id, f.provider_id, f.policy, p.prefix, loss
"""


def _capped_sql():
    """True for a person who used every resend their policy allows (the policy table
    as SQL; a policy without a cap never matches)."""
    arms = [
        f"(f.policy = '{key}' AND p.resends >= {policy.resend_cap})"
        for key, policy in sorted(policies.POLICIES.items())
        if policy.resend_cap is not None
    ]
    return " OR ".join(arms) or "1 = 0"


COLUMNS = ["province", "provider", "policy", "prefix", "loss", *[k for k, _ in STAGES]]


def _grouped(start, end):
    """One row per (province, provider, policy, prefix, loss) with its stage counts."""
    first, last = _bounds(start, end)
    quote = connection.ops.quote_name
    sql = FUNNEL_SQL.format(
        verification=quote(Verification._meta.db_table),
        filing=quote(FilingApplication._meta.db_table),
        capped=_capped_sql(),
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]


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


PERCENTILES_POSTGRESQL = """
SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY v.verified_at - f.submitted_at),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY v.verified_at - f.submitted_at)
FROM {verification} v JOIN {filing} f ON f.id = v.filing_id
WHERE v.created_at >= %(first)s AND v.created_at < %(last)s
  AND v.status = %(verified)s AND v.verified_at IS NOT NULL
  AND f.submitted_at IS NOT NULL
"""


def _durations(start, end):
    """Median and 90th percentile from submission to verification (nearest rank)."""
    first, last = _bounds(start, end)
    if connection.vendor == "postgresql":  # one sort instead of three queries
        sql = PERCENTILES_POSTGRESQL.format(
            verification=connection.ops.quote_name(Verification._meta.db_table),
            filing=connection.ops.quote_name(FilingApplication._meta.db_table),
        )
        params = {"first": first, "last": last, "verified": VerificationStatus.VERIFIED}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            median, p90 = cursor.fetchone()
        return median, p90
    verified = (
        Verification.objects.filter(
            created_at__gte=first,
            created_at__lt=last,
            status=VerificationStatus.VERIFIED,
            verified_at__isnull=False,
            filing__submitted_at__isnull=False,
        )
        .annotate(
            took=ExpressionWrapper(
                F("verified_at") - F("filing__submitted_at"),
                output_field=DurationField(),
            )
        )
        .order_by("took")
    )
    n = verified.count()
    if not n:
        return None, None

    def at(share):
        return verified.values_list("took", flat=True)[math.ceil(share * n) - 1]

    return at(0.5), at(0.9)


def _no_jit():
    """PostgreSQL's JIT compiles these one-off aggregates for longer than they run
    (the planner's estimate for the grouped rows is far too high)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def compute(start, end):
    """The funnel for Beijing dates `start` to `end` (inclusive)."""
    provinces = {p.code: p.local_name for p in Province.objects.all()}
    providers = {p.pk: p.local_name for p in Provider.objects.all()}
    policy_names = dict(PolicyKey.choices)
    loss_at = {
        key: len(STAGES) + index for index, (key, _label) in enumerate(LOSSES + OPEN)
    }
    width = len(STAGES) + len(loss_at)
    sums = {}  # (breakdown, group name) -> counts
    with transaction.atomic():
        _no_jit()
        rows = _grouped(start, end)
        median, p90 = _durations(start, end)
    stages = [key for key, _label in STAGES]
    carriers = {
        prefix: str(CARRIERS[carrier_of_prefix(prefix)])
        for prefix in {row["prefix"] for row in rows}
    }
    for row in rows:
        keys = [
            ("all", ""),
            ("province", provinces.get(row["province"], "—")),
            ("provider", providers.get(row["provider"], "—")),
            ("carrier", carriers[row["prefix"]]),
            ("policy", str(policy_names.get(row["policy"], "—"))),
        ]
        lost = loss_at.get(row["loss"])
        for key in keys:
            total = sums.get(key)
            if total is None:
                total = sums[key] = [0] * width
            for index, stage in enumerate(stages):
                total[index] += row[stage]
            if lost is not None:
                total[lost] += row["sent"]
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
    writer = csv.writer(out)
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
