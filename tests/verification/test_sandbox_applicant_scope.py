"""A sandbox applicant's call (`sandbox_filing`) reaches its own filing and nothing
else of the number: not another filing waiting on it, not the number's contact
check, not the pages' throttles. The pages' own calls are unchanged."""

import pytest

from tests.verification.helpers import submitted_filing
from verification import actions, contact_checks, throttles
from verification.models import Attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked_of_contact_checks(monkeypatch):
    """The mobiles the number's contact check was asked about."""
    asked = []

    def confirm(mobile, *args, **kwargs):
        asked.append(mobile)

    monkeypatch.setattr(contact_checks, "confirm", confirm)
    return asked


def test_a_wrong_code_counts_on_the_applicants_own_filing_alone():
    mine, leader, _ = submitted_filing(same_person=True)
    other, _, _ = submitted_filing(same_person=True)
    theirs = other.verifications.get()
    theirs.mobile = leader.mobile  # another filing waiting on the same number
    theirs.save()
    actions.verify(
        actions.CENTRAL,
        leader.mobile,
        "000000",
        leader.certificate_number[-6:],
        sandbox_filing=mine.pk,
    )
    assert mine.verifications.get().failed_attempts == 1
    theirs.refresh_from_db()
    assert theirs.failed_attempts == 0


def test_no_contact_check_nor_throttle_hears_a_sandbox_applicant(
    asked_of_contact_checks, settings
):
    settings.RATELIMITS = {**settings.RATELIMITS, "verify_per_mobile": "1/h"}
    _, leader, _ = submitted_filing(same_person=True)
    gone, _, _ = submitted_filing()  # no longer waiting on this number, or any
    for _ in range(3):
        actions.verify(
            actions.CENTRAL,
            leader.mobile,
            "000000",
            leader.certificate_number[-6:],
            sandbox_filing=gone.pk,
        )
    assert asked_of_contact_checks == []
    assert not Attempt.objects.filter(reason__startswith="throttled").exists()
    # The page's own call: the contact check is asked, the throttle counts.
    for _ in range(2):
        actions.verify(
            actions.CENTRAL, leader.mobile, "000000", leader.certificate_number[-6:]
        )
    assert asked_of_contact_checks
    assert throttles.hit("verify", mobile=leader.mobile, ip=None)
