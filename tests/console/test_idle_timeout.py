"""A staff member idle in the console for STAFF_IDLE_MINUTES is logged out and told
why; using it renews the mark, at most once a minute (a page view rarely writes the
session)."""

import time

import pytest
from django.urls import reverse

from console import staff
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


def mark(client, seconds_ago):
    session = client.session
    session[staff.LAST_SEEN] = time.time() - seconds_ago
    session.save()


def test_idle_past_the_limit_is_logged_out_and_told(login, agent, settings):
    settings.STAFF_IDLE_MINUTES = 30
    client = login(agent)
    client.get(reverse("admin:queue"))
    mark(client, 31 * 60)
    answer = client.get(reverse("admin:queue"))
    assert answer.status_code == 302 and answer.url.startswith(reverse("admin:login"))
    page = client.get(answer.url).content.decode()
    assert "logged out after 30 minutes" in page
    # logged out for good: the next page asks for the login again
    assert client.get(reverse("admin:queue")).status_code == 302


def test_within_the_limit_the_mark_is_renewed_at_most_once_a_minute(login, agent):
    client = login(agent)
    mark(client, 29 * 60)
    assert client.get(reverse("admin:queue")).status_code == 200
    renewed = client.session[staff.LAST_SEEN]
    assert time.time() - renewed < 5
    assert client.get(reverse("admin:queue")).status_code == 200
    assert client.session[staff.LAST_SEEN] == renewed  # not written again


def test_a_filing_page_left_open_does_not_keep_the_session_alive(login, agent):
    filing, _, _ = submitted_filing()
    client = login(agent)
    heartbeat = reverse("admin:filing_presence", args=[filing.pk])
    mark(client, 20 * 60)
    before = client.session[staff.LAST_SEEN]
    assert client.post(heartbeat).status_code == 200
    assert client.session[staff.LAST_SEEN] == before  # the page's beat, not the person
    mark(client, 31 * 60)
    assert client.post(heartbeat).status_code == 302  # idle: logged out
