"""Every answer of the verify page, for each policy where the rules differ."""

import datetime

import pytest
from django.utils import timezone

from filings import transitions
from filings.models import AuditEvent, FilingApplication
from tests.factories import FilingFactory, PersonFactory
from tests.verification.helpers import (
    channel_for,
    last6,
    latest_code,
    submitted_filing,
    verify_person,
)
from verification import actions, moves
from verification.models import Attempt, Verification

pytestmark = pytest.mark.django_db
POLICIES = ["pilot-2017", "provincial-2019", "miit-2020", "miit-current"]
HOURS = {"pilot-2017": 48, "provincial-2019": 48, "miit-2020": 24, "miit-current": 24}


def status_of(filing):
    return FilingApplication.objects.get(pk=filing.pk).status


def wrong_code(person):
    right = latest_code(person.mobile)
    return f"{(int(right) + 1) % 1_000_000:06d}"


@pytest.mark.parametrize("policy", POLICIES)
def test_31_then_3(policy):
    filing, leader, admin = submitted_filing(policy)
    first = verify_person(filing, leader)
    assert first.status == 31
    assert (
        first.answer.text()
        == "尊敬的ICP用户：您的短信核验完成,请等待其他核验人进行短信核验。"
    )
    assert status_of(filing) == "pending_verification"
    second = verify_person(filing, admin)
    assert second.status == 3
    assert second.answer.text("en").startswith(
        "Dear ICP user: Your text message validation is complete. This request will"
    )
    assert status_of(filing) == "under_review"
    assert (
        AuditEvent.objects.filter(
            filing=filing, event_type="verification_completed"
        ).count()
        == 1
    )


@pytest.mark.parametrize("policy", POLICIES)
def test_same_person_verifies_once_for_both_roles(policy):
    filing, leader, _ = submitted_filing(policy, same_person=True)
    assert verify_person(filing, leader).status == 3


@pytest.mark.parametrize("policy", POLICIES)
def test_20_for_the_same_correct_entry_again(policy):
    filing, leader, _ = submitted_filing(policy)
    code = latest_code(leader.mobile)
    assert verify_person(filing, leader, code).status == 31
    assert verify_person(filing, leader, code).status == 20


def test_a_code_works_once_wrong_entry_after_success_is_4():
    filing, leader, _ = submitted_filing()
    assert verify_person(filing, leader).status == 31
    assert verify_person(filing, leader, wrong_code(leader)).status == 4


@pytest.mark.parametrize("policy", POLICIES)
def test_4_when_nothing_is_pending_for_the_mobile(policy):
    filing, _, _ = submitted_filing(policy)
    outcome = actions.verify(channel_for(filing), "13312345678", "123456", "123456")
    assert outcome.status == 4
    assert Attempt.objects.get().reason == "no_verification"


@pytest.mark.parametrize("policy", ["miit-2020", "miit-current"])
def test_2_for_a_wrong_code_or_wrong_certificate(policy):
    filing, leader, _ = submitted_filing(policy)
    assert verify_person(filing, leader, wrong_code(leader)).status == 2
    outcome = actions.verify(
        channel_for(filing), leader.mobile, latest_code(leader.mobile), "000000"
    )
    assert outcome.status == 2
    assert (
        Verification.objects.get(filing=filing, mobile=leader.mobile).failed_attempts
        == 2
    )


@pytest.mark.parametrize("policy", POLICIES)
def test_fifth_consecutive_failure_answers_21_and_returns_the_filing(policy):
    filing, leader, _ = submitted_filing(policy)
    # Wrong certificate digits with the right code: a failure under every rule.
    code = latest_code(leader.mobile)
    answers = [
        actions.verify(channel_for(filing), leader.mobile, code, "000000").status
        for _ in range(6)
    ]
    assert answers == [2, 2, 2, 2, 21, 21]
    assert status_of(filing) == "returned"
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    assert verification.status == "failed"
    assert verification.failed_attempts == 5
    event = AuditEvent.objects.get(filing=filing, event_type="verification_failed")
    assert event.reason == "verification failed: 5 consecutive failed attempts"
    # even the right code is too late now
    assert verify_person(filing, leader).status == 21


def test_success_resets_nothing_for_others_but_failures_are_consecutive():
    filing, leader, admin = submitted_filing()
    for _ in range(4):
        verify_person(filing, leader, wrong_code(leader))
    assert verify_person(filing, leader).status == 31
    assert (
        Verification.objects.get(filing=filing, mobile=leader.mobile).failed_attempts
        == 0
    )
    assert (
        Verification.objects.get(filing=filing, mobile=admin.mobile).failed_attempts
        == 0
    )


@pytest.mark.parametrize("policy", POLICIES)
def test_past_the_deadline_answers_21_without_the_sweep(policy):
    filing, leader, _ = submitted_filing(policy)
    later = filing.verification_deadline + datetime.timedelta(seconds=1)
    outcome = verify_person(filing, leader, now=later)
    assert outcome.status == 21
    assert status_of(filing) == "returned"
    assert set(
        Verification.objects.filter(filing=filing).values_list("status", flat=True)
    ) == {"expired"}
    assert (
        AuditEvent.objects.get(filing=filing, event_type="expired").reason == "expired"
    )


@pytest.mark.parametrize("policy", POLICIES)
def test_window_is_24_or_48_hours(policy):
    start = timezone.now()
    filing, leader, admin = submitted_filing(policy, now=start)
    at_25h = start + datetime.timedelta(hours=25)
    expected = 21 if HOURS[policy] == 24 else 31
    assert verify_person(filing, leader, now=at_25h).status == expected


def test_0_when_the_filing_was_cancelled_meanwhile():
    filing, leader, _ = submitted_filing()
    code = latest_code(leader.mobile)
    moves.cancel_filing(filing, actor=transitions.PROVIDER, reason="withdrawn")
    outcome = verify_person(filing, leader, code)
    assert outcome.status == 0
    assert outcome.answer.text() == "尊敬的ICP用户：您的短信核验失败,请您重新验证。"


def test_odd_but_valid_input_is_normalised():
    filing, leader, _ = submitted_filing("miit-2020")
    code = latest_code(leader.mobile)
    full_width_code = "".join(chr(ord(c) + 0xFEE0) for c in code)
    spaced_mobile = f"+86 {leader.mobile[:3]} {leader.mobile[3:7]} {leader.mobile[7:]}"
    outcome = actions.verify(
        actions.CENTRAL, spaced_mobile, full_width_code, " " + last6(leader).lower()
    )
    assert outcome.status == 31


def test_lower_case_x_matches():
    leader = PersonFactory(certificate_number="11010519491231002X")
    moves.submit_filing(FilingFactory(subject__leader=leader))
    outcome = actions.verify(
        actions.CENTRAL, leader.mobile, latest_code(leader.mobile), "31002x"
    )
    assert outcome.status == 31


def test_channels_serve_their_own_filings_only():
    provincial, p_leader, _ = submitted_filing("provincial-2019")  # Shandong
    central, c_leader, _ = submitted_filing("miit-current")
    p_code, c_code = latest_code(p_leader.mobile), latest_code(c_leader.mobile)
    # a provincial filing is not on the central page, nor on another province's page
    assert (
        actions.verify(actions.CENTRAL, p_leader.mobile, p_code, last6(p_leader)).status
        == 4
    )
    assert (
        actions.verify(
            actions.Channel("gs"), p_leader.mobile, p_code, last6(p_leader)
        ).status
        == 4
    )
    # and a central filing is not on a provincial page
    assert (
        actions.verify(
            actions.Channel("bj"), c_leader.mobile, c_code, last6(c_leader)
        ).status
        == 4
    )
    assert (
        actions.verify(
            actions.Channel("sd"), p_leader.mobile, p_code, last6(p_leader)
        ).status
        == 31
    )
    assert (
        actions.verify(actions.CENTRAL, c_leader.mobile, c_code, last6(c_leader)).status
        == 31
    )


def test_wrong_attempts_on_another_channel_do_not_count():
    filing, leader, _ = submitted_filing("provincial-2019")
    code = latest_code(leader.mobile)
    for _ in range(6):
        actions.verify(actions.CENTRAL, leader.mobile, code, "000000")
    assert (
        Verification.objects.get(filing=filing, mobile=leader.mobile).failed_attempts
        == 0
    )


def test_failure_counts_on_every_pending_verification_of_the_mobile():
    person = PersonFactory()
    first = moves.submit_filing(FilingFactory(subject__leader=person))
    second = moves.submit_filing(FilingFactory(subject__leader=person))
    actions.verify(actions.CENTRAL, person.mobile, "000000", last6(person))
    counts = Verification.objects.filter(mobile=person.mobile).values_list(
        "failed_attempts", flat=True
    )
    assert list(counts) == [1, 1]
    # the code picks the right filing
    code_second = latest_code(person.mobile)
    outcome = actions.verify(actions.CENTRAL, person.mobile, code_second, last6(person))
    assert outcome.status == 31
    assert outcome.verifications[0].filing_id == second.pk
    assert (
        Verification.objects.get(filing=first, mobile=person.mobile).status == "pending"
    )


def test_every_attempt_is_recorded_without_code_or_digits():
    filing, leader, _ = submitted_filing()
    code = latest_code(leader.mobile)
    verify_person(
        filing, leader, wrong_code(leader), ip="203.0.113.9", user_agent="UA/1"
    )
    verify_person(filing, leader, code, ip="203.0.113.9", user_agent="UA/1")
    attempts = list(Attempt.objects.order_by("id").values())
    assert [(a["status"], a["reason"]) for a in attempts] == [
        (2, "wrong_code_or_certificate"),
        (31, "verified"),
    ]
    assert all(
        a["channel"] == "central" and a["mobile"] == leader.mobile for a in attempts
    )
    assert attempts[1]["verification_id"] is not None
    assert attempts[0]["ip"] == "203.0.113.9" and attempts[0]["user_agent"] == "UA/1"
    dumped = repr(attempts)
    assert code not in dumped and last6(leader) not in dumped
