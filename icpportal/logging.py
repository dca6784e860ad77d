"""Logging for production: one JSON object per line, with the request id, and mobile
or certificate numbers scrubbed from every message."""

import json
import logging
import re
import uuid
from contextvars import ContextVar

request_id = ContextVar("icpportal_request_id", default="-")

# 11-digit mainland mobiles (also with +86/0086) and 15-18 character ID-like numbers.
PERSONAL_NUMBER_RE = re.compile(
    r"(?<!\d)(?:\+?86|0086)?1[3-9]\d{9}(?!\d)|(?<![0-9A-Z])\d{15,17}[0-9Xx](?![0-9A-Za-z])"
)


def scrub(text):
    """`text` with anything that looks like a mobile or certificate number masked."""
    return PERSONAL_NUMBER_RE.sub("[personal number]", text)


class PersonalDataFilter(logging.Filter):
    """Masks personal numbers in log records and adds the request id."""

    def filter(self, record):
        message = record.getMessage()
        record.msg, record.args = scrub(message), ()
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class RequestIdMiddleware:
    """Tags each request with an id (the proxy's X-Request-ID, or a new one), puts it
    in the logs and echoes it in the response."""

    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(self.header, "")
        value = (
            incoming if re.fullmatch(r"[\w.-]{1,64}", incoming) else uuid.uuid4().hex
        )
        token = request_id.set(value)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = value
        return response
