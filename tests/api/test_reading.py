"""Reading over the API: a provider sees its own filings only (another's reference is
404, like an unknown one), masked people and no secrets; the list pages by cursor,
newest change first, without repeats or gaps while rows change."""

import datetime

import pytest
from django.utils import timezone

from filings.models import FilingApplication
from tests.api.conftest import sample
from tests.verification.helpers import CODE_RE
from verification.models import SmsMessage

pytestmark = pytest.mark.django_db


def submit(call, secret, reference, **changes):
    response = call("post", "/filings", secret, sample(reference, **changes))
    assert response.status_code == 201, response.content
    return response.json()


def test_another_providers_filing_is_404_like_an_unknown_one(call, key, other_key):
    submit(call, key[1], "MINE-1")
    theirs = call("get", "/filings/MINE-1", other_key[1])
    unknown = call("get", "/filings/NOBODY", other_key[1])
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert call("get", "/filings", other_key[1]).json()["filings"] == []
    assert call("post", "/filings/MINE-1/withdraw", other_key[1]).status_code == 404


def test_people_are_masked_and_nothing_secret_is_sent(call, key):
    submit(call, key[1], "MINE-2")
    text = call("get", "/filings/MINE-2", key[1]).content.decode()
    filing = FilingApplication.objects.get(reference="MINE-2")
    for person in (filing.subject.leader, filing.services.get().administrator):
        assert person.mobile not in text and person.certificate_number not in text
    codes = [
        CODE_RE.search(m.text).group(1)
        for m in SmsMessage.objects.filter(filing=filing, kind="verification_code")
    ]
    assert len(codes) == 2 and not any(code in text for code in codes)
    people = call("get", "/filings/MINE-2", key[1]).json()["people"]
    assert people[0]["mobile"] == "138****8000"
    assert set(people[0]) == {
        "roles",
        "mobile",
        "status",
        "consecutive_failures",
        "resends",
        "verified_at",
    }


def test_pages_follow_on_without_repeats_while_rows_change(call, key):
    for n in range(5):
        submit(call, key[1], f"P-{n}")
    first = call("get", "/filings?limit=2", key[1]).json()
    assert [f["reference"] for f in first["filings"]] == ["P-4", "P-3"]
    # a filing already seen changes (its updated_at moves to now) between pages
    FilingApplication.objects.filter(reference="P-4").update(
        updated_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    seen = [f["reference"] for f in first["filings"]]
    cursor = first["next_cursor"]
    while cursor:
        page = call("get", f"/filings?limit=2&cursor={cursor}", key[1]).json()
        seen += [f["reference"] for f in page["filings"]]
        cursor = page["next_cursor"]
    assert seen == ["P-4", "P-3", "P-2", "P-1", "P-0"]


def test_filters_and_bad_parameters(call, key):
    submit(call, key[1], "D-1")
    call("post", "/filings?draft=true", key[1], sample("D-2"))
    drafts = call("get", "/filings?status=draft", key[1]).json()["filings"]
    assert [f["reference"] for f in drafts] == ["D-2"]
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    response = call(
        "get", f"/filings?updated_since={later.replace('+', '%2B')}", key[1]
    )
    assert response.json()["filings"] == []
    for query, path in [
        ("cursor=abc", "cursor"),
        ("updated_since=yesterday", "updated_since"),
        ("limit=0", "limit"),
        ("status=lost", "status"),
    ]:
        response = call("get", f"/filings?{query}", key[1])
        assert response.status_code == 422, query
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["path"] == path


def test_withdraw_a_waiting_filing(call, key):
    submit(call, key[1], "W-1")
    response = call("post", "/filings/W-1/withdraw", key[1], {"reason": "客户撤回"})
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    filing = FilingApplication.objects.get(reference="W-1")
    event = filing.audit_events.get(event_type="cancelled")
    assert (event.actor_kind, event.reason) == ("provider", "客户撤回")
    assert {v.status for v in filing.verifications.all()} == {"cancelled"}
    again = call("post", "/filings/W-1/withdraw", key[1], HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert "only a waiting filing can be withdrawn" in again.json()["detail"]


def test_withdraw_without_a_reason_names_the_key(call, key):
    submit(call, key[1], "W-2")
    assert call("post", "/filings/W-2/withdraw", key[1]).status_code == 200
    event = FilingApplication.objects.get(reference="W-2").audit_events.get(
        event_type="cancelled"
    )
    assert "ICP console" in event.reason
