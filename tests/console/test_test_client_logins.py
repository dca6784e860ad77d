"""With the staff login lockout on, the test client's `force_login()` and `login()`
still log staff in (the suite's tests use both), and `login()` is still refused for
a locked-out login name."""

import pytest
from axes.models import AccessLog

from tests.console.conftest import make_staff
from tests.staff_logins import log_in

pytestmark = pytest.mark.django_db


def test_force_login_and_login_work(client):
    agent = make_staff("agent", "Support agent")
    client.force_login(agent)
    assert client.get("/admin/").status_code == 200
    client.logout()
    assert client.login(username="agent", password="pw-agent")
    assert client.get("/admin/").status_code == 200
    assert AccessLog.objects.filter(username="agent").count() == 2


def test_login_is_refused_for_a_locked_out_name(client):
    make_staff("agent", "Support agent")
    for number in range(5):
        log_in(client, "agent", "guess", f"198.51.100.{number}")
    assert not client.login(username="agent", password="pw-agent")
