"""In the demo, the simulated administration decides the reviews that are due with
the requests, at most once a minute (the demo runs no scheduler)."""

import pytest

from demo import middleware
from filings.models import FilingStatus
from tests.verification.helpers import filing_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, monkeypatch):
    settings.DEMO_MODE = True
    settings.SIMULATED_ADMINISTRATION = True
    settings.SIMULATED_REVIEW_MINUTES = 0
    monkeypatch.setattr(middleware, "_reviews_looked_at", [float("-inf")])


def test_a_request_lets_the_administration_decide_what_is_due(client, demo):
    first = filing_in(FilingStatus.UNDER_REVIEW)
    client.get("/demo/")
    first.refresh_from_db()
    assert first.status in (FilingStatus.APPROVED, FilingStatus.REJECTED)
    # Within the minute, the next request does not look again.
    second = filing_in(FilingStatus.UNDER_REVIEW)
    client.get("/demo/")
    second.refresh_from_db()
    assert second.status == FilingStatus.UNDER_REVIEW
    middleware._reviews_looked_at[0] -= middleware.REVIEWS_EVERY
    client.get("/demo/")
    second.refresh_from_db()
    assert second.status != FilingStatus.UNDER_REVIEW


def test_outside_the_demo_requests_decide_nothing(client, settings, monkeypatch):
    settings.DEMO_MODE = False
    settings.SIMULATED_ADMINISTRATION = True
    settings.SIMULATED_REVIEW_MINUTES = 0
    monkeypatch.setattr(middleware, "_reviews_looked_at", [float("-inf")])
    filing = filing_in(FilingStatus.UNDER_REVIEW)
    client.get("/")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.UNDER_REVIEW
