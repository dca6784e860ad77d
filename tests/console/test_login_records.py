"""Every failed and every successful staff login is recorded, and a supervisor reads
them in the console in Beijing time, in either language; an agent cannot."""

import pytest

from tests.console.conftest import make_staff
from tests.console.test_no_raw_values import JSON, SNAKE_CASE, UTC, visible
from tests.staff_logins import log_in, logged_in

pytestmark = pytest.mark.django_db
FAILED_URL = "/admin/axes/accessfailurelog/"
SUCCESSFUL_URL = "/admin/axes/accesslog/"
COUNTS_URL = "/admin/axes/accessattempt/"
WORDS = {
    "en": ("Staff logins", "When (Beijing time)", "Logged in (Beijing time)"),
    "zh-hans": ("工作人员登录", "时间（北京时间）", "登录时间（北京时间）"),
}


@pytest.fixture
def history(client, login_clock):
    """At 10:00 Beijing time two wrong passwords for "clerk", then its login at
    10:01 and its logout."""
    make_staff("clerk", "Support agent")
    log_in(client, "clerk", "guess", "198.51.100.7")
    log_in(client, "clerk", "guess", "198.51.100.7")
    login_clock.advance(minutes=1)
    assert logged_in(log_in(client, "clerk", "pw-clerk", "198.51.100.7"))
    client.post("/admin/logout/", REMOTE_ADDR="198.51.100.7")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_supervisor_reads_the_logins_in_beijing_time(
    history, login, supervisor, language
):
    console = login(supervisor, language)
    app, failed_heading, logged_in_heading = WORDS[language]
    assert app in visible(console.get("/admin/").content.decode())
    failed = visible(console.get(FAILED_URL).content.decode())
    assert failed_heading in failed
    assert failed.count("2026-03-02 10:00:00 clerk 198.51.100.7") == 2
    successful = visible(console.get(f"{SUCCESSFUL_URL}?q=clerk").content.decode())
    assert logged_in_heading in successful
    # logged in and out at 10:01 Beijing time (02:01 UTC)
    assert "2026-03-02 10:01:00 clerk 198.51.100.7 2026-03-02 10:01:00" in successful
    counts = visible(console.get(COUNTS_URL).content.decode())
    assert "clerk 198.51.100.7 2 2026-03-02 10:00:00" in counts
    for text in (failed, successful, counts):
        assert "02:00" not in text and "02:01" not in text
        assert not UTC.search(text) and not JSON.search(text)
        assert not SNAKE_CASE.findall(text)


def test_the_record_pages_hold_no_form_data(history, login, supervisor):
    console = login(supervisor)
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model, url in (
        (AccessAttempt, COUNTS_URL),
        (AccessFailureLog, FAILED_URL),
        (AccessLog, SUCCESSFUL_URL),
    ):
        row = model.objects.filter(username="clerk").first()
        page = console.get(f"{url}{row.pk}/change/")
        assert page.status_code == 200
        text = visible(page.content.decode())
        assert "clerk · 198.51.100.7 · 2026-03-02 10:0" in text  # its title
        # the stored form data (axes keeps "username=clerk", a masked password and
        # the form token) is not shown
        assert "username=" not in text and "csrfmiddlewaretoken" not in text
        assert not UTC.search(text)


def test_an_agent_reads_no_login_records(history, login, agent):
    console = login(agent)
    for url in (FAILED_URL, SUCCESSFUL_URL, COUNTS_URL):
        assert console.get(url).status_code == 403


def test_the_records_are_searched_by_exact_login_name_or_address(
    history, login, supervisor
):
    console = login(supervisor)
    by_address = visible(console.get(f"{FAILED_URL}?q=198.51.100.7").content.decode())
    assert by_address.count("clerk 198.51.100.7") == 2
    by_other = visible(console.get(f"{FAILED_URL}?q=198.51.100.8").content.decode())
    assert "clerk 198.51.100.7" not in by_other
    assert "clerk 198.51.100.7" not in visible(
        console.get(f"{FAILED_URL}?q=cler").content.decode()
    )
