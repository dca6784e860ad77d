"""Concurrent moves on one filing (PostgreSQL, real threads): exactly one wins."""

import datetime

import pytest

from filings import transitions
from filings.models import AuditEvent, FilingApplication, FilingStatus
from tests.concurrency import race
from tests.conftest import postgres_only
from tests.factories import FilingFactory
from verification import moves
from verification.models import Verification

pytestmark = [
    postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

THREADS = 8


def test_simultaneous_submissions_submit_once():
    filing = FilingFactory()
    outcomes = race([lambda: moves.submit_filing(filing)] * THREADS)
    wins = [o for o in outcomes if isinstance(o, FilingApplication)]
    refusals = [o for o in outcomes if isinstance(o, transitions.IllegalTransition)]
    assert (len(wins), len(refusals)) == (1, THREADS - 1), outcomes
    assert Verification.objects.filter(filing=filing).count() == 2
    assert AuditEvent.objects.filter(filing=filing, event_type="submitted").count() == 1


def test_return_racing_cancel_gives_one_outcome_and_one_event():
    filing = moves.submit_filing(FilingFactory())
    system = transitions.SYSTEM
    contenders = [
        lambda: moves.return_filing(filing, actor=system, reason="expired"),
        lambda: moves.cancel_filing(filing, actor=system, reason="withdrawn"),
    ] * (THREADS // 2)
    outcomes = race(contenders)
    wins = [o for o in outcomes if isinstance(o, FilingApplication)]
    assert len(wins) == 1, outcomes
    assert all(
        isinstance(o, transitions.IllegalTransition) for o in outcomes if o not in wins
    )
    final = FilingApplication.objects.get(pk=filing.pk).status
    assert final in (FilingStatus.RETURNED, FilingStatus.CANCELLED)
    events = AuditEvent.objects.filter(filing=filing).exclude(
        event_type__in=["submitted", "created"]
    )
    assert [(e.from_status, e.to_status) for e in events] == [
        (FilingStatus.PENDING_VERIFICATION, final)
    ]


def test_completion_racing_expiry_never_gives_both():
    filing = moves.submit_filing(FilingFactory())
    Verification.objects.filter(filing=filing).update(status="verified")
    after_deadline = filing.verification_deadline + datetime.timedelta(seconds=1)
    outcomes = race(
        [
            lambda: moves.complete_verification(filing),
            lambda: moves.expire_filing(filing, now=after_deadline),
        ]
        * (THREADS // 2)
    )
    assert sum(isinstance(o, FilingApplication) for o in outcomes) == 1, outcomes
    moved = AuditEvent.objects.filter(
        filing=filing, from_status=FilingStatus.PENDING_VERIFICATION
    )
    assert moved.count() == 1
    assert FilingApplication.objects.get(pk=filing.pk).status == moved.get().to_status
