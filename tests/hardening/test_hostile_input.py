"""The hostile corpus, sent everywhere a request carries input: every operation of the
provider API (each path parameter, query parameter, header and body field, and whole
bodies that are deep, huge or not JSON) and every list, filter and dashboard parameter
of the console as a supervisor. No answer may be a 5xx; the API's errors are RFC 9457
problems.

The operations and the console's lists are read from the OpenAPI document and the
admin site's registry, so a new one is covered without touching this file.
"""

import json
import re
import urllib.parse

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from filings.models import Provider
from integrations import keys
from integrations import webhooks as webhook_rules
from tests.api.conftest import sample
from tests.console.conftest import make_staff
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db

# Values as text: each goes into a path segment, a query value, a header or a JSON
# string. A lone surrogate cannot be UTF-8 encoded: in a URL it goes as the bytes
# a careless client would send (CESU-8), in JSON as the \ud800 escape.
CORPUS = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59+14:00",
    "-1",
    "99999999999999999999999",
    "1e309",
    "' OR 1=1--",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "\r\nX-Injected: 1",
    "١٢٣",
]
# Whole JSON values for body fields: wrong types, nesting, huge numbers.
JSON_VALUES = [None, True, -1, 10**30, 1e308, [], {}, [[[[]]]], {"a": {"b": None}}]
DEEP = 100_000
HUGE = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


def in_url(value):
    """`value` as it reaches the server in a URL (lone surrogates as raw bytes)."""
    encoded = value.encode("utf-8", "surrogatepass")
    return urllib.parse.quote(encoded, safe="")


def assert_no_server_error(response, what):
    assert response.status_code < 500, (
        what,
        response.status_code,
        response.content[:300],
    )


def assert_problem(response, what):
    assert_no_server_error(response, what)
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json"), (
            what,
            response.status_code,
            response["Content-Type"],
        )
        body = response.json()
        assert body["status"] == response.status_code, what
        assert body["title"], what


@pytest.fixture
def api_world(reference_data):
    """A provider with a key, a filing and a webhook endpoint of its own."""
    aliyun = Provider.objects.get(code="aliyun")
    _, key = keys.create_key(aliyun, "hostile")
    submitted_filing()
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = webhook_rules.create_endpoint(aliyun, "http://127.0.0.1:9/hooks")
    return key, endpoint


def operations(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            parameters = operation.get("parameters", [])
            yield method, path, parameters, "requestBody" in operation


def fill(path, values):
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], "x"), path)


def request(client, method, url, key, body=None, content_type="application/json"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}
    return getattr(client, method)(url, data=body, content_type=content_type, **headers)


def test_every_api_operation_answers_the_corpus_without_a_5xx(client, api_world):
    key, endpoint = api_world
    good = {"reference": "nosuch", "endpoint_id": f"we_{endpoint.pk}"}
    sent = 0
    for method, path, parameters, has_body in operations(client):
        # Each path parameter.
        for name in re.findall(r"\{(\w+)\}", path):
            for value in CORPUS:
                url = fill(path, {**good, name: in_url(value)})
                body = "{}" if has_body else None
                assert_problem(
                    request(client, method, url, key, body), (method, path, name, value)
                )
                sent += 1
        url = fill(path, good)
        # Each query parameter and header.
        for parameter in parameters:
            if parameter["in"] == "path":
                continue
            for value in CORPUS:
                if parameter["in"] == "query":
                    target = f"{url}?{parameter['name']}={in_url(value)}"
                    response = request(
                        client, method, target, key, "{}" if has_body else None
                    )
                else:
                    header = "HTTP_" + parameter["name"].upper().replace("-", "_")
                    safe = value.encode("utf-8", "surrogatepass").decode("latin-1")
                    response = getattr(client, method)(
                        url,
                        data="{}" if has_body else None,
                        content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {key}",
                        **{header: safe},
                    )
                assert_problem(response, (method, path, parameter["name"], value))
                sent += 1
        if not has_body:
            continue
        # Whole bodies: deep, huge, not JSON, not UTF-8, a lone surrogate escaped.
        bodies = [
            "[" * DEEP + "]" * DEEP,
            '{"a":' * DEEP + "1" + "}" * DEEP,
            json.dumps({"reference": "x" * HUGE}),
            "{not json",
            b"\xff\xfe\x00",
            '{"reference": "\\ud800"}',
            '{"url": "\\ud800", "description": "\\u0000"}',
            "null",
            "[]",
            '"text"',
        ]
        for body in bodies:
            assert_problem(
                request(client, method, url, key, body), (method, path, str(body)[:40])
            )
            sent += 1
        # Each field we know of, with every text and JSON value.
        for field in [
            "reference",
            "province",
            "submitted_at",
            "subject",
            "services",
            "reason",
            "url",
            "description",
            "events",
            "enabled",
            "event_id",
            "delivery_id",
        ]:
            for value in [*CORPUS, *JSON_VALUES]:
                try:
                    body = json.dumps({field: value})
                except ValueError:
                    continue
                assert_problem(
                    request(client, method, url, key, body),
                    (method, path, field, str(value)[:40]),
                )
                sent += 1
    assert sent > 1000  # the document was read and every operation was fed


def test_oversize_body_is_413_problem_in_the_asked_language(client, api_world):
    key, _ = api_world
    body = json.dumps({"reference": "x" * HUGE})
    for language, title in [("en", "Content Too Large"), ("zh-hans", "请求内容过大")]:
        response = client.post(
            "/api/v1/filings",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 413
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["title"] == title


def console_urls(client):
    """Every console list with each parameter its page links to, plus the
    dashboard, the funnel CSV, the work queue and the search with theirs."""
    found = {}
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        page = client.get(url)
        if page.status_code != 200:
            continue
        names = {"q", "o", "p", "e", "_facets", "all"}
        for href in re.findall(r'href="\?([^"]*)"', page.content.decode()):
            query = urllib.parse.parse_qs(href.replace("&amp;", "&"))
            names.update(query)
        for field in (
            getattr(model_admin, "date_hierarchy", None)
            and [model_admin.date_hierarchy]
            or []
        ):
            names.update({f"{field}__year", f"{field}__month", f"{field}__day"})
        found[url] = names
    found[reverse("admin:index")] = {"start", "end", "period", "province", "provider"}
    found[reverse("admin:funnel_csv")] = {"start", "end", "period"}
    found[reverse("admin:queue")] = {
        "reason",
        "province",
        "provider",
        "policy",
        "owner",
        "page",
    }
    found[reverse("admin:search")] = {"q"}
    return found


def test_every_console_list_and_filter_answers_the_corpus_without_a_5xx(
    client, reference_data
):
    submitted_filing()
    supervisor = make_staff("hostile-supervisor", "Supervisor")
    client.force_login(supervisor)
    urls = console_urls(client)
    assert len(urls) > 10
    sent = 0
    for url, names in urls.items():
        for name in sorted(names):
            for value in CORPUS:
                response = client.get(f"{url}?{name}={in_url(value)}")
                assert_no_server_error(response, (url, name, value))
                sent += 1
    assert sent > 1000


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("get", "/api/v1/filings/%00", None, 404),
        ("get", "/api/v1/filings/a%2Fb", None, 404),
        ("post", "/api/v1/filings/%00/withdraw", '{"reason": "x"}', 404),
        ("post", "/api/v1/filings", "[" * DEEP + "]" * DEEP, 400),
        ("post", "/api/v1/filings", '{"reference": "\\ud800"}', 422),
        ("post", "/api/v1/filings", '{"reference": "A\\u0000B"}', 422),
        ("post", "/api/v1/filings", '{"submitted_at": "9999-12-31T23:59:59"}', 422),
        ("post", "/api/v1/filings", '{"submitted_at": "0001-01-01T00:00:00"}', 422),
        ("get", "/api/v1/filings?updated_since=0001-01-01T00:00:00", None, 422),
        ("post", "/api/v1/webhooks", '{"url": "http://a\\u0000b/"}', 422),
        (
            "post",
            "/api/v1/webhooks",
            '{"url": "https://x.cn/", "description": "\\u0000"}',
            422,
        ),
    ],
)
def test_what_the_audit_sent_is_refused_as_a_problem(
    client, api_world, method, url, body, status
):
    key, _ = api_world
    response = request(client, method, url, key, body)
    assert response.status_code == status, response.content[:300]
    assert_problem(response, url)


def test_a_nul_in_a_console_filter_is_a_400_page(client, reference_data):
    client.force_login(make_staff("hostile-supervisor", "Supervisor"))
    response = client.get("/admin/filings/filingapplication/?status__exact=%00")
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]


@pytest.mark.parametrize("url", ["/admin/", "/admin/funnel.csv"])
def test_a_period_out_of_the_calendar_shows_the_default_one(
    client, reference_data, url
):
    client.force_login(make_staff("hostile-supervisor", "Supervisor"))
    for query in [
        "end=0001-01-01",
        "start=9999-12-31",
        "start=0001-01-01&end=9999-12-31",
    ]:
        assert client.get(f"{url}?{query}").status_code == 200


def test_a_nul_or_lone_surrogate_in_a_filings_own_fields(client, api_world):
    """What the audit sent to a filing that exists: a NUL in the withdraw reason, a
    lone surrogate in a name."""
    key, _ = api_world
    body = sample(reference="HOSTILE-1")
    body["subject"]["name"] = "\ud800"
    text = json.dumps(body)  # ensure_ascii writes the lone surrogate as \ud800
    response = request(client, "post", "/api/v1/filings", key, text)
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["subject.name"]

    created = request(
        client,
        "post",
        "/api/v1/filings",
        key,
        json.dumps(sample(reference="HOSTILE-1")),
    )
    assert created.status_code == 201
    withdraw = created["Location"] + "/withdraw"
    response = request(client, "post", withdraw, key, '{"reason": "a\\u0000b"}')
    assert response.status_code == 422
    assert_problem(response, "withdraw reason with a NUL")
    assert response.json()["errors"] == [
        {"path": "reason", "message": "contains a character that is not text"}
    ]


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        # A count that tells a masked value digit by digit.
        ("get", "/admin/filings/person/?mobile__startswith=138", None),
        ("get", "/admin/filings/person/?subject__leader__mobile=1", None),
        ("get", "/admin/filings/person/?certificate_number__startswith=1", None),
        ("get", "/admin/verification/smsmessage/?text__contains=1", None),
        ("get", "/admin/verification/smsmessage/?recipient__startswith=1", None),
        ("get", "/admin/verification/verification/?mobile__endswith=0", None),
        # A pattern of the client's own, a year out of range, a NUL in the path.
        ("get", "/admin/filings/filingapplication/?reference__regex=%5B", None),
        ("get", "/admin/filings/filingapplication/?created_at__year=-1", None),
        ("get", "/admin/filings/filingapplication/?created_at__year=10000", None),
        ("get", "/admin/filings/province/%00/change/", None),
        # Forms holding what is not an id.
        ("post", "/admin/queue/", {"macro": "abc", "filing": "1"}),
        ("post", "/admin/queue/", {"macro": "1", "filing": "²"}),
        (
            "post",
            "/admin/filings/filingapplication/",
            {"action": "extend_deadline", "_selected_action": "abc"},
        ),
        (
            "post",
            "/admin/filings/filingapplication/",
            {"action": "extend_deadline", "_selected_action": "a\x00"},
        ),
    ],
)
def test_what_the_review_sent_to_the_console_is_refused(
    client, reference_data, method, url, data
):
    """As an auditor, who sees masked data only, and as a supervisor: refused with
    the 400 page (or the form's own message), never a 5xx, never a count."""
    submitted_filing()
    for group in ("Auditor", "Supervisor"):
        client.force_login(make_staff(f"hostile-{group.lower()}", group))
        response = getattr(client, method)(url, data)
        assert_no_server_error(response, (group, url))
        if method == "get":
            assert response.status_code == 400, (group, url, response.status_code)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("put", "/api/v1/filings", 405),
        ("delete", "/api/v1/filings/nosuch/withdraw", 405),
        ("post", "/api/v1/no-such-operation", 404),
        ("patch", "/api/nothing/here", 404),
        ("get", "/api/v1/", 404),
    ],
)
def test_every_api_error_is_a_problem(client, api_world, method, url, status):
    key, _ = api_world
    response = request(client, method, url, key, None if method == "get" else "{}")
    assert response.status_code == status
    assert_problem(response, url)
    if status == 405:
        assert response["Allow"]
