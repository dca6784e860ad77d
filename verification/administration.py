"""The simulated communications administration: in the demo and the sandbox (and in
production only when `SIMULATED_ADMINISTRATION` is set), it decides the filings under
review once they have waited `SIMULATED_REVIEW_WORKING_DAYS` working days (or
`SIMULATED_REVIEW_MINUTES` minutes, for a demo), approving most and rejecting some
for a catalogued reason, as the administrations' published figures have it.

Its decisions go through the same moves as a staff member's (`verification.moves`),
recorded as the administration's own audit events (actor "administration"), with the
provider's events and webhooks that follow. Whether a filing is approved, and why
not, is drawn from the filing's own identity: the same filing gets the same decision
however often, and by whichever process, the sweep runs.
"""

import datetime
import logging
import random
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from filings import review_outcomes, working_days
from filings.models import FilingApplication, FilingStatus, TestClock, on_clock
from infra.times import BEIJING
from verification import moves

logger = logging.getLogger(__name__)

# The share of reviews refused, by province code; the administrations publish their
# monthly figures: Jiangsu refused 447 of 13,430 in March 2025 (3.3%), Anhui 164 of
# 6,753 in August 2024 (2.4%). The other provinces take the default between them.
REFUSAL_RATES: dict[str, float] = {"js": 447 / 13430, "ah": 164 / 6753}
DEFAULT_REFUSAL_RATE = 0.03

# How often each reason is the one given, among refusals (relative weights): the
# domain and site-name checks first, as the providers' lists of common causes order
# them.
REASON_WEIGHTS: dict[str, int] = {
    "domain_registrant_mismatch": 20,
    "site_name_too_short": 8,
    "site_name_forbidden_prefix": 6,
    "site_name_is_domain": 10,
    "registrar_not_approved": 4,
    "cross_province": 8,
    "site_open_before_filing": 10,
    "site_unreachable_or_mismatch": 12,
    "pre_approval_missing": 6,
    "certificate_scan_unreadable": 8,
    "mobile_not_in_province": 4,
    "mobile_used_by_other_subject": 4,
}


def refusal_rate(province_code: str) -> float:
    """The share of the province's reviews the simulated administration refuses."""
    return REFUSAL_RATES.get(province_code, DEFAULT_REFUSAL_RATE)


@dataclass(frozen=True)
class Decision:
    """Approve (code "") or reject for the catalogued reason `code`."""

    code: str = ""

    @property
    def approves(self) -> bool:
        return not self.code


# The sandbox's magic review outcomes: a sandbox filing whose subject name ends in
# one of these is approved, or rejected for the catalogued reason named (the manual:
# the sandbox). A live filing's name is never read so.
MAGIC = re.compile(r"\[sandbox:(approve|reject:([a-z_]+))\]\s*$")


def magic_decision(subject_name: str) -> Decision | None:
    """The decision a sandbox subject's name asks for, or None when it asks none.
    ValueError for a rejection whose reason is not in the catalogue."""
    found = MAGIC.search(subject_name)
    if found is None:
        return None
    code = found.group(2) or ""
    if code and code not in review_outcomes.REJECTION_REASONS:
        raise ValueError(f"no rejection reason {code!r} in the catalogue")
    return Decision(code)


def decide(filing: FilingApplication) -> Decision:
    """What the simulated administration decides for `filing`: the same every time;
    for a sandbox filing, what its subject's name asks (`magic_decision`), if any."""
    if not filing.livemode:
        try:
            asked = magic_decision(filing.subject.name)
        except ValueError:
            asked = None  # refused at submission; an older one is drawn for
        if asked is not None:
            return asked
    draw = random.Random(f"{filing.provider_id}:{filing.reference}")  # noqa: S311 - a simulation, not a secret
    if draw.random() >= refusal_rate(filing.province_id):
        return Decision()
    codes = list(REASON_WEIGHTS)
    weights = [REASON_WEIGHTS[code] for code in codes]
    return Decision(draw.choices(codes, weights)[0])


def is_due(filing: FilingApplication, now: datetime.datetime) -> bool:
    """Whether the simulated administration has had `filing` long enough."""
    started = filing.review_started_at
    if started is None:
        return False
    minutes = _review_minutes(filing.livemode)
    if minutes is not None:
        return started + datetime.timedelta(minutes=minutes) <= now
    days = settings.SIMULATED_REVIEW_WORKING_DAYS
    start_day = started.astimezone(BEIJING).date()
    return working_days.add_working_days(start_day, days).day <= (
        now.astimezone(BEIJING).date()
    )


@dataclass
class ReviewReport:
    approved: int = 0
    rejected: int = 0
    skipped: int = 0  # decided or withdrawn by someone else meanwhile


def _review_minutes(livemode: bool) -> int | None:
    """Minutes a review takes (None: working days): the sandbox's are its own."""
    if not livemode:
        return int(settings.SANDBOX_REVIEW_MINUTES)
    minutes = settings.SIMULATED_REVIEW_MINUTES
    return None if minutes is None else int(minutes)


def _earliest_start(now: datetime.datetime, livemode: bool) -> datetime.datetime:
    """No filing that entered review after this is due (a working day is at least a
    calendar day)."""
    minutes = _review_minutes(livemode)
    if minutes is not None:
        return now - datetime.timedelta(minutes=minutes)
    return now - datetime.timedelta(days=settings.SIMULATED_REVIEW_WORKING_DAYS)


def process_reviews(
    now: datetime.datetime | None = None,
    *,
    limit: int = 1000,
    livemode: bool = True,
    clock: TestClock | None = None,
) -> ReviewReport:
    """Decide the filings under review that are due at `now`, oldest first, at most
    `limit` of them; each decision is its own move (its own transaction). The live
    filings, or (`livemode=False`) the providers' sandbox."""
    now = now or timezone.now()
    report = ReviewReport()
    # The filings on a test clock are decided when it is advanced, at its time.
    candidates = FilingApplication.objects.filter(
        status=FilingStatus.UNDER_REVIEW,
        livemode=livemode,
        review_started_at__lte=_earliest_start(now, livemode),
        **on_clock(clock),
    )
    if settings.SIMULATED_REVIEW_SKIP:
        candidates = candidates.exclude(
            pk__in=import_string(settings.SIMULATED_REVIEW_SKIP)()
        )
    candidates = candidates.select_related("provider", "subject").order_by(
        "review_started_at", "pk"
    )[:limit]
    for filing in candidates:
        if not is_due(filing, now):
            break  # started later than every one before it: nor are the rest
        decision = decide(filing)
        try:
            if decision.approves:
                moves.approve_filing(filing, actor=moves.ADMINISTRATION, now=now)
                report.approved += 1
            else:
                moves.reject_filing(
                    filing, actor=moves.ADMINISTRATION, code=decision.code
                )
                report.rejected += 1
        except moves.IllegalTransition:
            report.skipped += 1
            logger.info("review of filing %s skipped: it moved on", filing.pk)
    return report
