"""Helpers for engine tests: submitted filings, filings in each status, and codes
read from the SMS outbox."""

import re

from filings import transitions
from filings.models import FilingStatus
from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from verification import actions, moves
from verification.models import SmsKind, SmsMessage, Verification, VerificationStatus

S = FilingStatus

CODE_RE = re.compile(r"验证码为(\d{6})")
PROVINCE_FOR = {"pilot-2017": "gs", "provincial-2019": "sd"}


def channel_for(filing):
    if filing.policy in PROVINCE_FOR:
        return actions.Channel(filing.province_id)
    return actions.CENTRAL


def submitted_filing(policy="miit-current", *, same_person=False, now=None, **kwargs):
    """A first filing (leader + one website administrator) submitted under `policy`."""
    province = PROVINCE_FOR.get(policy, "bj")
    leader = PersonFactory()
    admin = leader if same_person else PersonFactory()
    filing = FilingFactory(
        policy=policy,
        subject__leader=leader,
        subject__province_id=province,
        services=[],
    )
    filing.services.add(ServiceFactory(subject=filing.subject, administrator=admin))
    filing = moves.submit_filing(filing, now=now, **kwargs)
    return filing, leader, admin


def latest_code(mobile):
    """The code in the newest verification SMS to `mobile`."""
    message = (
        SmsMessage.objects.filter(recipient=mobile, kind=SmsKind.VERIFICATION_CODE)
        .order_by("-id")
        .first()
    )
    return CODE_RE.search(message.text).group(1)


def last6(person):
    return person.certificate_number[-6:]


def verify_person(filing, person, code=None, **kwargs):
    return actions.verify(
        channel_for(filing),
        person.mobile,
        code or latest_code(person.mobile),
        last6(person),
        **kwargs,
    )


def verify_all(filing):
    """Test set-up: mark every verification verified (the engine does this for real)."""
    Verification.objects.filter(filing=filing).update(
        status=VerificationStatus.VERIFIED
    )


def filing_in(status, **factory_kwargs):
    """A filing brought to `status` by legal moves only (through the engine, so it
    has its verifications)."""
    if status in (S.UNDER_REVIEW, S.APPROVED, S.REJECTED):
        factory_kwargs.setdefault("filing_type", "cancel_access")  # nobody verifies
    filing = FilingFactory(**factory_kwargs)
    actor = transitions.SYSTEM
    if status == S.DRAFT:
        return filing
    if status == S.CANCELLED:
        return moves.cancel_filing(filing, actor=actor, reason="test")
    filing = moves.submit_filing(filing)
    if status == S.PENDING_VERIFICATION:
        assert filing.status == S.PENDING_VERIFICATION
        return filing
    if status == S.RETURNED:
        return moves.return_filing(filing, actor=actor, reason="test")
    assert filing.status == S.UNDER_REVIEW
    if status == S.APPROVED:
        return transitions.approve_filing(filing, actor=actor)
    if status == S.REJECTED:
        return transitions.reject_filing(
            filing, actor=actor, code="certificate_scan_unreadable", reason="test"
        )
    return filing
