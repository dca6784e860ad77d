"""Bounds on what a provider submits: `submitted_at` within a year back and a few
minutes ahead; at most MAX_SERVICES services and MAX_DOMAINS_PER_WEBSITE domains a
website; references of letters, digits, '-', '_' and '.' only. Refused with the
field's message by the import and the API alike, nothing written."""

import datetime

import pytest
from django.utils import timezone

from filings import importing
from tests.records import record, website

pytestmark = pytest.mark.django_db


def errors_of(data):
    with pytest.raises(importing.RecordInvalid) as refused:
        importing.parse_record(data)
    return refused.value.errors


def ago(**delta):
    """A time relative to now, worked out when the test runs (parameters must be
    the same wherever the tests are collected)."""
    return lambda: (timezone.now() - datetime.timedelta(**delta)).isoformat()


@pytest.mark.parametrize(
    ("submitted_at", "fragment"),
    [
        (ago(minutes=-10), "is in the future; it may be at most 5 minutes ahead"),
        ("2099-01-01T00:00:00+08:00", "is in the future"),
        ("9999-12-31T23:59:59", "is in the future"),
        ("9999-12-31T23:59:59-12:00", "is in the future"),
        (ago(days=366), "is more than 365 days ago"),
        ("1970-01-01T00:00:00Z", "is more than 365 days ago"),
        ("0001-01-01T00:00:00", "is more than 365 days ago"),
        ("0001-01-01T00:00:00+14:00", "is more than 365 days ago"),
        ("2026-13-01T00:00:00", "must be an ISO 8601 date and time"),
        ("2026-02-30T25:00:00", "must be an ISO 8601 date and time"),
    ],
)
def test_a_submission_time_out_of_bounds_is_refused(submitted_at, fragment):
    submitted_at = submitted_at() if callable(submitted_at) else submitted_at
    errors = errors_of(record(submitted_at=submitted_at))
    assert [path for path, _ in errors] == ["submitted_at"]
    assert fragment in errors[0][1]


@pytest.mark.parametrize(
    "submitted_at",
    [ago(minutes=-4), ago(days=364), ago()],
    ids=["4 min ahead", "364 days back", "now"],
)
def test_a_submission_time_within_bounds_is_kept_as_it_is(submitted_at):
    submitted_at = submitted_at()
    parsed = importing.parse_record(record(submitted_at=submitted_at))
    assert parsed.submitted_at == datetime.datetime.fromisoformat(submitted_at)


@pytest.mark.parametrize(
    "reference",
    ["A/B", "A?B", "A#B", "A B", "订单1", "A%2FB", "..\\x", "A+B", ".", "..", "-._"],
)
def test_a_reference_outside_the_character_set_is_refused(reference):
    assert errors_of(record(reference=reference)) == [
        (
            "reference",
            "may hold only letters, digits, '-', '_' and '.' (at least one letter or digit)",
        )
    ]


def test_a_reference_of_the_character_set_is_accepted():
    assert importing.parse_record(record(reference="ALI-2026_12.06")).reference == (
        "ALI-2026_12.06"
    )


def test_too_many_services_are_refused_without_reading_them():
    services = [website() for _ in range(importing.MAX_SERVICES + 1)]
    assert errors_of(record(services=services)) == [
        ("services", "lists 51 services; a filing names at most 50")
    ]
    services.pop()
    assert len(importing.parse_record(record(services=services)).services) == 50


def test_too_many_domains_for_a_website_are_refused():
    domains = [f"site{n}.example.cn" for n in range(21)]
    assert errors_of(record(services=[website(domains=domains)])) == [
        ("services[0].domains", "lists 21 domains; a website has at most 20")
    ]
    parsed = importing.parse_record(record(services=[website(domains=domains[:20])]))
    assert len(parsed.services[0].domains) == 20
