"""Logging for production: one JSON object per line, with the request id, and mobile
or certificate numbers (and the receipt address's secret) scrubbed from every
message."""

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

# The request id lives with the engine, which hands it on to its tasks.
from infra.context import request_id

# The client's address (behind trusted proxies, the real one; see infra.proxies).
client_address = ContextVar("icpportal_client_address", default="-")

# 11-digit mainland mobiles (also with +86/0086) and 15-18 character ID-like numbers.
PERSONAL_NUMBER_RE = re.compile(
    r"(?<!\d)(?:\+?86|0086)?1[3-9]\d{9}(?!\d)|(?<![0-9A-Z])\d{15,17}[0-9Xx](?![0-9A-Za-z])"
)


# The SMS gateways' receipt address ends in a secret (Django's own log names the path
# of a request it answered 4xx).
RECEIPT_SECRET_RE = re.compile(r"(/sms/receipts/[^/\s]+/)[^/\s]+")


def scrub(text: str) -> str:
    """`text` with anything that looks like a mobile or certificate number masked,
    and the secret of a receipt address."""
    text = RECEIPT_SECRET_RE.sub(r"\1[secret]", text)
    return PERSONAL_NUMBER_RE.sub("[personal number]", text)


class PersonalDataFilter(logging.Filter):
    """Masks personal numbers in log records and adds the request id and the client's
    address."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = scrub(message), ()
        record.request_id = request_id.get()
        record.client = client_address.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "client": getattr(record, "client", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class RequestIdMiddleware:
    """Tags each request with an id (the proxy's X-Request-ID, or a new one), puts it
    in the logs and echoes it in the response."""

    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get(self.header, "")
        value = (
            incoming if re.fullmatch(r"[\w.-]{1,64}", incoming) else uuid.uuid4().hex
        )
        # Kept until the request is finished, not just until this returns: Django
        # logs a 4xx/5xx response ("django.request") after the middleware is done.
        request_id.set(value)
        response = self.get_response(request)
        response["X-Request-ID"] = value
        return response


def forget_request(**kwargs: Any) -> None:
    """The request is over: later log lines belong to no request."""
    request_id.set("-")
    client_address.set("-")


request_finished.connect(forget_request, dispatch_uid="infra.logging.forget")
