"""`manage.py create_staff`: a login in a role, for one access provider or the
administration; without a password, a one-time password that reaches nothing but
its own change at the first login."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from console.models import StaffMembership
from filings.models import Provider

pytestmark = pytest.mark.django_db


def create(*args, language="en"):
    out = io.StringIO()
    with translation.override(language):
        call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def one_time_password(said):
    return said.split("One-time password: ")[1].split()[0]


def test_a_providers_agent_with_a_password_of_their_own():
    provider = Provider.objects.first()
    create(
        "li",
        "--role",
        "agent",
        "--provider",
        provider.code,
        "--password",
        "pw-li-2026-own",
    )
    user = User.objects.get(username="li")
    assert user.is_staff and [g.name for g in user.groups.all()] == ["Support agent"]
    membership = StaffMembership.objects.get(user=user)
    assert membership.provider == provider and not membership.must_change_password
    assert user.check_password("pw-li-2026-own")


def test_the_administrations_supervisor_gets_a_one_time_password(client):
    said = create("wang", "--role", "supervisor", "--administration")
    password = one_time_password(said)
    membership = StaffMembership.objects.get(user__username="wang")
    assert membership.provider is None and membership.must_change_password
    # the first login reaches nothing but the password change
    answer = client.post(
        reverse("admin:login"), {"username": "wang", "password": password}
    )
    assert answer.url == reverse("admin:password_change")
    assert client.get(reverse("admin:queue")).url == reverse("admin:password_change")
    assert client.get("/admin/filings/filingapplication/").status_code == 302
    # the page after a change, asked for without one, changes nothing
    client.get(reverse("admin:password_change_done"))
    assert client.get(reverse("admin:queue")).url == reverse("admin:password_change")
    assert StaffMembership.objects.get(user__username="wang").must_change_password
    changed = client.post(
        reverse("admin:password_change"),
        {
            "old_password": password,
            "new_password1": "a-long-password-of-my-own-2026",
            "new_password2": "a-long-password-of-my-own-2026",
        },
        follow=True,
    )
    assert changed.status_code == 200
    assert not StaffMembership.objects.get(user__username="wang").must_change_password
    assert client.get(reverse("admin:queue")).status_code == 200


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["x", "--role", "boss", "--administration"], "invalid choice"),
        (["x", "--role", "agent"], "one of the arguments"),
        (["x", "--role", "agent", "--provider", "nope"], "No access provider “nope”"),
        (["", "--role", "agent", "--administration"], "A login name is 2 to 150"),
        (["ｘ", "--role", "agent", "--administration"], "A login name is 2 to 150"),
        (["x2", "--role", "agent", "--administration", "--password", "short"], "short"),
    ],
)
def test_what_cannot_be_made_says_why(args, said):
    with translation.override("en"), pytest.raises(CommandError, match=said):
        create(*args)
    assert not User.objects.filter(username="x").exists()


def test_a_login_that_exists_is_not_made_again():
    create("li", "--role", "agent", "--administration", "--password", "pw-li-2026-own")
    with pytest.raises(CommandError, match="登录名“li”已存在。"):
        create("li", "--role", "auditor", "--administration", language="zh-hans")
    assert [g.name for g in User.objects.get(username="li").groups.all()] == [
        "Support agent"
    ]
