"""Figures for the staff console's front page.

Several of these scan large tables, so the whole summary is cached for a minute:
the dashboard is for seeing the state at a glance, not to the second.
"""

import contextlib
import datetime

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from filings.models import FilingApplication, FilingStatus, Province
from infra import scope
from infra.rates import CACHE_ERRORS
from infra.times import BEIJING
from verification import messages
from verification.models import (
    Attempt,
    AttemptAction,
    AttemptReason,
    Verification,
    VerificationStatus,
)

CACHE_KEY = "staff-dashboard"
CACHE_SECONDS = 60
CHART_DAYS = 30
CHART_OUTCOMES = [
    (VerificationStatus.VERIFIED, "#2e7d32"),
    (VerificationStatus.FAILED, "#c62828"),
    (VerificationStatus.EXPIRED, "#9e9e9e"),
]
PROVINCE_COLUMNS = [
    FilingStatus.PENDING_VERIFICATION,
    FilingStatus.UNDER_REVIEW,
    FilingStatus.APPROVED,
    FilingStatus.RETURNED,
]


def summary(now=None, use_cache=True):
    """Everything the dashboard shows, as plain data."""
    if use_cache and now is None and (cached := _cached()):
        return cached
    now = now or timezone.now()
    counts = _counts_by_province_and_status()
    data = {
        "generated_at": now,
        "by_status": _by_status(counts),
        "expiring_2h": _expiring(now, hours=2),
        "attempts_today": _attempts_today(now),
        "provinces": _per_province(counts),
        "chart": chart(now),
    }
    if use_cache:
        with contextlib.suppress(*CACHE_ERRORS):  # without a cache: computed each time
            cache.set(_cache_key(), data, CACHE_SECONDS)
    return data


def _cache_key():
    # The figures carry words in the language they were computed in, and are those
    # of the provider in scope (infra.scope) or everyone's.
    provider = scope.provider_in_scope() or "all"
    return f"{CACHE_KEY}:{provider}:{translation.get_language()}"


def _cached():
    try:
        return cache.get(_cache_key())
    except CACHE_ERRORS:
        return None


def _counts_by_province_and_status():
    """{(province code, status): filings}, in one pass over an index."""
    return {
        (province, status): n
        for province, status, n in FilingApplication.objects.filter(livemode=True)
        .order_by()
        .values_list("province", "status")
        .annotate(n=Count("*"))
    }


def _by_status(counts):
    by_status = {}
    for (_province, status), n in counts.items():
        by_status[status] = by_status.get(status, 0) + n
    return [
        (value, label, by_status.get(value, 0)) for value, label in FilingStatus.choices
    ]


def _expiring(now, hours):
    """Pending verifications whose filing's deadline falls in the next `hours`."""
    return Verification.objects.filter(
        status=VerificationStatus.PENDING,
        filing__livemode=True,
        filing__status=FilingStatus.PENDING_VERIFICATION,
        filing__verification_deadline__gte=now,
        filing__verification_deadline__lt=now + datetime.timedelta(hours=hours),
    ).count()


# What each answer of the pages means, in a few words for staff.
OUTCOME_WORDS = {
    (AttemptAction.VERIFY, messages.VERIFIED_ALL): _("verified, filing complete"),
    (AttemptAction.VERIFY, messages.VERIFIED_WAIT_FOR_OTHERS): _(
        "verified, others pending"
    ),
    (AttemptAction.VERIFY, messages.ALREADY_VERIFIED): _("already verified"),
    (AttemptAction.VERIFY, messages.NOT_FOUND): _("no record found"),
    (AttemptAction.VERIFY, messages.WRONG_INFORMATION): _("wrong entry"),
    (AttemptAction.VERIFY, messages.FAILED_CONTACT_PROVIDER): _(
        "failed, contact the provider"
    ),
    (AttemptAction.VERIFY, messages.FAILED_TRY_AGAIN): _("failed, try again"),
    (AttemptAction.RESEND, messages.RESENT): _("new code sent"),
    (AttemptAction.RESEND, messages.NOTHING_PENDING): _("nothing pending"),
    (AttemptAction.RESEND, messages.RESEND_LIMIT_REACHED): _("resend cap reached"),
    (AttemptAction.RESEND, messages.RESEND_NOT_FOUND): _("no record found"),
}


def outcome_words(action, status, reason=""):
    """'Verify · wrong entry': an attempt's action and answer in words."""
    if status is None:
        words = (
            _("wrong picture characters")
            if reason == AttemptReason.WRONG_PICTURE
            else _("held back (too many tries)")
        )
    else:
        words = OUTCOME_WORDS.get((action, status), _("other answer"))
    return f"{AttemptAction(action).label} · {words}"


def _attempts_today(now):
    start = datetime.datetime.combine(
        now.astimezone(BEIJING).date(), datetime.time(), tzinfo=BEIJING
    )
    rows = (
        Attempt.objects.filter(created_at__gte=start)
        .order_by()
        .values_list("action", "status", "reason")
        .annotate(n=Count("id"))
    )
    counts = {}
    for action, status, reason, n in rows:
        key = (action, -1 if status is None else status)
        label = outcome_words(action, status, reason)
        counts[(key, label)] = counts.get((key, label), 0) + n
    return [(label, n) for (_key, label), n in sorted(counts.items())]


def _per_province(counts):
    return [
        {
            "province": province,
            "counts": [
                counts.get((province.code, status), 0) for status in PROVINCE_COLUMNS
            ],
            "total": sum(n for (code, _), n in counts.items() if code == province.code),
        }
        for province in Province.objects.all()
    ]


def chart(now, days=CHART_DAYS, width=720, height=180):
    """Verifications per day by outcome over `days` days, as SVG bar geometry."""
    first = now.astimezone(BEIJING).date() - datetime.timedelta(days=days - 1)
    series = _outcomes_by_day(
        datetime.datetime.combine(first, datetime.time(), tzinfo=BEIJING)
    )
    dates = [first + datetime.timedelta(days=i) for i in range(days)]
    totals = [sum(series.get((o, d), 0) for o, _ in CHART_OUTCOMES) for d in dates]
    peak = max(totals) or 1
    slot = width / days
    bars = []
    for index, day in enumerate(dates):
        y = height
        for outcome, colour in CHART_OUTCOMES:
            n = series.get((outcome, day), 0)
            if not n:
                continue
            h = n / peak * (height - 10)
            y -= h
            bars.append(
                {
                    "x": round(index * slot + 1, 1),
                    "y": round(y, 1),
                    "width": round(slot - 2, 1),
                    "height": round(h, 1),
                    "colour": colour,
                    "title": f"{day:%Y-%m-%d} {VerificationStatus(outcome).label}: {n}",
                }
            )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "peak": peak,
        "first": dates[0],
        "last": dates[-1],
        "totals": {
            o: sum(series.get((o, d), 0) for d in dates) for o, _ in CHART_OUTCOMES
        },
    }


def _outcomes_by_day(start):
    """{(status, Beijing day): verifications} since `start`: verified by the day
    they verified, failed and expired by the day they closed."""
    series = {}
    verified = (
        Verification.objects.filter(
            status=VerificationStatus.VERIFIED,
            verified_at__gte=start,
            filing__livemode=True,
        )
        .annotate(day=TruncDate("verified_at", tzinfo=BEIJING))
        .order_by()
        .values_list("day")
        .annotate(n=Count("id"))
    )
    for day, n in verified:
        series[(VerificationStatus.VERIFIED, day)] = n
    closed = (
        Verification.objects.filter(
            status__in=[VerificationStatus.FAILED, VerificationStatus.EXPIRED],
            updated_at__gte=start,
            filing__livemode=True,
        )
        .annotate(day=TruncDate("updated_at", tzinfo=BEIJING))
        .order_by()
        .values_list("status", "day")
        .annotate(n=Count("id"))
    )
    for status, day, n in closed:
        series[(status, day)] = n
    return series
