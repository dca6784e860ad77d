"""Helpers for the staff login lockout's tests: logging in through the console's
login page from a chosen address, and a clock the lockout reads."""

import datetime

import pytest
from django.utils import timezone

LOGIN_URL = "/admin/login/"
# 10:00 Beijing time.
START = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)


def log_in(client, username, password, address="203.0.113.10", language="en", **extra):
    """POST the console's login form as a browser at `address` would."""
    client.cookies["django_language"] = language
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **extra,
    )


def logged_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


class Clock:
    """The time the lockout (django-axes and the console) reads, moved by hand."""

    def __init__(self, moment):
        self.moment = moment

    def now(self):
        return self.moment

    def advance(self, **delta):
        self.moment += datetime.timedelta(**delta)


@pytest.fixture
def login_clock(monkeypatch):
    """The lockout's clock, at START (10:00 Beijing time) until advanced."""
    import axes.handlers.proxy

    found = Clock(START)
    monkeypatch.setattr(timezone, "now", found.now)
    # django-axes stamps each attempt with its own import of now().
    monkeypatch.setattr(axes.handlers.proxy, "now", found.now)
    return found
