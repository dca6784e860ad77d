"""Helpers for tests that start real servers on loopback."""

import contextlib
import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BIN = Path(sys.executable).parent


def free_port():
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    """The test database's URL, for a server or worker process of its own."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}"
    )


@contextlib.contextmanager
def gunicorn(env, log, *options, port=None):
    """gunicorn serving the app on loopback (`port`, or a free one) with `env`, its
    output in `log`; yields the base URL once /healthz answers, and stops it after."""
    port = port or free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "icpportal.wsgi", "-b", f"127.0.0.1:{port}", *options],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer: " + log.read_text())
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


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
