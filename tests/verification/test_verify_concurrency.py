"""Races on PostgreSQL with real threads: one outcome each, audit trail consistent."""

import datetime

import pytest

from filings.models import AuditEvent, FilingApplication
from tests.concurrency import race
from tests.conftest import postgres_only
from tests.verification.helpers import latest_code, submitted_filing, verify_person
from verification import actions, deadlines
from verification.models import Attempt, Verification

pytestmark = [
    postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]
ROUNDS = 5
SUBMISSIONS = 50


def _two_last_verifications_round():
    filing, leader, admin = submitted_filing()
    codes = {p.mobile: latest_code(p.mobile) for p in (leader, admin)}
    outcomes = race(
        [
            lambda: verify_person(filing, leader, codes[leader.mobile]),
            lambda: verify_person(filing, admin, codes[admin.mobile]),
        ]
    )
    assert sorted(o.status for o in outcomes) == [3, 31], outcomes
    assert FilingApplication.objects.get(pk=filing.pk).status == "under_review"
    completed = AuditEvent.objects.filter(
        filing=filing, event_type="verification_completed"
    )
    assert completed.count() == 1
    assert AuditEvent.objects.filter(filing=filing, event_type="verified").count() == 2


def test_last_two_people_verifying_at_once_complete_the_filing_once():
    for _ in range(ROUNDS):
        _two_last_verifications_round()


def _sweep_against_verify_round():
    filing, leader, _ = submitted_filing(same_person=True)
    code = latest_code(leader.mobile)
    deadline = filing.verification_deadline
    verified, report = race(
        [
            lambda: verify_person(
                filing, leader, code, now=deadline - datetime.timedelta(seconds=1)
            ),
            lambda: deadlines.process_deadlines(
                deadline + datetime.timedelta(seconds=1)
            ),
        ]
    )
    assert not isinstance(verified, Exception), verified
    assert not isinstance(report, Exception), report
    status = FilingApplication.objects.get(pk=filing.pk).status
    verification = Verification.objects.get(filing=filing)
    expired_events = AuditEvent.objects.filter(filing=filing, event_type="expired")
    if verified.status == 3:
        assert (status, verification.status) == ("under_review", "verified")
        assert not expired_events.exists()
        assert report.expired_filings == 0
    else:
        assert verified.status == 21
        assert (status, verification.status) == ("returned", "expired")
        assert expired_events.count() == 1
    return verified.status


def test_sweep_racing_a_correct_verification_is_either_verified_or_returned():
    outcomes = {_sweep_against_verify_round() for _ in range(ROUNDS * 2)}
    assert outcomes <= {3, 21}


def test_simultaneous_correct_submissions_for_one_person_verify_once(settings):
    settings.RATELIMIT_ENABLED = False  # 50 at once is over the per-mobile limit
    filing, leader, _ = submitted_filing(same_person=True)
    code = latest_code(leader.mobile)
    outcomes = race(
        [lambda: verify_person(filing, leader, code) for _ in range(SUBMISSIONS)]
    )
    assert all(isinstance(o, actions.Outcome) for o in outcomes), outcomes
    statuses = sorted(o.status for o in outcomes)
    assert statuses == [3] + [20] * (SUBMISSIONS - 1), statuses
    assert AuditEvent.objects.filter(filing=filing, event_type="verified").count() == 1
    completed = AuditEvent.objects.filter(
        filing=filing, event_type="verification_completed"
    )
    assert completed.count() == 1
    # No lost attempt: every submission is on record, exactly one as the success.
    attempts = Attempt.objects.filter(action="verify")
    assert attempts.count() == SUBMISSIONS
    assert attempts.filter(status=3).count() == 1


def test_one_form_sent_many_times_at_once_is_processed_once(settings):
    settings.RATELIMIT_ENABLED = False
    filing, leader, _ = submitted_filing(same_person=True)
    # A wrong code: each processing would count one more failure.
    outcomes = race(
        [
            lambda: verify_person(filing, leader, "000000", submission="one-form")
            for _ in range(10)
        ]
    )
    processed = [o for o in outcomes if isinstance(o, actions.Outcome)]
    sent_again = [o for o in outcomes if isinstance(o, actions.SentAgain)]
    assert len(processed) == 1 and len(sent_again) == 9, outcomes
    assert Verification.objects.get(filing=filing).failed_attempts == 1
    assert Attempt.objects.filter(submission="one-form").count() == 1


def test_resend_racing_verify_leaves_one_consistent_outcome():
    filing, leader, _ = submitted_filing(same_person=True)
    old_code = latest_code(leader.mobile)
    verified, resent = race(
        [
            lambda: verify_person(filing, leader, old_code),
            lambda: actions.resend(
                actions.CENTRAL, leader.mobile, leader.certificate_number[-6:]
            ),
        ]
    )
    verification = Verification.objects.get(filing=filing)
    if verified.status == 3:
        # verified first: the resend found nothing pending
        assert resent.status == 100
        assert verification.status == "verified"
    else:
        # resent first: the old code stopped working
        assert (verified.status, resent.status) == (2, 101)
        assert verification.status == "pending"
        assert (
            AuditEvent.objects.filter(filing=filing, event_type="code_resent").count()
            == 1
        )
    assert Attempt.objects.count() == 2  # both requests on record
