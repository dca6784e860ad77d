"""Idempotency-Key: the same key and body replay the first answer, another body is
refused, and two identical requests at once make one filing."""

import json

import pytest
from django.test import Client

from filings.models import FilingApplication, Provider
from integrations import keys
from tests.api.conftest import sample
from tests.concurrency import race
from tests.conftest import postgres_only

pytestmark = pytest.mark.django_db


def test_the_same_key_and_body_replays_the_first_answer(call, key):
    first = call("post", "/filings", key[1], sample(), HTTP_IDEMPOTENCY_KEY="k-1")
    again = call("post", "/filings", key[1], sample(), HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert FilingApplication.objects.count() == 1


def test_a_failed_answer_is_replayed_too(call, key):
    bad = {**sample(), "province": "zz"}
    first = call("post", "/filings", key[1], bad, HTTP_IDEMPOTENCY_KEY="k-2")
    again = call("post", "/filings", key[1], bad, HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()


def test_the_same_key_with_another_body_is_422(call, key):
    call("post", "/filings", key[1], sample(), HTTP_IDEMPOTENCY_KEY="k-3")
    other = call(
        "post",
        "/filings",
        key[1],
        sample("API-0002"),
        HTTP_IDEMPOTENCY_KEY="k-3",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert other.status_code == 422
    assert "use a new key for a new request" in other.json()["detail"]
    assert not FilingApplication.objects.filter(reference="API-0002").exists()


def test_keys_are_per_api_key(call, key, other_key):
    mine = call("post", "/filings", key[1], sample(), HTTP_IDEMPOTENCY_KEY="same")
    theirs = call(
        "post",
        "/filings",
        other_key[1],
        sample(subject_serial=7),
        HTTP_IDEMPOTENCY_KEY="same",
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["provider"] == "jdcloud"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_make_one_filing(reference_data):
    _, secret = keys.create_key(Provider.objects.get(code="aliyun"), "race")
    body = json.dumps(sample())

    def send():
        return Client().post(
            "/api/v1/filings",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            HTTP_IDEMPOTENCY_KEY="race-1",
        )

    answers = race([send, send])
    assert all(not isinstance(a, Exception) for a in answers), answers
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.has_header("Idempotent-Replayed") for a in answers) == [
        False,
        True,
    ]
    assert FilingApplication.objects.filter(reference="API-0001").count() == 1


def test_an_answer_echoing_a_nul_is_kept_and_replayed(call, key):
    bad = {**sample(), "province": "b\u0000j"}
    first = call("post", "/filings", key[1], bad, HTTP_IDEMPOTENCY_KEY="k-nul")
    again = call("post", "/filings", key[1], bad, HTTP_IDEMPOTENCY_KEY="k-nul")
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()
