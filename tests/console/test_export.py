"""CSV export of the filtered filing list, streamed and masked."""

import csv
import io

import pytest

from filings.privacy import mask_mobile
from tests.console.conftest import LIST_URL
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


def rows(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_follows_the_filters_and_masks(login, agent):
    filing, leader, _ = submitted_filing()
    pilot, _, _ = submitted_filing("pilot-2017")
    client = login(agent)
    everything = rows(client.get(f"{LIST_URL}export/"))
    assert {r["reference"] for r in everything} == {filing.reference, pilot.reference}
    only_pilot = rows(client.get(f"{LIST_URL}export/", {"policy__exact": "pilot-2017"}))
    assert [r["reference"] for r in only_pilot] == [pilot.reference]
    row = next(r for r in everything if r["reference"] == filing.reference)
    assert row["leader_mobile"] == mask_mobile(leader.mobile)
    assert row["verified"] == "0" and row["to_verify"] == "2"
    assert row["subject"] == filing.subject.name


def test_export_link_carries_the_current_filters(login, agent):
    submitted_filing()
    html = login(agent).get(LIST_URL, {"status__exact": "approved"}).content.decode()
    assert 'href="export/?status__exact=approved"' in html


def test_export_needs_staff(client, db):
    assert client.get(f"{LIST_URL}export/").status_code == 302
