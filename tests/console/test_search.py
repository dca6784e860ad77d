"""The desk's search: what a customer reads out or an agent sees finds the filing, in
every form the issue names (part of a reference in any case, the entity's name, a
domain, an ICP number, the last four digits of a mobile or its masked form, a full
mobile or certificate number, words from a note), each with why it matched."""

import pytest
from django.utils import translation

from console import casework, search
from filings.models import Domain
from tests.console.conftest import make_staff
from tests.factories import FilingFactory
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db

URL = "/admin/search/"


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def found(term):
    return {item.filing.pk: item.why for item in search.search(term).filings}


@pytest.fixture
def filing():
    filing, leader, admin = submitted_filing()
    filing.reference = "TRN-1206-E48A55"
    filing.icp_number = "京ICP备2026001234号"
    filing.save()
    service = filing.services.get()
    Domain.objects.create(service=service, name="shop.example.cn")
    filing.leader, filing.admin = leader, admin
    return filing


@pytest.mark.parametrize("term", ["trn-1206-e48a55", "TRN", "e48a", " 1206-E48 "])
def test_any_part_of_a_reference_in_any_case(filing, term):
    assert found(term) == {filing.pk: ["the reference"]}


def test_the_entitys_name_a_domain_and_an_icp_number(filing):
    name = filing.subject.name
    assert "the entity's name" in found(name[2:8])[filing.pk]
    assert found("shop.example") == {filing.pk: ["a domain"]}
    assert found("ICP备2026001234")[filing.pk] == ["the ICP number"]


def test_a_mobile_whole_by_its_last_four_digits_or_as_shown(filing):
    mobile = filing.leader.mobile
    masked = f"{mobile[:3]}****{mobile[-4:]}"
    for term in (mobile, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", masked):
        results = search.search(term)
        assert filing.pk in {item.filing.pk for item in results.filings}, term
        assert [p.person for p in results.people] == [filing.leader]
    last_four = search.search(mobile[-4:])
    assert filing.leader in [p.person for p in last_four.people]
    assert f"a mobile ending in {mobile[-4:]}" in found(mobile[-4:])[filing.pk]


def test_people_are_shown_masked_and_say_why(filing):
    mobile = filing.leader.mobile
    person = search.search(mobile).people[0]
    assert person.why == f"the mobile {mobile[:3]}****{mobile[-4:]}"
    assert mobile not in person.why
    assert person.filings == [filing]


def test_a_full_certificate_number_finds_the_person_and_the_entity(filing):
    number = filing.leader.certificate_number
    results = search.search(number.lower())
    assert [p.person for p in results.people] == [filing.leader]
    entity = search.search(filing.subject.certificate_number)
    assert "the entity's certificate number" in [
        why for item in entity.filings for why in item.why
    ]


def test_words_from_a_note(filing, agent):
    casework.add_note(filing, agent, "客户说明天上午在公司核验")
    assert found("明天上午") == {filing.pk: ["an internal note"]}


def test_nothing_for_nothing_and_for_hostile_terms(filing):
    for term in ("", "   ", "\x00abc", "zz" * 200, "\ud800abc", "%", "_"):
        results = search.search(term)
        assert filing.pk not in {item.filing.pk for item in results.filings}, term


def test_many_matches_are_capped_and_say_so(db):
    for _ in range(search.LIMIT + 5):
        FilingFactory()
    results = search.search("TEST-")
    assert len(results.filings) == search.LIMIT
    assert results.capped


def test_the_page_and_the_box_on_every_page(client, filing, agent):
    client.force_login(agent)
    page = client.get(URL, {"q": filing.leader.mobile[-4:]}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert filing.reference in html
    assert filing.leader.mobile not in html  # shown masked
    assert 'id="desk-search-box"' in client.get("/admin/").content.decode()
    assert client.get(URL, {"q": "\x00"}).status_code in (200, 400)


def test_the_page_in_chinese(client, filing, agent):
    client.force_login(agent)
    page = client.get(URL, {"q": "trn"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "备案" in page.content.decode()


def test_only_staff_who_read_filings_may_search(client, filing):
    nobody = make_staff("visitor")
    client.force_login(nobody)
    assert client.get(URL, {"q": "trn"}).status_code == 403


def test_the_number_of_queries_does_not_grow_with_the_people_found(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PersonFactory

    def queries_for(term):
        with CaptureQueriesContext(connection) as captured:
            search.search(term)
        return len(captured)

    first = FilingFactory(subject__leader=PersonFactory(mobile="13900000541"))
    few = queries_for("0541")
    for serial in range(1, 8):
        FilingFactory(subject__leader=PersonFactory(mobile=f"139{serial:04d}0541"))
    assert queries_for("0541") == few
    assert first.pk in found("0541")


def test_a_leader_on_several_filings_is_one_person(db):
    from tests.factories import PersonFactory

    one = FilingFactory(subject__leader=PersonFactory(mobile="13711112222"))
    two = FilingFactory(subject__leader=PersonFactory(mobile="13711112222"))
    results = search.search("13711112222")
    assert len(results.people) == 1
    assert {f.pk for f in results.people[0].filings} == {one.pk, two.pk}


@pytest.mark.parametrize("term", [".", "...", "." * 200, "a."])
def test_dots_alone_are_no_domain(term):
    submitted_filing()
    assert search.search(term).filings == []
