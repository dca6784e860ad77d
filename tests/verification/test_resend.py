"""Every answer of the resend page, the caps of each policy, and staff resends."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from filings import transitions
from filings.models import AuditEvent, FilingApplication
from tests.verification.helpers import (
    channel_for,
    last6,
    latest_code,
    submitted_filing,
    verify_person,
)
from verification import actions, moves, staff_actions
from verification.models import Attempt, SmsMessage, Verification

pytestmark = pytest.mark.django_db


def resend(filing, person, **kwargs):
    return actions.resend(channel_for(filing), person.mobile, last6(person), **kwargs)


def code_messages(person):
    return SmsMessage.objects.filter(recipient=person.mobile, kind="verification_code")


@pytest.mark.parametrize("policy", ["miit-2020", "miit-current"])
def test_miit_cap_101_101_then_102_and_the_third_sends_nothing(policy):
    filing, leader, _ = submitted_filing(policy)
    answers = [resend(filing, leader).status for _ in range(3)]
    assert answers == [101, 101, 102]
    assert code_messages(leader).count() == 3  # the first code and two resends
    assert Verification.objects.get(filing=filing, mobile=leader.mobile).resends == 2
    outcome = resend(filing, leader)
    assert outcome.answer.text() == (
        "尊敬的ICP用户：重发次数已到上限，若不能及时完成短信核验，您的备案申请将会被退回。"
    )


@pytest.mark.parametrize("policy", ["pilot-2017", "provincial-2019"])
def test_provincial_policies_have_no_cap(policy):
    filing, leader, _ = submitted_filing(policy)
    assert [resend(filing, leader).status for _ in range(5)] == [101] * 5
    assert code_messages(leader).count() == 6


def test_resend_replaces_the_code_and_keeps_the_deadline():
    filing, leader, admin = submitted_filing()
    old = latest_code(leader.mobile)
    deadline = filing.verification_deadline
    assert resend(filing, leader).status == 101
    new = latest_code(leader.mobile)
    assert new != old
    assert (
        verify_person(filing, leader, old).status == 2
    )  # the old code stopped working
    assert verify_person(filing, leader, new).status == 31
    assert FilingApplication.objects.get(pk=filing.pk).verification_deadline == deadline
    event = AuditEvent.objects.get(filing=filing, event_type="code_resent")
    assert event.data["trigger"] == "applicant"
    assert event.actor_kind == "applicant"


def test_resent_sms_states_the_hours_left():
    filing, leader, _ = submitted_filing("miit-current")
    later = filing.submitted_at + datetime.timedelta(hours=20, minutes=30)
    resend(filing, leader, now=later)
    text = code_messages(leader).latest("id").text
    assert "4小时内有效" in text


def test_100_when_nothing_is_pending():
    filing, leader, admin = submitted_filing()
    assert actions.resend(actions.CENTRAL, "13312345678", "123456").status == 100
    verify_person(filing, leader)
    verify_person(filing, admin)
    outcome = resend(filing, leader)
    assert outcome.status == 100
    assert outcome.answer.text("en") == (
        "Dear ICP user: You have no pending ICP filing applications that require text "
        "message validation. You do not need to resend the text message."
    )


def test_4_when_the_certificate_digits_do_not_match():
    filing, leader, _ = submitted_filing()
    outcome = actions.resend(actions.CENTRAL, leader.mobile, "000000")
    assert outcome.status == 4
    assert outcome.answer.text() == "尊敬的ICP用户：验证库中无此记录。"
    assert code_messages(leader).count() == 1


def test_resend_after_the_deadline_expires_and_answers_100():
    filing, leader, _ = submitted_filing()
    later = filing.verification_deadline + datetime.timedelta(minutes=1)
    assert resend(filing, leader, now=later).status == 100
    assert FilingApplication.objects.get(pk=filing.pk).status == "returned"


def test_resend_is_recorded_as_an_attempt():
    filing, leader, _ = submitted_filing()
    resend(filing, leader, ip="198.51.100.7")
    attempt = Attempt.objects.get()
    assert (attempt.action, attempt.status, attempt.reason) == ("resend", 101, "resent")
    assert attempt.verification.mobile == leader.mobile


def test_staff_resend_bypasses_the_cap_and_is_audited():
    user = get_user_model().objects.create_user("agent")
    filing, leader, _ = submitted_filing("miit-current")
    resend(filing, leader)
    resend(filing, leader)
    assert resend(filing, leader).status == 102
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    message = staff_actions.staff_resend(
        verification, user, "caller confirmed identity"
    )
    assert message.recipient == leader.mobile
    assert verify_person(filing, leader).status == 31
    event = AuditEvent.objects.filter(filing=filing, event_type="code_resent").latest(
        "id"
    )
    assert (event.actor_kind, event.staff_user, event.reason) == (
        "staff",
        user,
        "caller confirmed identity",
    )
    assert event.data["trigger"] == "staff"
    assert Verification.objects.get(pk=verification.pk).resends == 2


def test_staff_resend_refuses_a_verification_that_is_not_pending():
    user = get_user_model().objects.create_user("agent")
    filing, leader, _ = submitted_filing()
    moves.cancel_filing(filing, actor=transitions.PROVIDER, reason="withdrawn")
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    with pytest.raises(
        staff_actions.NotResendable, match="only a pending verification"
    ):
        staff_actions.staff_resend(verification, user, "please")
    with pytest.raises(ValueError, match="reason"):
        staff_actions.staff_resend(verification, user, " ")
    assert code_messages(leader).count() == 1
