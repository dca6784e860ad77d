"""The simulated communications administration: it decides filings under review after
its delay (working days, or minutes), at the published refusal rates, for catalogued
reasons, as its own audit events; end to end from the API through verification and
review to the outcome and the provider's webhook event."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from filings import review_outcomes
from filings.models import (
    AuditEvent,
    FilingApplication,
    FilingStatus,
    Provider,
    ProviderEvent,
)
from integrations import keys
from tests.api.conftest import sample
from tests.verification.helpers import verify_person
from verification import administration, deadlines

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# Friday 2026-02-13, 15:00 Beijing, the working day before the Spring Festival.
ENTERED = datetime.datetime(2026, 2, 13, 7, tzinfo=UTC)


def test_every_catalogued_reason_is_given_and_only_those():
    assert set(administration.REASON_WEIGHTS) == set(review_outcomes.REJECTION_REASONS)


@pytest.mark.parametrize(("province", "rate"), [("js", 0.033), ("ah", 0.024)])
def test_refusals_come_at_the_published_rates(province, rate):
    decisions = [
        administration.decide(
            FilingApplication(provider_id=1, reference=f"R-{n}", province_id=province)
        )
        for n in range(20000)
    ]
    refused = [d for d in decisions if not d.approves]
    assert abs(len(refused) / len(decisions) - rate) < 0.005
    assert {d.code for d in refused} <= set(review_outcomes.REJECTION_REASONS)
    assert len({d.code for d in refused}) == len(administration.REASON_WEIGHTS)


def test_the_same_filing_gets_the_same_decision():
    filing = FilingApplication(provider_id=3, reference="SAME-1", province_id="bj")
    assert len({administration.decide(filing) for _ in range(5)}) == 1


def reference_decided(province, approves):
    """A reference that the simulated administration approves (or rejects)."""
    for n in range(100000):
        reference = f"SIM-{n}"
        decision = administration.decide(
            FilingApplication(
                provider_id=Provider.objects.get(code="aliyun").pk,
                reference=reference,
                province_id=province,
            )
        )
        if decision.approves == approves:
            return reference, decision
    raise AssertionError("no such reference")


@pytest.fixture
def submit(client, monkeypatch):
    """submit(reference, at) -> the filing, submitted through the API at `at` and
    verified by everyone at once, under review from `at`."""
    _, key = keys.create_key(Provider.objects.get(code="aliyun"), "administration")

    def run(reference, at):
        monkeypatch.setattr(timezone, "now", lambda: at)
        body = sample(reference, index=0, province="js")
        answer = client.post(
            "/api/v1/filings",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert answer.status_code == 201, answer.content
        filing = FilingApplication.objects.get(reference=reference)
        for verification in filing.verifications.all():
            person = verification.filing.subject.leader
            if verification.mobile != person.mobile:
                person = filing.services.get().administrator
            verify_person(filing, person)
        filing.refresh_from_db()
        assert filing.status == FilingStatus.UNDER_REVIEW
        assert filing.review_started_at == at
        return filing

    return run


def test_end_to_end_approval_after_three_working_days(submit, settings):
    settings.SIMULATED_ADMINISTRATION = True
    settings.SIMULATED_REVIEW_MINUTES = None
    settings.SIMULATED_REVIEW_WORKING_DAYS = 3
    reference, _ = reference_decided("js", approves=True)
    filing = submit(reference, ENTERED)
    # Saturday 14th (worked) and Tuesday 24th count; the festival does not.
    tuesday = datetime.datetime(2026, 2, 24, 10, tzinfo=UTC)
    assert administration.process_reviews(tuesday).approved == 0
    wednesday = datetime.datetime(2026, 2, 25, 1, tzinfo=UTC)
    report = deadlines.process_deadlines(wednesday)
    assert (report.reviews_approved, report.reviews_rejected) == (1, 0)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED and filing.icp_number
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert (event.event_type, event.actor_kind) == ("approved", "administration")
    told = ProviderEvent.objects.filter(filing=filing).latest("sequence")
    assert told.event_type == "filing.approved"
    assert told.data["icp_number"] == filing.icp_number
    # Running again decides nothing more.
    assert deadlines.process_deadlines(wednesday).reviews_approved == 0


def test_end_to_end_rejection_in_minutes_with_its_reason(submit, settings):
    settings.SIMULATED_ADMINISTRATION = True
    settings.SIMULATED_REVIEW_MINUTES = 10
    reference, decision = reference_decided("js", approves=False)
    filing = submit(reference, ENTERED)
    out = io.StringIO()
    nine = (ENTERED + datetime.timedelta(minutes=9)).isoformat()
    call_command("process_reviews", "--now", nine, stdout=out)
    assert out.getvalue().endswith("0 approved, 0 rejected.\n")
    ten = (ENTERED + datetime.timedelta(minutes=10)).isoformat()
    call_command("process_reviews", "--now", ten, stdout=out)
    assert "0 approved, 1 rejected." in out.getvalue()
    filing.refresh_from_db()
    assert (filing.status, filing.rejection_reason) == ("rejected", decision.code)
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert event.actor_kind == "administration"
    assert event.data == {"rejection_reason": decision.code}
    told = ProviderEvent.objects.filter(filing=filing).latest("sequence")
    assert told.event_type == "filing.rejected"
    assert told.data["reason"]["code"] == decision.code
    with translation.override("en"):
        english = str(review_outcomes.rejection(decision.code).text)
    assert told.data["reason"]["text"]["en"] == english


def test_the_command_refuses_when_the_simulation_is_off(settings):
    settings.SIMULATED_ADMINISTRATION = False
    with pytest.raises(CommandError, match="simulated administration is off"):
        call_command("process_reviews")


def test_the_sweep_leaves_reviews_alone_when_the_simulation_is_off(submit, settings):
    settings.SIMULATED_ADMINISTRATION = False
    settings.SIMULATED_REVIEW_MINUTES = 0
    filing = submit("OFF-1", ENTERED)
    deadlines.process_deadlines(ENTERED + datetime.timedelta(days=60))
    filing.refresh_from_db()
    assert filing.status == FilingStatus.UNDER_REVIEW
