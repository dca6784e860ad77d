"""Conflicts at submission, end to end: a subject has one filing in flight at a time,
and a domain another subject's filing holds (approved or in flight) is refused; through the API
(409, 422, with the code and the words in the asked language), an import line, and
two submissions at once on PostgreSQL. A refused submission leaves nothing."""

import json

import pytest
from django.test import Client

from filings.models import FilingApplication, Provider
from integrations import keys
from tests.api.conftest import sample
from tests.concurrency import race
from tests.conftest import postgres_only
from tests.records import record, website, write_import_file
from verification import moves

pytestmark = pytest.mark.django_db


def test_a_second_filing_of_a_subject_in_flight_is_409(call, key):
    first = sample("C-1", subject_serial=41)
    assert call("post", "/filings", key[1], first).status_code == 201
    second = sample("C-2", subject_serial=41)
    answer = call("post", "/filings", key[1], second, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "subject_in_flight"
    assert body["detail"].startswith("The subject already has a filing pending")
    assert body["errors"] == [
        {"path": "", "message": "filing C-1 of this subject is in flight"}
    ]
    assert not FilingApplication.objects.filter(reference="C-2").exists()
    chinese = call("post", "/filings", key[1], second, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert chinese.json()["detail"].startswith("该主体已有一个待核验或审核中的备案")
    # Once the first is decided, the subject may file again.
    filing = FilingApplication.objects.get(reference="C-1")
    moves.return_filing(filing, actor=moves.SYSTEM, reason="test")
    assert call("post", "/filings", key[1], second).status_code == 201


def test_a_domain_held_by_another_subjects_approved_filing_is_422(call, key):
    held = sample("D-1", subject_serial=51)
    assert call("post", "/filings", key[1], held).status_code == 201
    filing = FilingApplication.objects.get(reference="D-1")
    filing.verifications.update(status="verified")
    moves.complete_verification(filing)
    moves.approve_filing(filing, actor=moves.SYSTEM)
    domain = held["services"][0]["domains"][0]
    other = sample("D-2", subject_serial=52)
    other["services"] = held["services"]
    answer = call("post", "/filings", key[1], other, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 422
    assert answer.json()["code"] == "domain_filed_by_other_subject"
    assert answer.json()["errors"][0]["message"] == (
        f"domain {domain} is held by another subject's filing"
    )
    # The subject that holds it files for it again (a change): no conflict.
    own = sample("D-3", subject_serial=51, type="change", change_scope="service")
    assert call("post", "/filings", key[1], own).status_code == 201


def test_a_domain_of_another_subjects_filing_in_flight_is_422(call, key):
    first = sample("F-1", subject_serial=71)
    assert call("post", "/filings", key[1], first).status_code == 201
    second = sample("F-2", subject_serial=72)
    second["services"] = first["services"]
    answer = call("post", "/filings", key[1], second, HTTP_ACCEPT_LANGUAGE="en")
    assert (answer.status_code, answer.json()["code"]) == (
        422,
        "domain_filed_by_other_subject",
    )
    assert not FilingApplication.objects.filter(reference="F-2").exists()


def test_an_import_line_names_the_conflict(tmp_path, run_command):
    first = record()
    second = record(subject=first["subject"], services=[website()])
    code, out, err = run_command(
        "import_filings", write_import_file(tmp_path, [first, second])
    )
    assert code == 1
    assert f"{second['reference']}: refused (subject_in_flight): filing " in out
    assert f"filing {first['reference']} of this subject is in flight" in out
    assert "1 imported, 0 skipped, 1 failed of 2 records." in err
    assert not FilingApplication.objects.filter(reference=second["reference"]).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_filings_of_one_subject_at_once_one_passes(reference_data):
    _, secret = keys.create_key(Provider.objects.get(code="aliyun"), "race")

    def send(reference):
        body = json.dumps(sample(reference, subject_serial=61))
        return lambda: Client().post(
            "/api/v1/filings",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    answers = race([send("R-1"), send("R-2")])
    assert all(not isinstance(a, Exception) for a in answers), answers
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert FilingApplication.objects.filter(reference__in=["R-1", "R-2"]).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_subjects_filing_one_domain_at_once_one_passes(reference_data):
    _, secret = keys.create_key(Provider.objects.get(code="aliyun"), "race")
    services = sample("T-0", subject_serial=80)["services"]

    def send(reference, serial):
        body = json.dumps(
            {**sample(reference, subject_serial=serial), "services": services}
        )
        return lambda: Client().post(
            "/api/v1/filings",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    answers = race([send("T-1", 81), send("T-2", 82)])
    assert all(not isinstance(a, Exception) for a in answers), answers
    assert sorted(a.status_code for a in answers) == [201, 422]
