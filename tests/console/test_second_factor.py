"""The staff's second factor: with STAFF_SECOND_FACTOR on, a login without one sets
it up before anything else (a QR code drawn here, a first code, ten recovery codes
shown once); a login with one gives a code after its password before anything else,
its password change included; a recovery code works once; every set-up, refused code
and recovery code used is in the login's history. In demo mode it is optional."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from console.models import StaffEvent, StaffEventKind

pytestmark = pytest.mark.django_db

QUEUE = "/admin/queue/"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def log_in_again(client, user):
    """A new login with the password alone (the test client forgets its cookies)."""
    client.logout()
    client.force_login(user)
    client.cookies["django_language"] = "en"


def code_of(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def set_up(client):
    """Set up a second factor through the pages; returns (device, recovery codes)."""
    page = client.get(reverse("admin:second_factor_enrol"))
    device = TOTPDevice.objects.get(confirmed=False)
    answer = client.post(
        reverse("admin:second_factor_enrol"), {"code": code_of(device), "next": QUEUE}
    )
    text = answer.content.decode()
    codes = [
        line.split("<code>")[1][:8] for line in text.split("<li>") if "<code>" in line
    ]
    return page, answer, device, codes


def test_a_login_without_one_sets_it_up_before_anything_else(login, agent, settings):
    settings.STAFF_SECOND_FACTOR = True
    client = login(agent)
    sent = client.get(QUEUE)
    assert sent.status_code == 302
    assert sent.url == f"{reverse('admin:second_factor_enrol')}?next=/admin/queue/"
    page, answer, device, codes = set_up(client)
    assert "<svg" in page.content.decode() and "otpauth" not in page.content.decode()
    assert answer.status_code == 200 and len(codes) == 10 == len(set(codes))
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(QUEUE).status_code == 200
    assert StaffEvent.objects.get().kind == StaffEventKind.ENROLLED


def test_a_wrong_first_code_sets_nothing_up(login, agent, settings):
    settings.STAFF_SECOND_FACTOR = True
    client = login(agent)
    client.get(reverse("admin:second_factor_enrol"))
    device = TOTPDevice.objects.get()
    wrong = f"{(int(code_of(device)) + 1) % 1000000:06d}"
    page = client.post(reverse("admin:second_factor_enrol"), {"code": wrong})
    assert "That code is not right" in page.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.get(QUEUE).status_code == 302


@pytest.fixture
def unthrottled(settings):
    """No growing wait after a wrong code (its own test below)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.mark.usefixtures("unthrottled")
def test_a_login_with_one_gives_its_code_first(client, agent, settings):
    settings.STAFF_SECOND_FACTOR = True
    client.force_login(agent)
    _page, _answer, device, codes = set_up(client)
    log_in_again(client, agent)
    asked = client.get(QUEUE)
    assert asked.url == f"{reverse('admin:second_factor')}?next=/admin/queue/"
    # a stolen password alone cannot change the password either
    assert client.get(reverse("admin:password_change")).status_code == 302
    refused = client.post(reverse("admin:second_factor"), {"code": "000000"})
    assert "That code is not right" in refused.content.decode()
    assert client.get(QUEUE).status_code == 302
    # the set-up's code is spent: the app's next one
    passed = client.post(
        reverse("admin:second_factor"), {"code": code_of(device, 1), "next": QUEUE}
    )
    assert passed.status_code == 302 and passed.url == QUEUE
    assert client.get(QUEUE).status_code == 200
    kinds = list(StaffEvent.objects.values_list("kind", flat=True))
    assert kinds == [StaffEventKind.CODE_REFUSED, StaffEventKind.ENROLLED]


@pytest.mark.usefixtures("unthrottled")
def test_a_recovery_code_works_once(client, agent, settings):
    settings.STAFF_SECOND_FACTOR = True
    client.force_login(agent)
    *_rest, codes = set_up(client)
    for expected in (302, 200):
        log_in_again(client, agent)
        answer = client.post(
            reverse("admin:second_factor"), {"code": codes[0], "next": QUEUE}
        )
        assert answer.status_code == expected  # the second time: refused, the form
    assert StaffEvent.objects.filter(kind=StaffEventKind.RECOVERY_USED).count() == 1
    # typed with spaces or in capitals, another still works
    answer = client.post(
        reverse("admin:second_factor"), {"code": f" {codes[1].upper()} ", "next": QUEUE}
    )
    assert answer.status_code == 302


def test_an_address_elsewhere_is_not_where_the_code_sends_you(client, agent, settings):
    settings.STAFF_SECOND_FACTOR = True
    client.force_login(agent)
    _page, _answer, device, _codes = set_up(client)
    log_in_again(client, agent)
    answer = client.post(
        reverse("admin:second_factor"),
        {"code": code_of(device, 1), "next": "https://evil.example/"},
    )
    assert answer.status_code == 302 and answer.url == reverse("admin:index")


def test_in_demo_mode_it_is_optional_and_can_be_tried(client, agent, settings):
    settings.STAFF_SECOND_FACTOR = False
    client.force_login(agent)
    assert client.get(QUEUE).status_code == 200
    account = client.get(reverse("admin:account")).content.decode()
    assert "Set up my second factor" in account
    _page, answer, device, codes = set_up(client)
    assert len(codes) == 10
    log_in_again(client, agent)
    assert client.get(QUEUE).status_code == 302  # now it asks for the code
    client.post(reverse("admin:second_factor"), {"code": code_of(device, 1)})
    assert client.get(QUEUE).status_code == 200


def test_wrong_codes_make_the_next_wait_longer(client, agent, settings):
    settings.STAFF_SECOND_FACTOR = True
    client.force_login(agent)
    _page, _answer, device, _codes = set_up(client)
    log_in_again(client, agent)
    client.post(reverse("admin:second_factor"), {"code": "000000"})
    page = client.post(reverse("admin:second_factor"), {"code": code_of(device, 1)})
    assert "After a wrong code each try waits longer" in page.content.decode()
    assert client.get(QUEUE).status_code == 302


def test_deploying_without_it_outside_demo_mode_is_refused(settings):
    settings.DEMO_MODE = False
    settings.STAFF_SECOND_FACTOR = False
    with pytest.raises(SystemCheckError, match="console.E001"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_the_demos_pages_for_staff_ask_for_the_code_too(client, agent, settings):
    settings.STAFF_SECOND_FACTOR = True
    client.force_login(agent)
    _page, _answer, device, _codes = set_up(client)
    log_in_again(client, agent)
    for url in ("/demo/training/", "/admin/demo/time-travel/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer.url.startswith(reverse("admin:second_factor"))


def test_replacing_it_asks_for_the_password_too(client, agent, settings):
    settings.STAFF_SECOND_FACTOR = True
    client.force_login(agent)
    set_up(client)
    url = reverse("admin:second_factor_enrol")
    page = client.get(url).content.decode()
    assert 'name="password"' in page
    new = TOTPDevice.objects.get(confirmed=False)
    refused = client.post(url, {"code": code_of(new), "password": "not mine"})
    assert "That is not your password." in refused.content.decode()
    new.refresh_from_db()
    assert not new.confirmed
    replaced = client.post(url, {"code": code_of(new), "password": "pw-agent"})
    assert replaced.content.decode().count("<code>") == 10
    assert list(TOTPDevice.objects.values_list("pk", flat=True)) == [new.pk]
