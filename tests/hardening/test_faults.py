"""Faults: the database going away mid-request gives a clean 503 page and no
half-write; a request after it works again; any other error gets the page with a 500."""

import pytest
from django.db import OperationalError, transaction
from django.test import Client

from filings.models import AuditEvent
from tests.portal.helpers import post_form, verify_data
from tests.verification.helpers import submitted_filing
from verification import actions, moves
from verification.models import Attempt, Verification

pytestmark = pytest.mark.django_db


def test_database_lost_mid_verification(monkeypatch):
    filing, leader, _ = submitted_filing()
    events_before = AuditEvent.objects.count()
    real_mark = actions._mark_verified

    def dies_after_writing(verification, now, writes):
        real_mark(verification, now, writes)
        writes.send()  # the verification and its event are written...
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(actions, "_mark_verified", dies_after_writing)
    client = Client(raise_request_exception=False)
    response = post_form(client, "/verify/", verify_data(leader), follow=False)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    # the site's own page, in the visitor's language (Chinese here), with the banner
    assert "没有被部分保存" in html and 'class="sim-banner"' in html
    assert "Traceback" not in html and leader.mobile not in html
    # ...but rolled back with everything else of the request
    assert set(
        Verification.objects.filter(filing=filing).values_list("status", flat=True)
    ) == {"pending"}
    assert AuditEvent.objects.count() == events_before
    assert Attempt.objects.count() == 0


def test_nothing_is_half_written_by_a_failing_transition(monkeypatch):
    filing, leader, _ = submitted_filing()
    from filings import transitions

    def broken(*args, **kwargs):
        raise OperationalError("disk full")

    monkeypatch.setattr(transitions, "record_event", broken)
    with pytest.raises(OperationalError), transaction.atomic():
        moves.cancel_filing(filing, actor=transitions.PROVIDER, reason="x")
    filing.refresh_from_db()
    assert filing.status == "pending_verification"
    assert Verification.objects.filter(filing=filing, status="pending").count() == 2


def test_the_next_request_after_a_database_fault_works(monkeypatch):
    _, leader, _ = submitted_filing()
    real_mark = actions._mark_verified
    calls = []

    def dies_once(verification, now, writes):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database system is shutting down")
        return real_mark(verification, now, writes)

    monkeypatch.setattr(actions, "_mark_verified", dies_once)
    client = Client(raise_request_exception=False)
    first = post_form(client, "/verify/", verify_data(leader), follow=False)
    assert first.status_code == 503
    second = post_form(client, "/verify/", verify_data(leader))
    assert 'data-valid-status="31"' in second.content.decode()


def test_another_error_is_a_500_with_the_same_page(monkeypatch):
    _, leader, _ = submitted_filing()

    def bug(*args, **kwargs):
        raise KeyError("a bug, not an outage")

    monkeypatch.setattr(actions, "_mark_verified", bug)
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    response = post_form(client, "/verify/", verify_data(leader), follow=False)
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Nothing you submitted was half saved" in response.content.decode()
