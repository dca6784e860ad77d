"""The work queue: the filings that need a person now, each with its reasons in words,
the most urgent first.

Each reason is one indexed query over a small part of the data (the filings still
waiting, the returns of the last day, the open follow-ups), whatever the size of the
table; the reasons are merged here, then one page of filings is read with its people
and owners. The number of queries is the same for any page.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from console import labels, timeline
from console.models import WAITING_STATUSES, FollowUp
from filings import policies, working_days
from filings.models import FilingApplication, FilingStatus
from infra import task_rows, times
from verification.models import (
    ContactCheck,
    ContactCheckStatus,
    DeliveryFailure,
    DeliveryReport,
    SmsMessage,
    SmsStatus,
    Verification,
    VerificationStatus,
)
from verification.sms.base import report_meaning
from verification.tasks import deliver_sms

DEADLINE_SOON = "deadline"
TEXT_FAILED = "text_failed"
TEXT_STUCK = "text_stuck"
ONE_FROM_LIMIT = "one_from_limit"
RETURNED = "returned"
FOLLOW_UP_DUE = "follow_up"
REVIEW_DUE = "review_due"
CONTACT_CHECK = "contact_check"
# An open contact check this close to its correction deadline is in the queue.
CONTACT_CHECK_SOON = datetime.timedelta(days=2)

OWNERS = [
    ("", gettext_lazy("Anyone")),
    ("mine", gettext_lazy("Mine")),
    ("unassigned", gettext_lazy("Unassigned")),
]
PER_PAGE = 50
# The most urgent rows read per reason; a desk with more than this is told so.
CAP = 5000
RETURNED_WITHIN = datetime.timedelta(hours=24)
# A follow-up whose filing left the waiting states stays open in its table (it is done
# by the filing, not marked); reading only the last 30 days of due ones keeps the
# query from growing with the years. An older one stays on its filing's page.
FOLLOW_UP_STALE = datetime.timedelta(days=30)


def deadline_hours():
    """How close a deadline puts a filing in the queue (QUEUE_DEADLINE_HOURS)."""
    return settings.QUEUE_DEADLINE_HOURS


@dataclass
class Row:
    """One filing in the queue."""

    filing_id: int
    deadline: datetime.datetime | None = None
    since: datetime.datetime | None = None  # returned at, or the follow-up due
    reasons: dict = field(default_factory=dict)  # reason -> its detail
    filing: object = None
    owner: object = None
    sentences: list = field(default_factory=list)

    @property
    def sort_key(self):
        # Time left first; then what has waited longest.
        if self.deadline is not None:
            return (0, self.deadline)
        return (1, self.since)  # returned, or a follow-up due: both set it


@dataclass
class Page:
    rows: list
    total: int
    number: int
    pages: int
    capped: bool


def _scoped(queryset, prefix, filters):
    """Apply the province, provider, policy and owner filters through `prefix` (the
    path to the filing), in the query itself."""
    fields = {
        "province": "province_id",
        "provider": "provider__code",
        "policy": "policy",
    }
    lookups = {
        f"{prefix}{column}": filters[name]
        for name, column in fields.items()
        if filters.get(name)
    }
    # The providers' sandbox is theirs to test with: not the support team's work,
    # unless the page is asked to show it.
    if not filters.get("sandbox"):
        lookups[f"{prefix}livemode"] = True
    if filters.get("owner") == "mine":
        lookups[f"{prefix}case__owner"] = filters["user"]
    elif filters.get("owner") == "unassigned":
        queryset = queryset.exclude(**{f"{prefix}case__owner__isnull": False})
    return queryset.filter(**lookups)


def _limit_q():
    """Pending verifications one failure from their policy's limit."""
    q = Q()
    for key, policy in policies.POLICIES.items():
        q |= Q(filing__policy=key, failed_attempts=policy.failure_limit - 1)
    return q


class Gathering:
    """The rows the reasons find for one page view: {filing id: Row}, each reason's
    read capped at CAP (and whether any was)."""

    def __init__(self, now, filters):
        self.now, self.filters = now, filters
        self.rows, self.capped = {}, False
        self.waiting = Verification.objects.filter(
            status=VerificationStatus.PENDING,
            filing__status=FilingStatus.PENDING_VERIFICATION,
        )

    def row(self, filing_id):
        return self.rows.setdefault(filing_id, Row(filing_id))

    def read(self, queryset, prefix=""):
        """The first CAP rows of `queryset`, filtered (through `prefix`, the path to
        the filing) as the page asks."""
        found = list(_scoped(queryset, prefix, self.filters)[: CAP + 1])
        self.capped = self.capped or len(found) > CAP
        return found[:CAP]

    def people(self, key, verifications):
        """Rows for the pending people `verifications` selects, under reason `key`."""
        for pk, deadline, verification in self.read(
            verifications.order_by("filing__verification_deadline").values_list(
                "filing_id", "filing__verification_deadline", "id"
            ),
            "filing__",
        ):
            found = self.row(pk)
            found.deadline = deadline
            found.reasons.setdefault(key, []).append(verification)


@dataclass
class Said:
    """What the reasons' sentences read beside the row: its filing's people by id,
    the follow-ups of the page, the time."""

    verifications: dict
    follow_ups: dict
    now: datetime.datetime


class Reason:
    """Why a filing is in the queue: `find` adds the filings it holds to a
    Gathering, `sentences` says it for one row."""

    key = ""
    label: object = ""

    def find(self, gathering):
        raise NotImplementedError

    def sentences(self, row, said):
        raise NotImplementedError


class DeadlineSoon(Reason):
    key, label = DEADLINE_SOON, gettext_lazy("Deadline soon")

    def find(self, gathering):
        soon = FilingApplication.objects.filter(
            status=FilingStatus.PENDING_VERIFICATION,
            verification_deadline__lte=gathering.now
            + datetime.timedelta(hours=deadline_hours()),
        ).order_by("verification_deadline")
        for pk, deadline in gathering.read(
            soon.values_list("id", "verification_deadline")
        ):
            found = gathering.row(pk)
            found.deadline = deadline
            found.reasons[self.key] = deadline

    def sentences(self, row, said):
        people = _listed(
            [
                labels.person_text(v)
                for v in said.verifications.values()
                if v.status == VerificationStatus.PENDING
            ]
        )
        left = row.reasons[self.key] - said.now
        if left.total_seconds() <= 0:
            text = _("The deadline passed %(ago)s ago; not verified: %(people)s")
            return [text % {"ago": times.duration_text(left), "people": people}]
        text = _("Deadline in %(left)s; not verified yet: %(people)s")
        return [text % {"left": times.duration_text(left), "people": people}]


def _last_text():
    """Each pending person's latest text (a subquery on the verification)."""
    return SmsMessage.objects.filter(verification=OuterRef("pk")).order_by("-id")


class TextFailed(Reason):
    """The last text to a pending person failed to leave, or its carrier reported it
    not delivered, or no report came after the gateway was last asked."""

    key, label = TEXT_FAILED, gettext_lazy("Text not delivered")

    def find(self, gathering):
        last_text = _last_text()
        waiting = gathering.waiting.annotate(
            last_status=Subquery(last_text.values("status")[:1]),
            last_report=Subquery(last_text.values("report")[:1]),
            last_code=Subquery(last_text.values("report_code")[:1]),
            last_reason=Subquery(last_text.values("report_reason")[:1]),
            last_failure=Subquery(last_text.values("failure")[:1]),
        ).filter(
            Q(last_status=SmsStatus.FAILED)
            | Q(last_report__in=[DeliveryReport.UNDELIVERED, DeliveryReport.UNKNOWN])
        )
        for pk, deadline, verification, *last in gathering.read(
            waiting.order_by("filing__verification_deadline").values_list(
                "filing_id",
                "filing__verification_deadline",
                "id",
                "last_status",
                "last_report",
                "last_code",
                "last_reason",
                "last_failure",
            ),
            "filing__",
        ):
            found = gathering.row(pk)
            found.deadline = deadline
            found.reasons.setdefault(self.key, {})[verification] = last

    def sentences(self, row, said):
        return [
            self._sentence(labels.person_text(said.verifications.get(pk)), last)
            for pk, last in row.reasons[self.key].items()
        ]

    @staticmethod
    def _sentence(person, last):
        status, report, code, reason, failure = last
        if status == SmsStatus.FAILED:
            why = DeliveryFailure(failure).label if failure else ""
        elif report == DeliveryReport.UNKNOWN:
            return _(
                "No delivery report came for the last text to %(person)s: whether "
                "it arrived is unknown"
            ) % {"person": person}
        else:
            why = report_meaning(code or "", reason or "")
        if not why:
            return _("The last text to %(person)s was not delivered") % {
                "person": person
            }
        return _("The last text to %(person)s was not delivered: %(why)s") % {
            "person": person,
            "why": why,
        }


class TextStuck(Reason):
    """The last text still waiting to leave (queued, or being sent) after
    SMS_STALE_QUEUED_SECONDS with no queued task to send it (a retry waiting its turn
    is on its way): its worker died; the sweep sends it."""

    key, label = TEXT_STUCK, gettext_lazy("Text has not left")

    def find(self, gathering):
        last_text = _last_text()
        stuck_since = gathering.now - datetime.timedelta(
            seconds=settings.SMS_STALE_QUEUED_SECONDS
        )
        stuck = list(
            gathering.waiting.annotate(
                last_id=Subquery(last_text.values("id")[:1]),
                last_status=Subquery(last_text.values("status")[:1]),
                last_since=Subquery(
                    last_text.annotate(
                        since=Coalesce("attempted_at", "created_at")
                    ).values("since")[:1]
                ),
            )
            .filter(
                last_status__in=[SmsStatus.QUEUED, SmsStatus.SENDING],
                last_since__lte=stuck_since,
            )
            .values_list("pk", "last_id")[:CAP]
        )
        on_their_way = task_rows.waiting_for(deliver_sms, {last for _, last in stuck})
        gathering.people(
            self.key,
            gathering.waiting.filter(
                pk__in=[pk for pk, last in stuck if last not in on_their_way]
            ),
        )

    def sentences(self, row, said):
        return [
            _(
                "The last text to %(person)s has not left yet; the deadline sweep "
                "sends it, or a fresh code"
            )
            % {"person": labels.person_text(said.verifications.get(pk))}
            for pk in row.reasons[self.key]
        ]


class OneFromLimit(Reason):
    key, label = ONE_FROM_LIMIT, gettext_lazy("One failure from the limit")

    def find(self, gathering):
        gathering.people(self.key, gathering.waiting.filter(_limit_q()))

    def sentences(self, row, said):
        limit = policies.get_policy(row.filing.policy).failure_limit
        return [
            _("%(person)s has failed %(n)d times in a row; one more returns the filing")
            % {
                "person": labels.person_text(said.verifications.get(pk)),
                "n": limit - 1,
            }
            for pk in row.reasons[self.key]
        ]


class ReturnedRecently(Reason):
    key, label = RETURNED, gettext_lazy("Returned in the last 24 hours")

    def find(self, gathering):
        returned = FilingApplication.objects.filter(
            status=FilingStatus.RETURNED,
            updated_at__gte=gathering.now - RETURNED_WITHIN,
        ).order_by("updated_at")
        for pk, when in gathering.read(returned.values_list("id", "updated_at")):
            found = gathering.row(pk)
            found.since = when
            found.reasons[self.key] = when

    def sentences(self, row, said):
        return [
            _("Returned to the provider %(ago)s ago; the customer may call")
            % {"ago": times.duration_text(said.now - row.reasons[self.key])}
        ]


class ReviewDue(Reason):
    """A filing under review whose review deadline is QUEUE_REVIEW_WORKING_DAYS
    working days away or fewer, or past: the provider will ask."""

    key, label = REVIEW_DUE, gettext_lazy("Review deadline near")

    def find(self, gathering):
        today = gathering.now.astimezone(times.BEIJING).date()
        days = settings.QUEUE_REVIEW_WORKING_DAYS
        last = working_days.add_working_days(today, days).day if days else today
        due = FilingApplication.objects.filter(
            status=FilingStatus.UNDER_REVIEW, review_deadline__lte=last
        ).order_by("review_deadline")
        for pk, deadline in gathering.read(due.values_list("id", "review_deadline")):
            found = gathering.row(pk)
            # Sorted with the verification deadlines: the end of its Beijing day.
            found.deadline = datetime.datetime.combine(
                deadline + datetime.timedelta(days=1),
                datetime.time(),
                tzinfo=times.BEIJING,
            )
            found.reasons[self.key] = deadline

    def sentences(self, row, said):
        today = said.now.astimezone(times.BEIJING).date()
        deadline = row.reasons[self.key]
        left = working_days.working_days_left(today, deadline)
        if left < 0:
            text = ngettext(
                "The review deadline %(date)s passed %(n)d working day ago; the "
                "provider may call",
                "The review deadline %(date)s passed %(n)d working days ago; the "
                "provider may call",
                -left,
            )
            return [text % {"date": deadline.isoformat(), "n": -left}]
        text = ngettext(
            "Under review; the administration's deadline %(date)s is %(n)d working "
            "day away",
            "Under review; the administration's deadline %(date)s is %(n)d working "
            "days away",
            left,
        )
        return [text % {"date": deadline.isoformat(), "n": left}]


class ContactCheckDue(Reason):
    """A check of contact details near its correction deadline with contacts still to
    confirm, or missed and flagged for access removal (staff confirm it)."""

    key, label = CONTACT_CHECK, gettext_lazy("Contact check")

    def find(self, gathering):
        checks = (
            ContactCheck.objects.filter(
                Q(
                    status=ContactCheckStatus.OPEN,
                    deadline__lte=gathering.now + CONTACT_CHECK_SOON,
                )
                | Q(status=ContactCheckStatus.MISSED)
            )
            .annotate(
                waiting=Count("people", filter=Q(people__confirmed_at__isnull=True))
            )
            .order_by("deadline")
        )
        for pk, deadline, status, waiting in gathering.read(
            checks.values_list("filing_id", "deadline", "status", "waiting"),
            "filing__",
        ):
            found = gathering.row(pk)
            if status == ContactCheckStatus.OPEN:
                found.deadline = deadline
            elif found.since is None or deadline < found.since:
                found.since = deadline
            found.reasons[self.key] = (deadline, status, waiting)

    def sentences(self, row, said):
        deadline, status, waiting = row.reasons[self.key]
        if status == ContactCheckStatus.MISSED:
            return [
                _(
                    "Contact check missed at %(when)s; flagged for access removal: "
                    "confirm it with “Remove the access”"
                )
                % {"when": timeline.beijing(deadline)}
            ]
        text = ngettext(
            "Contact check: %(n)d contact has not confirmed; correction deadline "
            "%(when)s",
            "Contact check: %(n)d contacts have not confirmed; correction deadline "
            "%(when)s",
            waiting,
        )
        return [text % {"n": waiting, "when": timeline.beijing(deadline)}]


class FollowUpDue(Reason):
    key, label = FOLLOW_UP_DUE, gettext_lazy("Follow-up due")

    def find(self, gathering):
        now = gathering.now
        due = FollowUp.objects.filter(
            done_at__isnull=True,
            due_at__lte=now,
            due_at__gt=now - FOLLOW_UP_STALE,
            filing__status__in=WAITING_STATUSES,
        ).order_by("due_at")
        for pk, when, status, deadline, follow_up in gathering.read(
            due.values_list(
                "filing_id",
                "due_at",
                "filing__status",
                "filing__verification_deadline",
                "id",
            ),
            "filing__",
        ):
            found = gathering.row(pk)
            if found.since is None or when < found.since:
                found.since = when
            if status == FilingStatus.PENDING_VERIFICATION:
                found.deadline = deadline
            found.reasons.setdefault(self.key, []).append(follow_up)

    def sentences(self, row, said):
        found = [said.follow_ups.get(pk) for pk in row.reasons[self.key]]
        return [_follow_up_sentence(f) for f in found if f is not None]


def _follow_up_sentence(follow_up):
    text = _("Follow-up due since %(when)s, set by %(who)s") % {
        "when": timeline.beijing(follow_up.due_at),
        "who": follow_up.created_by.get_username(),
    }
    if follow_up.note:
        text = _("%(sentence)s: “%(note)s”") % {
            "sentence": text,
            "note": follow_up.note,
        }
    return text


# The reasons, in the order their sentences are said.
QUEUE_REASONS = [
    DeadlineSoon(),
    TextFailed(),
    TextStuck(),
    OneFromLimit(),
    ReturnedRecently(),
    ReviewDue(),
    ContactCheckDue(),
    FollowUpDue(),
]
REASONS = [(reason.key, reason.label) for reason in QUEUE_REASONS]


def _candidates(now, filters, only):
    """{filing id: Row} for every reason (or only `only`), and whether any reason
    had more rows than CAP."""
    gathering = Gathering(now, filters)
    for reason in QUEUE_REASONS:
        if not only or only == reason.key:
            reason.find(gathering)
    return gathering.rows, gathering.capped


# What the queue may be filtered by, beside the reason.
FILTERS = ("province", "provider", "policy", "owner", "sandbox")


def build(user, *, now=None, page=1, reason="", **filtered_by):
    """One page of the queue for `user` with the filters applied (`filtered_by`:
    the `FILTERS` given, each a value or "")."""
    now = now or timezone.now()
    unknown = set(filtered_by) - set(FILTERS)
    if unknown:
        raise TypeError(f"The queue has no filter {sorted(unknown)}.")
    filters = {name: filtered_by.get(name, "") for name in FILTERS}
    filters["user"] = user
    rows, capped = _candidates(now, filters, reason)
    ordered = sorted(rows.values(), key=lambda r: (r.sort_key, r.filing_id))
    total = len(ordered)
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(1, page), pages)
    shown = ordered[(number - 1) * PER_PAGE : number * PER_PAGE]
    _load(shown, now)
    return Page(shown, total, number, pages, capped)


def _load(rows, now):
    """Read the filings of one page, their people, owners and follow-ups: a fixed
    number of queries."""
    ids = [r.filing_id for r in rows]
    if not ids:
        return
    filings = FilingApplication.objects.select_related(
        "provider", "province", "subject", "case__owner"
    ).prefetch_related("verifications", "case__owner__groups")
    by_id = {f.pk: f for f in filings.filter(pk__in=ids)}
    follow_ups = {
        f.pk: f
        for f in FollowUp.objects.filter(
            pk__in=[pk for r in rows for pk in r.reasons.get(FOLLOW_UP_DUE, [])]
        ).select_related("created_by")
    }
    for row in rows:
        row.filing = by_id[row.filing_id]
        case = getattr(row.filing, "case", None)
        row.owner = case.owner if case else None
        row.sentences = sentences(row, follow_ups, now)


def _listed(items):
    """Items joined as the active language lists them."""
    english = (translation.get_language() or "").startswith("en")
    return (", " if english else "、").join(items) or "—"


def sentences(row, follow_ups, now):
    """Why the filing is in the queue, in words, one sentence per reason."""
    said = Said({v.pk: v for v in row.filing.verifications.all()}, follow_ups, now)
    return [
        sentence
        for reason in QUEUE_REASONS
        if reason.key in row.reasons
        for sentence in reason.sentences(row, said)
    ]
