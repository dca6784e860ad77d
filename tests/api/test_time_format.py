"""One time format in everything a provider reads: the filing resource, the event
feed, webhook payloads and the data inside events are RFC 3339 in Beijing time, to
the millisecond, with the +08:00 offset; `Location` is encoded."""

import datetime
import re

import pytest
from django.utils import timezone

from filings.models import FilingApplication, ProviderEvent
from infra.times import rfc3339
from integrations import webhooks
from tests.api.conftest import sample

pytestmark = pytest.mark.django_db

BEIJING_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$")


def times_in(value):
    """Every string in `value` that looks like a time."""
    if isinstance(value, dict):
        for item in value.values():
            yield from times_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from times_in(item)
    elif isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value):
        yield value


def test_rfc3339_writes_beijing_time_to_the_millisecond():
    moment = datetime.datetime(2026, 12, 6, 14, 15, 16, 26789, tzinfo=datetime.UTC)
    assert rfc3339(moment) == "2026-12-06T22:15:16.026+08:00"
    assert rfc3339(moment.replace(microsecond=0)) == "2026-12-06T22:15:16.000+08:00"
    assert rfc3339(None) is None


def test_filings_events_and_payloads_write_one_format(call, key):
    created = call("post", "/filings", key[1], sample())
    assert created.status_code == 201
    filing = created.json()
    listed = call("get", "/filings", key[1]).json()
    events = call("get", "/events", key[1]).json()
    payloads = [
        webhooks.event_body(e)
        for e in ProviderEvent.objects.select_related("filing", "provider")
    ]
    found = [
        *times_in(filing),
        *times_in(listed["filings"]),
        *times_in(events),
        *times_in(payloads),
    ]
    assert len(found) >= 10
    assert [t for t in found if not BEIJING_MS.match(t)] == []
    assert filing["verification_deadline"] in [
        p["data"].get("verification_deadline") for p in payloads
    ]


def test_an_event_written_in_utc_is_delivered_in_beijing_time(call, key):
    call("post", "/filings", key[1], sample())
    event = ProviderEvent.objects.get(event_type="filing.submitted")
    deadline = timezone.now().replace(microsecond=123456)
    event.data = {
        "verification_deadline": deadline.astimezone(datetime.UTC).isoformat()
    }
    event.save()
    event = ProviderEvent.objects.select_related("filing", "provider").get(pk=event.pk)
    assert webhooks.event_body(event)["data"]["verification_deadline"] == (
        rfc3339(deadline)
    )


def test_location_is_the_encoded_address_of_the_filing(call, key):
    response = call("post", "/filings", key[1], sample(reference="ALI.2026-12_06"))
    assert response["Location"] == "/api/v1/filings/ALI.2026-12_06"
    assert (
        call("get", response["Location"].removeprefix("/api/v1"), key[1]).json()[
            "reference"
        ]
        == "ALI.2026-12_06"
    )


@pytest.mark.parametrize("microsecond", [0, 999])
def test_a_time_on_a_whole_second_keeps_its_milliseconds(call, key, microsecond):
    # One time in a thousand falls within the first millisecond of its second.
    call("post", "/filings", key[1], sample())
    filing = FilingApplication.objects.get()
    filing.submitted_at = filing.submitted_at.replace(microsecond=microsecond)
    filing.save(update_fields=["submitted_at"])
    read = call("get", f"/filings/{filing.reference}", key[1]).json()
    listed = call("get", "/filings", key[1]).json()["filings"][0]
    assert read["submitted_at"].endswith(".000+08:00")
    assert listed["submitted_at"] == read["submitted_at"]
