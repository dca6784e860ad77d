"""The sandbox's magic review outcomes: a test key's filing whose subject name ends
in `[sandbox:approve]` is approved, one ending in `[sandbox:reject:<reason>]` is
rejected for that catalogued reason, by the simulated administration, through the
real moves and with their events; a live filing's name is never read so."""

import datetime

import pytest
from django.utils import timezone

from filings.models import FilingApplication, Person, ProviderEvent
from tests.api.conftest import sample
from tests.verification.helpers import verify_person
from verification import deadlines

pytestmark = pytest.mark.django_db


def submitted(call, key, reference, name_suffix):
    body = sample(reference)
    body["subject"]["name"] = f"{body['subject']['name']} {name_suffix}"
    made = call("post", "/filings", key, body)
    assert made.status_code == 201, made.json()
    filing = FilingApplication.objects.get(reference=reference)
    # Everyone verifies with the code texted to them: the filing enters review.
    for verification in filing.verifications.all():
        person = Person.objects.filter(mobile=verification.mobile).first()
        verify_person(filing, person)
    filing.refresh_from_db()
    assert filing.status == "under_review"
    return filing


def sweep(minutes):
    return deadlines.process_deadlines(
        timezone.now() + datetime.timedelta(minutes=minutes)
    )


@pytest.mark.parametrize(
    ("suffix", "status", "code"),
    [
        ("[sandbox:approve]", "approved", ""),
        ("[sandbox:reject:site_name_too_short]", "rejected", "site_name_too_short"),
        (
            "[sandbox:reject:domain_registrant_mismatch]",
            "rejected",
            "domain_registrant_mismatch",
        ),
    ],
)
def test_the_name_decides_the_review(call, test_key, settings, suffix, status, code):
    settings.SIMULATED_ADMINISTRATION = False  # the sandbox's reviews happen anyway
    settings.SANDBOX_REVIEW_MINUTES = 2
    filing = submitted(call, test_key[1], "SBX-R1", suffix)
    sweep(1)
    filing.refresh_from_db()
    assert filing.status == "under_review"  # not yet
    sweep(3)
    filing.refresh_from_db()
    assert (filing.status, filing.rejection_reason) == (status, code)
    told = ProviderEvent.objects.filter(filing=filing).values_list(
        "event_type", flat=True
    )
    assert f"filing.{status}" in told
    answer = call("get", "/filings/SBX-R1", test_key[1]).json()
    assert answer["status"] == status
    if code:
        assert answer["rejection"]["code"] == code


def test_a_live_filing_is_not_decided_by_its_name(call, key, settings):
    settings.SIMULATED_ADMINISTRATION = False
    filing = submitted(call, key[1], "LIVE-R1", "[sandbox:reject:site_name_too_short]")
    sweep(60 * 24 * 40)
    filing.refresh_from_db()
    assert filing.status == "under_review"  # no simulated administration for it


def test_an_unknown_reason_is_refused_at_submission(call, test_key):
    body = sample("SBX-R2")
    body["subject"]["name"] += " [sandbox:reject:because_i_said_so]"
    answer = call("post", "/filings", test_key[1], body)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "path": "subject.name",
            "message": "no rejection reason 'because_i_said_so' in the catalogue",
        }
    ]
