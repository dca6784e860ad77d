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
from dataclasses import dataclass, field

import phonenumbers
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from phonenumbers import carrier

from filings.models import PolicyKey, Provider, Province
from filings.policies import BEIJING
from verification.models import (
    Attempt,
    AttemptAction,
    SmsKind,
    SmsMessage,
    SmsStatus,
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

    def add(self, row):
        for key, _label in STAGES:
            self.stages[key] = self.stages.get(key, 0) + row[key]
        for key, _label in LOSSES + OPEN:
            self.losses[key] = self.losses.get(key, 0) + row["lost"].get(key, 0)

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


def people(start, end):
    """The verifications of the period, each annotated with its stages and its loss."""
    first, last = _bounds(start, end)
    delivered = Exists(
        SmsMessage.objects.filter(
            verification=OuterRef("pk"),
            kind=SmsKind.VERIFICATION_CODE,
            status=SmsStatus.SENT,
        )
    )
    attempted = Exists(
        Attempt.objects.filter(verification=OuterRef("pk"), action=AttemptAction.VERIFY)
    )
    capped = Exists(
        Attempt.objects.filter(verification=OuterRef("pk"), reason="resend_cap")
    )
    someone_missing = Exists(
        Verification.objects.filter(filing=OuterRef("filing")).exclude(
            status=VerificationStatus.VERIFIED
        )
    )
    S = VerificationStatus
    return (
        Verification.objects.filter(created_at__gte=first, created_at__lt=last)
        .annotate(
            is_delivered=delivered,
            is_attempted=attempted,
            is_capped=capped,
            someone_missing=someone_missing,
        )
        .annotate(
            loss=Case(
                When(status=S.PENDING, then=Value("waiting")),
                When(status=S.CANCELLED, then=Value("withdrawn")),
                When(
                    status=S.VERIFIED,
                    someone_missing=True,
                    then=Value("others_missing"),
                ),
                When(status=S.VERIFIED, then=Value("")),
                When(status=S.FAILED, then=Value("failure_limit")),
                When(is_delivered=False, then=Value("not_delivered")),
                When(is_capped=True, then=Value("resend_cap")),
                When(is_attempted=True, then=Value("wrong_entries")),
                default=Value("never_tried"),
                output_field=CharField(),
            ),
            prefix=Substr("mobile", 1, 3),
        )
    )


def _grouped(start, end):
    """One row per (province, provider, policy, prefix, loss) with its stage counts."""
    S = VerificationStatus
    return (
        people(start, end)
        .order_by()
        .values(
            "filing__province_id",
            "filing__provider_id",
            "filing__policy",
            "prefix",
            "loss",
        )
        .annotate(
            sent=Count("id"),
            delivered=Count("id", filter=Q(is_delivered=True)),
            attempted=Count("id", filter=Q(is_attempted=True)),
            verified=Count("id", filter=Q(status=S.VERIFIED)),
            reviewed=Count("id", filter=Q(status=S.VERIFIED, someone_missing=False)),
        )
    )


@functools.cache
def _carrier_of_prefix(prefix, language):
    if prefix in VIRTUAL_PREFIXES:
        return str(_("Virtual operators"))
    try:
        number = phonenumbers.parse(f"+86{prefix}{'0' * (11 - len(prefix))}")
    except phonenumbers.NumberParseException:
        return str(_("Other"))
    name = carrier.name_for_number(number, "zh" if language.startswith("zh") else "en")
    return name or str(_("Other"))


def carrier_name(prefix):
    """The carrier a mobile prefix belongs to, in the active language."""
    return _carrier_of_prefix(prefix or "", translation.get_language() or "zh-hans")


def _durations(start, end):
    first, last = _bounds(start, end)
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
        return verified.values_list("took", flat=True)[int(share * (n - 1))]

    return at(0.5), at(0.9)


def compute(start, end):
    """The funnel for Beijing dates `start` to `end` (inclusive)."""
    provinces = {p.code: p.local_name for p in Province.objects.all()}
    providers = {p.pk: p.local_name for p in Provider.objects.all()}
    policies = dict(PolicyKey.choices)
    total = Figures(label=str(_("All")))
    groups = {key: {} for key, _label in BREAKDOWNS}
    for row in _grouped(start, end):
        row["lost"] = {row["loss"]: row["sent"]} if row["loss"] else {}
        names = {
            "province": provinces.get(row["filing__province_id"], "—"),
            "provider": providers.get(row["filing__provider_id"], "—"),
            "carrier": carrier_name(row["prefix"]),
            "policy": str(policies.get(row["filing__policy"], "—")),
        }
        total.add(row)
        for key, name in names.items():
            groups[key].setdefault(name, Figures(label=name)).add(row)
    median, p90 = _durations(start, end)
    return Funnel(
        start=start,
        end=end,
        total=total,
        breakdowns={
            key: sorted(found.values(), key=lambda f: (-f.sent, f.label))
            for key, found in groups.items()
        },
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
