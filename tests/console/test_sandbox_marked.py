"""A provider's test filing (the sandbox) is marked wherever the staff see one: the
search, the customer pages, the filing page, the queue and the filing list when
asked to include the sandbox. A live filing beside it is not."""

import re

import pytest
from django.utils import timezone, translation

from filings.models import FilingApplication
from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from tests.verification.helpers import submitted_filing
from verification import moves

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
