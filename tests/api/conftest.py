import copy
import json
from pathlib import Path

import pytest

from api import keys
from filings.models import Provider
from tests.console.conftest import agent, login, supervisor  # noqa: F401 - shared fixtures

SAMPLES = json.loads(
    (Path(__file__).resolve().parents[2] / "samples" / "filings.json").read_text()
)["filings"]


def sample(reference="API-0001", index=0, **changes):
    """A valid submission body: a sample filing of the README, renamed."""
    body = copy.deepcopy(SAMPLES[index])
    body.pop("provider", None)
    body["reference"] = reference
    body.update(changes)
    return body


@pytest.fixture
def key(db):
    """(ApiKey, key) of Alibaba Cloud."""
    return keys.create_key(Provider.objects.get(code="aliyun"), "ICP console")


@pytest.fixture
def other_key(db):
    """(ApiKey, key) of JD Cloud."""
    return keys.create_key(Provider.objects.get(code="jdcloud"), "JD console")


@pytest.fixture
def call(client):
    """call(method, path, key, body=None, **headers) -> response."""

    def request(method, path, key, body=None, **headers):
        if key:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        data = json.dumps(body) if body is not None else None
        return getattr(client, method)(
            f"/api/v1{path}", data=data, content_type="application/json", **headers
        )

    return request
