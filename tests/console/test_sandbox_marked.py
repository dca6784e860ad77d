"""A provider's test filing (the sandbox) is marked wherever the staff see one: the
search, the customer pages, the filing page, the queue and the filing list when
asked to include the sandbox. A live filing beside it is not."""

import re

import pytest
from django.utils import timezone, translation

from filings.models import FilingApplication
from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from tests.verification.helpers import submitted_filing
from verification import actions, moves
from verification.models import Attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_and_sandbox():
    """One leader's mobile on a live filing and on a sandbox filing."""
    live, leader, _ = submitted_filing()
    again = PersonFactory(mobile=leader.mobile, name=leader.name)
    sandbox = FilingFactory(subject__leader=again, services=[], livemode=False)
    sandbox.services.add(ServiceFactory(subject=sandbox.subject))
    sandbox = moves.submit_filing(sandbox)
    soon = timezone.now() + timezone.timedelta(hours=1)
    FilingApplication.objects.filter(pk__in=[live.pk, sandbox.pk]).update(
        verification_deadline=soon
    )
    return live, sandbox, leader


def marked(html):
    """The references shown with the sandbox's mark."""
    return set(re.findall(r">([^<>]+?)(?:</a>)? ?<span class=\"sandbox-mark\"", html))


def page(client, url, **query):
    with translation.override("en"):
        answer = client.get(url, query, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_search_marks_the_sandbox(client, agent, live_and_sandbox):
    live, sandbox, leader = live_and_sandbox
    client.force_login(agent)
    html = page(client, "/admin/search/", q=leader.mobile)
    assert live.reference in html and sandbox.reference in html
    assert marked(html) == {sandbox.reference}


def test_the_customer_pages_mark_the_sandbox(client, agent, live_and_sandbox):
    live, sandbox, leader = live_and_sandbox
    client.force_login(agent)
    html = page(client, f"/admin/customers/person/{leader.pk}/")
    assert live.reference in html
    assert marked(html) == {sandbox.reference}
    entity = page(client, f"/admin/customers/entity/{sandbox.subject_id}/")
    assert marked(entity) == {sandbox.reference}


def test_the_filing_page_says_it_is_the_sandbox(client, agent, live_and_sandbox):
    live, sandbox, _leader = live_and_sandbox
    client.force_login(agent)
    url = "/admin/filings/filingapplication/{}/change/"
    html = page(client, url.format(sandbox.pk))
    assert 'class="sandbox-note"' in html and "made with a test key" in html
    assert 'class="sandbox-note"' not in page(client, url.format(live.pk))


def test_the_queue_and_the_list_mark_the_sandbox_when_asked(
    client, agent, live_and_sandbox
):
    live, sandbox, _leader = live_and_sandbox
    client.force_login(agent)
    queue = page(client, "/admin/queue/", sandbox="on", view="all")
    assert live.reference in queue
    assert marked(queue) == {sandbox.reference}
    listed = page(client, "/admin/filings/filingapplication/", mode="all")
    assert live.reference in listed
    assert marked(listed) == {sandbox.reference}


def test_the_customer_pages_tables_mark_the_sandboxs_rows(
    client, agent, live_and_sandbox
):
    _live, sandbox, leader = live_and_sandbox
    client.force_login(agent)
    html = page(client, f"/admin/customers/person/{leader.pk}/")
    # The filings, the verifications and the texts tables each mark it.
    assert html.count('class="sandbox-mark"') >= 3


ENGINE_LISTS = [
    "/admin/verification/verification/",
    "/admin/verification/smsmessage/",
    "/admin/filings/auditevent/",
]


@pytest.mark.parametrize("url", ENGINE_LISTS)
def test_the_engines_lists_leave_the_sandbox_out_unless_asked(
    client, supervisor, live_and_sandbox, url
):
    live, sandbox, _leader = live_and_sandbox
    client.force_login(supervisor)
    listed = page(client, url)
    assert live.reference in listed
    assert sandbox.reference not in listed
    both = page(client, url, mode="all")
    assert live.reference in both
    assert marked(both) == {sandbox.reference}
    only = page(client, url, mode="sandbox")
    assert live.reference not in only and sandbox.reference in only


def test_the_attempts_list_leaves_the_sandboxs_applicants_out(
    client, supervisor, live_and_sandbox
):
    _live, sandbox, leader = live_and_sandbox
    live, person, _ = submitted_filing(same_person=True)
    cert = person.certificate_number[-6:]
    actions.verify(actions.CENTRAL, person.mobile, "000000", cert)
    cert = leader.certificate_number[-6:]
    actions.verify(
        actions.CENTRAL, leader.mobile, "000000", cert, sandbox_filing=sandbox.pk
    )
    # An entry that matched no filing is no sandbox's: it stays in the list.
    actions.verify(actions.CENTRAL, "13900000000", "000000", cert)
    no_filing = Attempt.objects.get(mobile="13900000000")
    client.force_login(supervisor)
    answer = client.get("/admin/verification/attempt/")
    assert no_filing in answer.context_data["cl"].result_list
    listed = answer.content.decode()
    assert live.reference in listed and sandbox.reference not in listed
    both = page(client, "/admin/verification/attempt/", mode="all")
    assert marked(both) == {sandbox.reference}
