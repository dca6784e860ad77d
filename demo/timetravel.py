"""Supervisors' time travel: the whole demo moves to a chosen later time, and back.

A travel is shown first (`plan`: how many filings the deadline sweep will return,
how many automatic resends go out, how many late texts arrive) and then made
(`travel`): the demo's clock (`DemoClock`, read by every request in demo mode through
`load_clock`) moves ahead, the training gateway's late reports that are due arrive
and the deadline sweep runs at the new time. From then on pages, the work queue's
"ago", the API's times and later sweeps all read the demo's time, and whatever
happens is stamped with it, so no record is ever dated after the demo's now.

Training scenarios are not expired by a travel unless the supervisor asks: a
scenario whose deadline would pass has it extended by the travel's length, as the
system, and its timeline says so (audit events are never rewritten).

`back_to_now` puts the database back as it was before the first travel, from a copy
taken with SQLite's backup API at that moment; whatever happened in between is gone.
PostgreSQL has no such cheap copy: there the demo stays at its time.
"""

import contextlib
import datetime
import fcntl
import math
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q

from demo import clock, gateway
from demo.models import DemoClock, PlannedReport, TrainingRun
from filings.models import FilingApplication, FilingStatus
from infra.rates import CACHE_ERRORS
from infra.times import BEIJING
from verification import moves
from verification.deadlines import process_deadlines
from verification.models import Verification, VerificationStatus


class BackUnavailable(Exception):
    """The demo cannot go back to now (PostgreSQL, or the copy is gone)."""


# The clock's row, cached until a travel or "back to now" changes it: every request
# in demo mode reads it without a query. Several server processes share it only
# through a shared cache (Redis, CACHE_URL), as they share the throttles.
CLOCK_CACHE_KEY = "demo-clock-ahead"


def _ahead_in_database():
    ahead = (
        DemoClock.objects.filter(pk=DemoClock.ONLY)
        .values_list("ahead", flat=True)
        .first()
    )
    return ahead or clock.ZERO


def load_clock():
    """Set this process's clock from the demo clock: every request in demo mode. A
    cache that cannot be reached costs a query, never the request."""
    try:
        ahead = cache.get(CLOCK_CACHE_KEY)
    except CACHE_ERRORS:
        ahead = None
    if ahead is None:
        ahead = _ahead_in_database()
        with contextlib.suppress(CACHE_ERRORS):
            cache.set(CLOCK_CACHE_KEY, ahead, None)
    clock.set_ahead(ahead)


def _forget_cached_clock():
    # A cache that is down is read by nobody meanwhile: requests read the database.
    with contextlib.suppress(CACHE_ERRORS):
        cache.delete(CLOCK_CACHE_KEY)


def state():
    """The demo clock's row, or None when the demo runs at the real time."""
    row = DemoClock.objects.filter(pk=DemoClock.ONLY).first()
    return row if row is not None and row.ahead else None


def can_go_back():
    """Whether this database can be put back as it was before a travel."""
    return connection.vendor == "sqlite"


def snapshot_path():
    """Where the copy of the database from before the first travel is kept: the
    `DEMO_CLOCK_SNAPSHOT` setting, else beside the SQLite file."""
    if settings.DEMO_CLOCK_SNAPSHOT:
        return Path(settings.DEMO_CLOCK_SNAPSHOT)
    if connection.is_in_memory_db():
        return Path(tempfile.gettempdir()) / f"icpportal-{os.getpid()}.before-travel"
    return Path(f"{connection.settings_dict['NAME']}.before-time-travel")


def _carried_training(before, when):
    """The training scenarios still waiting whose deadline falls in (before, when]."""
    return FilingApplication.objects.filter(
        pk__in=TrainingRun.objects.values("filing_id"),
        status=FilingStatus.PENDING_VERIFICATION,
        verification_deadline__gt=before,
        verification_deadline__lte=when,
    )


@dataclass
class Plan:
    """What a travel to `when` will do."""

    when: datetime.datetime
    include_training: bool
    returned: int
    automatic_resends: int
    late_texts: int
    training_carried: int


def plan(when, include_training=False):
    """Count what the deadline sweep at `when` will do, as `travel` would run it."""
    spared = FilingApplication.objects.none()
    if not include_training:
        spared = _carried_training(clock.demo_now(), when).values("pk")
    returned = (
        FilingApplication.objects.filter(
            status=FilingStatus.PENDING_VERIFICATION, verification_deadline__lte=when
        )
        .exclude(pk__in=spared)
        .count()
    )
    # the sweeps resend for filings still open at the resend's moment: those whose
    # deadline is later, and the training scenarios whose deadline the travel extends
    resends = (
        Verification.objects.filter(
            status=VerificationStatus.PENDING,
            auto_resent_at__isnull=True,
            auto_resend_due_at__lte=when,
            filing__status=FilingStatus.PENDING_VERIFICATION,
        )
        .filter(
            Q(filing__verification_deadline__gt=F("auto_resend_due_at"))
            | Q(filing_id__in=spared)
        )
        .count()
    )
    late = PlannedReport.objects.filter(due_at__lte=when).count()
    carried = 0 if include_training else spared.count()
    return Plan(
        when,
        include_training,
        returned,
        resends,
        late if gateway.in_use() else 0,
        carried,
    )


@dataclass
class Outcome:
    arrived: int
    returned: int
    automatic_resends: int


class TravelRefused(Exception):
    """The demo is already at or past the time asked for (another travel got there
    first)."""


@contextlib.contextmanager
def _one_at_a_time():
    """Travels and returns one at a time (a double click sends two): on SQLite a lock
    file beside the copy; on PostgreSQL the clock's row lock does it."""
    if connection.vendor != "sqlite":
        yield
        return
    path = snapshot_path()
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def travel(when, include_training=False):
    """Move the demo to `when` (later than the demo's now): keep a copy of the
    database if this is the first travel (SQLite), move the clock and the sessions'
    expiry with it (nobody is logged out by a travel), extend the deadlines of the
    training scenarios that would pass unless `include_training`, deliver the late
    texts due by then and run the deadline sweep at `when`. Raises TravelRefused if
    the demo is already at or past `when`."""
    with _one_at_a_time():
        clock.set_ahead(_ahead_in_database())  # another request may just have moved it
        first = state() is None
        if when <= clock.demo_now():
            raise TravelRefused
        if first and can_go_back():
            _copy_database(snapshot_path())
        with transaction.atomic():
            row, _ = DemoClock.objects.select_for_update().get_or_create(
                pk=DemoClock.ONLY
            )
            before = clock.real_now() + row.ahead
            if when <= before:
                raise TravelRefused
            if first:
                row.left_real_time_at = clock.real_now()
            row.ahead = when - clock.real_now()
            row.save()
            clock.set_ahead(row.ahead)
            transaction.on_commit(_forget_cached_clock)
            if _sessions_in_database():
                Session.objects.update(expire_date=F("expire_date") + (when - before))
            if not include_training:
                _carry_training(when - before, before, when)
        arrived = gateway.push_due_reports(when) if gateway.in_use() else 0
        returned = resent = 0
        for moment in sweep_moments(before, when):
            with clock.at(moment):  # what the sweep writes is stamped at its moment
                report = process_deadlines(moment)
            returned += report.expired_filings
            resent += report.automatic_resends
    return Outcome(arrived, returned, resent)


# The most deadline sweeps one travel runs (a long travel over many deadlines sweeps
# once a day instead of once an hour).
MOST_SWEEPS = 200
HOUR = datetime.timedelta(hours=1)


def _rounded_up(moment, step):
    """`moment` rounded up to a whole `step` (an hour or a day) in Beijing time."""
    local = moment.astimezone(BEIJING)
    start = local.replace(minute=0, second=0, microsecond=0)
    if step > HOUR:
        start = start.replace(hour=0)
    return start + step if start < local else start


def sweep_moments(before, when):
    """When the deadline sweep runs during a travel from `before` to `when`, as the
    scheduled sweep would have run in between: at each automatic resend's moment,
    and within the hour after each deadline, then at `when`. So a resend due before
    a deadline goes out before the filing expires, and a filing is returned at its
    deadline's hour, not stamped at the end of the travel."""
    resends = Verification.objects.filter(
        status=VerificationStatus.PENDING,
        filing__status=FilingStatus.PENDING_VERIFICATION,
        auto_resent_at__isnull=True,
        auto_resend_due_at__gt=before,
        auto_resend_due_at__lt=when,
    ).values_list("auto_resend_due_at", flat=True)
    deadlines = FilingApplication.objects.filter(
        status=FilingStatus.PENDING_VERIFICATION,
        verification_deadline__gt=before,
        verification_deadline__lt=when,
    ).values_list("verification_deadline", flat=True)
    resend_moments = set(resends.distinct())
    deadline_list = list(deadlines.distinct())
    for step in (HOUR, datetime.timedelta(days=1)):
        moments = resend_moments | {_rounded_up(d, step) for d in deadline_list}
        moments = {m for m in moments if m < when}
        if len(moments) < MOST_SWEEPS:
            break
    return [*sorted(moments), when]


def _sessions_in_database():
    return settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    )


def back_to_now():
    """Put the database back as it was before the first travel (SQLite only),
    keeping everyone's session as it is now. Raises BackUnavailable with the reason:
    "postgresql", "at_now" (no travel to undo) or "no_copy"."""
    if connection.in_atomic_block:
        raise RuntimeError("Going back replaces the database: not in a transaction.")
    with _one_at_a_time():
        row = state()
        if row is None:
            raise BackUnavailable("at_now")
        if not can_go_back():
            raise BackUnavailable("postgresql")
        path = snapshot_path()
        if not path.is_file():
            raise BackUnavailable("no_copy")
        sessions = []
        if _sessions_in_database():
            sessions = [
                (kept.session_key, kept.session_data, kept.expire_date - row.ahead)
                for kept in Session.objects.all()
            ]
        connection.ensure_connection()
        # The copy and today's sessions are put together first, then written over
        # the database in one step: a request in between waits for the step and
        # finds its session, instead of finding none and losing its cookie.
        staging = sqlite3.connect(":memory:")
        try:
            # read-only: a copy gone missing is never created empty and copied over
            source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                source.backup(staging)
            finally:
                source.close()
            _keep_sessions(staging, sessions)
            staging.backup(connection.connection)
        finally:
            staging.close()
        for leftover in (path, *_sidecars(path)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        with contextlib.suppress(CACHE_ERRORS):
            cache.clear()  # figures cached while travelling describe the future
        load_clock()


def _keep_sessions(staging, sessions):
    """Write today's sessions into the copy about to be restored (their expiry moved
    back with the clock), replacing the copy's own rows of the same keys."""
    if not sessions:
        return
    table = Session._meta.db_table
    expire = Session._meta.get_field("expire_date")
    rows = [
        (key, data, expire.get_db_prep_value(until, connection))
        for key, data, until in sessions
    ]
    with staging:
        staging.executemany(
            f'INSERT OR REPLACE INTO "{table}" '  # noqa: S608 - the model's own table
            "(session_key, session_data, expire_date) VALUES (?, ?, ?)",
            rows,
        )


def _sidecars(path):
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _copy_database(path):
    if connection.in_atomic_block:
        # SQLite's backup waits for the source's own write transaction to end.
        raise RuntimeError("The copy before a travel is taken outside a transaction.")
    connection.ensure_connection()
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()
    os.replace(partial, path)


def _carry_training(moved_by, before, when):
    """Extend the deadline of each training scenario that would pass in the travel
    by the travel's length (whole hours), as the system, in its timeline."""
    hours = math.ceil(moved_by / datetime.timedelta(hours=1))
    for filing in _carried_training(before, when):
        moves.extend_deadline(
            filing,
            hours=hours,
            actor=moves.SYSTEM,
            reason="The demo's clock moved ahead; training scenarios move with it.",
        )
