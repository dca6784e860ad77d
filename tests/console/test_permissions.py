"""The permission matrix: which role may see which action and which page."""

import re

import pytest

from tests.console.conftest import LIST_URL, change_url, form_action, list_action
from tests.verification.helpers import submitted_filing
from verification.models import SmsMessage

pytestmark = pytest.mark.django_db

FORM_ACTIONS = {
    "resend_code",
    "extend_deadline",
    "mark_verified",
    "change_mobile",
    "return_to_provider",
    "cancel",
    "approve",
    "reject",
    "open_contact_check",
    "remove_access",
}
LIST_ACTIONS = FORM_ACTIONS - {"mark_verified", "change_mobile"}
EXPECTED = {
    "agent": {"resend_code", "extend_deadline"},
    "supervisor": FORM_ACTIONS,
    "auditor": set(),
}


def offered(html, prefix=""):
    select = re.search(
        rf'<select name="{prefix}action"[^>]*>(.*?)</select>', html, re.S
    )
    if not select:
        return set()
    return set(re.findall(r'<option value="([a-z_]+)"', select.group(1)))


def buttons(html):
    """The filing page's override buttons: {name: enabled}."""
    found = re.findall(
        r'<button type="submit" name="CHANGE_FORM-action" value="([a-z_]+)"([^>]*)>',
        html,
    )
    return {name: "disabled" not in rest for name, rest in found}


@pytest.mark.parametrize("role", ["agent", "supervisor", "auditor"])
def test_actions_offered_by_role(request, login, role):
    client = login(request.getfixturevalue(role))
    filing, _, _ = submitted_filing()
    change_page = client.get(change_url(filing)).content.decode()
    shown = buttons(change_page)
    assert set(shown) == FORM_ACTIONS  # every override is shown, with its state
    # a filing pending verification cannot be decided yet, whoever looks
    enabled = {name for name, on in shown.items() if on}
    assert enabled == EXPECTED[role] - {
        "approve",
        "reject",
        "open_contact_check",
        "remove_access",
    }
    list_page = client.get(LIST_URL).content.decode()
    assert offered(list_page) == EXPECTED[role] & LIST_ACTIONS


@pytest.mark.parametrize("role", ["agent", "supervisor", "auditor"])
def test_every_role_views_everything_and_edits_nothing(request, login, role):
    client = login(request.getfixturevalue(role))
    filing, _, _ = submitted_filing()
    for url in [
        "/admin/",
        LIST_URL,
        change_url(filing),
        "/admin/filings/auditevent/",
        "/admin/filings/person/",
        "/admin/verification/verification/",
        "/admin/verification/smsmessage/",
        "/admin/verification/attempt/",
    ]:
        assert client.get(url).status_code == 200, url
    html = client.get(change_url(filing)).content.decode()
    assert 'name="_save"' not in html  # the filing page is never an edit form
    assert client.get("/admin/filings/filingapplication/add/").status_code == 403
    assert client.get(f"{change_url(filing)[:-7]}delete/").status_code == 403


@pytest.mark.parametrize(
    ("role", "action"),
    [("auditor", action) for action in sorted(FORM_ACTIONS)]
    + [("agent", action) for action in sorted(FORM_ACTIONS - EXPECTED["agent"])],
)
def test_a_forbidden_action_does_nothing(request, login, role, action):
    client = login(request.getfixturevalue(role))
    filing, _, _ = submitted_filing()
    before = (filing.audit_events.count(), SmsMessage.objects.count())
    form_action(client, filing, action, reason="try")
    list_action(client, [filing], action, reason="try")
    filing.refresh_from_db()
    assert filing.status == "pending_verification"
    assert (filing.audit_events.count(), SmsMessage.objects.count()) == before


def test_anonymous_and_non_staff_are_sent_to_the_login(client, db):
    from django.contrib.auth.models import User

    assert client.get(LIST_URL).status_code == 302
    User.objects.create_user("applicant", password="x")
    client.login(username="applicant", password="x")
    response = client.get(LIST_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_console_is_in_chinese_by_default(login, supervisor):
    client = login(supervisor, language="zh-hans")
    filing, _, _ = submitted_filing()
    html = client.get(change_url(filing)).content.decode()
    assert "重发验证码" in html and "退回接入商" in html and "经过（最新在前" in html
    assert "工作人员控制台" in client.get("/admin/").content.decode()
    listing = client.get(LIST_URL).content.decode()
    assert '<option value="" selected>- 请选择 -</option>' in listing
