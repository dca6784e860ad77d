"""Provider keys: made by a supervisor or the command, shown once and kept as a hash,
revocable, last use shown; no key or a wrong one is 401; a key over its throttle
is 429 with Retry-After."""

import hashlib

import pytest
from django.core.cache import cache

from filings.models import Provider
from integrations import keys
from integrations.models import ApiKey
from tests.console.conftest import messages_of

pytestmark = pytest.mark.django_db


def test_the_command_prints_the_key_alone_on_its_last_line(run_command):
    code, out, _ = run_command("create_api_key", "aliyun", "--name", "ICP console")
    assert code == 0
    key = out.strip().splitlines()[-1]
    record = ApiKey.objects.get()
    assert (record.provider.code, record.name) == ("aliyun", "ICP console")
    assert record.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiKey.objects.values().get())  # only its hash is kept
    assert key.startswith(record.prefix)


def test_the_command_says_what_is_wrong(run_command):
    code, _, err = run_command("create_api_key", "nosuch", "--name", "x")
    assert code == 1 and "No provider 'nosuch'" in err and "aliyun" in err
    code, _, err = run_command("create_api_key", "aliyun", "--name", "  ")
    assert code == 1 and "--name" in err


def test_no_key_a_wrong_key_and_a_revoked_key_are_401(call, key):
    record, secret = key
    assert call("get", "/filings", "").status_code == 401
    response = call("get", "/filings", secret[:-2] + "xx")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == "application/problem+json"
    assert call("get", "/filings", secret).status_code == 200
    record.refresh_from_db()
    assert record.last_used_at is not None
    keys.revoke(record)
    assert call("get", "/filings", secret).status_code == 401


def test_over_the_throttle_is_429_with_retry_after(call, key, settings):
    settings.API_RATELIMIT = "2/m"
    cache.clear()
    _, secret = key
    assert [call("get", "/filings", secret).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    response = call("get", "/filings", secret, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    assert response.json()["detail"].startswith("This key sent too many requests")


def test_a_supervisor_makes_a_key_in_the_console_and_revokes_it(login, supervisor):
    client = login(supervisor)
    response = client.post(
        "/admin/integrations/apikey/add/",
        {"provider": Provider.objects.get(code="tencent").pk, "name": "Sandbox"},
        follow=True,
    )
    [shown] = [m for m in messages_of(response) if "shown this once" in m]
    key = shown.rsplit(" ", 1)[-1]
    record = ApiKey.objects.get()
    assert record.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert record.created_by == supervisor
    listing = client.get("/admin/integrations/apikey/").content.decode()
    assert f"{record.prefix}…" in listing and key not in listing
    client.post(
        "/admin/integrations/apikey/",
        {"action": "revoke_keys", "_selected_action": [record.pk]},
        follow=True,
    )
    record.refresh_from_db()
    assert record.revoked_at is not None
    assert "revoked at" in client.get("/admin/integrations/apikey/").content.decode()


def test_an_agent_cannot_make_keys(login, agent):
    assert login(agent).get("/admin/integrations/apikey/add/").status_code == 403


def test_replace_revokes_the_old_key_of_that_name(run_command):
    run_command("create_api_key", "aliyun", "--name", "Demo key")
    code, out, _ = run_command(
        "create_api_key", "aliyun", "--name", "Demo key", "--replace"
    )
    assert code == 0 and "Revoked the key beginning" in out
    live = ApiKey.objects.filter(revoked_at__isnull=True)
    assert live.count() == 1
    assert keys.authenticate(out.strip().splitlines()[-1]) == live.get()
