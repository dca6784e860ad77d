"""Every attempt's reason is an AttemptReason member: the engine, the console and the
demo data name it (no bare strings), and each reads as its own sentence on the filing
page."""

import ast

import pytest
from django.utils import timezone, translation

from console import story, timeline
from filings.models import EventType, FilingStatus
from tests.icpportal.test_layout import MODULES
from tests.verification.helpers import submitted_filing
from verification.models import (
    Attempt,
    AttemptAction,
    AttemptReason,
    VerificationStatus,
)

pytestmark = pytest.mark.django_db
R = AttemptReason
# The reasons a resend can end with; every other one ends a verify.
RESEND_REASONS = {R.RESENT, R.RESEND_CAP, R.WRONG_CERTIFICATE, R.NOTHING_PENDING}
EITHER = {R.WRONG_PICTURE, R.THROTTLED_MOBILE, R.THROTTLED_IP}
FALLBACKS = ("made an attempt the page refused", "asked for a new code and was refused")
# Values that only a reason has ("verified", "expired" and "cancelled" are also
# statuses and event types, written by their own enums).
OTHER_NAMES = {*VerificationStatus.values, *FilingStatus.values, *EventType.values}
ONLY_REASONS = set(R.values) - OTHER_NAMES
# Other things that happen to share a reason's spelling: the funnel's loss categories
# (its SQL and the demo data that feeds it), a training scenario's name, and the
# attempt list's filter parameter (in staff's bookmarked addresses).
NAMESAKES = {
    "console.funnel": {"failure_limit", "resend_cap"},
    "demo.demo_data": {"resend_cap"},
    "demo.training": {"resend_cap"},
    "console.admin.engine": {"resent"},
}


def bare_reasons(modules):
    """(module, line, text) for each string literal that is a reason's value, or an
    f-string that makes one (f"throttled_{scope}")."""
    found = []
    for name, path in modules.items():
        if name == "verification.models" or ".migrations." in name:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and node.value in ONLY_REASONS
                and node.value not in NAMESAKES.get(name, ())
            ):
                found.append((name, node.lineno, node.value))
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and str(first.value).startswith(
                    ("throttled_", "already_")
                ):
                    found.append((name, node.lineno, first.value))
    return found


def test_no_reason_is_written_as_a_bare_string():
    assert bare_reasons(MODULES) == []


def test_a_bare_reason_is_caught(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        'reason = "resend_cap"\nother = f"throttled_{scope}"\nstatus = "verified"\n'
    )
    assert bare_reasons({"portal.m": module}) == [
        ("portal.m", 1, "resend_cap"),
        ("portal.m", 2, "throttled_"),
    ]


def test_the_reasons_have_unique_values_and_a_label_each():
    assert len(set(R.values)) == len(R)
    assert all(str(label) for label in R.labels)
    assert R.throttled("mobile") is R.THROTTLED_MOBILE
    assert R.after(VerificationStatus.EXPIRED) is R.ALREADY_EXPIRED


@pytest.mark.parametrize("reason", list(R))
def test_every_reason_reads_as_its_own_sentence(reason):
    filing, _, _ = submitted_filing()
    told = story.load(filing)
    sentences = set()
    actions = (
        [AttemptAction.VERIFY, AttemptAction.RESEND]
        if reason in EITHER
        else [
            AttemptAction.RESEND if reason in RESEND_REASONS else AttemptAction.VERIFY
        ]
    )
    if reason == R.WRONG_CERTIFICATE:  # a verify's too, under the provincial rules
        actions.append(AttemptAction.VERIFY)
    for action in actions:
        attempt = Attempt(
            action=action,
            channel="miit",
            mobile="13800138000",
            reason=reason,
            consecutive_failures=1 if reason == R.WRONG_CERTIFICATE else None,
        )
        attempt.created_at = timezone.now()
        with translation.override("en"):
            sentence = timeline.attempt_entry(told, attempt, {}).sentence
        assert not any(f" {fallback} on " in sentence for fallback in FALLBACKS), (
            sentence
        )
        sentences.add(sentence)
    if reason == R.WRONG_CERTIFICATE:  # a resend's and a verify's, told apart
        assert len(sentences) == 2


def test_every_reason_can_be_found_with_the_attempt_lists_filter():
    from console.admin.engine import AttemptOutcomeFilter

    grouped = {
        reason for group in AttemptOutcomeFilter.GROUPS.values() for reason in group
    }
    assert grouped == set(R)
