"""Webhook addresses holding a control character (CR, LF, tab, NUL, DEL, C1) are
refused, through the API and in the console, with a message that says so."""

import pytest
from django.utils import translation

from filings.models import Provider
from integrations import webhooks
from integrations.models import WebhookEndpoint
from tests.api.test_webhook_endpoints import create

pytestmark = pytest.mark.django_db

CONTROLS = ["\r\n", "\r", "\n", "\t", "\x00", "\x1b", "\x7f", "\x85", "\x9b"]
SAID = "holds a control character"


def written_with(control):
    return f"https://hooks.example.com/icp{control}X-Injected: 1"


@pytest.mark.parametrize("control", CONTROLS)
def test_check_url_refuses_them(dns, control):
    with pytest.raises(webhooks.EndpointRefused) as refused:
        webhooks.check_url(written_with(control))
    assert SAID in refused.value.message
    with translation.override("en"):
        assert "control character" in str(refused.value.detail)


@pytest.mark.parametrize("control", ["\r\n", "\t"])
def test_even_at_the_ends(dns, control):
    with pytest.raises(webhooks.EndpointRefused):
        webhooks.check_url(f"https://hooks.example.com/icp{control}")


@pytest.mark.parametrize("control", CONTROLS)
def test_the_api_refuses_them(call, key, dns, control):
    response = create(call, key[1], url=written_with(control))
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["path"] == "url"
    assert SAID in problem["errors"][0]["message"]
    assert "The address holds a control character" in problem["detail"]
    assert not WebhookEndpoint.objects.exists()


def test_the_api_says_it_in_chinese(call, key, dns):
    response = call(
        "post",
        "/webhooks",
        key[1],
        {"url": written_with("\r\n")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 422
    assert "控制字符" in response.json()["detail"]


def test_a_change_to_such_an_address_is_refused(call, key, dns):
    made = create(call, key[1]).json()
    response = call(
        "patch", f"/webhooks/{made['id']}", key[1], {"url": written_with("\r\n")}
    )
    assert response.status_code == 422
    assert WebhookEndpoint.objects.get().url == "https://hooks.example.com/icp"


@pytest.mark.parametrize("control", ["\r\n", "\t", "\x00", "\x7f", "\x9b"])
def test_the_console_form_refuses_them(client, supervisor, dns, control):
    client.force_login(supervisor)
    response = client.post(
        "/admin/integrations/webhookendpoint/add/",
        {
            "provider": Provider.objects.get(code="aliyun").pk,
            "url": written_with(control),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    if control == "\x00":
        # The console reads no request holding a NUL: its 400 page.
        assert response.status_code == 400
    else:
        assert response.status_code == 200
        assert "The address holds a control character" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("control", ["\x1b", "\x01", "\x7f"])
def test_the_console_form_refuses_them_in_the_description(
    client, supervisor, dns, control
):
    """Once a 500 (the form let the description through to the engine's refusal)."""
    client.force_login(supervisor)
    response = client.post(
        "/admin/integrations/webhookendpoint/add/",
        {
            "provider": Provider.objects.get(code="aliyun").pk,
            "url": "https://hooks.example.com/icp",
            "description": f"x{control}y",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The description holds a control character" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_change_in_the_console_keeps_to_the_same_rule(client, supervisor, dns):
    endpoint = webhooks.create_endpoint(
        Provider.objects.get(code="aliyun"), "https://hooks.example.com/icp"
    )
    client.force_login(supervisor)
    response = client.post(
        f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/",
        {
            "url": "https://hooks.example.com/icp",
            "description": "a\x1b[31mRED",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The description holds a control character" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.description == ""
