"""What to do now: each rule of the table, the wrong-province case among them, the
order they are tried in, and the filing page saying it."""

import datetime

import pytest
from django.utils import timezone, translation

from console import story
from console.next_step import next_step, the_right_page
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification import actions, moves
from verification.models import SmsMessage, SmsStatus, Verification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def step_of(filing):
    return next_step(story.load(filing))


def pending_of(filing, person):
    return Verification.objects.get(filing=filing, mobile=person.mobile)


def test_nothing_to_recommend_while_everyone_simply_waits():
    filing, _, _ = submitted_filing()
    assert step_of(filing) is None


def test_an_undelivered_text_asks_to_check_the_number_and_resend():
    filing, leader, _ = submitted_filing()
    SmsMessage.objects.filter(recipient=leader.mobile).update(status=SmsStatus.FAILED)
    step = step_of(filing)
    assert (step.situation, step.action) == ("text_undelivered", "resend_code")
    assert "did not reach the phone" in step.sentence


def test_the_wrong_province_page_says_which_page_is_right():
    """The case the summary once missed: a Zhejiang filing tried on Fujian's page."""
    filing, leader, _ = submitted_filing("provincial-2019")
    filing.province_id = "zj"
    filing.save(update_fields=["province"])
    outcome = actions.verify(
        actions.Channel("fj"), leader.mobile, latest_code(leader.mobile), last6(leader)
    )
    assert outcome.status != 3  # nothing pending there for this mobile
    step = step_of(filing)
    assert step.situation == "wrong_page"
    assert "the Fujian page" in step.sentence and "the Zhejiang page" in step.sentence
    assert the_right_page(filing).name == "p:zj"


def test_the_miit_page_is_the_right_one_for_a_central_filing():
    filing, leader, _ = submitted_filing("miit-current")
    actions.verify(actions.Channel("bj"), leader.mobile, "000000", last6(leader))
    step = step_of(filing)
    assert step.situation == "wrong_page"
    assert "the MIIT page" in step.sentence


def test_the_resend_cap_reached_says_only_staff_can_send_another():
    filing, leader, _ = submitted_filing("miit-2020")  # a cap of two
    Verification.objects.filter(pk=pending_of(filing, leader).pk).update(resends=2)
    step = step_of(filing)
    assert (step.situation, step.action) == ("resend_cap_reached", "resend_code")


def test_one_failure_left_asks_to_read_the_digits_together():
    filing, leader, _ = submitted_filing()
    Verification.objects.filter(pk=pending_of(filing, leader).pk).update(
        failed_attempts=4
    )
    assert step_of(filing).situation == "one_failure_left"


def test_a_near_deadline_offers_to_extend_it():
    filing, _, _ = submitted_filing(now=timezone.now() - datetime.timedelta(hours=22))
    step = step_of(filing)
    assert (step.situation, step.action) == ("deadline_soon", "extend_deadline")


def test_returned_after_the_deadline_or_after_failures():
    expired, _, _ = submitted_filing(now=timezone.now() - datetime.timedelta(days=2))
    expired = moves.expire_filing(expired)
    assert step_of(expired).situation == "expired"
    returned, _, _ = submitted_filing()
    returned = moves.return_filing(returned, actor=moves.SYSTEM, reason="test")
    assert step_of(returned).situation == "returned"


def test_the_most_pressing_comes_first():
    filing, leader, _ = submitted_filing()
    Verification.objects.filter(pk=pending_of(filing, leader).pk).update(
        failed_attempts=4
    )
    SmsMessage.objects.filter(recipient=leader.mobile).update(status=SmsStatus.FAILED)
    assert step_of(filing).situation == "text_undelivered"


def test_the_filing_page_says_it_with_a_link_to_the_override(client, agent):
    filing, leader, _ = submitted_filing()
    SmsMessage.objects.filter(recipient=leader.mobile).update(status=SmsStatus.FAILED)
    client.force_login(agent)
    html = client.get(
        f"/admin/filings/filingapplication/{filing.pk}/change/",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "What to do now:" in html
    assert 'href="#override-resend_code"' in html
    assert 'id="override-resend_code"' in html
