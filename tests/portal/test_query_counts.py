"""SQL statements per applicant request: a verify at most 8 (9 on SQLite), a page view
at most 4.

Counted: the statements Django sends, not transaction control (BEGIN, COMMIT,
SAVEPOINT, RELEASE), which depends on the test's own transaction. With
QUERY_COUNT_REPORT=path the counts are also written there as JSON (`make bench`
puts them in its report).
"""

import functools
import json
import os

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.portal.helpers import banner, form_token, post_form, verify_data
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification import contact_checks

pytestmark = pytest.mark.django_db

# On SQLite the writes that PostgreSQL takes in one statement go one by one
# (infra.sql.Writes), among them the provider events of the verify that
# completes a filing (filings.provider_events): one for the person, one for the filing.
VERIFY_LIMIT = 8 if connection.vendor == "postgresql" else 9
PAGE_LIMIT = 4
# Not a goal of its own; held where it is so that it cannot creep up unnoticed.
RESEND_LIMIT = 9
FAILURE_LIMIT = 20
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
MEASURED = {}


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    path = os.environ.get("QUERY_COUNT_REPORT")
    if path and MEASURED:
        with open(path, "w") as report:
            json.dump(dict(sorted(MEASURED.items())), report, indent=2)


def statements(queries):
    return [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
    ]


def measure(label, request):
    """Run `request()`, record its statement count under `label`, return both."""
    with CaptureQueriesContext(connection) as queries:
        response = request()
    count = len(statements(queries))
    MEASURED[label] = count
    return response, count


def post_verify(client, data, url="/verify/"):
    token = form_token(client, url)
    return measure(
        f"verify {data['_label']}",
        lambda: post_form(client, url, data["fields"], token=token, follow=False),
    )


@pytest.fixture(autouse=True)
def steady_state():
    """As on a running server: whether a contact check is open is cached (here:
    none is), so the verify page does not ask the database each time."""
    cache.delete(contact_checks.ANY_OPEN_KEY)
    assert contact_checks.any_open() is False


def test_verify_requests_stay_within_eight_statements(client):
    filing, leader, admin = submitted_filing()
    leader_code, admin_code = latest_code(leader.mobile), latest_code(admin.mobile)
    cases = [
        ("wrong code (2)", verify_data(leader, "000000"), 2),
        ("unknown mobile (4)", {**verify_data(leader), "mobile": "13900000000"}, 4),
        ("first person (31)", verify_data(leader, leader_code), 31),
        ("already verified (20)", verify_data(leader, leader_code), 20),
        ("last person, completes the filing (3)", verify_data(admin, admin_code), 3),
    ]
    for label, fields, expected in cases:
        response, count = post_verify(client, {"_label": label, "fields": fields})
        assert response.status_code == 303
        assert banner(client.get("/verify/"))[0] == expected, label
        assert count <= VERIFY_LIMIT, f"{label}: {count} statements"
    filing.refresh_from_db()
    assert filing.status == "under_review"


def test_the_failing_fifth_attempt(client):
    """The rare worst case: the filing is returned and the owner gets a text."""
    filing, leader, _ = submitted_filing()
    for attempt in range(1, 6):
        fields = verify_data(leader, "000000")
        response, count = post_verify(
            client, {"_label": f"wrong code, attempt {attempt}", "fields": fields}
        )
    assert banner(client.get("/verify/"))[0] == 21
    filing.refresh_from_db()
    assert filing.status == "returned"
    MEASURED["verify fifth failure, filing returned (21)"] = MEASURED.pop(
        "verify wrong code, attempt 5"
    )
    for attempt in range(1, 5):
        MEASURED.pop(f"verify wrong code, attempt {attempt}")
    assert count <= FAILURE_LIMIT, f"{count} statements"


def test_verify_on_a_provincial_page_stays_within_eight_statements(client):
    filing, leader, admin = submitted_filing("pilot-2017")
    url = f"/p/{filing.province_id}/verify/"
    for person, expected in ((leader, 31), (admin, 3)):
        response, count = post_verify(
            client,
            {"_label": f"provincial ({expected})", "fields": verify_data(person)},
            url,
        )
        assert banner(client.get(url))[0] == expected
        assert count <= VERIFY_LIMIT


def test_resend_requests(client):
    _, leader, _ = submitted_filing()
    cases = [
        ("resent (101)", last6(leader), 101),
        ("wrong certificate (4)", "000000", 4),
    ]
    for label, cert, expected in cases:
        token = form_token(client, "/resend/")
        fields = {"mobile": leader.mobile, "cert_last6": cert}
        _, count = measure(
            f"resend {label}",
            functools.partial(
                post_form, client, "/resend/", fields, token=token, follow=False
            ),
        )
        assert banner(client.get("/resend/"))[0] == expected
        assert count <= RESEND_LIMIT, f"{label}: {count} statements"


@pytest.mark.parametrize(
    "url",
    ["/", "/verify/", "/resend/", "/provinces/", "/p/gs/", "/p/gs/verify/", "/where/"],
)
def test_page_views_stay_within_four_statements(client, url):
    response, count = measure(f"page {url}", lambda: client.get(url))
    assert response.status_code == 200
    assert count <= PAGE_LIMIT, f"{url}: {count} statements"


def test_result_page_after_a_verify_stays_within_four_statements(client):
    _, leader, _ = submitted_filing()
    post_form(client, "/verify/", verify_data(leader), follow=False)
    response, count = measure(
        "page /verify/ with its result", lambda: client.get("/verify/")
    )
    assert banner(response)[0] == 31
    assert count <= PAGE_LIMIT
