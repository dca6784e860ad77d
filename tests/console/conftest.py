import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

ROLES = ["Support agent", "Supervisor", "Auditor"]


def make_staff(username, group=None, extra_permissions=()):
    user = User.objects.create_user(username, password="pw-" + username, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for codename in extra_permissions:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="filings", codename=codename)
        )
    return user


@pytest.fixture
def agent(db):
    return make_staff("agent", "Support agent")


@pytest.fixture
def supervisor(db):
    return make_staff("supervisor", "Supervisor")


@pytest.fixture
def auditor(db):
    return make_staff("auditor", "Auditor")


@pytest.fixture
def privacy_officer(db):
    """A supervisor who may also see personal data."""
    return make_staff("officer", "Supervisor", ["view_personal_data"])


@pytest.fixture
def login(client):
    def as_user(user, language="en"):
        client.force_login(user)
        client.cookies["django_language"] = language
        return client

    return as_user


def change_url(filing):
    return reverse("admin:filings_filingapplication_change", args=[filing.pk])


LIST_URL = "/admin/filings/filingapplication/"


def form_action(client, filing, action, confirm=True, **data):
    """Run a change-form action: the confirmation page, then (optionally) confirm."""
    payload = {
        "CHANGE_FORM-action": action,
        "CHANGE_FORM-select_across": "0",
        "index": "0",
        "_selected_action": [str(filing.pk)],
    }
    if confirm:
        payload.update({"confirm": "yes", **data})
    return client.post(change_url(filing), payload, follow=confirm)


def list_action(client, filings, action, confirm=True, **data):
    payload = {
        "action": action,
        "select_across": "0",
        "index": "0",
        "_selected_action": [str(f.pk) for f in filings],
    }
    if confirm:
        payload.update({"confirm": "yes", **data})
    return client.post(LIST_URL, payload, follow=confirm)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []
