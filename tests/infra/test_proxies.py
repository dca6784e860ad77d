"""The client's address behind trusted proxies: throttles, attempts and logs count
real clients, and a forged X-Forwarded-For picks no throttle bucket."""

import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from infra.logging import JsonFormatter
from infra.proxies import client_address, parse_networks
from tests.verification.helpers import last6, submitted_filing
from verification.models import Attempt

PROXIES = parse_networks(["10.0.0.0/24", "fd00::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # Not from a proxy of ours: the header is ignored, whatever it says.
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        ("203.0.113.7", "", "203.0.113.7"),
        # From our proxy: the address it saw.
        ("10.0.0.5", "198.51.100.1", "198.51.100.1"),
        # A client's own header through the proxy: the proxy appended the real one.
        ("10.0.0.5", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.5", "10.0.0.9, 198.51.100.1", "198.51.100.1"),
        # Two trusted hops (an edge proxy in front of ours) are skipped.
        ("10.0.0.5", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        # Several headers arrive joined by commas; spaces do not matter.
        ("10.0.0.5", "6.6.6.6,198.51.100.1 ,  10.0.0.2", "198.51.100.1"),
        # Garbage where a proxy of ours would have written an address: stop at the
        # last trusted hop rather than believe what lies beyond it.
        ("10.0.0.5", "198.51.100.1, not-an-address", "10.0.0.5"),
        ("10.0.0.5", "198.51.100.1, 10.0.0.2, ", "10.0.0.5"),
        # Nothing but trusted hops: the leftmost one.
        ("10.0.0.5", "10.0.0.3", "10.0.0.3"),
        ("10.0.0.5", "", "10.0.0.5"),
        # Ports and IPv6.
        ("10.0.0.5", "198.51.100.1:4711", "198.51.100.1"),
        ("fd00::1", "2001:db8::7", "2001:db8::7"),
        ("fd00::1", "[2001:db8::7]:443", "2001:db8::7"),
        ("fd00::2", "2001:db8::7", "fd00::2"),
    ],
)
def test_client_address(peer, forwarded_for, client):
    assert client_address(peer, forwarded_for, PROXIES) == client


def test_a_bad_trusted_proxies_entry_is_named():
    with pytest.raises(ImproperlyConfigured, match="'10.0.0.300' is not an IP"):
        parse_networks(["10.0.0.1", "10.0.0.300"])


def _verify(client, mobile, cert, *, peer, forwarded_for=""):
    extra = {"REMOTE_ADDR": peer}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(
        "/verify/",
        {
            "code": "000000",
            "mobile": mobile,
            "cert_last6": cert,
            "captcha_0": "k",
            "captcha_1": "PASSED",
        },
        **extra,
    )


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        "verify_per_ip": "3/h",
        "verify_per_mobile": "1000/h",
    }


@pytest.mark.django_db
def test_clients_behind_the_proxy_have_their_own_buckets(client, behind_proxy):
    _, leader, _ = submitted_filing()
    for number in range(1, 6):
        for _ in range(3):
            _verify(
                client,
                leader.mobile,
                last6(leader),
                peer="10.0.0.5",
                forwarded_for=f"198.51.100.{number}",
            )
    attempts = Attempt.objects.all()
    # Fifteen requests, three from each of five clients: nobody was throttled, and
    # each attempt names its client, not the proxy.
    assert attempts.filter(reason__startswith="throttled").count() == 0
    assert sorted(set(attempts.values_list("ip", flat=True))) == [
        f"198.51.100.{n}" for n in range(1, 6)
    ]


@pytest.mark.django_db
def test_a_forged_header_does_not_dodge_the_throttle(client, behind_proxy):
    _, leader, _ = submitted_filing()
    for forged in range(6):
        _verify(
            client,
            leader.mobile,
            last6(leader),
            peer="10.0.0.5",
            forwarded_for=f"192.0.2.{forged}, 198.51.100.9",
        )
    reasons = list(Attempt.objects.order_by("id").values_list("reason", flat=True))
    assert reasons[3:] == ["throttled_ip"] * 3
    assert set(Attempt.objects.values_list("ip", flat=True)) == {"198.51.100.9"}


@pytest.mark.django_db
def test_a_header_from_outside_is_ignored(client, behind_proxy):
    _, leader, _ = submitted_filing()
    for forged in range(4):
        _verify(
            client,
            leader.mobile,
            last6(leader),
            peer="203.0.113.50",
            forwarded_for=f"192.0.2.{forged}",
        )
    assert set(Attempt.objects.values_list("ip", flat=True)) == {"203.0.113.50"}
    assert Attempt.objects.filter(reason="throttled_ip").count() == 1


@pytest.mark.django_db
def test_without_trusted_proxies_the_peer_is_the_client(client, settings):
    settings.TRUSTED_PROXIES = []
    _, leader, _ = submitted_filing()
    _verify(
        client, leader.mobile, last6(leader), peer="10.0.0.5", forwarded_for="1.2.3.4"
    )
    assert Attempt.objects.get().ip == "10.0.0.5"


@pytest.mark.django_db
def test_log_lines_carry_the_client_address(client, behind_proxy):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(logging.getLogger().handlers[0].filters[0])
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get(
            "/p/nowhere/",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="198.51.100.4",
            HTTP_X_REQUEST_ID="req-7",
        )
    finally:
        logger.removeHandler(handler)
    assert records, "the 404 is logged"
    line = json.loads(JsonFormatter().format(records[-1]))
    # Django logs the 404 after the middleware returned; both are still known.
    assert (line["client"], line["request_id"]) == ("198.51.100.4", "req-7")
