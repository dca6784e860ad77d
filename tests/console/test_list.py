"""The filing list: columns, filters, search, counts that do not grow, no full count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console.admin.base import CappedCountPaginator
from filings import transitions
from filings.models import Domain, FilingApplication
from tests.console.conftest import LIST_URL
from tests.verification.helpers import submitted_filing, verify_person
from verification import actions as engine
from verification import moves
from verification.models import Attempt, Verification

pytestmark = pytest.mark.django_db


def references(response):
    return [row.reference for row in response.context["cl"].result_list]


def test_columns(login, agent):
    filing, leader, _ = submitted_filing()
    verify_person(filing, leader)
    html = login(agent).get(LIST_URL).content.decode()
    for text in (
        filing.reference,
        "Alibaba Cloud",
        "Beijing",
        filing.subject.name,
        "1 / 2",
        "23 h 59 min",
    ):
        assert text in html, text
    # one name per language, for the provider and the province alike
    html = login(agent, "zh-hans").get(LIST_URL).content.decode()
    for text in ("阿里云", "北京市", "23小时59分钟"):
        assert text in html, text
    assert "Alibaba Cloud" not in html and "aliyun" not in html


def test_overdue_is_red(login, agent):
    filing, _, _ = submitted_filing(now=timezone.now() - datetime.timedelta(days=2))
    html = login(agent).get(LIST_URL).content.decode()
    assert '<span class="overdue">' in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"status__exact": "pending_verification"},
            {"recent", "soon", "late", "pilot"},
        ),
        ({"deadline": "overdue"}, {"late"}),
        ({"deadline": "2h"}, {"soon"}),
        ({"deadline": "24h"}, {"soon", "recent"}),
        ({"policy__exact": "pilot-2017"}, {"pilot"}),
        ({"province__code__exact": "gs"}, {"pilot"}),
    ],
)
def test_filters(login, agent, params, expected):
    now = timezone.now()
    made = {
        "recent": submitted_filing(now=now)[0],
        "soon": submitted_filing(now=now - datetime.timedelta(hours=23))[0],
        "late": submitted_filing(now=now - datetime.timedelta(hours=25))[0],
        "pilot": submitted_filing("pilot-2017", now=now)[0],  # 48 h left
    }
    names = {f.reference: name for name, f in made.items()}
    response = login(agent).get(LIST_URL, params)
    assert {names[r] for r in references(response)} == expected


def test_search_by_each_key(login, agent):
    filing, leader, admin = submitted_filing()
    other, _, _ = submitted_filing()
    Domain.objects.create(service=filing.services.first(), name="shop.example.cn")
    client = login(agent)
    for term in (
        filing.reference,
        filing.subject.name,
        filing.subject.name[:4] + filing.subject.name[4:6],
        f"+86 {leader.mobile[:3]} {leader.mobile[3:7]} {leader.mobile[7:]}",
        admin.mobile,
        "SHOP.example.cn",
    ):
        assert filing.reference in references(client.get(LIST_URL, {"q": term})), term
    assert references(client.get(LIST_URL, {"q": admin.mobile})) == [filing.reference]
    assert references(client.get(LIST_URL, {"q": "13312345678"})) == []


def test_search_by_icp_number(login, agent):
    filing, _, _ = submitted_filing()
    Verification.objects.filter(filing=filing).update(status="verified")
    filing = moves.complete_verification(filing)
    filing = transitions.approve_filing(filing, actor=transitions.SYSTEM)
    client = login(agent)
    assert references(client.get(LIST_URL, {"q": filing.icp_number})) == [
        filing.reference
    ]
    service_number = filing.services.first().icp_number
    assert references(client.get(LIST_URL, {"q": service_number})) == [filing.reference]


def _queries_for_list(client, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status__exact": "pending_verification"},
        {"q": "13800000000"},
        {"deadline": "24h"},
    ],
)
def test_query_count_does_not_grow_with_rows(login, agent, params, settings):
    client = login(agent)
    for _ in range(10):
        submitted_filing()
    client.get(LIST_URL)  # the session's first request does extra work; not measured
    few = _queries_for_list(client, params)
    for _ in range(90):
        submitted_filing()
    assert FilingApplication.objects.count() == 100
    many = _queries_for_list(client, params)
    assert few == many


def test_filing_page_query_count_does_not_grow_with_history(login, agent):
    client = login(agent)
    filing, leader, _ = submitted_filing()
    url = reverse("admin:filings_filingapplication_change", args=[filing.pk])
    client.get(url)  # the session's first request does extra work; not measured
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    # more attempts, texts and audit events, while the filing stays pending
    for _ in range(3):
        verify_person(filing, leader, "000000")
    for _ in range(2):
        engine.resend(engine.CENTRAL, leader.mobile, leader.certificate_number[-6:])
    assert FilingApplication.objects.get(pk=filing.pk).status == "pending_verification"
    assert filing.audit_events.count() == 3  # submitted, two resends
    assert Attempt.objects.count() == 5 and filing.sms_messages.count() == 6
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(first) == len(second)


def test_paginator_caps_the_count(monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    for _ in range(7):
        submitted_filing()
    queryset = FilingApplication.objects.filter(status="pending_verification").order_by(
        "-id"
    )
    paginator = CappedCountPaginator(queryset, 2)
    assert paginator.count == 5 and paginator.capped
    first_three = list(queryset.values_list("pk", flat=True)[:3])
    small = CappedCountPaginator(queryset.filter(pk__in=first_three), 2)
    assert small.count == 3 and not small.capped


def test_list_says_more_than_when_capped(login, agent, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    for _ in range(5):
        submitted_filing()
    html = (
        login(agent)
        .get(LIST_URL, {"status__exact": "pending_verification"})
        .content.decode()
    )
    assert "3" in html and ("More than 3" in html or "超过" in html)


def test_no_large_list_offers_facet_counts():
    """Counts per filter value would count the whole table, past the capped count."""
    from django.contrib import admin

    from console.admin.base import CappedCountPaginator

    capped = [
        model_admin
        for model_admin in admin.site._registry.values()
        if model_admin.paginator is CappedCountPaginator
    ]
    assert len(capped) >= 8
    assert all(a.show_facets == admin.ShowFacets.NEVER for a in capped)
