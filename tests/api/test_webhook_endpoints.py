"""Webhook endpoints through the API: registered with a secret shown once, listed,
changed, deleted, their secret rotated; addresses that lead to loopback, private or
link-local networks, and plain http://, refused with a 422."""

import datetime

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from integrations import webhooks
from integrations.models import WebhookEndpoint
from tests.api.conftest import PUBLIC

pytestmark = pytest.mark.django_db


def create(call, key, url="https://hooks.example.com/icp", events=None):
    body = {"url": url}
    if events is not None:
        body["events"] = events
    return call("post", "/webhooks", key, body, HTTP_ACCEPT_LANGUAGE="en")


def test_registered_with_its_secret_shown_once(call, key, dns):
    response = create(call, key[1], events=["filing.returned", "filing.approved"])
    assert response.status_code == 201
    made = response.json()
    assert made["secret"].startswith("whsec_")
    assert made["events"] == ["filing.approved", "filing.returned"]
    assert made["enabled"] is True
    Webhook(made["secret"])  # a secret the library takes
    listed = call("get", "/webhooks", key[1]).json()
    assert [e["id"] for e in listed] == [made["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in call("get", f"/webhooks/{made['id']}", key[1]).json()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/icp", "must be https://"),
        ("https://127.0.0.1/icp", "loopback, private or link-local"),
        ("https://localhost/icp", "loopback, private or link-local"),
        ("https://[::1]/icp", "loopback, private or link-local"),
        ("https://10.1.2.3/icp", "loopback, private or link-local"),
        ("https://192.168.1.20:8443/icp", "loopback, private or link-local"),
        ("https://172.16.0.5/icp", "loopback, private or link-local"),
        ("https://169.254.169.254/latest/meta-data", "loopback, private or link-local"),
        ("https://[fe80::1]/icp", "loopback, private or link-local"),
        ("https://[::ffff:127.0.0.1]/icp", "loopback, private or link-local"),
        ("https://100.64.0.1/icp", "loopback, private or link-local"),
        ("https://user:pw@hooks.example.com/icp", "user name or password"),
        ("https://nowhere.invalid/icp", "does not resolve"),
        ("ftp://hooks.example.com/", "must be https://"),
        ("not a url", "must be https://"),
    ],
)
def test_refused_addresses(call, key, dns, url, why):
    dns["localhost"] = ["127.0.0.1", "::1"]
    response = create(call, key[1], url=url)
    assert response.status_code == 422, url
    problem = response.json()
    assert problem["title"] == "Endpoint not accepted"
    assert problem["errors"][0]["path"] == "url"
    assert why in problem["errors"][0]["message"]
    assert not WebhookEndpoint.objects.exists()


def test_a_name_with_one_private_address_among_public_ones_is_refused(call, key, dns):
    dns["mixed.example.com"] = [PUBLIC, "10.0.0.7"]
    response = create(call, key[1], url="https://mixed.example.com/icp")
    assert response.status_code == 422


def test_private_addresses_and_http_when_allowed(call, key, dns, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert create(call, key[1], url="http://127.0.0.1:9000/icp").status_code == 201


def test_the_address_is_checked_again_when_sending(key, dns, settings):
    endpoint = webhooks.create_endpoint(key[0].provider, "https://hooks.example.com/x")
    dns["hooks.example.com"] = ["10.9.9.9"]  # the name now leads inside
    answer = webhooks.post(endpoint.url, "{}", {})
    assert answer.status_code is None
    assert "private" in answer.error


def test_unknown_event_types_are_refused(call, key, dns):
    response = create(call, key[1], events=["filing.submitted", "filing.exploded"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "events"
    assert "filing.exploded" in response.json()["errors"][0]["message"]


def test_changed_disabled_enabled_and_deleted(call, key, dns):
    made = create(call, key[1]).json()
    path = f"/webhooks/{made['id']}"
    changed = call("patch", path, key[1], {"events": ["filing.approved"]}).json()
    assert changed["events"] == ["filing.approved"]
    refused = call("patch", path, key[1], {"url": "https://10.0.0.1/"})
    assert refused.status_code == 422
    assert call("get", path, key[1]).json()["url"] == made["url"]
    off = call("patch", path, key[1], {"enabled": False}).json()
    assert (off["enabled"], off["disabled_reason"]) == (False, "provider")
    on = call("patch", path, key[1], {"enabled": True}).json()
    assert (on["enabled"], on["disabled_reason"]) == (True, "")
    assert call("delete", path, key[1]).status_code == 204
    assert call("get", path, key[1]).status_code == 404


def test_another_providers_endpoint_is_not_found(call, key, other_key, dns):
    made = create(call, key[1]).json()
    for method in ("get", "patch", "delete"):
        body = {} if method == "patch" else None
        response = call(method, f"/webhooks/{made['id']}", other_key[1], body)
        assert response.status_code == 404
    assert call("get", "/webhooks", other_key[1]).json() == []
    assert WebhookEndpoint.objects.count() == 1


def test_rotation_signs_with_both_secrets_for_the_grace_period(call, key, dns):
    made = create(call, key[1]).json()
    rotated = call("post", f"/webhooks/{made['id']}/rotate-secret", key[1])
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != made["secret"] and new.startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get()
    now = timezone.now()
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhooks.sign(endpoint, "evt_1", "{}", now),
    }
    # a receiver with either secret accepts it during the grace period
    assert Webhook(made["secret"]).verify("{}", headers) == {}
    assert Webhook(new).verify("{}", headers) == {}
    after = endpoint.previous_secret_until + datetime.timedelta(seconds=1)
    headers["webhook-signature"] = webhooks.sign(endpoint, "evt_1", "{}", after)
    headers["webhook-timestamp"] = str(int(after.timestamp()))
    assert len(headers["webhook-signature"].split()) == 1  # the new secret only
    with pytest.raises(WebhookVerificationError):
        # signed at `after` with the new secret only (checked as if now)
        Webhook(made["secret"]).verify(
            "{}", {**headers, "webhook-timestamp": str(int(now.timestamp()))}
        )
