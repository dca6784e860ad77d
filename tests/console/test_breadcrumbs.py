"""The console's own pages draw their breadcrumbs as the admin's do (Django 6: an
ordered list, styled as the admin styles it), not the old unstyled line."""

import pytest

from tests.console.conftest import form_action
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


def breadcrumbs(response):
    html = response.content.decode()
    start = html.index('class="breadcrumbs"')
    return html[start - 4 : html.index("</ol>", start)]


def test_the_work_queue(login, agent):
    page = login(agent).get("/admin/queue/")
    crumbs = breadcrumbs(page)
    assert crumbs.startswith("<ol ")
    assert '<li aria-current="page">' in crumbs
    assert "&rsaquo;" not in crumbs


def test_an_override_confirmation(login, agent):
    filing, _, _ = submitted_filing()
    page = form_action(login(agent), filing, "extend_deadline", confirm=False)
    crumbs = breadcrumbs(page)
    assert crumbs.startswith("<ol ") and crumbs.count("<li") == 4
