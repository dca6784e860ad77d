"""The demo's clock: scenarios built in the past, and a demo that travelled in time.

A training scenario such as "the deadline passed overnight" is built by running the
engine at the moments it tells of (yesterday's submission, last night's deadline
sweep), so that every record, its audit events and texts included, carries those
times. `at(moment)` makes `django.utils.timezone.now()` (and so every `auto_now`
stamp) return `moment` in this thread of execution only.

A supervisor's time travel (`demo.timetravel`) moves the whole demo ahead: from then
on `timezone.now()` is the real time plus `ahead()`, in every thread of the process,
until the demo goes back to now. Outside demo mode nothing sets either, and the clock
is the real one.
"""

import contextlib
import contextvars
import datetime

from django.utils import timezone

ZERO = datetime.timedelta(0)

_real_now = timezone.now
_moment = contextvars.ContextVar("scenario_moment", default=None)
_ahead = ZERO  # how far a time travel moved the demo ahead of the real time


def _now():
    moment = _moment.get()
    return _real_now() + _ahead if moment is None else moment


def _install():
    if timezone.now is not _now:
        # the real clock (plus any travel) unless a block set a moment
        timezone.now = _now


@contextlib.contextmanager
def at(moment):
    """Run the block as if it were `moment` (an aware datetime)."""
    _install()
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)


def set_ahead(ahead):
    """Run this process's clock `ahead` (a timedelta, zero for the real time) of the
    real time from now on."""
    global _ahead
    if ahead:
        _install()
    _ahead = ahead


def ahead():
    """How far the demo's clock runs ahead of the real time (zero when it does not)."""
    return _ahead


def demo_now():
    """The demo's time, also inside a block: the real time plus any travel."""
    return _real_now() + _ahead


def real_now():
    """The real time, also inside a block and after a travel."""
    return _real_now()
