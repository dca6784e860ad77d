"""Schemathesis against the OpenAPI document: every endpoint, bounded examples, with
one provider's key while another provider's filings exist, then the other way round.
No 5xx, every response as the document says, and no answer names the other
provider's filings. Webhook addresses are resolved from a table (`dns`): no lookup
leaves the machine."""

import contextlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from filings.models import Provider
from icpportal.wsgi import application
from integrations import keys
from tests.api.conftest import sample

pytestmark = pytest.mark.django_db

EXAMPLES = 12


@contextlib.contextmanager
def requests_keep_the_connection():
    """Call the app as a WSGI application inside the test's transaction: as Django's
    test client does, requests then leave the test's database connection open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def operations(settings):
    """Every operation of the document, loaded from the app itself."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    with requests_keep_the_connection():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    found = [result.ok() for result in schema.get_all_operations()]
    # submit, list, read, withdraw; webhooks: create, list, read, change, delete,
    # rotate, attempts, send again; the event feed; test clocks: create, read,
    # advance (403 to these live keys, as documented)
    assert len(found) == 16
    return found


@pytest.fixture
def two_providers(client):
    """Each provider's key, after each submitted filings with its own marker."""
    found = {}
    for code, marker in (("aliyun", "ALI-OWN"), ("jdcloud", "JD-OWN")):
        _, secret = keys.create_key(Provider.objects.get(code=code), "schemathesis")
        for n in range(2):
            response = client.post(
                "/api/v1/filings",
                data=sample(f"{marker}-{n}"),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
            )
            assert response.status_code == 201
        found[code] = (secret, marker)
    return found


def _keeps_to_its_document(operations, two_providers, side):
    secret, _ = two_providers[side]
    others = [marker for code, (_, marker) in two_providers.items() if code != side]
    statuses = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @BOUNDED
        def check(case):
            response = case.call_and_validate(
                headers={"Authorization": f"Bearer {secret}"},
                # A filing is valid by check digits and reference data, which JSON
                # Schema cannot state: a schema-valid body may well be refused.
                excluded_checks=[positive_data_acceptance],
            )
            statuses.add(response.status_code)
            assert response.status_code < 500
            for marker in others:
                assert marker not in response.text

        with requests_keep_the_connection():
            check()
    return statuses


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def test_with_alibaba_clouds_key(operations, two_providers, dns):
    assert 200 in _keeps_to_its_document(operations, two_providers, "aliyun")


def test_with_jd_clouds_key(operations, two_providers, dns):
    assert 200 in _keeps_to_its_document(operations, two_providers, "jdcloud")
