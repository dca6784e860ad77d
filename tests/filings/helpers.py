"""Put filings into each status through the real transition functions."""

from filings import transitions
from filings.models import FilingStatus
from tests.factories import FilingFactory
from verification import moves
from verification.models import Verification, VerificationStatus

S = FilingStatus


def verify_all(filing):
    """Test set-up: mark every verification verified (the engine does this for real)."""
    Verification.objects.filter(filing=filing).update(
        status=VerificationStatus.VERIFIED
    )


def filing_in(status, **factory_kwargs):
    """A filing brought to `status` by legal moves only."""
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
        return transitions.reject_filing(filing, actor=actor, reason="test")
    return filing
