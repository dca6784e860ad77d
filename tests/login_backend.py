"""The staff login lockout's backend for the test suite.

django-axes refuses `authenticate()` without a request (it counts failures by the
request's address), and the test client's `login()` passes none. This backend lends
such a call an empty request, so `client.login()` works and is still refused for a
locked-out login name; logins through the login page go the production way.
"""

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class TestClientLockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        return super().authenticate(
            request if request is not None else HttpRequest(),
            username=username,
            password=password,
            **kwargs,
        )
