"""The engine's filing moves: the state machine walked with verifications, which
submitting creates and leaving verification closes."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from filings import transitions, working_days
from filings.models import AuditEvent, FilingApplication, FilingStatus
from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from tests.filings.test_transitions import EXPECTED as FILING_MACHINE
from tests.verification.helpers import filing_in, verify_all
from verification import moves
from verification.models import Verification

pytestmark = pytest.mark.django_db
S = FilingStatus
SYSTEM = transitions.SYSTEM


def submit(filing):
    return moves.submit_filing(filing)


def complete(filing):
    verify_all(filing)
    return moves.complete_verification(filing)


def return_(filing):
    return moves.return_filing(filing, actor=SYSTEM, reason="documents unclear")


def cancel(filing):
    return moves.cancel_filing(filing, actor=SYSTEM, reason="withdrawn")


def approve(filing):
    return transitions.approve_filing(filing, actor=SYSTEM)


def reject(filing):
    return transitions.reject_filing(
        filing,
        actor=SYSTEM,
        code="certificate_scan_unreadable",
        reason="false information",
    )


def expire_now(filing):
    return moves.expire_filing(filing, now=timezone.now() + datetime.timedelta(days=3))


MOVES = {
    "submit": submit,
    "expire": expire_now,
    "complete": complete,
    "return": return_,
    "cancel": cancel,
    "approve": approve,
    "reject": reject,
}

# The hand-written machine of the filing moves, walked here through the engine (a
# failure is the engine's own answer to five wrong codes, tested with verify).
EXPECTED = {
    status: {move: to for move, to in row.items() if move != "fail"}
    for status, row in FILING_MACHINE.items()
}


def _snapshot(filing):
    row = FilingApplication.objects.get(pk=filing.pk)
    return (
        row.status,
        row.submitted_at,
        row.verification_deadline,
        list(
            Verification.objects.filter(filing=filing).values_list("mobile", "status")
        ),
        AuditEvent.objects.filter(filing=filing).count(),
    )


@pytest.mark.parametrize(
    ("from_status", "move"),
    [(status, move) for status in EXPECTED for move in MOVES],
)
def test_move_matrix(from_status, move):
    filing = filing_in(from_status)
    expected = EXPECTED[from_status].get(move)
    before = _snapshot(filing)
    if expected is None:
        with pytest.raises(transitions.IllegalTransition) as info:
            MOVES[move](filing)
        assert f"is {from_status}" in str(info.value)
        if move != "complete":
            # complete's set-up marks verifications verified before it is refused
            assert _snapshot(filing) == before
        else:
            assert _snapshot(filing)[::4] == before[::4]
        return
    moved = MOVES[move](filing)
    assert moved.status == expected
    assert FilingApplication.objects.get(pk=filing.pk).status == expected
    events = list(AuditEvent.objects.filter(filing=filing).order_by("id"))
    assert len(events) == before[-1] + 1  # exactly one new event
    assert (events[-1].from_status, events[-1].to_status) == (from_status, expected)


def test_table_matches_expected_machine():
    pairs = {
        (source, target)
        for source, moves in EXPECTED.items()
        for target in moves.values()
    }
    pairs.add((S.DRAFT, S.UNDER_REVIEW))  # submit when nobody has to verify
    pairs.add((S.APPROVED, S.CANCELLED))  # access removed after a missed check
    assert pairs == set(transitions.ALLOWED_MOVES)


def test_illegal_move_message_names_filing_status_and_alternatives():
    filing = filing_in(S.REJECTED)
    with pytest.raises(transitions.IllegalTransition) as info:
        cancel(filing)
    message = str(info.value)
    assert f"Filing aliyun:{filing.reference} is rejected" in message
    assert "cannot be cancelled" in message
    assert "nothing (final status)" in message


def test_submit_twice_is_refused():
    filing = submit(FilingFactory())
    with pytest.raises(transitions.IllegalTransition):
        submit(filing)
    assert Verification.objects.filter(filing=filing).count() == 2
    assert AuditEvent.objects.filter(filing=filing, event_type="submitted").count() == 1


def test_submit_with_nobody_to_verify_goes_straight_to_review():
    filing = FilingFactory(filing_type="cancel_access", policy="miit-2020")
    moved = submit(filing)
    assert moved.status == S.UNDER_REVIEW
    assert moved.verification_deadline is None
    assert moved.submitted_at is not None
    assert moved.review_started_at == moved.submitted_at
    event = AuditEvent.objects.get(filing=filing, event_type="submitted")
    assert (event.from_status, event.to_status) == (S.DRAFT, S.UNDER_REVIEW)
    assert event.data == {
        "verifications": 0,
        "deadline": None,
        "review_deadline": moved.review_deadline.isoformat(),
        "review_deadline_provisional": not working_days.is_covered(
            moved.review_deadline.year
        ),
    }


def test_submit_records_verifications_deadline_and_event():
    leader = PersonFactory(mobile="13800001111")
    filing = FilingFactory(
        subject__leader=leader, policy="pilot-2017", subject__province_id="gs"
    )
    moved = submit(filing)
    assert moved.verification_deadline - moved.submitted_at == (
        transitions.policies.get_policy("pilot-2017").window
    )
    rows = list(Verification.objects.filter(filing=filing).order_by("id"))
    assert [(v.mobile, v.roles) for v in rows][0] == ("13800001111", ["leader"])
    assert len(rows) == 2
    event = AuditEvent.objects.get(filing=filing, event_type="submitted")
    assert event.actor_kind == "provider"
    assert event.data["verifications"] == 2


def test_complete_is_refused_while_someone_has_not_verified():
    filing = submit(FilingFactory())
    first = Verification.objects.filter(filing=filing).order_by("id").first()
    Verification.objects.filter(pk=first.pk).update(status="verified")
    before = _snapshot(filing)
    with pytest.raises(transitions.IllegalTransition) as info:
        moves.complete_verification(filing)
    assert "1 verification(s) are not verified yet" in str(info.value)
    assert _snapshot(filing) == before


def expire(filing):
    later = filing.verification_deadline + datetime.timedelta(seconds=1)
    return moves.expire_filing(filing, now=later)


@pytest.mark.parametrize(
    ("move", "closed_as"),
    [(expire, "expired"), (return_, "cancelled"), (cancel, "cancelled")],
)
def test_leaving_verification_closes_pending_verifications(move, closed_as):
    filing = submit(FilingFactory())
    move(filing)
    statuses = Verification.objects.filter(filing=filing).values_list(
        "status", flat=True
    )
    assert set(statuses) == {closed_as}
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert event.data["verifications_closed"] == 2


def test_expiry_returns_the_filing_with_reason_expired():
    filing = submit(FilingFactory())
    moved = expire(filing)
    assert moved.status == S.RETURNED
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert (event.event_type, event.reason, event.actor_kind) == (
        "expired",
        "expired",
        "system",
    )
    assert event.data["deadline"] == filing.verification_deadline.isoformat()


def test_expiry_before_the_deadline_is_refused():
    filing = submit(FilingFactory())
    before = _snapshot(filing)
    early = filing.verification_deadline - datetime.timedelta(seconds=1)
    with pytest.raises(transitions.IllegalTransition, match="has not passed"):
        moves.expire_filing(filing, now=early)
    assert _snapshot(filing) == before


@pytest.mark.parametrize("status", [S.UNDER_REVIEW, S.DRAFT, S.APPROVED])
def test_expiry_only_from_pending_verification(status):
    filing = filing_in(status)
    with pytest.raises(transitions.IllegalTransition):
        moves.expire_filing(filing, now=timezone.now() + datetime.timedelta(days=9))
    assert FilingApplication.objects.get(pk=filing.pk).status == status


@pytest.mark.parametrize("code", ["", "materials incomplete", None])
def test_a_rejection_needs_a_catalogued_reason(code):
    filing = filing_in(S.UNDER_REVIEW)
    before = _snapshot(filing)
    with pytest.raises(ValueError, match="Unknown rejection reason"):
        transitions.reject_filing(filing, actor=SYSTEM, code=code, reason="x")
    assert _snapshot(filing) == before


def test_staff_actor_is_recorded():
    user = get_user_model().objects.create_user("agent", password="x")
    filing = filing_in(S.UNDER_REVIEW)
    transitions.reject_filing(
        filing,
        actor=transitions.Actor.staff(user),
        code="certificate_scan_unreadable",
        reason="fake",
    )
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert (event.actor_kind, event.staff_user, event.reason) == ("staff", user, "fake")


def test_a_failure_inside_a_move_leaves_no_partial_state(monkeypatch):
    filing = FilingFactory()
    before = _snapshot(filing)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(transitions, "record_event", broken)
    with pytest.raises(RuntimeError):
        submit(filing)
    assert _snapshot(filing) == before  # no verifications, no deadline, still draft


def test_move_uses_the_current_row_not_a_stale_object():
    filing = FilingFactory()
    stale = FilingApplication.objects.get(pk=filing.pk)
    cancel(filing)
    with pytest.raises(transitions.IllegalTransition):
        submit(stale)
    assert FilingApplication.objects.get(pk=filing.pk).status == S.CANCELLED


def test_audit_events_are_append_only():
    filing = filing_in(S.PENDING_VERIFICATION)
    event = AuditEvent.objects.filter(filing=filing).first()
    event.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(filing=filing).update(reason="x")
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(filing=filing).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_administrator_of_several_services_verifies_once():
    admin = PersonFactory(mobile="13900001111")
    filing = FilingFactory(services=[])
    services = ServiceFactory.create_batch(
        2, subject=filing.subject, administrator=admin
    )
    filing.services.add(*services)
    submit(filing)
    assert list(
        Verification.objects.filter(filing=filing).values_list("mobile", flat=True)
    ) == [
        filing.subject.leader.mobile,
        "13900001111",
    ]
