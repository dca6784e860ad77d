from typing import NamedTuple

from verification.models import DeliveryFailure


class SmsSendError(Exception):
    """A message could not be delivered. `retryable` says whether trying again may
    help; `failure` (a `DeliveryFailure`) says why, for staff."""

    def __init__(self, message, retryable=True, failure=DeliveryFailure.GATEWAY_FAULT):
        super().__init__(message)
        self.retryable = retryable
        self.failure = failure


class Answer(NamedTuple):
    """How a gateway's error code maps onto the retry rules: a row of a vendor's
    table of answers, matched on the code's beginning."""

    prefix: str
    failure: str
    retryable: bool


def answer_for(table, code, default):
    """The first row of `table` whose prefix starts `code`, else `default`."""
    return next((row for row in table if code.startswith(row.prefix)), default)


def network_failure(text):
    """A gateway that could not be reached, or did not answer in time (both may
    pass: the text goes again)."""
    timed_out = "timed out" in text.lower() or "timeout" in text.lower()
    return DeliveryFailure.TIMEOUT if timed_out else DeliveryFailure.UNREACHABLE


class BaseSmsBackend:
    """Delivers text messages. Subclasses implement `send`."""

    #: True when the message table itself is the delivery (every phone reads it).
    is_outbox = False

    def send(self, message):
        """Deliver `message` (an SmsMessage); return the gateway id or ""."""
        raise NotImplementedError
