"""Submitting over the API: 201 with the filing, a draft on request, 409 for a taken
reference, 422 with import_filings' own field paths and messages, problem details in
the asked-for language."""

import json
from pathlib import Path

import pytest

from filings.models import FilingApplication
from tests.api.conftest import sample

pytestmark = pytest.mark.django_db


def test_a_submission_is_201_with_the_filing(
    call, key, django_capture_on_commit_callbacks
):
    _, secret = key
    with django_capture_on_commit_callbacks(execute=True):
        response = call("post", "/filings", secret, sample())
    assert response.status_code == 201
    assert response["Location"] == "/api/v1/filings/API-0001"
    body = response.json()
    assert (body["provider"], body["status"]) == ("aliyun", "pending_verification")
    assert body["verification_deadline"].endswith("+08:00")
    assert [p["roles"] for p in body["people"]] == [["leader"], ["administrator"]]
    filing = FilingApplication.objects.get(reference="API-0001")
    assert filing.provider.code == "aliyun"
    assert filing.audit_events.filter(actor_kind="provider").count() == 2


def test_a_draft_on_request(call, key):
    response = call("post", "/filings?draft=true", key[1], sample())
    assert (response.status_code, response.json()["status"]) == (201, "draft")


def test_a_taken_reference_is_409(call, key):
    call("post", "/filings", key[1], sample())
    response = call("post", "/filings", key[1], sample(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"path": "reference", "message": "aliyun API-0001 already exists"}
    ]


def test_another_providers_reference_is_free(call, key, other_key):
    assert call("post", "/filings", key[1], sample()).status_code == 201
    theirs = sample(subject_serial=7)
    assert call("post", "/filings", other_key[1], theirs).status_code == 201


def test_invalid_fields_as_import_filings_says_them(call, key, run_command, tmp_path):
    body = sample()
    body["subject"]["leader"]["mobile"] = "12345"
    body["services"][0]["kind"] = "ftp"
    response = call("post", "/filings", key[1], body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    errors = [(e["path"], e["message"]) for e in response.json()["errors"]]
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"filings": [{**body, "provider": "aliyun"}]}))
    _, out, _ = run_command("import_filings", str(path))
    printed = [line.strip() for line in out.splitlines() if line.startswith("    ")]
    assert [f"{p}: {m}" for p, m in errors] == printed
    assert not FilingApplication.objects.exists()


def test_a_key_submits_for_its_own_provider_only(call, key):
    response = call("post", "/filings", key[1], {**sample(), "provider": "jdcloud"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "provider"


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Not JSON"), ("zh-hans", "不是 JSON")]
)
def test_not_json_is_400_in_the_asked_language(client, key, language, title):
    response = client.post(
        "/api/v1/filings",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key[1]}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400 and response.json()["title"] == title


def test_chinese_by_default(call, key):
    response = call("get", "/filings/NOPE", key[1])
    assert response.json()["title"] == "未找到"


def test_the_demos_sample_request_is_accepted_beside_the_demos_samples(
    call, key, run_command
):
    """`make demo` imports samples/filings.json, then prints a curl that submits
    samples/api-filing.json: another subject, other domains, no conflict."""
    root = Path(__file__).resolve().parents[2] / "samples"
    assert run_command("import_filings", str(root / "filings.json"))[0] == 0
    body = json.loads((root / "api-filing.json").read_text())
    answer = call("post", "/filings", key[1], body)
    assert answer.status_code == 201, answer.content
