"""The cache unreachable (Redis stopped): the applicant pages keep answering with the
throttles open (logged), the console's dashboard is computed afresh, /healthz says so;
nothing is a traceback."""

import json
import logging

import pytest
from django.test import Client

from tests.console.conftest import make_staff
from tests.portal.helpers import banner, post_form, verify_data
from tests.verification.helpers import submitted_filing
from verification.models import Attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    # Nothing listens on port 1: every cache call is refused at once. The backend
    # is the one production gets for a redis:// CACHE_URL.
    settings.CACHES = {
        "default": {
            "BACKEND": "infra.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }


def test_verify_answers_with_the_throttles_open(cache_down, caplog):
    _, leader, _ = submitted_filing(policy="pilot-2017")
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.WARNING, logger="verification.throttles"):
        response = post_form(client, "/p/gs/verify/", verify_data(leader))
    assert response.status_code == 200
    assert banner(response)[0] == 31
    assert Attempt.objects.get().reason == "verified"
    assert "Cache unavailable (ConnectionError): verify is not throttled" in caplog.text


def test_resend_and_lookup_answer_too(cache_down):
    filing, leader, _ = submitted_filing()
    client = Client(raise_request_exception=False)
    fields = {"mobile": leader.mobile, "cert_last6": leader.certificate_number[-6:]}
    assert banner(post_form(client, "/resend/", fields))[0] == 101
    page = post_form(client, "/where/", {"reference": filing.reference, **fields})
    assert page.status_code == 200 and filing.reference in page.content.decode()


def test_the_dashboard_is_computed_without_the_cache(cache_down):
    submitted_filing()
    client = Client(raise_request_exception=False)
    client.force_login(make_staff("sup", "Supervisor"))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert 'id="dashboard"' in response.content.decode()


def test_healthz_names_the_cache(cache_down):
    response = Client().get("/healthz")
    assert response.status_code == 503
    checks = json.loads(response.content)["checks"]
    assert checks["cache"]["state"] == "down: ConnectionError"
    assert checks["database"]["state"] == "ok"
