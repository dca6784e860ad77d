"""A filing told in plain words for a support agent: what state it is in, what happens
next, each person's progress, and one timeline of everything that happened.

Every sentence is translated and every time is Beijing time; identifiers, event codes
and stored data never reach the page. Codes stay masked; mobiles and certificate
numbers follow the viewer's permission (`filings.privacy`).
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from console.labels import roles_text
from console.timeline import (
    TIMELINE_LIMIT,
    beijing,
    text_state,
    timeline,
)
from filings import policies, working_days
from filings.models import (
    FilingStatus,
)
from filings.privacy import show_mobile
from infra.times import BEIJING, duration_text
from verification.models import (
    Attempt,
    SmsKind,
    VerificationStatus,
)


def review_clock_text(filing, now=None):
    """The review deadline as staff read it: the date, the working days left (or
    past), and whether the calendar of its year is not final yet."""
    deadline = filing.review_deadline
    if deadline is None:
        return "—"
    today = (now or timezone.now()).astimezone(BEIJING).date()
    left = working_days.working_days_left(today, deadline)
    if left >= 0:
        count = ngettext("%(n)d working day left", "%(n)d working days left", left) % {
            "n": left
        }
    else:
        count = ngettext(
            "%(n)d working day overdue", "%(n)d working days overdue", -left
        ) % {"n": -left}
    text = _("%(date)s (%(count)s)") % {"date": deadline.isoformat(), "count": count}
    if filing.review_deadline_provisional:
        text += " · " + _(
            "provisional: the holiday calendar of %(year)d is not published yet"
        ) % {"year": deadline.year}
    return text


def time_left_text(deadline, now=None):
    """'3 h 20 min' until a deadline, or the overdue time, as markup."""
    now = now or timezone.now()
    left = deadline - now
    seconds = int(left.total_seconds())
    if seconds < 0:
        return format_html(
            '<span class="overdue">{} {}</span>',
            _("overdue"),
            duration_text(left),
        )
    css = "due-soon" if seconds < 2 * 3600 else ""
    return format_html('<span class="{}">{}</span>', css, duration_text(left))


@dataclass
class Story:
    """Everything the filing page tells, computed with a fixed number of queries."""

    filing: object
    now: datetime.datetime
    verifications: list
    events: list
    attempts: list
    texts: list
    notes: list = field(default_factory=list)
    cards: list = field(default_factory=list)
    timeline: list = field(default_factory=list)


def load(filing, now=None):
    """Read what the page needs for `filing` (a handful of queries) and tell it."""
    now = now or timezone.now()
    verifications = sorted(filing.verifications.all(), key=lambda v: v.pk)
    by_id = {v.pk: v for v in verifications}
    events = list(
        filing.audit_events.select_related("staff_user")
        .prefetch_related("staff_user__groups")
        .order_by("-created_at", "-id")[:TIMELINE_LIMIT]
    )
    attempts = _attempts(filing, verifications)
    texts = list(filing.sms_messages.order_by("-id")[:TIMELINE_LIMIT])
    notes = list(
        filing.notes.select_related("author", "macro")
        .prefetch_related("author__groups")
        .order_by("-created_at", "-id")[:TIMELINE_LIMIT]
    )
    story = Story(
        filing=filing,
        now=now,
        verifications=verifications,
        events=events,
        attempts=attempts,
        texts=texts,
        notes=notes,
    )
    story.cards = [card(story, v) for v in verifications]
    story.timeline = timeline(story, by_id)
    return story


def _attempts(filing, verifications):
    """The attempts on this filing's people, newest first: those matched to them, and
    those that matched nobody (a wrong mobile, the throttle, a wrong picture) from
    their numbers since the submission. Two indexed queries: one OR across both
    would read the whole table."""
    if not verifications:
        return []
    matched = list(
        Attempt.objects.filter(verification__in=[v.pk for v in verifications]).order_by(
            "-id"
        )[:TIMELINE_LIMIT]
    )
    unmatched = Attempt.objects.filter(
        verification__isnull=True, mobile__in=[v.mobile for v in verifications]
    )
    if filing.submitted_at:
        unmatched = unmatched.filter(created_at__gte=filing.submitted_at)
    found = matched + list(unmatched.order_by("-created_at")[:TIMELINE_LIMIT])
    found.sort(key=lambda a: (a.created_at, a.pk), reverse=True)
    return found[:TIMELINE_LIMIT]


# The header -------------------------------------------------------------------------
def headline(story):
    """What the filing is waiting for and what happens next, in one sentence."""
    filing, now = story.filing, story.now
    status = filing.status
    if status == FilingStatus.PENDING_VERIFICATION:
        owed = [
            v for v in story.verifications if v.status == VerificationStatus.PENDING
        ]
        total = len(story.verifications)
        deadline = filing.verification_deadline
        waiting = ngettext(
            "Waiting for %(n)d of %(total)d person to verify",
            "Waiting for %(n)d of %(total)d people to verify",
            total,
        ) % {"n": len(owed), "total": total}
        if deadline and deadline <= now:
            return _(
                "%(waiting)s; the deadline passed at %(when)s, so the next sweep "
                "returns it to the provider."
            ) % {"waiting": waiting, "when": beijing(deadline)}
        return _(
            "%(waiting)s; returned to the provider automatically at %(when)s "
            "(in %(left)s) if not verified."
        ) % {
            "waiting": waiting,
            "when": beijing(deadline),
            "left": duration_text(deadline - now),
        }
    return {
        FilingStatus.DRAFT: _(
            "A draft: the provider has not submitted it, so nobody has a code."
        ),
        FilingStatus.UNDER_REVIEW: _(
            "The communications administration is reviewing it; it decides by "
            "%(deadline)s."
        )
        % {"deadline": review_clock_text(filing, now)}
        if status == FilingStatus.UNDER_REVIEW
        else "",
        FilingStatus.APPROVED: _("Approved; nothing more happens to it."),
        FilingStatus.REJECTED: _("Rejected by the administration; it is closed."),
        FilingStatus.RETURNED: _(
            "Returned to the provider; the provider must submit a new filing for the "
            "people to verify again."
        ),
        FilingStatus.CANCELLED: _("Cancelled; it is closed."),
    }.get(status, "")


def facts(story):
    """The header's figures as (label, value) pairs."""
    filing = story.filing
    policy = policies.get_policy(filing.policy)
    rows = [
        (_("Status"), filing.get_status_display()),
        (_("Policy"), filing.get_policy_display()),
        (_("Provider"), filing.provider.local_name),
        (_("Province"), filing.province.local_name),
        (_("Submitted"), beijing(filing.submitted_at)),
    ]
    if filing.verification_deadline:
        rows.append((_("Deadline"), beijing(filing.verification_deadline)))
    if filing.review_deadline:
        rows.append((_("Under review since"), beijing(filing.review_started_at)))
        if filing.status == FilingStatus.UNDER_REVIEW:
            rows.append((_("Review deadline"), review_clock_text(filing, story.now)))
        else:
            rows.append((_("Review deadline"), filing.review_deadline.isoformat()))
    if (
        filing.status == FilingStatus.PENDING_VERIFICATION
        and filing.verification_deadline
    ):
        left = filing.verification_deadline - story.now
        rows.append(
            (
                _("Time left"),
                duration_text(left) if left.total_seconds() > 0 else _("overdue"),
            )
        )
    cap = (
        _("no cap")
        if policy.resend_cap is None
        else ngettext("%(n)d resend", "%(n)d resends", policy.resend_cap)
        % {"n": policy.resend_cap}
    )
    rows.append(
        (
            _("Rules"),
            _(
                "%(window)d h to verify; %(limit)d consecutive failures return it; "
                "%(cap)s"
            )
            % {
                "window": policy.window.total_seconds() // 3600,
                "limit": policy.failure_limit,
                "cap": cap,
            },
        )
    )
    return rows


# A card per person ------------------------------------------------------------------
def card(story, verification):
    """One person's progress, as labelled values."""
    policy = policies.get_policy(story.filing.policy)
    limit = policy.failure_limit
    cap = policy.resend_cap
    last_text = next(
        (
            t
            for t in story.texts
            if t.verification_id == verification.pk
            and t.kind == SmsKind.VERIFICATION_CODE
        ),
        None,
    )
    if last_text is None:
        last = _("none sent")
    else:
        last = _("%(when)s, %(state)s") % {
            "when": beijing(last_text.created_at),
            "state": text_state(last_text),
        }
    if verification.status == VerificationStatus.PENDING:
        tries = _("%(left)d of %(limit)d tries left") % {
            "left": max(limit - verification.failed_attempts, 0),
            "limit": limit,
        }
    else:
        tries = "—"
    return {
        "title": roles_text(verification.roles),
        "status": verification.get_status_display(),
        "status_value": verification.status,
        "rows": [
            (_("Mobile"), show_mobile(verification.mobile)),
            (
                _("Consecutive failures"),
                _("%(n)d of %(limit)d")
                % {"n": verification.failed_attempts, "limit": limit},
            ),
            (_("Tries left"), tries),
            (
                _("Resends asked for"),
                _("%(n)d (no cap)") % {"n": verification.resends}
                if cap is None
                else _("%(n)d of %(cap)d") % {"n": verification.resends, "cap": cap},
            ),
            (_("Last code sent"), last),
            (_("Verified"), beijing(verification.verified_at)),
        ],
    }
