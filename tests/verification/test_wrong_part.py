"""Each refused entry records which part was wrong and the person's count, for staff:
the code, the certificate digits, both, or a code that a resend replaced."""

import pytest

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


# policy, entry, wrong part recorded, the person's count after it (None: not counted)
ROWS = [
    ("miit-current", "wrong code", "code", 1),
    ("miit-current", "wrong digits", "certificate", 1),
    ("miit-current", "both wrong", "code_and_certificate", 1),
    ("miit-current", "old code", "old_code", 1),
    ("miit-2020", "old code", "old_code", 1),
    ("provincial-2019", "wrong code", "code", None),
    ("provincial-2019", "wrong digits", "certificate", 1),
    ("provincial-2019", "old code", "old_code", None),
    ("pilot-2017", "both wrong", "code_and_certificate", None),
]


@pytest.mark.parametrize(("policy", "entry", "part", "count"), ROWS)
def test_wrong_part_row(policy, entry, part, count):
    filing, leader, _ = submitted_filing(policy)
    channel = channel_for(filing)
    first = latest_code(leader.mobile)
    if entry == "old code":
        assert actions.resend(channel, leader.mobile, last6(leader)).status == 101
        assert latest_code(leader.mobile) != first
    code = latest_code(leader.mobile)
    typed = {
        "wrong code": (wrong(code), last6(leader)),
        "wrong digits": (code, "000000"),
        "both wrong": (wrong(code), "000000"),
        "old code": (first, last6(leader)),
    }[entry]
    actions.verify(channel, leader.mobile, *typed)
    attempt = Attempt.objects.filter(action="verify").latest("id")
    assert (attempt.wrong_part, attempt.consecutive_failures) == (part, count)


def test_the_count_climbs_with_each_counted_failure():
    filing, leader, _ = submitted_filing("miit-current")
    code = latest_code(leader.mobile)
    for _ in range(3):
        actions.verify(actions.CENTRAL, leader.mobile, wrong(code), last6(leader))
    counts = list(
        Attempt.objects.order_by("id").values_list("consecutive_failures", flat=True)
    )
    assert counts == [1, 2, 3]


def test_an_old_code_is_never_accepted():
    filing, leader, _ = submitted_filing("miit-current")
    first = latest_code(leader.mobile)
    actions.resend(actions.CENTRAL, leader.mobile, last6(leader))
    outcome = actions.verify(actions.CENTRAL, leader.mobile, first, last6(leader))
    assert outcome.status == 2
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    assert verification.status == "pending"
    assert verification.previous_code_hash not in ("", verification.code_hash)


def test_a_resend_with_wrong_digits_names_the_digits():
    _, leader, _ = submitted_filing("miit-current")
    actions.resend(actions.CENTRAL, leader.mobile, "000000")
    attempt = Attempt.objects.get(action="resend")
    assert (attempt.reason, attempt.wrong_part) == ("wrong_certificate", "certificate")
