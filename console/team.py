"""The supervisors' team report: per agent and Beijing day, what the support team
did, read from the audit trail (every piece of case work is an audit event with
its staff member).

- cases handled: filings the agent wrote any event on that day;
- claims, notes, macros run, requests to a supervisor (asked; answered, for
  supervisors), overrides (status moves, resends, extensions and other changes the
  agent made; a verification completed by the last person marked is not another);
- time to done: the median time from the agent taking a filing ("I have this", or
  assigned to them) to it leaving their hands: released, assigned to someone else,
  or the filing moving on (verified, returned, cancelled, approved, rejected),
  counted on the day it was taken.
"""

import datetime
import statistics
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from console import labels
from filings.models import CASE_WORK_EVENTS, ActorKind, AuditEvent, EventType
from infra.times import BEIJING

# The longest period one report reads.
LONGEST = datetime.timedelta(days=31)
COUNTED = {
    EventType.CLAIMED: "claims",
    EventType.NOTE_ADDED: "notes",
    EventType.MACRO_RUN: "macros",
    EventType.ESCALATION_ASKED: "escalations",
    EventType.ESCALATION_APPROVED: "answered",
    EventType.ESCALATION_DECLINED: "answered",
}
# What follows from another event and is not a move of its own: the last person
# verifying completes the verification.
CONSEQUENCES = {EventType.VERIFICATION_COMPLETED}
TAKEN = (EventType.CLAIMED, EventType.ASSIGNED)
# After a take, the events that end it: given away, or the filing moved on.
LEFT_BY_CASE_WORK = (EventType.RELEASED, EventType.ASSIGNED)


@dataclass
class Row:
    """One agent's day."""

    day: datetime.date
    user_id: int
    who: str = ""
    cases: int = 0
    claims: int = 0
    notes: int = 0
    macros: int = 0
    escalations: int = 0
    answered: int = 0
    overrides: int = 0
    durations: list = field(default_factory=list)

    @property
    def median(self):
        """The median time to done, or None when nothing taken was done."""
        return statistics.median(self.durations) if self.durations else None


def report(start, end):
    """The rows for Beijing days `start`..`end` (dates, at most `LONGEST`), by day
    then agent."""
    since = datetime.datetime.combine(start, datetime.time(), BEIJING)
    until = datetime.datetime.combine(
        end, datetime.time(), BEIJING
    ) + datetime.timedelta(days=1)
    events = AuditEvent.objects.filter(
        actor_kind=ActorKind.STAFF,
        staff_user__isnull=False,
        created_at__gte=since,
        created_at__lt=until,
    ).annotate(day=TruncDate("created_at", tzinfo=BEIJING))
    rows = {}
    for found in events.values("day", "staff_user", "event_type").annotate(
        n=Count("id")
    ):
        row = rows.setdefault(
            (found["day"], found["staff_user"]), Row(found["day"], found["staff_user"])
        )
        name = COUNTED.get(found["event_type"])
        if name:
            setattr(row, name, getattr(row, name) + found["n"])
        elif found["event_type"] not in CASE_WORK_EVENTS | CONSEQUENCES:
            row.overrides += found["n"]
    for found in events.values("day", "staff_user").annotate(
        filings=Count("filing", distinct=True)
    ):
        rows[(found["day"], found["staff_user"])].cases = found["filings"]
    _times_to_done(rows, since, until)
    users = get_user_model().objects.prefetch_related("groups")
    by_id = {u.pk: u for u in users.filter(pk__in={r.user_id for r in rows.values()})}
    for row in rows.values():
        row.who = labels.staff_label(by_id.get(row.user_id))
    return sorted(rows.values(), key=lambda r: (r.day, r.who))


def _times_to_done(rows, since, until):
    """Fill each row's durations: from each take in the period to its end."""
    taken = list(
        AuditEvent.objects.filter(
            event_type__in=TAKEN, created_at__gte=since, created_at__lt=until
        ).values("filing_id", "created_at", "event_type", "staff_user", "data")[:20000]
    )
    if not taken:
        return
    ids = {t["filing_id"] for t in taken}
    ends = (
        AuditEvent.objects.filter(filing_id__in=ids, created_at__gte=since)
        .filter(~Q(to_status="") | Q(event_type__in=LEFT_BY_CASE_WORK))
        .order_by()
        .values_list("filing_id", "created_at")
    )
    moved = {}
    for filing_id, created_at in ends:
        moved.setdefault(filing_id, []).append(created_at)
    assignees = {
        (t["data"] or {}).get("to")
        for t in taken
        if t["event_type"] == EventType.ASSIGNED and isinstance(t["data"], dict)
    }
    pk_of = dict(
        get_user_model()
        .objects.filter(username__in=assignees - {None, ""})
        .values_list("username", "pk")
    )
    for take in taken:
        owner = _owner_of(take, pk_of)
        if owner is None:
            continue
        ends = sorted(
            t for t in moved.get(take["filing_id"], []) if t > take["created_at"]
        )
        if not ends:
            continue
        day = take["created_at"].astimezone(BEIJING).date()
        row = rows.setdefault((day, owner), Row(day, owner))
        row.durations.append(ends[0] - take["created_at"])


def _owner_of(take, pk_of):
    """Who a take gave the filing to: the claimer, or the assignee by login name."""
    if take["event_type"] == EventType.CLAIMED:
        return take["staff_user"]
    data = take["data"] if isinstance(take["data"], dict) else {}
    return pk_of.get(data.get("to"))


CSV_HEADER = (
    _("day (Beijing time)"),
    _("staff member"),
    _("cases handled"),
    _("claims"),
    _("notes"),
    _("macros run"),
    _("requests to a supervisor"),
    _("requests answered"),
    _("overrides"),
    _("cases done"),
    _("median minutes to done"),
)


def csv_rows(rows):
    """The report as rows of text for a CSV file (minutes to one decimal)."""
    yield [str(heading) for heading in CSV_HEADER]
    for row in rows:
        median = row.median
        yield (
            row.day.isoformat(),
            row.who,
            *(
                str(n)
                for n in (
                    row.cases,
                    row.claims,
                    row.notes,
                    row.macros,
                    row.escalations,
                    row.answered,
                    row.overrides,
                    len(row.durations),
                )
            ),
            f"{median.total_seconds() / 60:.1f}" if median is not None else "",
        )
