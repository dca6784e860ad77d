"""The provider events (the webhooks' outbox): which state change makes which, row by
row; numbered per filing; written in the state change's transaction; nothing in them
that identifies a person."""

import datetime
import json

import pytest
from django.db import transaction
from django.utils import timezone

from filings import provider_events, transitions, working_days
from filings.models import EventType, ProviderEvent
from infra.times import rfc3339
from tests.factories import FilingFactory
from tests.verification.helpers import (
    latest_code,
    submitted_filing,
    verify_person,
)
from verification import actions, deadlines, moves

pytestmark = pytest.mark.django_db

STAFF = transitions.SYSTEM


def told(filing):
    """(type, data without the status) of the filing's provider events, in order."""
    return [
        (e.event_type, {k: v for k, v in e.data.items() if k != "status"})
        for e in ProviderEvent.objects.filter(filing=filing).order_by("sequence")
    ]


def review_clock(filing):
    """What `filing.under_review` says of the review clock."""
    filing.refresh_from_db()
    assert filing.review_deadline > filing.review_started_at.date()
    return {
        "review_deadline": filing.review_deadline.isoformat(),
        "review_deadline_provisional": not working_days.is_covered(
            filing.review_deadline.year
        ),
    }


def test_every_audit_event_the_table_names_exists():
    assert set(provider_events.PROVIDER_EVENTS) <= set(EventType.values)
    # case work and code resends are not the provider's business
    assert EventType.NOTE_ADDED not in provider_events.PROVIDER_EVENTS
    assert EventType.CODE_RESENT not in provider_events.PROVIDER_EVENTS


def test_submitted_with_people_to_verify():
    filing, _, _ = submitted_filing()
    assert told(filing) == [
        (
            "filing.submitted",
            {"verification_deadline": rfc3339(filing.verification_deadline)},
        )
    ]
    assert ProviderEvent.objects.get(filing=filing).data["status"] == (
        "pending_verification"
    )


def test_submitted_with_nobody_to_verify_goes_to_review_at_once():
    filing = moves.submit_filing(FilingFactory(filing_type="cancel_access"))
    assert [t for t, _ in told(filing)] == ["filing.submitted", "filing.under_review"]
    assert [e.sequence for e in ProviderEvent.objects.filter(filing=filing)] == [1, 2]


def test_each_person_verified_then_under_review():
    filing, leader, admin = submitted_filing()
    verify_person(filing, leader)
    verify_person(filing, admin)
    assert told(filing)[1:] == [
        ("verification.completed", {"roles": ["leader"]}),
        ("verification.completed", {"roles": ["administrator"]}),
        ("filing.under_review", review_clock(filing)),
    ]
    assert list(
        ProviderEvent.objects.filter(filing=filing).values_list("sequence", flat=True)
    ) == [1, 2, 3, 4]


def test_one_mobile_for_both_roles_is_one_event():
    filing, leader, _ = submitted_filing(same_person=True)
    verify_person(filing, leader)
    assert told(filing)[1:] == [
        ("verification.completed", {"roles": ["leader", "administrator"]}),
        ("filing.under_review", review_clock(filing)),
    ]


def test_failed_verification_returns_the_filing():
    filing, leader, _ = submitted_filing()
    for _ in range(5):
        verify_person(filing, leader, code="000000")
    assert told(filing)[1:] == [
        ("verification.failed", {"roles": ["leader"]}),
        ("filing.returned", {"reason": "failed"}),
    ]


def test_expired_one_by_one_and_by_the_sweep():
    now = timezone.now()
    alone, _, _ = submitted_filing(now=now - datetime.timedelta(days=3))
    moves.expire_filing(alone, now=now)
    swept, _, _ = submitted_filing(now=now - datetime.timedelta(days=3))
    deadlines.process_deadlines(now)
    for filing in (alone, swept):
        assert told(filing)[1:] == [("filing.returned", {"reason": "expired"})]
        last = ProviderEvent.objects.filter(filing=filing).last()
        assert (last.sequence, last.data["status"]) == (2, "returned")


def test_returned_by_staff():
    filing, _, _ = submitted_filing()
    moves.return_filing(filing, actor=STAFF, reason="wrong documents")
    assert told(filing)[-1] == ("filing.returned", {"reason": "staff"})


def test_approved_carries_the_icp_numbers():
    filing, leader, admin = submitted_filing()
    verify_person(filing, leader)
    verify_person(filing, admin)
    filing = transitions.approve_filing(filing, actor=STAFF)
    kind, data = told(filing)[-1]
    service = filing.services.get()
    assert kind == "filing.approved"
    assert data["icp_number"] == filing.icp_number != ""
    assert data["services"] == [
        {"kind": service.kind, "name": service.name, "icp_number": service.icp_number}
    ]


def test_rejected_and_cancelled():
    rejected = moves.submit_filing(FilingFactory(filing_type="cancel_access"))
    transitions.reject_filing(
        rejected, actor=STAFF, code="certificate_scan_unreadable", reason="no"
    )
    kind, data = told(rejected)[-1]
    assert kind == "filing.rejected"
    assert data["reason"]["code"] == "certificate_scan_unreadable"
    assert data["reason"]["text"] == {
        "zh-hans": "证件扫描件不清晰、不完整或已过期。",
        "en": "The certificate scans are unreadable, incomplete or out of date.",
    }
    assert data["reason"]["fix"]["en"] == (
        "Upload clear colour scans of valid certificates, both sides."
    )
    assert data["reason"]["fix"]["zh-hans"] != data["reason"]["fix"]["en"]
    by_provider, _, _ = submitted_filing()
    moves.cancel_filing(by_provider, actor=transitions.PROVIDER, reason="withdrawn")
    assert told(by_provider)[-1] == ("filing.cancelled", {"by": "provider"})


def test_no_code_mobile_or_certificate_number_in_any_event():
    filing, leader, admin = submitted_filing()
    codes = {latest_code(leader.mobile), latest_code(admin.mobile)}
    verify_person(filing, leader)
    verify_person(filing, admin)
    transitions.approve_filing(filing, actor=STAFF)
    text = json.dumps([e.data for e in ProviderEvent.objects.filter(filing=filing)])
    secrets = {leader.mobile, admin.mobile, leader.certificate_number}
    secrets |= {admin.certificate_number, leader.certificate_number[-6:], *codes}
    assert not [s for s in secrets if s in text]


def test_a_change_that_rolls_back_leaves_no_event():
    filing = FilingFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        moves.submit_filing(filing)
        raise RuntimeError("the request failed after the move")
    assert not ProviderEvent.objects.exists()
    # and a refused move leaves none either
    with pytest.raises(transitions.IllegalTransition):
        transitions.approve_filing(filing, actor=STAFF)
    assert not ProviderEvent.objects.exists()


def test_receivers_are_called_once_the_transaction_commits(
    settings, django_capture_on_commit_callbacks
):
    calls = []
    settings.PROVIDER_EVENT_RECEIVERS = ["tests.filings.test_provider_events.receive"]
    receive.calls = calls
    with django_capture_on_commit_callbacks(execute=True):
        moves.submit_filing(FilingFactory(filing_type="cancel_access"))  # two events
    assert calls == [1]
    with django_capture_on_commit_callbacks(execute=True):
        FilingFactory()  # no move, no event
    assert calls == [1]


def receive():
    receive.calls.append(1)


def test_a_failing_receiver_loses_no_event(
    settings, django_capture_on_commit_callbacks
):
    settings.PROVIDER_EVENT_RECEIVERS = ["tests.filings.test_provider_events.broken"]
    with django_capture_on_commit_callbacks(execute=True):
        filing = moves.submit_filing(FilingFactory())
    event = ProviderEvent.objects.get(filing=filing)
    assert event.dispatched_at is None  # left for the sweep


def broken():
    raise ConnectionError("the task queue is down")


def test_the_verify_that_completes_numbers_after_the_person(client):
    """The person's event and the filing's, written in one request, keep their
    order (the completion's writes go after the person's)."""
    filing, leader, admin = submitted_filing()
    verify_person(filing, leader)
    outcome = actions.verify(
        actions.CENTRAL,
        admin.mobile,
        latest_code(admin.mobile),
        admin.certificate_number[-6:],
    )
    assert outcome.status == 3
    events = list(ProviderEvent.objects.filter(filing=filing).order_by("id"))
    assert [(e.sequence, e.event_type) for e in events] == [
        (1, "filing.submitted"),
        (2, "verification.completed"),
        (3, "verification.completed"),
        (4, "filing.under_review"),
    ]
