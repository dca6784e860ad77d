"""The filing's own moves (floor 1): the state machine on the record alone, with no
verification engine. The engine's part arrives as `apply`, tested here with stand-ins."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from filings import policies, transitions
from filings.models import AuditEvent, EventType, FilingApplication, FilingStatus
from tests.factories import FilingFactory

pytestmark = pytest.mark.django_db
S = FilingStatus
SYSTEM = transitions.SYSTEM
LATER = datetime.timedelta(days=3)

MOVES = {
    "submit": lambda f: transitions.submit_filing(f, needs_verification=True),
    "complete": lambda f: transitions.complete_verification(f),
    "expire": lambda f: transitions.expire_filing(f, now=timezone.now() + LATER),
    "fail": lambda f: transitions.fail_verification(f),
    "return": lambda f: transitions.return_filing(f, actor=SYSTEM, reason="unclear"),
    "cancel": lambda f: transitions.cancel_filing(f, actor=SYSTEM, reason="withdrawn"),
    "approve": lambda f: transitions.approve_filing(f, actor=SYSTEM),
    "reject": lambda f: transitions.reject_filing(
        f, actor=SYSTEM, code="certificate_scan_unreadable", reason="false"
    ),
}

# The state machine written out by hand: from status -> move -> to status.
EXPECTED = {
    S.DRAFT: {"submit": S.PENDING_VERIFICATION, "cancel": S.CANCELLED},
    S.PENDING_VERIFICATION: {
        "complete": S.UNDER_REVIEW,
        "expire": S.RETURNED,
        "fail": S.RETURNED,
        "return": S.RETURNED,
        "cancel": S.CANCELLED,
    },
    S.UNDER_REVIEW: {
        "approve": S.APPROVED,
        "reject": S.REJECTED,
        "return": S.RETURNED,
        "cancel": S.CANCELLED,
    },
    S.APPROVED: {},
    S.REJECTED: {},
    S.RETURNED: {},
    S.CANCELLED: {},
}

# How to reach each status with the bare moves.
PATHS = {
    S.DRAFT: [],
    S.PENDING_VERIFICATION: ["submit"],
    S.UNDER_REVIEW: ["submit", "complete"],
    S.APPROVED: ["submit", "complete", "approve"],
    S.REJECTED: ["submit", "complete", "reject"],
    S.RETURNED: ["submit", "return"],
    S.CANCELLED: ["cancel"],
}


def filing_in(status):
    filing = FilingFactory()
    for move in PATHS[status]:
        filing = MOVES[move](filing)
    assert filing.status == status
    return filing


def snapshot(filing):
    row = FilingApplication.objects.get(pk=filing.pk)
    return (
        row.status,
        row.submitted_at,
        row.verification_deadline,
        AuditEvent.objects.filter(filing=filing).count(),
    )


@pytest.mark.parametrize(
    ("from_status", "move"),
    [(status, move) for status in EXPECTED for move in MOVES],
)
def test_move_matrix(from_status, move):
    filing = filing_in(from_status)
    expected = EXPECTED[from_status].get(move)
    before = snapshot(filing)
    if expected is None:
        with pytest.raises(transitions.IllegalTransition) as info:
            MOVES[move](filing)
        assert f"is {from_status}" in str(info.value)
        assert snapshot(filing) == before
        return
    moved = MOVES[move](filing)
    assert (
        FilingApplication.objects.get(pk=filing.pk).status == expected == moved.status
    )
    events = list(AuditEvent.objects.filter(filing=filing).order_by("id"))
    assert len(events) == before[-1] + 1  # exactly one new event
    assert (events[-1].from_status, events[-1].to_status) == (from_status, expected)


def test_table_matches_expected_machine():
    pairs = {
        (source, target)
        for source, moves in EXPECTED.items()
        for target in moves.values()
    }
    pairs.add((S.DRAFT, S.UNDER_REVIEW))  # submitting when nobody has to verify
    pairs.add((S.APPROVED, S.CANCELLED))  # access removed after a missed check
    assert pairs == set(transitions.ALLOWED_MOVES)


def test_illegal_move_message_names_filing_status_and_alternatives():
    filing = filing_in(S.REJECTED)
    with pytest.raises(transitions.IllegalTransition) as info:
        MOVES["cancel"](filing)
    message = str(info.value)
    assert f"aliyun:{filing.reference} is rejected; it cannot be cancelled" in message
    assert "nothing (final status)" in message


def test_submit_sets_the_deadline_from_the_policy_window():
    filing = FilingFactory(policy="pilot-2017", subject__province_id="gs")
    now = timezone.now()
    moved = transitions.submit_filing(filing, needs_verification=True, now=now)
    assert moved.submitted_at == now
    assert moved.verification_deadline == now + datetime.timedelta(hours=48)
    event = AuditEvent.objects.get(filing=filing, event_type="submitted")
    assert event.data == {"deadline": moved.verification_deadline.isoformat()}
    assert event.actor_kind == "provider"


def test_submit_with_nobody_to_verify_goes_straight_to_review():
    # Friday 2026-09-18, 10:00 Beijing: 20 working days on, with the National Day
    # week off and Sunday 20 September and Saturday 10 October worked.
    now = datetime.datetime(2026, 9, 18, 2, tzinfo=datetime.UTC)
    moved = transitions.submit_filing(
        FilingFactory(subject__province_id="js"), needs_verification=False, now=now
    )
    assert (moved.status, moved.verification_deadline) == (S.UNDER_REVIEW, None)
    assert moved.submitted_at == moved.review_started_at == now
    assert moved.review_deadline == datetime.date(2026, 10, 22)
    event = AuditEvent.objects.get(filing=moved, event_type="submitted")
    assert event.data == {
        "deadline": None,
        "review_deadline": "2026-10-22",
        "review_deadline_provisional": False,
    }


def test_apply_runs_on_the_locked_row_after_the_check_and_adds_to_the_event():
    seen = []

    def engine_part(locked):
        seen.append((locked.status, locked.verification_deadline is not None))
        return {"verifications": 2}

    filing = transitions.submit_filing(
        FilingFactory(), needs_verification=True, apply=engine_part
    )
    # It saw the draft with its deadline already set, before the status changed.
    assert seen == [(S.DRAFT, True)]
    event = AuditEvent.objects.get(filing=filing, event_type="submitted")
    assert event.data["verifications"] == 2


def test_apply_is_not_called_for_a_refused_move():
    called = []
    filing = filing_in(S.CANCELLED)
    with pytest.raises(transitions.IllegalTransition):
        transitions.return_filing(
            filing, actor=SYSTEM, reason="late", apply=called.append
        )
    assert called == []


def test_apply_may_refuse_and_nothing_is_kept():
    filing = filing_in(S.PENDING_VERIFICATION)
    before = snapshot(filing)

    def refuse(locked):
        raise transitions.IllegalTransition(
            locked, EventType.VERIFICATION_COMPLETED, "1 verification(s) are not"
        )

    with pytest.raises(transitions.IllegalTransition, match="are not"):
        transitions.complete_verification(filing, apply=refuse)
    assert snapshot(filing) == before


@pytest.mark.django_db(transaction=True)
def test_already_locked_needs_the_callers_transaction(reference_data):
    filing = filing_in(S.PENDING_VERIFICATION)
    with pytest.raises(RuntimeError, match="open transaction"):
        transitions.complete_verification(filing, already_locked=True)
    assert snapshot(filing)[0] == S.PENDING_VERIFICATION


def test_already_locked_joins_the_callers_transaction():
    filing = filing_in(S.PENDING_VERIFICATION)
    with transaction.atomic():
        locked = FilingApplication.objects.select_for_update().get(pk=filing.pk)
        transitions.complete_verification(locked, already_locked=True)
        assert FilingApplication.objects.get(pk=filing.pk).status == S.UNDER_REVIEW
    assert AuditEvent.objects.filter(filing=filing).latest("id").event_type == (
        "verification_completed"
    )


def test_expiry_before_the_deadline_is_refused():
    filing = filing_in(S.PENDING_VERIFICATION)
    before = snapshot(filing)
    early = filing.verification_deadline - datetime.timedelta(seconds=1)
    with pytest.raises(transitions.IllegalTransition, match="has not passed"):
        transitions.expire_filing(filing, now=early)
    assert snapshot(filing) == before


def test_expiry_records_reason_and_deadline():
    filing = filing_in(S.PENDING_VERIFICATION)
    transitions.expire_filing(filing, now=filing.verification_deadline)
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert (event.event_type, event.reason, event.actor_kind) == (
        "expired",
        "expired",
        "system",
    )
    assert event.data == {"deadline": filing.verification_deadline.isoformat()}


def test_failure_names_the_policys_limit():
    filing = filing_in(S.PENDING_VERIFICATION)
    transitions.fail_verification(filing)
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    limit = policies.get_policy(filing.policy).failure_limit
    assert event.reason == f"verification failed: {limit} consecutive failed attempts"


@pytest.mark.parametrize("reason", ["", "   ", None])
@pytest.mark.parametrize("move", ["return", "cancel"])
def test_moves_that_need_a_reason_refuse_without_one(move, reason):
    filing = filing_in(S.UNDER_REVIEW)
    before = snapshot(filing)
    function = getattr(transitions, f"{move}_filing")
    with pytest.raises(ValueError, match="reason is required"):
        function(filing, actor=SYSTEM, reason=reason)
    assert snapshot(filing) == before


def test_staff_actor_is_recorded():
    user = get_user_model().objects.create_user("agent", password="x")
    filing = filing_in(S.UNDER_REVIEW)
    transitions.reject_filing(
        filing,
        actor=transitions.Actor.staff(user),
        code="certificate_scan_unreadable",
        reason="x",
    )
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert (event.actor_kind, event.staff_user, event.reason) == ("staff", user, "x")


def test_a_failure_inside_a_move_leaves_no_partial_state(monkeypatch):
    filing = FilingFactory()
    before = snapshot(filing)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(transitions, "record_event", broken)
    with pytest.raises(RuntimeError):
        MOVES["submit"](filing)
    assert snapshot(filing) == before  # no deadline, still a draft


def test_move_uses_the_current_row_not_a_stale_object():
    filing = FilingFactory()
    stale = FilingApplication.objects.get(pk=filing.pk)
    MOVES["cancel"](filing)
    with pytest.raises(transitions.IllegalTransition):
        MOVES["submit"](stale)
    assert FilingApplication.objects.get(pk=filing.pk).status == S.CANCELLED


def test_extend_deadline_moves_it_and_audits():
    filing = filing_in(S.PENDING_VERIFICATION)
    old = filing.verification_deadline
    moved = transitions.extend_deadline(filing, hours=6, actor=SYSTEM, reason="ill")
    assert moved.verification_deadline == old + datetime.timedelta(hours=6)
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert (event.event_type, event.data["hours"]) == ("deadline_extended", 6)


def test_approval_assigns_the_icp_number():
    filing = filing_in(S.UNDER_REVIEW)
    moved = transitions.approve_filing(filing, actor=SYSTEM)
    assert moved.icp_number.startswith("京ICP备")
