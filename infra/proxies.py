"""The client's address behind trusted proxies.

Behind a proxy every request's peer is the proxy. `ClientAddressMiddleware` puts the
real client's address in `REMOTE_ADDR`, so the throttles, the attempt records and the
logs all count clients, not the proxy. It reads `X-Forwarded-For` only when the peer
is one of `TRUSTED_PROXIES`, right to left, skipping trusted hops: the first address
no trusted proxy could have written is the client's. What a client puts in the header
itself lies to the left of that and is never read, so it cannot pick its own
throttle bucket.
"""

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from infra.logging import client_address as logged_client_address

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """`TRUSTED_PROXIES` entries (addresses or networks) as ip_network objects."""
    networks: list[IPNetwork] = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {text!r} is not an IP address or network "
                "(write e.g. 10.0.0.5, 10.0.0.0/24 or fd00::/8)."
            ) from exc
    return tuple(networks)


def _address(text: str) -> IPAddress | None:
    """An IP address from a header entry ("1.2.3.4", "[::1]", "[::1]:443",
    "1.2.3.4:80"), or None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # IPv4 with a port
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address in network for network in networks)


def client_address(peer: str, forwarded_for: str, networks: Iterable[IPNetwork]) -> str:
    """The client's address for a request from `peer` carrying `forwarded_for`
    (the X-Forwarded-For value, "" if none), trusting the proxies in `networks`."""
    peer_address = _address(peer or "")
    if peer_address is None or not _trusted(peer_address, networks):
        return peer
    client = str(peer_address)
    for entry in reversed(forwarded_for.split(",") if forwarded_for else []):
        address = _address(entry)
        if address is None:
            break  # not written by a proxy of ours: stop at the last trusted hop
        client = str(address)
        if not _trusted(address, networks):
            break
    return client


class ClientAddressMiddleware:
    """Sets `REMOTE_ADDR` to the client's address (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = parse_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        if self.networks:
            request.META["REMOTE_ADDR"] = client_address(
                peer, request.META.get("HTTP_X_FORWARDED_FOR", ""), self.networks
            )
        # Until the request is finished (see infra.logging.forget_request).
        logged_client_address.set(request.META.get("REMOTE_ADDR") or "-")
        return self.get_response(request)


def request_client_address(request: HttpRequest) -> str | None:
    """The client's address of `request` for the staff login lockout (django-axes's
    `AXES_CLIENT_IP_CALLABLE`): `REMOTE_ADDR`, where `ClientAddressMiddleware` has put
    the client's address behind trusted proxies, so a forged `X-Forwarded-For` picks
    no lockout bucket. None for a request that came from no address."""
    return request.META.get("REMOTE_ADDR") or None
