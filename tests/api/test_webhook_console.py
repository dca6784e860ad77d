"""Webhook endpoints in the staff console: registered with the secret shown once,
refused addresses explained, the endpoint's state and its deliveries in words and
Beijing time."""

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from filings.models import Provider
from integrations import tasks, webhooks
from integrations.models import WebhookEndpoint
from tests.api.receiver import Receiver
from tests.factories import FilingFactory
from verification import moves

pytestmark = pytest.mark.django_db


def test_a_supervisor_registers_an_endpoint_and_sees_its_secret_once(
    client, supervisor, settings, dns
):
    client.force_login(supervisor)
    response = client.post(
        "/admin/integrations/webhookendpoint/add/",
        {
            "provider": Provider.objects.get(code="aliyun").pk,
            "url": "https://hooks.example.com/icp",
            "events": ["filing.approved"],
            "description": "ICP console",
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(endpoint.secret in m for m in shown)
    assert endpoint.created_by == supervisor
    assert endpoint.events == ["filing.approved"]
    page = client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in page.content.decode()


def test_a_private_address_is_refused_in_the_form(client, supervisor, settings, dns):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(supervisor)
    response = client.post(
        "/admin/integrations/webhookendpoint/add/",
        {
            "provider": Provider.objects.get(code="aliyun").pk,
            "url": "https://10.0.0.8/icp",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "webhooks go only to public addresses" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_agent_reads_the_delivery_log_in_words(client, agent, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    receiver = Receiver().start()
    try:
        endpoint = webhooks.create_endpoint(FilingFactory().provider, receiver.url)
        receiver.secret = endpoint.secret
        receiver.answer = 500
        moves.submit_filing(FilingFactory())
        tasks.sweep()
    finally:
        receiver.stop()
    client.force_login(agent)
    listing = client.get("/admin/integrations/webhookdelivery/").content.decode()
    assert "waiting for its next attempt" in listing or "等待" in listing
    delivery = endpoint.deliveries.get()
    page = client.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "500" in text and "+08:00" not in text and "UTC" not in text
    # an agent reads, and may not send again
    sent = client.post(
        "/admin/integrations/webhookdelivery/",
        {"action": "send_again", "_selected_action": [delivery.pk]},
    )
    assert endpoint.deliveries.get().attempts == 1
    assert sent.status_code in (200, 302)


def test_staff_read_names_not_codes_in_page_titles(dns):
    """Titles, breadcrumbs and "was added" messages use each record's name."""
    from integrations import keys
    from integrations.models import WebhookDelivery

    provider = Provider.objects.get(code="aliyun")
    record, _secret = keys.create_key(provider, "ICP console")
    assert str(record).startswith(f"{provider.local_name} · ICP console (icp_")
    endpoint = webhooks.create_endpoint(provider, "https://hooks.example.com/icp")
    assert str(endpoint) == f"{provider.local_name} · https://hooks.example.com/icp"
    moves.cancel_filing(
        FilingFactory(provider=provider), actor=moves.PROVIDER, reason="withdrawn"
    )
    webhooks.dispatch()
    delivery = WebhookDelivery.objects.select_related("event").first()
    with translation.override("en"):
        title = str(delivery)
    assert "filing." not in title and "Filing cancelled" in title
