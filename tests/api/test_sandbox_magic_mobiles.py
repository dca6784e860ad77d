"""The sandbox's magic mobiles, each driven through the real engine by the deadline
sweep from a test key's submission to its outcome, with the provider's events in
order: verified by themselves, never delivered, delivered late, wrong codes to the
failure limit, resends to the cap, nobody acting until the filing expires."""

import datetime

import pytest
from django.utils import timezone

from filings import policies
from filings.models import FilingApplication, Provider, ProviderEvent
from integrations import keys
from tests.api.conftest import sandbox_body
from verification import deadlines, sandbox, throttles
from verification.models import Attempt, SmsMessage

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def submit(call, key, reference, mobile, django_capture_on_commit_callbacks):
    """A sandbox filing whose one person (leader and administrator) has `mobile`."""
    body = sandbox_body(reference, mobile)
    with django_capture_on_commit_callbacks(execute=True):
        made = call("post", "/filings", key, body)
    assert made.status_code == 201, made.json()
    return FilingApplication.objects.get(reference=reference)


def sweep_for(minutes, start):
    """Run the sweep once a minute for `minutes` minutes from `start`."""
    for minute in range(1, minutes + 1):
        deadlines.process_deadlines(start + minute * MINUTE)


def told(filing):
    return list(
        ProviderEvent.objects.filter(filing=filing)
        .order_by("sequence")
        .values_list("event_type", flat=True)
    )


@pytest.fixture
def sandbox_body_sent(call):
    """Send the same subject (the sample's) under a new reference."""

    def send(key, reference):
        body = sandbox_body(reference, sandbox.NOBODY)
        body["subject"]["certificate_number"] = "91620100MA7XYC12A8"
        return call("post", "/filings", key, body)

    return send


@pytest.fixture
def submitted(call, test_key, django_capture_on_commit_callbacks):
    def make(reference, mobile):
        return submit(
            call, test_key[1], reference, mobile, django_capture_on_commit_callbacks
        )

    return make


def test_the_applicant_who_verifies_by_themselves(submitted):
    filing = submitted("MAGIC-1", sandbox.VERIFIES)
    start = timezone.now()
    deadlines.process_deadlines(start)  # the text just arrived: not yet
    filing.refresh_from_db()
    assert filing.status == "pending_verification"
    sweep_for(2, start)
    filing.refresh_from_db()
    assert filing.status == "under_review"
    assert told(filing)[:3] == [
        "filing.submitted",
        "verification.completed",
        "filing.under_review",
    ]


def test_the_text_never_delivered(submitted):
    filing = submitted("MAGIC-2", sandbox.NEVER_DELIVERED)
    sweep_for(3, timezone.now())
    filing.refresh_from_db()
    assert filing.status == "pending_verification"
    text = SmsMessage.objects.get(filing=filing, kind="verification_code")
    assert (text.report, text.report_code) == ("undelivered", "UNDELIV")
    assert told(filing) == ["filing.submitted", "verification.text_not_delivered"]


def test_the_text_delivered_late_then_verified(submitted):
    filing = submitted("MAGIC-3", sandbox.DELIVERED_LATE)
    start = timezone.now()
    sweep_for(4, start)
    text = SmsMessage.objects.get(filing=filing, kind="verification_code")
    assert text.report == "awaiting"
    sweep_for(7, start)
    text.refresh_from_db()
    filing.refresh_from_db()
    assert text.report == "delivered"
    issued = text.verification.code_issued_at
    assert text.reported_at == issued + sandbox.LATE_BY
    assert "verification.completed" in told(filing)


def test_wrong_codes_until_the_failure_limit(submitted):
    filing = submitted("MAGIC-4", sandbox.WRONG_CODES)
    limit = policies.get_policy(filing.policy).failure_limit
    sweep_for(limit + 2, timezone.now())
    filing.refresh_from_db()
    assert filing.status == "returned"
    assert told(filing) == [
        "filing.submitted",
        "verification.failed",
        "filing.returned",
    ]


def test_resends_until_the_cap(submitted):
    filing = submitted("MAGIC-5", sandbox.RESENDS)
    policy = policies.get_policy(filing.policy)
    sweep_for(10, timezone.now())
    person = filing.verifications.get()
    assert person.status == "pending"
    assert policy.resend_cap == 2  # the sample's is the current MIIT policy
    assert person.resends == policy.resend_cap
    texts = SmsMessage.objects.filter(filing=filing, kind="verification_code")
    assert texts.count() == person.resends + 1


def test_nobody_acts_and_the_filing_expires(submitted):
    filing = submitted("MAGIC-6", sandbox.NOBODY)
    deadline = filing.verification_deadline
    deadlines.process_deadlines(deadline - MINUTE)
    filing.refresh_from_db()
    assert filing.status == "pending_verification"
    deadlines.process_deadlines(deadline + MINUTE)
    filing.refresh_from_db()
    assert filing.status == "returned"
    assert told(filing)[-1] == "filing.returned"


def test_a_live_filing_with_a_magic_mobile_is_an_ordinary_person(
    call, key, django_capture_on_commit_callbacks
):
    filing = submit(
        call, key[1], "LIVE-M1", sandbox.VERIFIES, django_capture_on_commit_callbacks
    )
    sweep_for(3, timezone.now())
    filing.refresh_from_db()
    assert filing.status == "pending_verification"


def test_a_magic_applicant_acts_on_its_own_filing_alone(
    call, key, submitted, django_capture_on_commit_callbacks
):
    # The verify page acts on every filing waiting on a mobile: the sandbox's
    # applicant fails its own filing, and leaves a live filing of the number as it is.
    live = submit(
        call,
        key[1],
        "LIVE-W1",
        sandbox.WRONG_CODES,
        django_capture_on_commit_callbacks,
    )
    filing = submitted("MAGIC-W2", sandbox.WRONG_CODES)
    sweep_for(7, timezone.now())
    live.refresh_from_db()
    filing.refresh_from_db()
    assert filing.status == "returned"
    assert live.status == "pending_verification"
    assert live.verifications.get().failed_attempts == 0


def test_two_providers_sandboxes_share_a_magic_mobile(
    call, submitted, django_capture_on_commit_callbacks
):
    # One on a test clock, one in real time: each applicant acts on its own.
    other = keys.create_key(
        Provider.objects.get(code="jdcloud"), "JD tests", livemode=False
    )
    clock = call("post", "/test-clocks", other[1], {}).json()
    body = sandbox_body("JD-M1", sandbox.VERIFIES)
    body["test_clock"] = clock["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert call("post", "/filings", other[1], body).status_code == 201
    ours = submitted("MAGIC-S1", sandbox.VERIFIES)
    sweep_for(2, timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        moved = call(
            "post", f"/test-clocks/{clock['id']}/advance", other[1], {"by_seconds": 180}
        )
    assert moved.json()["applicants_acted"] == 1
    theirs = FilingApplication.objects.get(reference="JD-M1")
    assert ours.verifications.get().status == "verified"
    assert theirs.verifications.get().status == "verified"


def test_the_pages_throttles_do_not_stop_a_magic_applicant(submitted):
    # Anyone may type a magic number on the verify page: a number held back there
    # (ten tries an hour) must not stop every provider's sandbox applicant.
    limit = throttles.rates("verify")["mobile"].limit
    for _ in range(limit + 1):
        throttles.hit("verify", mobile=sandbox.VERIFIES, ip=None)
    assert throttles.hit("verify", mobile=sandbox.VERIFIES, ip=None)
    filing = submitted("MAGIC-T1", sandbox.VERIFIES)
    sweep_for(2, timezone.now())
    filing.refresh_from_db()
    assert filing.status == "under_review"
    assert not Attempt.objects.filter(reason__startswith="throttled").exists()


def test_another_providers_sandbox_subject_is_no_conflict(
    call, test_key, sandbox_body_sent
):
    other = keys.create_key(
        Provider.objects.get(code="jdcloud"), "JD tests", livemode=False
    )
    first = sandbox_body_sent(test_key[1], "SUBJ-1")
    assert first.status_code == 201
    assert sandbox_body_sent(other[1], "SUBJ-2").status_code == 201
    assert sandbox_body_sent(test_key[1], "SUBJ-3").status_code == 409
