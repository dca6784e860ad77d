"""A verify's outcome reaches the database in one order (verification.outcomes): the
person's row, event and attempt first, then the filing's move, whose events are
numbered after the person's."""

import pytest
from django.db import transaction

from filings.models import (
    AuditEvent,
    EventType,
    FilingStatus,
    ProviderEvent,
    ProviderEventType,
)
from tests.verification.helpers import submitted_filing, verify_person
from tests.verification.test_verify_statuses import wrong_code
from verification import actions, messages
from verification.models import (
    Attempt,
    AttemptReason,
    Verification,
    VerificationStatus,
)
from verification.outcomes import OutcomeWrites

pytestmark = pytest.mark.django_db


def events_of(filing):
    return list(
        AuditEvent.objects.filter(filing=filing)
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def provider_events_of(filing):
    return list(
        ProviderEvent.objects.filter(filing=filing)
        .order_by("sequence")
        .values_list("event_type", flat=True)
    )


def test_the_last_person_verified_comes_before_the_filing_completed():
    filing, leader, admin = submitted_filing()
    verify_person(filing, leader)
    verify_person(filing, admin)
    events = events_of(filing)
    assert events[-3:] == [
        EventType.VERIFIED,
        EventType.VERIFIED,
        EventType.VERIFICATION_COMPLETED,
    ]
    told = provider_events_of(filing)
    # the provider reads both people's "verification.completed" before the review
    assert told[-3:] == [
        ProviderEventType.VERIFICATION_COMPLETED,
        ProviderEventType.VERIFICATION_COMPLETED,
        ProviderEventType.FILING_UNDER_REVIEW,
    ]


def test_a_failure_at_the_limit_is_written_before_the_filing_returns():
    filing, leader, _ = submitted_filing()
    for _ in range(5):
        outcome = verify_person(filing, leader, code=wrong_code(leader))
    assert outcome.status == messages.FAILED_CONTACT_PROVIDER
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED
    failed = Verification.objects.get(filing=filing, mobile=leader.mobile)
    assert failed.status == VerificationStatus.FAILED
    assert failed.failed_attempts == 5
    last = Attempt.objects.filter(mobile=leader.mobile).latest("id")
    assert (last.reason, last.consecutive_failures) == (AttemptReason.FAILURE_LIMIT, 5)
    assert events_of(filing)[-1] == EventType.VERIFICATION_FAILED


def test_the_filing_moves_run_after_the_persons_writes_are_in():
    filing, leader, _ = submitted_filing()
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    seen = []
    with transaction.atomic():
        writes = OutcomeWrites()
        writes.person.execute(
            "UPDATE verification_verification SET failed_attempts = 4 WHERE id = %s",
            [verification.pk],
        )
        writes.then(
            lambda: seen.append(
                Verification.objects.get(pk=verification.pk).failed_attempts
            )
        )
        writes.then(lambda: seen.append("second"))
        assert seen == []  # nothing runs before send
        writes.send()
    assert seen == [4, "second"]


def test_verify_sends_through_the_outcome_writes(monkeypatch):
    filing, leader, admin = submitted_filing()
    order = []
    real_send = OutcomeWrites.send

    def send(self):
        order.append(("person", len(self.person.pending)))
        real_send(self)

    monkeypatch.setattr(OutcomeWrites, "send", send)
    verify_person(filing, leader)
    # the person's row, their event (and provider event) and the attempt, together
    assert order and order[0][0] == "person" and order[0][1] >= 3
    assert actions.OutcomeWrites is OutcomeWrites
