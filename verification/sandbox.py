"""The providers' sandbox (a test key's filings): magic mobiles whose applicants act
by themselves, through the real engine, so an integration sees every outcome on
demand, with its events and webhooks.

Each magic mobile is a valid mainland number reserved for the sandbox; a live
filing's person with one is an ordinary person. The deadline sweep runs `act`: each
minute it lets each sandbox person with a magic mobile take their next step, as the
applicant would on the verify and resend pages (`verification.actions`), reading the
code from the text the sandbox's gateway holds (`verification.sms.sandbox`).

A magic applicant acts on its own filing alone: the pages act on every filing waiting
on a number, and a magic number is shared by every provider's sandbox (and may be a
live person's too). Nor do the pages' per-number throttles count them: ten uses of a
number an hour, by anyone, would stop it for everyone.
"""

import datetime
import logging
import re
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from filings.models import (
    FilingApplication,
    FilingStatus,
    Person,
    TestClock,
    on_clock,
)
from verification import actions, receipts
from verification.models import (
    Attempt,
    AttemptAction,
    DeliveryReport,
    ReportReason,
    SmsKind,
    SmsMessage,
    SmsStatus,
    Verification,
    VerificationStatus,
)
from verification.sms.sandbox import DELIVERED_LATE, NEVER_DELIVERED, issued_at

logger = logging.getLogger(__name__)

VERIFIES = "19900000001"
WRONG_CODES = "19900000004"
RESENDS = "19900000005"
NOBODY = "19900000006"

#: The magic mobiles and what their applicants do (the manual: the sandbox).
MAGIC_MOBILES: dict[str, str] = {
    VERIFIES: "verifies by themselves a minute after the code arrives",
    NEVER_DELIVERED: "never gets the text (reported undelivered); never acts",
    DELIVERED_LATE: "gets the text 5 minutes late, then verifies a minute after",
    WRONG_CODES: "enters a wrong code each minute until the failure limit",
    RESENDS: "asks for a new code each minute until the resend cap",
    NOBODY: "gets the text and never acts: the filing expires",
}
# How long the applicant takes; how late the late text is.
ACT_AFTER = datetime.timedelta(minutes=1)
LATE_BY = datetime.timedelta(minutes=5)

CODE_RE = re.compile(r"验证码为(\d{6})")


def channel_of(filing: FilingApplication) -> actions.Channel:
    """The verify page a filing's people use."""
    if filing.policy in actions.PROVINCIAL_POLICIES:
        return actions.Channel(filing.province_id)
    return actions.CENTRAL


def _certificate_tail(verification: Verification) -> str:
    """The last six characters of the person's certificate, as they would type them."""
    filing = verification.filing
    person = (
        Person.objects.filter(mobile=verification.mobile)
        .filter(
            Q(led_subjects__filings=filing) | Q(administered_services__filings=filing)
        )
        .first()
    )
    return person.certificate_number[-6:] if person else ""


def _latest_code_text(verification: Verification) -> SmsMessage | None:
    return (
        SmsMessage.objects.filter(
            verification=verification, kind=SmsKind.VERIFICATION_CODE
        )
        .order_by("-id")
        .first()
    )


def deliver_late_texts(now: datetime.datetime, scope: dict[str, Any]) -> int:
    """The late number's texts arrive LATE_BY after the gateway took them (`scope`:
    their filings' test clock)."""
    delivered = 0
    # On the filing's time: from when the code was issued (a test clock's time).
    for text in SmsMessage.objects.filter(
        recipient=DELIVERED_LATE,
        report=DeliveryReport.AWAITING,
        status=SmsStatus.SENT,
        filing__livemode=False,
        verification__code_issued_at__lte=now - LATE_BY,
        **{f"filing__{key}": value for key, value in scope.items()},
    ):
        with transaction.atomic():
            locked = receipts.lock_for_report(text.pk)
            if locked.report != DeliveryReport.AWAITING:
                continue
            receipts.settle(
                locked,
                report=DeliveryReport.DELIVERED,
                code="DELIVRD",
                reason=ReportReason.DELIVERED,
                when=issued_at(locked) + LATE_BY,
            )
            delivered += 1
    return delivered


def _verify_when_arrived(verification: Verification, now: datetime.datetime) -> bool:
    text = _latest_code_text(verification)
    if text is None or text.report != DeliveryReport.DELIVERED or not text.reported_at:
        return False
    if text.reported_at + ACT_AFTER > now:
        return False
    found = CODE_RE.search(text.text)
    if found is None:
        return False
    actions.verify(
        channel_of(verification.filing),
        verification.mobile,
        found.group(1),
        _certificate_tail(verification),
        now=now,
        sandbox_filing=verification.filing_id,
    )
    return True


def _minute_since_last_try(
    verification: Verification, action: str, now: datetime.datetime
) -> bool:
    if verification.filing.test_clock_id is not None:
        return True  # each step of a clock's advance is a minute of its own
    last = (
        Attempt.objects.filter(verification=verification, action=action)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return last is None or last + ACT_AFTER <= now


def _wrong_code(verification: Verification, now: datetime.datetime) -> bool:
    if not _minute_since_last_try(verification, AttemptAction.VERIFY, now):
        return False
    text = _latest_code_text(verification)
    found = CODE_RE.search(text.text) if text else None
    right = found.group(1) if found else ""
    wrong = "000000" if right != "000000" else "000001"
    actions.verify(
        channel_of(verification.filing),
        verification.mobile,
        wrong,
        _certificate_tail(verification),
        now=now,
        sandbox_filing=verification.filing_id,
    )
    return True


def _resend(verification: Verification, now: datetime.datetime) -> bool:
    if not _minute_since_last_try(verification, AttemptAction.RESEND, now):
        return False
    actions.resend(
        channel_of(verification.filing),
        verification.mobile,
        _certificate_tail(verification),
        now=now,
        sandbox_filing=verification.filing_id,
    )
    return True


STEPS = {
    VERIFIES: _verify_when_arrived,
    DELIVERED_LATE: _verify_when_arrived,
    WRONG_CODES: _wrong_code,
    RESENDS: _resend,
}


def act(now: datetime.datetime | None = None, clock: TestClock | None = None) -> int:
    """Let each sandbox person with a magic mobile take their next step (the late
    texts arrive first): of the filings on no test clock, or on `clock` at its time
    `now`. Returns how many acted."""
    now = now or timezone.now()
    scope = on_clock(clock)
    deliver_late_texts(now, scope)
    acted = 0
    waiting = Verification.objects.filter(
        status=VerificationStatus.PENDING,
        mobile__in=list(STEPS),
        filing__livemode=False,
        filing__status=FilingStatus.PENDING_VERIFICATION,
        filing__verification_deadline__gt=now,
        **{f"filing__{key}": value for key, value in scope.items()},
    ).select_related("filing")
    for verification in waiting:
        try:
            acted += STEPS[verification.mobile](verification, now)
        except actions.SentAgain:  # pragma: no cover - no token is ever sent
            continue
    if acted:
        logger.info("%s sandbox applicants acted", acted)
    return acted
