"""A body field the API does not know is refused with 422, not ignored: a typo in a
withdrawal's reason or an endpoint change would otherwise be lost while the call
succeeds. A refused field's path is the provider's name for it, not the view's."""

import pytest

from filings.models import FilingApplication, FilingStatus
from tests.api.test_reading import submit
from tests.api.test_webhook_endpoints import create

pytestmark = pytest.mark.django_db


def paths(response):
    return [error["path"] for error in response.json()["errors"]]


def test_a_withdrawal_with_a_misspelt_field_is_refused(call, key):
    submit(call, key[1], "TYPO-1")
    response = call(
        "post", "/filings/TYPO-1/withdraw", key[1], {"reasn": "customer asked"}
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert paths(response) == ["reasn"]
    filing = FilingApplication.objects.get(reference="TYPO-1")
    assert filing.status != FilingStatus.CANCELLED


def test_an_endpoint_change_with_an_unknown_field_is_refused(call, key, dns):
    made = create(call, key[1]).json()
    response = call("patch", f"/webhooks/{made['id']}", key[1], {"bogus": 1})
    assert response.status_code == 422
    assert paths(response) == ["bogus"]
    response = call("post", "/webhooks", key[1], {"url": "https://x.example", "x": 1})
    assert (response.status_code, paths(response)) == (422, ["x"])


def test_a_wrong_type_is_reported_by_the_field_name(call, key, dns):
    made = create(call, key[1]).json()
    response = call("patch", f"/webhooks/{made['id']}", key[1], {"enabled": [1]})
    assert response.status_code == 422
    assert paths(response) == ["enabled"]
    response = call("get", "/filings?limit=abc", key[1])
    assert paths(response) == ["limit"]
