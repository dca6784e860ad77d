"""`check --deploy` warns of every demo or test switch left on, and of a staff login
that still has the demo logins' published password."""

import pytest
from django.core.checks import run_checks

from demo.accounts import DEMO_PASSWORD
from tests.factories import StaffUserFactory

# The settings the test suite runs with turn some of these on; each test sets all.
SAFE = {
    "DEMO_MODE": False,
    "WEBHOOKS_ALLOW_PRIVATE": False,
    "CAPTCHA_TEST_MODE": False,
    "RATELIMIT_ENABLED": True,
    "SMS_BACKEND": "locmem",
}


def deploy_warnings(settings, **changed):
    """{id: message} of the deployment checks' findings with `changed` settings."""
    for name, value in {**SAFE, **changed}.items():
        setattr(settings, name, value)
    return {m.id: m.msg for m in run_checks(include_deployment_checks=True)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "value", "check_id", "named"),
    [
        ("DEMO_MODE", True, "demo.W001", "DEMO_MODE"),
        ("WEBHOOKS_ALLOW_PRIVATE", True, "portal.W003", "WEBHOOKS_ALLOW_PRIVATE"),
        ("CAPTCHA_TEST_MODE", True, "portal.W001", "CAPTCHA_TEST_MODE"),
        ("RATELIMIT_ENABLED", False, "portal.W002", "RATELIMIT_ENABLED"),
    ],
)
def test_each_switch_is_reported_when_on_and_only_then(
    settings, setting, value, check_id, named
):
    assert check_id not in deploy_warnings(settings)
    found = deploy_warnings(settings, **{setting: value})
    assert named in found[check_id]
    ours = {"demo.W001", "portal.W001", "portal.W002", "portal.W003"}
    assert ours & set(found) == {check_id}  # one switch, one warning


@pytest.mark.django_db
def test_a_staff_login_with_the_demo_password_is_reported(settings):
    StaffUserFactory(username="kept-demo-login", password=DEMO_PASSWORD)
    StaffUserFactory(username="own-password", password="a-password-of-its-own")
    StaffUserFactory(username="retired", password=DEMO_PASSWORD, is_active=False)
    StaffUserFactory(username="applicant", password=DEMO_PASSWORD, is_staff=False)
    message = deploy_warnings(settings)["demo.W002"]
    assert "kept-demo-login" in message
    for other in ("own-password", "retired", "applicant"):
        assert other not in message


@pytest.mark.django_db
def test_no_staff_login_with_the_demo_password_no_warning(settings):
    StaffUserFactory(username="own-password", password="a-password-of-its-own")
    StaffUserFactory(username="retired", password=DEMO_PASSWORD, is_active=False)
    assert "demo.W002" not in deploy_warnings(settings)
