"""The filing page explains a filing to a support agent: a header that says what
happens next, a card per person, a timeline of translated sentences and override
buttons that say why they cannot be used; in Chinese and in English."""

import datetime
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.utils import timezone

from console import casework
from filings import transitions
from tests.console.conftest import change_url, form_action
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification import actions, moves

pytestmark = pytest.mark.django_db


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def text_of(response):
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def failed_twice_then_resent():
    """A MIIT filing whose leader typed a wrong code, then wrong digits, asked for a
    new code, then typed the old one."""
    filing, leader, admin = submitted_filing("miit-current")
    first = latest_code(leader.mobile)
    mobile = leader.mobile
    actions.verify(actions.CENTRAL, mobile, wrong(first), last6(leader), ip="1.2.3.4")
    actions.verify(actions.CENTRAL, mobile, first, "000000", ip="1.2.3.4")
    actions.resend(actions.CENTRAL, mobile, last6(leader), ip="1.2.3.4")
    actions.verify(actions.CENTRAL, mobile, first, last6(leader), ip="1.2.3.4")
    return filing, leader, admin


def test_the_timeline_says_which_part_was_wrong_in_english(login, agent):
    filing, leader, _ = failed_twice_then_resent()
    page = text_of(login(agent).get(change_url(filing)))
    masked = f"{leader.mobile[:3]}****{leader.mobile[-4:]}"
    assert (
        f"The applicant, Entity leader ({masked}), entered a wrong code "
        "(failure 1 of 5 in a row) on the MIIT page from 1.2.3.4"
    ) in page
    assert "entered wrong certificate digits (failure 2 of 5 in a row)" in page
    assert "entered the code that a resend replaced (failure 3 of 5 in a row)" in page
    assert "asked for a new code; the old one stopped working" in page
    assert f"Text with a code to {masked} from 12381" in page


def test_the_timeline_in_chinese(login, agent):
    filing, leader, _ = failed_twice_then_resent()
    page = text_of(login(agent, language="zh-hans").get(change_url(filing)))
    masked = f"{leader.mobile[:3]}****{leader.mobile[-4:]}"
    assert (
        f"申请人主体负责人（{masked}）在工信部核验页面输入了错误的验证码"
        "（连续第 1 次失败，上限 5 次）（来自 1.2.3.4）"
    ) in page
    assert "输入了错误的证件号码后六位（连续第 2 次失败" in page
    assert "输入了重发前的旧验证码（连续第 3 次失败" in page
    assert "经过（最新在前，北京时间）" in page


def test_the_header_says_what_happens_next(login, agent):
    now = timezone.now()
    filing, _, _ = submitted_filing("miit-current", now=now)
    page = text_of(login(agent).get(change_url(filing)))
    deadline = (now + datetime.timedelta(hours=24)).astimezone(
        datetime.timezone(datetime.timedelta(hours=8))
    )
    assert (
        "Waiting for 2 of 2 people to verify; returned to the provider "
        f"automatically at {deadline:%Y-%m-%d %H:%M} (in 23 h 59 min) if not verified."
    ) in page or "(in 23 h 58 min)" in page
    assert "24 h to verify; 5 consecutive failures return it; 2 resends" in page


def test_a_card_per_person(login, agent):
    filing, leader, _ = failed_twice_then_resent()
    page = text_of(login(agent).get(change_url(filing)))
    assert page.count("Consecutive failures") == 2
    assert "3 of 5" in page  # the leader's consecutive failures
    assert "2 of 5 tries left" in page
    assert "Resends asked for 1 of 2" in page  # the leader's, of the policy's cap
    assert "Last code sent" in page


def test_a_returned_filing_offers_nothing_that_needs_a_pending_person(
    login, supervisor
):
    filing, _, _ = submitted_filing()
    moves.return_filing(filing, actor=transitions.SYSTEM, reason="provider withdrew")
    html = login(supervisor).get(change_url(filing)).content.decode()
    resend = re.search(r'<button[^>]*value="resend_code"[^>]*>', html).group(0)
    assert "disabled" in resend
    assert (
        "Only a filing waiting for verification; this one is “Returned to provider”."
        in unescape(html)
    )
    # pressed anyway (an old tab), the answer is in the staff member's language
    page = form_action(login(supervisor, "zh-hans"), filing, "resend_code", reason="x")
    assert "该备案申请没有等待验证码的人员" in page.content.decode()


def test_staff_overrides_read_as_sentences(login, supervisor):
    filing, _, _ = submitted_filing()
    form_action(
        login(supervisor),
        filing,
        "extend_deadline",
        hours="24",
        reason="customer travelling",
    )
    page = text_of(login(supervisor).get(change_url(filing)))
    assert (
        "Supervisor supervisor extended the deadline by 24 h, to " in page
        and ": “customer travelling”" in page
    )


def test_the_filing_page_stays_within_its_query_budget(
    login, agent, django_assert_max_num_queries
):
    filing, _, _ = failed_twice_then_resent()
    # with the case work the page shows: an owner, notes, follow-ups, macros
    call_command("add_standard_macros", verbosity=0)
    casework.claim(filing, agent)
    for n in range(3):
        casework.add_note(filing, agent, f"note {n}")
        casework.set_follow_up(
            filing, agent, timezone.now() + datetime.timedelta(hours=n + 1)
        )
    client = login(agent)
    client.get(change_url(filing))
    # 19 before the support desk; +5: the reader's presence (stale rows dropped,
    # renewed, then who else), the answer scripts that fit, the requests waiting
    # for a supervisor (whose staff the reader is comes with the user)
    with django_assert_max_num_queries(24):
        assert client.get(change_url(filing)).status_code == 200
