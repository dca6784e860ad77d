"""The staff's actions on a verification, from the console: a new code (past the
resend cap), marking a person verified, changing a mobile. Each needs a reason and is
audited; each refuses a verification that is not waiting (StaffActionRefused)."""

import datetime
import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filings import transitions
from filings.models import (
    EventType,
    FilingApplication,
    FilingStatus,
    Person,
    Service,
)
from filings.privacy import lookup_key, mask_mobile
from filings.validators import normalize_mobile
from verification import codes, messages, moves
from verification.models import (
    SmsMessage,
    Verification,
    VerificationStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


logger = logging.getLogger(__name__)


class StaffActionRefused(Exception):
    """A staff action that does not fit the verification's or the filing's state."""


class NotResendable(StaffActionRefused):
    """A staff resend asked for a verification that is not waiting for a code."""


def lock_pending(verification: Verification, now: datetime.datetime) -> Verification:
    """Lock a verification and its filing; refuse (NotResendable) unless both are
    still pending and the deadline has not passed."""
    filing = (
        FilingApplication.objects.select_for_update(of=("self",))
        .select_related("province", "provider", "subject__leader")
        .get(pk=verification.filing_id)
    )
    locked = Verification.objects.select_for_update().get(pk=verification.pk)
    if (
        filing.status != FilingStatus.PENDING_VERIFICATION
        or locked.status != VerificationStatus.PENDING
    ):
        raise NotResendable(
            f"Verification {locked.pk} is {locked.status} and its filing is "
            f"{filing.status}; only a pending verification can be acted on."
        )
    assert filing.verification_deadline is not None  # it is pending verification
    if filing.verification_deadline <= now:
        raise NotResendable("The verification deadline has passed.")
    locked.filing = filing
    return locked


def _staff_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise ValueError("A reason is required for a staff action.")
    return reason.strip()


def staff_resend(
    verification: Verification,
    user: "User",
    reason: str,
    *,
    now: datetime.datetime | None = None,
) -> SmsMessage:
    """Send a new code on a staff member's behalf, ignoring the applicant cap.

    Returns the queued SmsMessage; raises NotResendable if the verification or its
    filing is no longer pending.
    """
    now = now or timezone.now()
    reason = _staff_reason(reason)
    with transaction.atomic():
        locked = lock_pending(verification, now)
        return codes.resend_code(
            locked, now, transitions.Actor.staff(user), "staff", reason
        )


def staff_mark_verified(
    verification: Verification,
    user: "User",
    reason: str,
    *,
    now: datetime.datetime | None = None,
) -> int:
    """Mark a person verified whose identity staff confirmed another way.

    Returns 3 if that completed the filing (it moves to review), else 31.
    """
    now = now or timezone.now()
    reason = _staff_reason(reason)
    actor = transitions.Actor.staff(user)
    with transaction.atomic():
        locked = lock_pending(verification, now)
        Verification.objects.filter(pk=locked.pk).update(
            status=VerificationStatus.VERIFIED, verified_at=now, updated_at=now
        )
        transitions.record_event(
            locked.filing,
            actor,
            EventType.VERIFIED,
            reason=reason,
            data={"verification": locked.pk, "roles": locked.roles, "by_staff": True},
        )
        outstanding = (
            Verification.objects.filter(filing_id=locked.filing_id)
            .exclude(status=VerificationStatus.VERIFIED)
            .exists()
        )
        if outstanding:
            return messages.VERIFIED_WAIT_FOR_OTHERS
        moves.complete_verification(locked.filing, actor=actor)
        return messages.VERIFIED_ALL


def staff_change_mobile(
    verification: Verification,
    new_mobile: str,
    user: "User",
    reason: str,
    *,
    now: datetime.datetime | None = None,
) -> SmsMessage:
    """Change the mobile of the person(s) behind a pending verification and text the
    new number a fresh code (the old code stops working). Returns the SmsMessage."""
    now = now or timezone.now()
    reason = _staff_reason(reason)
    new_mobile = normalize_mobile(new_mobile)  # ValidationError for a bad number
    with transaction.atomic():
        locked = lock_pending(verification, now)
        old_mobile = locked.mobile
        if new_mobile == old_mobile:
            raise StaffActionRefused(
                _("The new mobile number is the same as the old one.")
            )
        if Verification.objects.filter(
            filing_id=locked.filing_id, mobile=new_mobile
        ).exists():
            raise StaffActionRefused(
                _("Another person of this filing already verifies with that number.")
            )
        filing = locked.filing
        people: list[int] = []
        if locked.is_leader and filing.subject.leader.mobile == old_mobile:
            people.append(filing.subject.leader_id)
        if locked.is_administrator:
            people += list(
                Service.objects.filter(
                    filings=filing, administrator__mobile=old_mobile
                ).values_list("administrator_id", flat=True)
            )
        Person.objects.filter(pk__in=people).update(
            mobile=new_mobile, mobile_key=lookup_key(new_mobile)
        )
        Verification.objects.filter(pk=locked.pk).update(
            mobile=new_mobile, failed_attempts=0, updated_at=now
        )
        locked.mobile, locked.failed_attempts = new_mobile, 0
        transitions.record_event(
            filing,
            transitions.Actor.staff(user),
            EventType.MOBILE_CHANGED,
            reason=reason,
            data={
                "verification": locked.pk,
                "from": mask_mobile(old_mobile),
                "to": mask_mobile(new_mobile),
            },
        )
        return codes.resend_code(
            locked, now, transitions.Actor.staff(user), "mobile_changed", reason
        )
