"""The five-failure rule per policy (domain brief, "Failure rule"): the provincial
rules count wrong certificate digits only, and a code that matches no record answers
"not found" (4) without counting; the MIIT rule counts a wrong value in any field."""

import pytest

from filings.models import FilingApplication
from tests.verification.helpers import (
    channel_for,
    last6,
    latest_code,
    submitted_filing,
)
from verification import actions
from verification.models import Attempt, Verification

pytestmark = pytest.mark.django_db


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


# policy, what is entered five times, the answers, failures counted, filing status
RULE = [
    ("pilot-2017", "wrong code", [4, 4, 4, 4, 4], 0, "pending_verification"),
    ("pilot-2017", "wrong digits", [2, 2, 2, 2, 21], 5, "returned"),
    ("pilot-2017", "both wrong", [4, 4, 4, 4, 4], 0, "pending_verification"),
    ("provincial-2019", "wrong code", [4, 4, 4, 4, 4], 0, "pending_verification"),
    ("provincial-2019", "wrong digits", [2, 2, 2, 2, 21], 5, "returned"),
    ("provincial-2019", "both wrong", [4, 4, 4, 4, 4], 0, "pending_verification"),
    ("miit-2020", "wrong code", [2, 2, 2, 2, 21], 5, "returned"),
    ("miit-2020", "wrong digits", [2, 2, 2, 2, 21], 5, "returned"),
    ("miit-2020", "both wrong", [2, 2, 2, 2, 21], 5, "returned"),
    ("miit-current", "wrong code", [2, 2, 2, 2, 21], 5, "returned"),
    ("miit-current", "wrong digits", [2, 2, 2, 2, 21], 5, "returned"),
    ("miit-current", "both wrong", [2, 2, 2, 2, 21], 5, "returned"),
]


@pytest.mark.parametrize(("policy", "entry", "answers", "counted", "status"), RULE)
def test_rule_row(policy, entry, answers, counted, status):
    filing, leader, _ = submitted_filing(policy)
    code = latest_code(leader.mobile)
    typed = {
        "wrong code": (wrong(code), last6(leader)),
        "wrong digits": (code, "000000"),
        "both wrong": (wrong(code), "000000"),
    }[entry]
    channel = channel_for(filing)
    got = [actions.verify(channel, leader.mobile, *typed).status for _ in range(5)]
    assert got == answers
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    assert verification.failed_attempts == counted
    assert FilingApplication.objects.get(pk=filing.pk).status == status
    # Whatever was typed, the right entry still works while the filing is pending.
    if status == "pending_verification":
        assert actions.verify(channel, leader.mobile, code, last6(leader)).status == 31


def test_provincial_attempts_say_what_was_wrong_to_staff():
    filing, leader, _ = submitted_filing("pilot-2017")
    code = latest_code(leader.mobile)
    channel = channel_for(filing)
    actions.verify(channel, leader.mobile, wrong(code), last6(leader))
    actions.verify(channel, leader.mobile, code, "000000")
    reasons = list(Attempt.objects.order_by("id").values_list("status", "reason"))
    assert reasons == [(4, "code_not_found"), (2, "wrong_certificate")]


def test_a_not_found_entry_does_not_break_the_run_of_failures():
    filing, leader, _ = submitted_filing("provincial-2019")
    code = latest_code(leader.mobile)
    channel = channel_for(filing)
    for _ in range(4):
        actions.verify(channel, leader.mobile, code, "000000")
    assert actions.verify(channel, leader.mobile, wrong(code), "000000").status == 4
    assert actions.verify(channel, leader.mobile, code, "000000").status == 21
