"""Customer pages: one person's records (by their mobile) and one entity's (by its
certificate number) across filings, newest first, reached by a link that names a
record, never the number."""

import pytest
from django.utils import translation

from console import casework, customers
from filings.models import Person
from tests.console.conftest import make_staff
from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from tests.verification.helpers import submitted_filing, verify_person
from verification import moves

pytestmark = pytest.mark.django_db


def person_url(person):
    return f"/admin/customers/person/{person.pk}/"


@pytest.fixture
def two_filings(agent):
    """One leader on two filings (two Person rows, one mobile), a note on each."""
    first, leader, _ = submitted_filing()
    again = PersonFactory(mobile=leader.mobile, name=leader.name)
    second = FilingFactory(subject__leader=again, services=[])
    second.services.add(ServiceFactory(subject=second.subject))
    second = moves.submit_filing(second)
    verify_person(first, leader)
    casework.add_note(first, agent, "客户来电一次")
    casework.add_note(second, agent, "客户来电两次")
    return first, second, leader


def test_a_persons_page_gathers_every_record_of_their_mobile(two_filings):
    first, second, leader = two_filings
    page = customers.person(leader.pk)
    assert {f.pk for f in page.filings} == {first.pk, second.pk}
    assert [f.pk for f in page.filings] == sorted(
        [first.pk, second.pk], reverse=True
    )  # newest first
    assert {v.mobile for v in page.verifications} == {leader.mobile}
    assert {t.recipient for t in page.texts} == {leader.mobile}
    assert [a.mobile for a in page.attempts] == [leader.mobile]
    assert [n.text for n in page.notes] == ["客户来电两次", "客户来电一次"]


def test_an_entitys_page_gathers_its_filings(two_filings):
    first, _second, _leader = two_filings
    page = customers.entity(first.subject_id)
    assert [f.pk for f in page.filings] == [first.pk]
    assert {v.filing_id for v in page.verifications} == {first.pk}
    assert [n.text for n in page.notes] == ["客户来电一次"]


def test_the_page_shows_no_full_number_and_its_address_holds_none(
    client, agent, two_filings
):
    first, _second, leader = two_filings
    client.force_login(agent)
    with translation.override("en"):
        page = client.get(person_url(leader), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert leader.mobile not in html and leader.mobile not in person_url(leader)
    assert f"{leader.mobile[:3]}****{leader.mobile[-4:]}" in html
    assert first.reference in html and "客户来电一次" in html
    filing_page = client.get(f"/admin/filings/filingapplication/{first.pk}/change/")
    assert person_url(leader) in filing_page.content.decode()
    assert f"/admin/customers/entity/{first.subject_id}/" in (
        filing_page.content.decode()
    )


def test_the_search_links_to_the_persons_page(client, agent, two_filings):
    _first, _second, leader = two_filings
    client.force_login(agent)
    html = client.get("/admin/search/", {"q": leader.mobile}).content.decode()
    assert any(
        f"/admin/customers/person/{p.pk}/" in html
        for p in Person.objects.filter(mobile=leader.mobile)
    )


def test_unknown_records_and_staff_without_the_right_get_nothing(
    client, agent, two_filings
):
    client.force_login(agent)
    assert client.get("/admin/customers/person/999999/").status_code == 404
    assert client.get("/admin/customers/entity/999999/").status_code == 404
    client.force_login(make_staff("visitor"))
    assert client.get(person_url(two_filings[2])).status_code == 403


def test_an_entitys_page_says_a_filing_in_flight_refuses_a_new_one(
    client, agent, two_filings
):
    first, _second, _leader = two_filings
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    url = f"/admin/customers/entity/{first.subject_id}/"
    page = client.get(url).content.decode()
    assert f'data-in-flight="{first.reference}"' in page
    assert "a new filing of this entity is refused at submission" in page
    moves.return_filing(first, actor=moves.SYSTEM, reason="test")
    assert "data-in-flight" not in client.get(url).content.decode()
