"""Posting the applicant forms the way a browser does."""

import re

from tests.verification.helpers import last6, latest_code

TOKEN_RE = re.compile(r'name="submission" value="([^"]+)"')
BANNER_RE = re.compile(r'data-valid-status="(\d+)"[^>]*>([^<]*)<')


def form_token(client, url):
    return TOKEN_RE.search(client.get(url).content.decode()).group(1)


def post_form(client, url, data, token=None, follow=True, **extra):
    payload = {
        "captcha_0": "test-key",
        "captcha_1": "PASSED",
        "submission": token if token is not None else form_token(client, url),
        **data,
    }
    return client.post(url, payload, follow=follow, **extra)


def verify_data(person, code=None):
    return {
        "code": code or latest_code(person.mobile),
        "mobile": person.mobile,
        "cert_last6": last6(person),
    }


def banner(response):
    """(status code, sentence) of the result banner, or None."""
    match = BANNER_RE.search(response.content.decode())
    return (int(match.group(1)), match.group(2)) if match else None
