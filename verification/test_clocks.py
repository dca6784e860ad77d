"""Test clocks of the providers' sandbox: a filing submitted on a clock runs on the
clock's time, which moves only when the provider advances it. Advancing runs the
engine's own deadline sweep (`verification.deadlines.process_deadlines`) for that
clock's filings alone, at the clock's times: each minute of the first
`MINUTE_STEPS` minutes (the magic applicants' pace), then at the new time. Expiries,
automatic resends, the magic applicants, the simulated administration's reviews and
the provider's events happen as if that time had passed; nothing else is touched.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from filings.models import Provider, TestClock
from verification import deadlines
from verification.models import Verification, VerificationStatus

MINUTE_STEPS = 30
# How far a clock may start from now, and move in one advance.
FARTHEST_START = datetime.timedelta(days=365)
FARTHEST_ADVANCE = datetime.timedelta(days=400)


# How long an advance holds its clock at most: one that dies leaves the clock free
# again after this long.
ADVANCE_LEASE = datetime.timedelta(minutes=15)


class ClockRefused(ValueError):
    """A clock's time or move that is not allowed; the message says why."""


class ClockBusy(ClockRefused):
    """The clock is being advanced, or was moved meanwhile: try again later."""


@dataclass
class Advanced:
    steps: int = 0
    expired: int = 0
    resends: int = 0
    applicants: int = 0
    approved: int = 0
    rejected: int = 0


def create(
    provider: Provider, *, name: str = "", now_at: datetime.datetime | None = None
) -> TestClock:
    """A new clock of `provider`'s sandbox, at `now_at` (default: now)."""
    now = timezone.now()
    now_at = now_at or now
    if abs(now_at - now) > FARTHEST_START:
        raise ClockRefused("a clock starts within a year of now")
    return TestClock.objects.create(provider=provider, name=name.strip(), now_at=now_at)


def advance(clock: TestClock, to: datetime.datetime) -> Advanced:
    """Move `clock` forward to `to`, and the engine with it for its filings."""
    start = clock.now_at
    if to <= start:
        raise ClockRefused("a clock only moves forward")
    if to - start > FARTHEST_ADVANCE:
        raise ClockRefused("a clock moves at most 400 days at a time")
    _claim(clock, start, to)
    try:
        return _run(clock, start, to)
    finally:
        TestClock.objects.filter(pk=clock.pk).update(advancing_until=None)


def _claim(clock: TestClock, start: datetime.datetime, to: datetime.datetime) -> None:
    """Move the clock and hold it for the advance: of two advances, one goes, and
    the other is refused until the first has run (or its lease has run out)."""
    now = timezone.now()
    with transaction.atomic():
        moved = (
            TestClock.objects.filter(pk=clock.pk, now_at=start)
            .filter(Q(advancing_until__isnull=True) | Q(advancing_until__lte=now))
            .update(now_at=to, advancing_until=now + ADVANCE_LEASE)
        )
    if not moved:
        raise ClockBusy("the clock is being advanced, or was moved; read it again")
    clock.now_at = to


def _run(clock: TestClock, start: datetime.datetime, to: datetime.datetime) -> Advanced:
    """The engine's sweep for the clock's filings at each of its moments."""
    # Each minute of the first MINUTE_STEPS, each automatic resend due on the way
    # (an expiry at the end must not pass one over), and the new time.
    resends_due = Verification.objects.filter(
        auto_resend_due_at__isnull=False,
        filing__test_clock=clock,
        status=VerificationStatus.PENDING,
        auto_resent_at__isnull=True,
        auto_resend_due_at__gt=start,
        auto_resend_due_at__lt=to,
    ).values_list("auto_resend_due_at", flat=True)
    moments = sorted(
        {
            *(
                start + datetime.timedelta(minutes=k)
                for k in range(1, MINUTE_STEPS + 1)
                if start + datetime.timedelta(minutes=k) < to
            ),
            *(moment for moment in resends_due if moment is not None),
            to,
        }
    )
    done = Advanced()
    for moment in moments:
        report = deadlines.process_deadlines(moment, clock=clock)
        done.steps += 1
        done.expired += report.expired_filings
        done.resends += report.automatic_resends
        done.applicants += report.sandbox_steps
        done.approved += report.reviews_approved
        done.rejected += report.reviews_rejected
    return done
