"""The hostile corpus at the sandbox's own operations, with a test key (a live key
is refused before any input is read): the test clocks' path, their bodies' every
field, and a submission's `test_clock`. No 5xx, every error a problem, and nothing
logged with a traceback: bad input is the caller's, not a fault of ours."""

import json
import logging

import pytest

from filings.models import Provider, TestClock
from integrations import keys
from tests.api.conftest import sample
from tests.hardening.test_hostile_input import (
    CORPUS,
    JSON_VALUES,
    assert_problem,
    in_url,
    request,
)

pytestmark = pytest.mark.django_db

FIELDS = ["name", "frozen_time", "by_seconds"]


@pytest.fixture
def sandbox(reference_data):
    """A test key and one of its provider's clocks."""
    _, key = keys.create_key(
        Provider.objects.get(code="aliyun"), "hostile sandbox", livemode=False
    )
    clock = TestClock.objects.create(
        provider=Provider.objects.get(code="aliyun"),
        now_at="2026-12-01T08:00:00+08:00",
    )
    return key, f"clock_{clock.pk}"


def bodies():
    """Each field with every text and JSON value, and whole odd bodies."""
    for field in FIELDS:
        for value in [*CORPUS, *JSON_VALUES]:
            yield json.dumps({field: value})
    yield '{"name": "\\ud800", "frozen_time": "\\udc00"}'
    yield '{"\\ud800": 1}'
    yield '["\\ud800"]'
    yield "null"


def test_the_test_clocks_answer_the_corpus_without_a_5xx_or_a_traceback(
    client, sandbox, caplog
):
    key, clock = sandbox
    sent = 0
    with caplog.at_level(logging.WARNING):
        for value in CORPUS:
            for path in [f"/api/v1/test-clocks/{in_url(value)}"]:
                assert_problem(request(client, "get", path, key), (path, value))
                advance = f"{path}/advance"
                assert_problem(
                    request(client, "post", advance, key, '{"by_seconds": 60}'),
                    (advance, value),
                )
                sent += 2
        for body in bodies():
            for path in ["/api/v1/test-clocks", f"/api/v1/test-clocks/{clock}/advance"]:
                assert_problem(request(client, "post", path, key, body), (path, body))
                sent += 1
        for value in [*CORPUS, *JSON_VALUES]:
            body = sample("HOSTILE-CLOCK")
            body["test_clock"] = value
            answer = request(client, "post", "/api/v1/filings", key, json.dumps(body))
            assert_problem(answer, ("test_clock", value))
            assert answer.status_code == 422, (value, answer.content[:200])
            sent += 1
    traced = [r for r in caplog.records if r.exc_info]
    assert traced == [], [(r.name, r.getMessage()[:120]) for r in traced]
    assert sent > 150
