"""Helpers for tests that start real servers on loopback."""

import http.cookiejar
import re
import socket
import urllib.parse
import urllib.request


def free_port():
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, forms with CSRF and the one-time token."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.status, response.read().decode()

    def submit(self, path, fields):
        _, page = self.get(path)
        hidden = dict(
            re.findall(r'name="(csrfmiddlewaretoken|submission)" value="([^"]+)"', page)
        )
        data = urllib.parse.urlencode(
            {**hidden, "captcha_0": "x", "captcha_1": "PASSED", **fields}
        ).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST")
        with self.opener.open(request, timeout=10) as response:  # follows the 303
            return response.status, response.read().decode()
