import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django_stubs_ext import StrOrPromise

from infra.times import BEIJING
from verification.models import DeliveryFailure, ReportReason, SmsMessage


@dataclass(frozen=True)
class Receipt:
    """One delivery receipt as a gateway gave it, pushed or pulled, in our terms:
    `verification.receipts.take` files it. `out_id` is our message id when the
    vendor echoes it back ("" when not); `mobile` the 11 digits."""

    vendor: str
    gateway_id: str
    out_id: str
    mobile: str
    delivered: bool
    code: str
    description: str
    reported_at: datetime.datetime
    source: str = "push"

    def fingerprint(self) -> str:
        """The same receipt again (pushed twice, or pulled after a push) has the
        same fingerprint: what makes taking one idempotent."""
        parts = [
            self.vendor,
            self.gateway_id,
            self.mobile,
            "1" if self.delivered else "0",
            self.code,
            self.reported_at.isoformat(),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def receipt_text(value: object, limit: int = 64) -> str:
    """A text field of a gateway's receipt, cut to `limit` characters. Raises
    ValueError for what is not text or a number, or holds a NUL or half of a
    surrogate pair (which no database column takes)."""
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError("not a string")
    text = str(value)[:limit]
    if "\x00" in text:
        raise ValueError("a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not UTF-8 text") from None
    return text


def gateway_time(value: object) -> datetime.datetime:
    """A receipt's time as the vendors write it: "2017-01-01 00:00:00" in Beijing
    time, or UNIX seconds (Tencent Cloud's pull). Raises ValueError for anything
    else, and outside 2000-2200: no receipt comes from year 1 or 9999, and such a
    time would not fit the database."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 < value < 10**10:
            raise ValueError("not a time")
        moment = datetime.datetime.fromtimestamp(value, tz=BEIJING)
    elif isinstance(value, str) and len(value) <= 32:
        moment = datetime.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
        moment = moment.replace(tzinfo=BEIJING)
    else:
        raise ValueError("not a time")
    if not 2000 <= moment.year <= 2200:
        raise ValueError("a time outside 2000-2200")
    return moment


class CodeRow(NamedTuple):
    """A row of a table of carriers' report codes: a code (or, ending in "*", the
    beginning of codes) and what it means."""

    code: str
    reason: ReportReason

    def matches(self, code: str) -> bool:
        mine, code = self.code.upper(), code.strip().upper()
        if mine.endswith("*"):
            return code.startswith(mine[:-1])
        return code == mine


#: The codes the carriers themselves give (the CMPP/SMPP state words and the China
#: Mobile, Unicom and Telecom gateways' codes), which both vendors pass on as they
#: came. Each vendor's own table is read first (`reason_for`).
CARRIER_CODES: tuple[CodeRow, ...] = (
    CodeRow("DELIVRD", ReportReason.DELIVERED),
    CodeRow("DELIVERED", ReportReason.DELIVERED),
    CodeRow("EXPIRED", ReportReason.POWERED_OFF),
    CodeRow("UNDELIV", ReportReason.UNDELIVERABLE),
    CodeRow("REJECTD", ReportReason.CARRIER_REFUSED),
    CodeRow("DELETED", ReportReason.CARRIER_REFUSED),
    CodeRow("UNKNOWN", ReportReason.OTHER),
    CodeRow("MBBLACK", ReportReason.BLOCKED),
    CodeRow("DBBLACK", ReportReason.BLOCKED),
    CodeRow("BLACK", ReportReason.BLOCKED),
    CodeRow("MK:0001", ReportReason.NO_SUCH_NUMBER),
    CodeRow("MK:0005", ReportReason.OUT_OF_SERVICE),
    CodeRow("MK:0013", ReportReason.OUT_OF_SERVICE),
    CodeRow("MK:0010", ReportReason.POWERED_OFF),
    CodeRow("MK:0023", ReportReason.POWERED_OFF),
    CodeRow("MK:0115", ReportReason.SPAM_FILTER),
    CodeRow("MK:1041", ReportReason.LIMIT),
    CodeRow("MI:0024", ReportReason.POWERED_OFF),
    CodeRow("MI:0042", ReportReason.POWERED_OFF),
    CodeRow("MI:0073", ReportReason.NO_SUCH_NUMBER),
    CodeRow("MI:0208", ReportReason.PHONE_FAULT),
    CodeRow("MI:0099", ReportReason.PHONE_FAULT),
    CodeRow("DB:0101", ReportReason.NO_SUCH_NUMBER),
    CodeRow("DB:0102", ReportReason.OUT_OF_SERVICE),
    CodeRow("DB:0141", ReportReason.BLOCKED),
    CodeRow("DB:0144", ReportReason.BLOCKED),
    CodeRow("DB:0142", ReportReason.LIMIT),
    CodeRow("IB:0008", ReportReason.CARRIER_FAULT),
    CodeRow("CA:*", ReportReason.CARRIER_FAULT),
    CodeRow("IC:*", ReportReason.CARRIER_FAULT),
    CodeRow("MA:*", ReportReason.CARRIER_FAULT),
)


def reason_for(
    code: str, delivered: bool, table: Iterable[CodeRow] = ()
) -> ReportReason:
    """What a report means: delivered, or the first row of the vendor's `table`,
    then of the carriers' codes, that matches `code`; else "a reason of its own"."""
    if delivered:
        return ReportReason.DELIVERED
    for row in (*table, *CARRIER_CODES):
        if row.matches(code) and row.reason != ReportReason.DELIVERED:
            return row.reason
    return ReportReason.OTHER


def report_meaning(code: str, reason: str = "") -> StrOrPromise:
    """A report in words for staff: its reason, or what its code means."""
    if reason in ReportReason.values:
        return ReportReason(reason).label
    for row in CARRIER_CODES:
        if row.matches(code):
            return row.reason.label
    return code


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
    #: The vendor's name in receipts and at the receipt address ("" for none).
    vendor = ""
    #: Why the last `pull_receipts` stopped short ("" when it did not): what it
    #: gathered before is returned all the same.
    pull_failure = ""

    def send(self, message: SmsMessage) -> str:
        """Deliver `message` (an SmsMessage); return the gateway id or ""."""
        raise NotImplementedError

    def pull_receipts(self, messages: list[SmsMessage]) -> list[Receipt]:
        """Ask the gateway for the receipts of `messages` (texts it took that have
        none yet); a gateway may give others' too. Raises SmsSendError when it
        cannot be asked."""
        return []
