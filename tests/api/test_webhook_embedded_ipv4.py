"""Webhook addresses: an IPv6 address that embeds or translates to an IPv4 address
is judged by that IPv4 address (Python calls `::127.0.0.1` global), and site-local
and local-use NAT64 addresses are refused. No test sends anything: the resolver of
the `dns` fixture answers an IP literal with itself."""

import pytest

from integrations import webhooks
from integrations.models import WebhookEndpoint
from tests.api.test_webhook_endpoints import create

pytestmark = pytest.mark.django_db

REFUSED = [
    "::127.0.0.1",  # IPv4-compatible
    "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254, the cloud metadata service
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:0:127.0.0.1",  # SIIT translated
    "::ffff:0:a00:1",  # SIIT translated 10.0.0.1
    "64:ff9b::127.0.0.1",  # NAT64 well-known prefix
    "64:ff9b::a9fe:a9fe",  # NAT64 to 169.254.169.254
    "64:ff9b::c0a8:101",  # NAT64 to 192.168.1.1
    "64:ff9b:1::808:808",  # local-use NAT64: where the IPv4 sits is not known
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "fec0::1",  # site-local
    "fec0:1:2:3::4",
    "feff::1",  # the last of fec0::/10
    "::",
    "::1",
]
ACCEPTED = [
    "2001:4860:4860::8888",  # a global IPv6 address
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",  # embedding a public IPv4 address
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "8.8.8.8",
    "93.184.215.14",
]


@pytest.mark.parametrize("address", REFUSED)
def test_an_address_embedding_a_private_one_is_refused(dns, address):
    with pytest.raises(webhooks.EndpointRefused) as refused:
        webhooks.check_url(f"https://[{address}]/icp")
    assert "loopback, private or link-local" in refused.value.message


@pytest.mark.parametrize("address", ACCEPTED)
def test_public_addresses_stay_accepted(dns, address):
    host = f"[{address}]" if ":" in address else address
    assert webhooks.check_url(f"https://{host}/icp") == f"https://{host}/icp"


@pytest.mark.parametrize(
    "address", ["::127.0.0.1", "::ffff:0:127.0.0.1", "64:ff9b::a9fe:a9fe", "fec0::1"]
)
def test_the_api_refuses_them(call, key, dns, address):
    response = create(call, key[1], url=f"https://[{address}]/icp")
    assert response.status_code == 422
    assert "loopback, private or link-local" in response.json()["errors"][0]["message"]
    assert not WebhookEndpoint.objects.exists()


def test_a_name_that_resolves_to_one_is_refused_when_sending(key, dns):
    endpoint = webhooks.create_endpoint(key[0].provider, "https://hooks.example.com/x")
    dns["hooks.example.com"] = ["64:ff9b::127.0.0.1"]
    answer = webhooks.post(endpoint.url, "{}", {})
    assert answer.status_code is None
    assert "private" in answer.error
