"""The demo phone reads the database outbox, only in demo mode."""

import pytest

from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = "database"


def test_inbox_newest_first_with_clickable_links(
    client, demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, leader, _ = submitted_filing()
    html = client.get(
        "/demo/phone/", {"mobile": f"+86 {leader.mobile}"}
    ).content.decode()
    assert html.index("验证码为") < html.index(
        "已提交至"
    )  # the code came after the notice
    assert '<a href="http://testserver/verify/"' in html
    assert "12381" in html


def test_a_text_not_sent_yet_is_not_on_the_phone(client, demo):
    _, leader, _ = submitted_filing()  # committed never: the texts stay queued
    html = client.get("/demo/phone/", {"mobile": leader.mobile}).content.decode()
    assert "验证码为" not in html and "该号码没有短信" in html


def test_unknown_number_has_an_empty_inbox(client, demo):
    html = client.get("/demo/phone/", {"mobile": "13312345678"}).content.decode()
    assert "该号码没有短信" in html


def test_bad_number_is_a_field_message(client, demo):
    html = client.get("/demo/phone/", {"mobile": "12"}).content.decode()
    assert "请输入正确的手机号" in html


def test_not_in_demo_mode(client, settings):
    settings.SMS_BACKEND = "database"
    settings.DEMO_MODE = False
    assert client.get("/demo/phone/").status_code == 404


def test_not_with_another_backend(client, settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = "locmem"
    assert client.get("/demo/phone/").status_code == 404
    assert "/demo/phone/" not in client.get("/").content.decode()


def test_links_open_on_the_site_the_phone_is_read_on(
    client, demo, settings, django_capture_on_commit_callbacks
):
    """Seeded on port 8000, the demo now serves on 8080: the texts' links follow."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):
        _, leader, _ = submitted_filing()
    html = client.get(
        "/demo/phone/", {"mobile": leader.mobile}, HTTP_HOST="127.0.0.1:8080"
    ).content.decode()
    assert '<a href="http://127.0.0.1:8080/verify/"' in html
    assert "127.0.0.1:8000" not in html
