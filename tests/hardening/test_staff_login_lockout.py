"""Guessing a staff login's password over HTTP: after STAFF_LOGIN_FAILURE_LIMIT (5)
wrong passwords for one login name, or from one client address, that name or address
is locked out, the right password included, until the cool-off (15 minutes) after the
last failure; the login page says until when, in the reader's language."""

import pytest
from axes.models import AccessAttempt

from tests.console.conftest import make_staff
from tests.staff_logins import log_in, logged_in

pytestmark = pytest.mark.django_db
LIMIT = 5


@pytest.fixture
def agent(db):
    return make_staff("agent", "Support agent")  # password pw-agent


def test_one_login_name_from_many_addresses_is_locked_out(client, agent, login_clock):
    for number in range(LIMIT):
        response = log_in(client, "agent", "guess", f"198.51.100.{number}")
        assert not logged_in(response)
    # The right password, from yet another address: refused, and told until when.
    response = log_in(client, "agent", "pw-agent", "198.51.100.99")
    assert response.status_code == 429
    assert not logged_in(response)
    page = response.content.decode()
    assert "locked until 2026-03-02 10:15 Beijing time (in 15 min)" in page
    assert 'id="login-form"' in page  # the login page, not a bare error
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_one_address_trying_many_login_names_is_locked_out(client, agent, login_clock):
    for number in range(LIMIT):
        log_in(client, f"guess-{number}", "guess", "198.51.100.7")
    response = log_in(client, "agent", "pw-agent", "198.51.100.7")
    assert response.status_code == 429
    assert "locked until 2026-03-02 10:15" in response.content.decode()
    # The same login from another address is not locked out.
    assert logged_in(log_in(client, "agent", "pw-agent", "198.51.100.8"))


def test_the_limit_is_reached_at_the_fifth_failure_not_before(
    client, agent, login_clock
):
    for _ in range(LIMIT - 1):
        response = log_in(client, "agent", "guess")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in (
            response.content.decode()
        )
    fifth = log_in(client, "agent", "guess")
    assert fifth.status_code == 429
    assert "locked until" in fifth.content.decode()


def test_after_the_cool_off_the_login_works_again(client, agent, login_clock):
    for _ in range(LIMIT):
        log_in(client, "agent", "guess")
    login_clock.advance(minutes=14, seconds=59)
    refused = log_in(client, "agent", "pw-agent")
    assert refused.status_code == 429
    # That refused try started the wait again: 15 minutes from it.
    assert "locked until 2026-03-02 10:29 Beijing time" in refused.content.decode()
    login_clock.advance(minutes=15, seconds=1)
    assert logged_in(log_in(client, "agent", "pw-agent"))


def test_a_forged_forwarded_for_does_not_change_the_address_counted(
    client, agent, login_clock
):
    # No trusted proxy: whatever X-Forwarded-For says, the peer is the client.
    for number in range(LIMIT):
        log_in(
            client,
            f"guess-{number}",
            "guess",
            "198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "198.51.100.7"
    }
    response = log_in(
        client,
        "agent",
        "pw-agent",
        "198.51.100.7",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_is_counted(
    client, agent, login_clock, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for number in range(LIMIT):
        log_in(
            client,
            f"guess-{number}",
            "guess",
            "10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 198.51.100.7",
        )
    # The client the proxy saw is locked out, not the proxy: others still log in.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "198.51.100.7"
    }
    through_proxy = {"HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    assert logged_in(log_in(client, "agent", "pw-agent", "10.0.0.5", **through_proxy))
    client.logout()
    locked = log_in(
        client, "agent", "pw-agent", "10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "logging in is locked until 2026-03-02 10:15 Beijing time (in 15 min)"),
        ("zh-hans", "登录已锁定，至北京时间 2026-03-02 10:15 解锁（15分钟后）"),
    ],
)
def test_the_lockout_page_in_each_language(client, agent, login_clock, language, said):
    for _ in range(LIMIT):
        log_in(client, "agent", "guess", language=language)
    response = log_in(client, "agent", "pw-agent", language=language)
    assert response.status_code == 429
    assert said in response.content.decode()
