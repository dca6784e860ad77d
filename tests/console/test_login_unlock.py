"""A supervisor unlocks a locked-out login name or address in one action of the
console, and the login works at once; an agent can neither see nor unlock."""

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import DELETION, LogEntry

from console.staff import create_staff
from tests.console.conftest import make_staff
from tests.staff_logins import log_in, logged_in

pytestmark = pytest.mark.django_db
COUNTS_URL = "/admin/axes/accessattempt/"


def lock_out(client, username, address="198.51.100.7"):
    for _ in range(5):
        log_in(client, username, "guess", address)
    assert log_in(client, username, f"pw-{username}", address).status_code == 429


def unlock(console, rows):
    return console.post(
        COUNTS_URL,
        {
            "action": "unlock",
            "index": "0",
            "_selected_action": [str(row.pk) for row in rows],
        },
        follow=True,
    )


def test_a_supervisor_unlocks_a_login_name_and_it_works_at_once(
    client, login, supervisor, login_clock
):
    make_staff("agent", "Support agent")
    lock_out(client, "agent")
    # The same name was also tried from elsewhere: those failures count too.
    log_in(client, "agent", "guess", "198.51.100.9")
    console = login(supervisor)
    page = console.get(COUNTS_URL).content.decode()
    assert "locked out until 2026-03-02 10:15 (in 15 min)" in page
    row = AccessAttempt.objects.filter(username="agent").first()
    done = unlock(console, [row])
    assert "Unlocked 198.51.100.7, agent: they can log in again at once." in (
        done.content.decode()
    )
    assert not AccessAttempt.objects.filter(username="agent").exists()
    assert LogEntry.objects.filter(
        user=supervisor, action_flag=DELETION, object_repr="agent · 198.51.100.7"
    ).exists()
    console.logout()
    assert logged_in(log_in(client, "agent", "pw-agent", "198.51.100.7"))


def test_a_supervisor_unlocks_an_address(client, login, supervisor, login_clock):
    make_staff("agent", "Support agent")
    for number in range(5):
        log_in(client, f"guess-{number}", "guess", "198.51.100.7")
    assert log_in(client, "agent", "pw-agent", "198.51.100.7").status_code == 429
    console = login(supervisor)
    unlock(console, [AccessAttempt.objects.filter(username="guess-0").get()])
    assert not AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()
    console.logout()
    assert logged_in(log_in(client, "agent", "pw-agent", "198.51.100.7"))


def test_an_agent_can_neither_see_nor_unlock(client, login, agent, login_clock):
    make_staff("other", "Support agent")
    lock_out(client, "other")
    console = login(agent)
    assert console.get(COUNTS_URL).status_code == 403
    assert "/admin/axes/" not in console.get("/admin/").content.decode()
    unlock(console, AccessAttempt.objects.all())
    assert AccessAttempt.objects.filter(username="other").exists()
    console.logout()
    assert log_in(client, "other", "pw-other", "198.51.100.7").status_code == 429


def test_the_unlock_is_the_only_action_and_needs_the_delete_permission(
    client, login, supervisor, auditor, login_clock
):
    make_staff("agent", "Support agent")
    lock_out(client, "agent")
    html = login(supervisor).get(COUNTS_URL).content.decode()
    assert 'value="unlock"' in html and 'value="delete_selected"' not in html
    # An auditor reads nothing of the logins either.
    assert login(auditor).get(COUNTS_URL).status_code == 403


def test_a_providers_supervisor_clears_their_own_teams_counts_alone(
    client, login, login_clock
):
    boss = create_staff("t-boss", "supervisor", provider_code="tencent", password="x")[
        0
    ]
    create_staff("t-agent", "agent", provider_code="tencent", password="pw-t-agent")
    make_staff("agent", "Support agent")
    log_in(client, "t-agent", "guess", "198.51.100.7")
    log_in(client, "agent", "guess", "198.51.100.7")  # the same address
    theirs = AccessAttempt.objects.filter(username="t-agent")
    unlock(login(boss), list(theirs))
    assert not AccessAttempt.objects.filter(username="t-agent").exists()
    assert AccessAttempt.objects.filter(username="agent").exists()
