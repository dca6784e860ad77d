"""The sandbox end to end, as a provider's integration would drive it: on one test
clock, one filing per magic mobile and per magic review outcome, advanced through a
day and a half; a receiver on loopback checks every webhook's signature and that each
filing's events come in order, and each filing ends as its magic value says."""

import datetime

import pytest

from filings.models import FilingApplication
from infra.times import rfc3339
from tests.api.conftest import sandbox_body
from verification import sandbox

pytestmark = pytest.mark.django_db

# reference -> (mobile, subject name suffix, the status it ends in, its events)
CASES = {
    "E2E-VERIFIES": (
        sandbox.VERIFIES,
        "",
        None,  # decided as any filing is: approved or rejected
        ["filing.submitted", "verification.completed", "filing.under_review"],
    ),
    "E2E-APPROVE": (
        sandbox.VERIFIES,
        "[sandbox:approve]",
        "approved",
        [
            "filing.submitted",
            "verification.completed",
            "filing.under_review",
            "filing.approved",
        ],
    ),
    "E2E-REJECT": (
        sandbox.VERIFIES,
        "[sandbox:reject:cross_province]",
        "rejected",
        [
            "filing.submitted",
            "verification.completed",
            "filing.under_review",
            "filing.rejected",
        ],
    ),
    "E2E-NEVER": (
        sandbox.NEVER_DELIVERED,
        "",
        "returned",
        ["filing.submitted", "verification.text_not_delivered", "filing.returned"],
    ),
    "E2E-LATE": (
        sandbox.DELIVERED_LATE,
        "[sandbox:approve]",
        "approved",
        [
            "filing.submitted",
            "verification.completed",
            "filing.under_review",
            "filing.approved",
        ],
    ),
    "E2E-WRONG": (
        sandbox.WRONG_CODES,
        "",
        "returned",
        ["filing.submitted", "verification.failed", "filing.returned"],
    ),
    "E2E-RESENDS": (
        sandbox.RESENDS,
        "",
        "returned",  # the cap reached, nobody verifies: the deadline passes
        ["filing.submitted", "filing.returned"],
    ),
    "E2E-NOBODY": (
        sandbox.NOBODY,
        "",
        "returned",
        ["filing.submitted", "filing.returned"],
    ),
}


def test_every_magic_value_on_one_test_clock(
    call, test_key, sandbox_receiver, django_capture_on_commit_callbacks
):
    clock = call("post", "/test-clocks", test_key[1], {"name": "e2e"}).json()
    for reference, (mobile, suffix, _status, _events) in CASES.items():
        body = sandbox_body(reference, mobile, suffix)
        body["test_clock"] = clock["id"]
        with django_capture_on_commit_callbacks(execute=True):
            made = call("post", "/filings", test_key[1], body)
        assert made.status_code == 201, (reference, made.json())

    frozen = datetime.datetime.fromisoformat(clock["frozen_time"])
    with django_capture_on_commit_callbacks(execute=True):
        advanced = call(
            "post",
            f"/test-clocks/{clock['id']}/advance",
            test_key[1],
            {"frozen_time": rfc3339(frozen + datetime.timedelta(hours=36))},
        )
    assert advanced.status_code == 200, advanced.json()

    assert sandbox_receiver.refused == []  # every signature checked
    by_filing = {}
    for payload in sandbox_receiver.received:
        assert payload["livemode"] is False
        by_filing.setdefault(payload["data"]["filing"], []).append(payload)
    for reference, (_mobile, _suffix, status, events) in CASES.items():
        got = by_filing[reference]
        assert [p["data"]["sequence"] for p in got] == list(range(1, len(got) + 1))
        types = [p["type"] for p in got]
        assert types[: len(events)] == events, reference
        filing = FilingApplication.objects.get(reference=reference)
        if status is not None:
            assert filing.status == status, reference
        else:
            assert filing.status in ("approved", "rejected")
    rejected = FilingApplication.objects.get(reference="E2E-REJECT")
    assert rejected.rejection_reason == "cross_province"
    resends = FilingApplication.objects.get(reference="E2E-RESENDS")
    assert resends.verifications.get().resends == 2  # the policy's cap
