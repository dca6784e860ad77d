"""The staff pages: a provider's supervisors manage their own team alone, the
administration's everyone; a new login gets a one-time password shown once; a
supervisor gives a one-time password, switches a login off or on, resets a second
factor (every session of the member ends where it should); everyone reads their own
login history, and their supervisors read it too."""

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console import second_factor
from console.models import StaffEvent, StaffEventKind
from console.staff import create_staff
from filings.models import Provider
from tests.console.test_second_factor import code_of

pytestmark = pytest.mark.django_db

QUEUE = "/admin/queue/"


def staff_of(code, role, name):
    return create_staff(name, role, provider_code=code, password=f"pw-{name}")[0]


def logged_in(user, language="en"):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def test_a_providers_supervisor_manages_their_own_team(supervisor):
    boss = staff_of("tencent", "supervisor", "t-boss")
    mate = staff_of("tencent", "agent", "t-mate")
    other = staff_of("aliyun", "agent", "a-agent")
    client = logged_in(boss)
    page = client.get(reverse("admin:staff")).content.decode()
    assert ">t-mate<" in page and ">a-agent<" not in page and ">supervisor<" not in page
    assert 'name="team"' not in page  # their own team, no choice
    for member in (other, supervisor):
        url = reverse("admin:staff_member", args=[member.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "deactivate"}).status_code == 404
    made = client.post(reverse("admin:staff"), {"username": "t-new", "role": "agent"})
    new = User.objects.get(username="t-new")
    assert new.membership.provider == Provider.objects.get(code="tencent")
    assert made.url == reverse("admin:staff_member", args=[new.pk])
    said = client.get(made.url).content.decode()
    assert "The one-time password of “t-new” is" in said
    # shown once, and never in a cookie
    assert "The one-time password of" not in client.get(made.url).content.decode()
    assert not any("t-new" in c.value for c in client.cookies.values())
    event = StaffEvent.objects.get(staff_member=new)
    assert (event.kind, event.by) == (StaffEventKind.CREATED, boss)
    assert client.get(reverse("admin:staff_member", args=[mate.pk])).status_code == 200


def test_the_administrations_supervisor_manages_everyone(supervisor):
    staff_of("tencent", "agent", "t-mate")
    client = logged_in(supervisor)
    page = client.get(reverse("admin:staff")).content.decode()
    assert ">t-mate<" in page and 'name="team"' in page
    client.post(
        reverse("admin:staff"),
        {"username": "j-new", "role": "auditor", "team": "jdcloud"},
    )
    assert User.objects.get(username="j-new").membership.provider.code == "jdcloud"
    refused = client.post(
        reverse("admin:staff"), {"username": "t-mate", "role": "agent", "team": ""}
    )
    assert "The login “t-mate” exists already." in refused.content.decode()


def test_an_agent_manages_nobody(agent):
    assert logged_in(agent).get(reverse("admin:staff")).status_code == 403


def test_a_one_time_password_ends_every_session_and_must_be_changed(supervisor):
    mate = staff_of("tencent", "agent", "t-mate")
    theirs = logged_in(mate)
    assert theirs.get(QUEUE).status_code == 200
    url = reverse("admin:staff_member", args=[mate.pk])
    logged_in(supervisor).post(url, {"action": "one_time_password"})
    assert theirs.get(QUEUE).status_code == 302  # logged out
    mate.membership.refresh_from_db()
    assert mate.membership.must_change_password


def test_a_login_switched_off_is_logged_out_and_on_again_logs_in(supervisor):
    mate = staff_of("tencent", "agent", "t-mate")
    theirs = logged_in(mate)
    boss = logged_in(supervisor)
    url = reverse("admin:staff_member", args=[mate.pk])
    boss.post(url, {"action": "deactivate"})
    assert theirs.get(QUEUE).status_code == 302
    assert not Client().login(username="t-mate", password="pw-t-mate")
    boss.post(url, {"action": "reactivate"})
    assert Client().login(username="t-mate", password="pw-t-mate")
    kinds = [e.kind for e in StaffEvent.objects.filter(staff_member=mate)][:2]
    assert kinds == [StaffEventKind.REACTIVATED, StaffEventKind.DEACTIVATED]
    # nobody switches themselves off
    own = reverse("admin:staff_member", args=[supervisor.pk])
    boss.post(own, {"action": "deactivate"})
    supervisor.refresh_from_db()
    assert supervisor.is_active


def test_a_password_change_ends_the_other_sessions(agent):
    elsewhere = logged_in(agent)
    here = logged_in(agent)
    here.post(
        reverse("admin:password_change"),
        {
            "old_password": "pw-agent",
            "new_password1": "a long new pass phrase",
            "new_password2": "a long new pass phrase",
        },
    )
    assert here.get(QUEUE).status_code == 200
    assert elsewhere.get(QUEUE).status_code == 302


def test_a_reset_second_factor_is_set_up_again_and_audited(supervisor, settings):
    settings.STAFF_SECOND_FACTOR = True
    mate = staff_of("tencent", "agent", "t-mate")
    device = second_factor.pending_device(mate)
    device.confirmed = True
    device.save()
    boss = logged_in(supervisor)
    boss.get(reverse("admin:second_factor_enrol"))  # the supervisor's own, first
    assert second_factor.has_one(mate)
    boss_device = second_factor.pending_device(supervisor)
    boss.post(reverse("admin:second_factor_enrol"), {"code": code_of(boss_device)})
    boss.post(
        reverse("admin:staff_member", args=[mate.pk]), {"action": "reset_second_factor"}
    )
    assert not second_factor.has_one(mate)
    event = StaffEvent.objects.filter(staff_member=mate).first()
    assert (event.kind, event.by) == (StaffEventKind.RESET, supervisor)
    theirs = logged_in(mate)
    assert theirs.get(QUEUE).url.startswith(reverse("admin:second_factor_enrol"))


def test_the_login_history_is_read_by_its_owner_and_their_supervisors(supervisor):
    mate = staff_of("tencent", "agent", "t-mate")
    boss = staff_of("tencent", "supervisor", "t-boss")
    stranger = staff_of("aliyun", "supervisor", "a-boss")
    page = Client()
    page.post(reverse("admin:login"), {"username": "t-mate", "password": "wrong"})
    page.post(reverse("admin:login"), {"username": "t-mate", "password": "pw-t-mate"})
    own = page.get(reverse("admin:account"), HTTP_ACCEPT_LANGUAGE="en")
    text = own.content.decode()
    assert text.count("Wrong password") == 1 and "Logged in" in text
    assert "127.0.0.1" in text
    url = reverse("admin:staff_member", args=[mate.pk])
    for reader, status in ((boss, 200), (supervisor, 200), (stranger, 404)):
        answer = logged_in(reader).get(url)
        assert answer.status_code == status
        if status == 200:
            assert "Wrong password" in answer.content.decode()


def test_a_supervisor_cannot_take_over_a_superusers_login(supervisor, admin_user):
    url = reverse("admin:staff_member", args=[admin_user.pk])
    boss = logged_in(supervisor)
    for action in ("one_time_password", "deactivate", "reset_second_factor"):
        answer = boss.post(url, {"action": action}, follow=True)
        assert "Only someone who may do all they may" in answer.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.check_password("password")
    assert not StaffEvent.objects.filter(staff_member=admin_user).exists()


def test_a_supervisor_cannot_take_over_a_login_with_more_powers(supervisor):
    officer = staff_of("tencent", "supervisor", "t-officer")
    officer.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    url = reverse("admin:staff_member", args=[officer.pk])
    page = logged_in(supervisor).get(url).content.decode()
    assert 'value="one_time_password"' not in page
    logged_in(supervisor).post(url, {"action": "one_time_password"})
    assert not StaffEvent.objects.filter(
        staff_member=officer, kind=StaffEventKind.PASSWORD_RESET
    ).exists()


@pytest.mark.parametrize(
    "name",
    ["ｔencent-agent", "T-MATE", "аli-agent", "a b", "", "x" * 151, "ﷺ"],
)
def test_a_login_name_that_would_look_like_another_or_break_is_refused(
    supervisor, name
):
    staff_of("tencent", "agent", "t-mate")
    before = User.objects.count()
    page = logged_in(supervisor).post(
        reverse("admin:staff"), {"username": name, "role": "agent", "team": ""}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        "A login name is 2 to 150" in text
        or "exists already" in text
        or ("This field is required" in text or "at most 150" in text)
    )
    assert User.objects.count() == before


def test_the_staff_page_reads_a_team_of_any_size_in_the_same_queries(supervisor):
    client = logged_in(supervisor)
    staff_of("tencent", "agent", "t-one")
    client.get(reverse("admin:staff"))

    def counted():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("admin:staff")).status_code == 200
        return len(queries)

    few = counted()
    for n in range(4):
        member = staff_of("tencent", "agent", f"t-more{n}")
        device = second_factor.pending_device(member)
        device.confirmed = True
        device.save()
    assert counted() == few
    page = client.get(reverse("admin:staff")).content.decode()
    assert page.count(">Set up<") == 4
