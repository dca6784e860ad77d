"""What to do now: the one next step the filing page recommends, from the filing's
situation. The rules are a table, tried in order; the first that applies is said,
with the override on the page that does it (if one does).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from console import labels, timeline
from filings import policies
from filings.models import EventType, FilingStatus
from verification.actions import CENTRAL, PROVINCIAL_POLICIES, Channel
from verification.models import VerificationStatus


@dataclass(frozen=True)
class NextStep:
    """The step said on the page: why, what to do, and the override that does it."""

    situation: str  # the rule's name, for tests and styling
    sentence: str
    action: str = ""  # an override's action name on the filing page, or ""


def the_right_page(filing):
    """Where the filing's people verify: their province's page or the MIIT page."""
    if filing.policy in PROVINCIAL_POLICIES:
        return Channel(filing.province_id)
    return CENTRAL


def _pending(story):
    return [v for v in story.verifications if v.status == VerificationStatus.PENDING]


def _undelivered(story):
    pending = {v.pk: v for v in _pending(story)}
    last_text = {}
    for message in story.texts:  # newest first
        if message.verification_id in pending:
            last_text.setdefault(message.verification_id, message)
    for verification_id, message in last_text.items():
        if timeline.text_undelivered(message):
            person = labels.person_text(pending[verification_id])
            return NextStep(
                "text_undelivered",
                _(
                    "The last text to %(person)s did not reach the phone: check the "
                    "number with the customer, then send a new code."
                )
                % {"person": person},
                "resend_code",
            )
    return None


def _wrong_page(story):
    right = the_right_page(story.filing).name
    mobiles = {v.mobile for v in _pending(story)}
    for attempt in story.attempts:  # newest first
        if attempt.mobile in mobiles and attempt.channel != right:
            return NextStep(
                "wrong_page",
                _(
                    "The applicant tried %(tried)s, but this filing is verified on "
                    "%(right)s: give them that page's address."
                )
                % {
                    "tried": labels.channel_label(attempt.channel),
                    "right": labels.channel_label(right),
                },
            )
    return None


def _resend_cap(story):
    cap = policies.get_policy(story.filing.policy).resend_cap
    if cap is None:
        return None
    for verification in _pending(story):
        if verification.resends >= cap:
            return NextStep(
                "resend_cap_reached",
                _(
                    "%(person)s has asked for all %(cap)d new codes the policy "
                    "allows: only you can send another (it is not counted)."
                )
                % {"person": labels.person_text(verification), "cap": cap},
                "resend_code",
            )
    return None


def _one_failure_left(story):
    limit = policies.get_policy(story.filing.policy).failure_limit
    for verification in _pending(story):
        if verification.failed_attempts == limit - 1:
            return NextStep(
                "one_failure_left",
                _(
                    "One more wrong entry by %(person)s returns the filing: read the "
                    "code and the last six certificate digits with them before they "
                    "try again."
                )
                % {"person": labels.person_text(verification)},
            )
    return None


def _deadline_soon(story):
    deadline = story.filing.verification_deadline
    hours = settings.QUEUE_DEADLINE_HOURS
    if deadline and deadline - story.now <= datetime.timedelta(hours=hours):
        return NextStep(
            "deadline_soon",
            _(
                "The deadline is near and someone has not verified: if the customer "
                "needs more time, extend it."
            ),
            "extend_deadline",
        )
    return None


def _returned(story):
    expired = any(e.event_type == EventType.EXPIRED for e in story.events)
    if expired:
        return NextStep(
            "expired",
            _(
                "Returned because the deadline passed: the customer asks their "
                "access provider to submit the filing again; new codes come then."
            ),
        )
    return NextStep(
        "returned",
        _(
            "Returned to the provider: the customer asks their access provider to "
            "submit the filing again; the people verify anew then."
        ),
    )


# A waiting filing's situations, the most pressing first.
WAITING_RULES = [
    _undelivered,
    _wrong_page,
    _resend_cap,
    _one_failure_left,
    _deadline_soon,
]


# Every situation a rule can name, for what is keyed to them (answer scripts).
SITUATIONS = (
    "text_undelivered",
    "wrong_page",
    "resend_cap_reached",
    "one_failure_left",
    "deadline_soon",
    "expired",
    "returned",
)


def all_steps(story):
    """Every step that applies now, the most pressing first."""
    status = story.filing.status
    if status == FilingStatus.RETURNED:
        return [_returned(story)]
    if status != FilingStatus.PENDING_VERIFICATION:
        return []
    return [step for rule in WAITING_RULES if (step := rule(story))]


def next_step(story):
    """The step the filing page recommends now, or None when there is none."""
    steps = all_steps(story)
    return steps[0] if steps else None
