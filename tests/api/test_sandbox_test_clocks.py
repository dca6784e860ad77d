"""Test clocks: a sandbox filing submitted on a clock runs on its time; advancing the
clock runs the engine's own sweep for that clock's filings alone, so a magic
applicant, the simulated administration's review and an expiry happen in one call,
with every webhook signed and in order. Live keys get no clock, and the real-time
sweep leaves clocked filings alone."""

import datetime

import pytest
from django.utils import timezone

from filings.models import FilingApplication, Provider, TestClock
from infra.times import rfc3339
from integrations import keys
from tests.api.conftest import sample, sandbox_body
from verification import deadlines, sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(call, test_key):
    made = call("post", "/test-clocks", test_key[1], {"name": "CI run 42"})
    assert made.status_code == 201, made.json()
    return made.json()


def advance(call, key, clock_id, to, capture):
    with capture(execute=True):
        answer = call(
            "post",
            f"/test-clocks/{clock_id}/advance",
            key,
            {"frozen_time": rfc3339(to)},
        )
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_one_advance_takes_a_filing_from_submission_to_approval(
    call, test_key, clock, sandbox_receiver, django_capture_on_commit_callbacks
):
    body = sandbox_body("CLK-1", sandbox.VERIFIES, "[sandbox:approve]")
    body["test_clock"] = clock["id"]
    with django_capture_on_commit_callbacks(execute=True):
        made = call("post", "/filings", test_key[1], body)
    assert made.status_code == 201, made.json()
    frozen = datetime.datetime.fromisoformat(clock["frozen_time"])
    assert made.json()["submitted_at"] == clock["frozen_time"]

    # Real time passes; the clock does not: the real-time sweep leaves it alone.
    deadlines.process_deadlines(timezone.now() + datetime.timedelta(hours=30))
    assert FilingApplication.objects.get(reference="CLK-1").status == (
        "pending_verification"
    )

    done = advance(
        call,
        test_key[1],
        clock["id"],
        frozen + datetime.timedelta(minutes=10),
        django_capture_on_commit_callbacks,
    )
    assert (done["approved"], done["applicants_acted"]) == (1, 1)
    assert done["frozen_time"] == rfc3339(frozen + datetime.timedelta(minutes=10))
    filing = FilingApplication.objects.get(reference="CLK-1")
    assert filing.status == "approved"

    assert sandbox_receiver.refused == []
    got = [(p["type"], p["data"]["sequence"]) for p in sandbox_receiver.received]
    assert got == [
        ("filing.submitted", 1),
        ("verification.completed", 2),
        ("filing.under_review", 3),
        ("filing.approved", 4),
    ]
    assert {p["livemode"] for p in sandbox_receiver.received} == {False}


def test_nobody_acts_and_the_clock_expires_the_filing(
    call, test_key, clock, django_capture_on_commit_callbacks
):
    body = sandbox_body("CLK-2", sandbox.NOBODY)
    body["test_clock"] = clock["id"]
    with django_capture_on_commit_callbacks(execute=True):
        call("post", "/filings", test_key[1], body)
    frozen = datetime.datetime.fromisoformat(clock["frozen_time"])
    done = advance(
        call,
        test_key[1],
        clock["id"],
        frozen + datetime.timedelta(hours=25),
        django_capture_on_commit_callbacks,
    )
    assert done["expired"] == 1
    assert FilingApplication.objects.get(reference="CLK-2").status == "returned"


def test_a_clock_only_moves_forward(call, test_key, clock):
    frozen = datetime.datetime.fromisoformat(clock["frozen_time"])
    back = call(
        "post",
        f"/test-clocks/{clock['id']}/advance",
        test_key[1],
        {"frozen_time": rfc3339(frozen - datetime.timedelta(minutes=1))},
    )
    assert back.status_code == 422
    assert back.json()["errors"][0]["message"] == "a clock only moves forward"


def test_a_live_key_gets_no_clock_and_runs_no_filing_on_one(call, key, clock):
    refused = call("post", "/test-clocks", key[1], {})
    assert refused.status_code == 403
    assert call("get", f"/test-clocks/{clock['id']}", key[1]).status_code == 403
    body = sample("LIVE-C1")
    body["test_clock"] = clock["id"]
    answer = call("post", "/filings", key[1], body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["path"] == "test_clock"


def test_another_providers_clock_is_not_found(call, test_key, clock):
    other = keys.create_key(
        Provider.objects.get(code="jdcloud"), "JD tests", livemode=False
    )
    assert call("get", f"/test-clocks/{clock['id']}", other[1]).status_code == 404
    assert (
        call("get", f"/test-clocks/{clock['id']}", test_key[1]).json()["name"]
        == "CI run 42"
    )


def test_a_long_advance_sends_the_automatic_resend_at_its_time(
    call, test_key, clock, django_capture_on_commit_callbacks
):
    # A provincial filing: a new code goes automatically the next day at 12:00.
    body = sandbox_body("CLK-3", sandbox.NOBODY)
    body["policy"] = "provincial-2019"
    body["test_clock"] = clock["id"]
    with django_capture_on_commit_callbacks(execute=True):
        made = call("post", "/filings", test_key[1], body)
    assert made.status_code == 201, made.json()
    frozen = datetime.datetime.fromisoformat(clock["frozen_time"])
    done = advance(
        call,
        test_key[1],
        clock["id"],
        frozen + datetime.timedelta(days=10),
        django_capture_on_commit_callbacks,
    )
    assert (done["resends"], done["expired"]) == (1, 1)


def hold(clock, until):
    """The clock as an advance running elsewhere leaves it: held until `until`."""
    TestClock.objects.filter(pk=int(clock["id"].removeprefix("clock_"))).update(
        advancing_until=until
    )


def test_a_clock_being_advanced_is_refused_a_second_advance_and_a_filing(
    call, test_key, clock
):
    hold(clock, timezone.now() + datetime.timedelta(minutes=5))
    assert call("get", f"/test-clocks/{clock['id']}", test_key[1]).json()["status"] == (
        "advancing"
    )
    second = call(
        "post", f"/test-clocks/{clock['id']}/advance", test_key[1], {"by_seconds": 60}
    )
    assert second.status_code == 409
    body = sandbox_body("CLK-B1", sandbox.NOBODY)
    body["test_clock"] = clock["id"]
    submitted = call("post", "/filings", test_key[1], body)
    assert submitted.status_code == 409
    assert submitted.json()["errors"][0]["path"] == "test_clock"
    assert not FilingApplication.objects.filter(reference="CLK-B1").exists()


def test_a_hold_left_by_a_dead_advance_runs_out(
    call, test_key, clock, django_capture_on_commit_callbacks
):
    hold(clock, timezone.now() - datetime.timedelta(seconds=1))
    done = advance(
        call,
        test_key[1],
        clock["id"],
        datetime.datetime.fromisoformat(clock["frozen_time"])
        + datetime.timedelta(minutes=1),
        django_capture_on_commit_callbacks,
    )
    assert done["status"] == "ready"
    again = call("get", f"/test-clocks/{clock['id']}", test_key[1]).json()
    assert again["status"] == "ready"


def test_an_advance_that_fails_lets_the_clock_go(call, test_key, clock, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the sweep broke")

    monkeypatch.setattr(deadlines, "process_deadlines", broken)
    failed = call(
        "post", f"/test-clocks/{clock['id']}/advance", test_key[1], {"by_seconds": 60}
    )
    assert failed.status_code == 500
    made = TestClock.objects.get(pk=int(clock["id"].removeprefix("clock_")))
    assert made.advancing_until is None
