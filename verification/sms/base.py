from collections.abc import Iterable
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from verification.models import DeliveryFailure, SmsMessage

#: The state words of carriers' delivery reports (the SMPP and CMPP "stat" field),
#: in words for staff. The code itself is kept too, to quote to the vendor.
REPORT_CODES: dict[str, StrOrPromise] = {
    "DELIVRD": _("the phone received it"),
    "UNDELIV": _("the carrier could not deliver it to the phone"),
    "EXPIRED": _("the phone stayed off or out of reach until the carrier gave up"),
    "REJECTD": _("the carrier refused it"),
    "DELETED": _("the carrier deleted it before delivery"),
    "UNKNOWN": _("the carrier does not know what became of it"),
}


def report_meaning(code: str) -> StrOrPromise:
    """A carrier's report code in words, or the code itself if it is not a known
    one."""
    return REPORT_CODES.get(code, code)


class SmsSendError(Exception):
    """A message could not be delivered. `retryable` says whether trying again may
    help; `failure` (a `DeliveryFailure`) says why, for staff."""

    def __init__(
        self,
        message: str,
        retryable: bool = True,
        failure: str = DeliveryFailure.GATEWAY_FAULT,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.failure = failure


class Answer(NamedTuple):
    """How a gateway's error code maps onto the retry rules: a row of a vendor's
    table of answers, matched on the code's beginning."""

    prefix: str
    failure: str
    retryable: bool


def answer_for(table: Iterable[Answer], code: str, default: Answer) -> Answer:
    """The first row of `table` whose prefix starts `code`, else `default`."""
    return next((row for row in table if code.startswith(row.prefix)), default)


def network_failure(text: str) -> DeliveryFailure:
    """A gateway that could not be reached, or did not answer in time (both may
    pass: the text goes again)."""
    timed_out = "timed out" in text.lower() or "timeout" in text.lower()
    return DeliveryFailure.TIMEOUT if timed_out else DeliveryFailure.UNREACHABLE


class BaseSmsBackend:
    """Delivers text messages. Subclasses implement `send`."""

    #: True when the message table itself is the delivery (every phone reads it).
    is_outbox = False
    #: True when the gateway reports later whether a text it took reached the phone
    #: (`verification.tasks.record_delivery_report`); a text then counts as
    #: delivered only on its report, not when the gateway takes it.
    reports_delivery = False

    def send(self, message: SmsMessage) -> str:
        """Deliver `message` (an SmsMessage); return the gateway id or ""."""
        raise NotImplementedError
