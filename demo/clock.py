"""A clock for building training scenarios in the past.

A scenario such as "the deadline passed overnight" is built by running the engine
at the moments it tells of (yesterday's submission, last night's deadline sweep),
so that every record, its audit events and texts included, carries those times.
`at(moment)` makes `django.utils.timezone.now()` (and so every `auto_now` stamp)
return `moment` in this thread of execution only; everywhere else, and outside the
block, the clock is the real one.
"""

import contextlib
import contextvars

from django.utils import timezone

_real_now = timezone.now
_moment = contextvars.ContextVar("scenario_moment", default=None)


def _now():
    moment = _moment.get()
    return _real_now() if moment is None else moment


@contextlib.contextmanager
def at(moment):
    """Run the block as if it were `moment` (an aware datetime)."""
    if timezone.now is not _now:
        timezone.now = _now  # reads the real clock unless a block set a moment
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)


def real_now():
    """The real time, also inside a block."""
    return _real_now()
