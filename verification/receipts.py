"""Delivery receipts from the real gateways: whether a text the gateway took reached
the phone.

A receipt comes two ways: pushed by the gateway to our receipt address (the gateways'
door) or pulled from its API by the deadline sweep (`pull_due`) for texts that have
none after `SMS_RECEIPT_PULL_AFTER_SECONDS`. Either way `take` files it:

- it finds the text by the id the vendor echoes back (ours), else the gateway's id,
  else, when the gateway reported before our worker had written down that it took
  the text, the text to that mobile being sent right now (the receipt is marked
  `before_send`); a receipt for no text of ours is logged and nothing is created;
- it keeps each receipt once (a fingerprint): a vendor pushes again when unsure we
  took it, and a pull may repeat a push;
- the newest receipt of a text is its report, whatever order they came in; a receipt
  for a code since replaced by a resend is still the report of its own text.

A text with no receipt after the pull's last try is reported "unknown", not
delivered. A text newly known not to have reached the phone is an audit event on its
filing, which the provider is told of (`verification.text_not_delivered`).
"""

import datetime
import functools
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from filings import transitions
from filings.models import EventType, FilingApplication
from filings.privacy import mask_mobile
from verification import sms
from verification.models import (
    DeliveryReceipt,
    DeliveryReport,
    SmsKind,
    SmsMessage,
    SmsStatus,
    Verification,
    VerificationStatus,
)
from verification.sms.base import CodeRow, Receipt, reason_for

logger = logging.getLogger(__name__)

# What became of one receipt.
RECORDED = "recorded"  # it is now its text's report
OLDER = "older"  # kept, but a newer report had already come for its text
DUPLICATE = "duplicate"  # the same receipt had come before
UNKNOWN_TEXT = "unknown"  # no text of ours: logged, nothing created


def code_delivered(message: SmsMessage, when: datetime.datetime) -> None:
    """The person's first code reached them: the dashboard's "delivered" stage."""
    if message.kind == SmsKind.VERIFICATION_CODE and message.verification_id:
        Verification.objects.filter(
            pk=message.verification_id, code_delivered_at__isnull=True
        ).update(code_delivered_at=when)


def lock_for_report(message_id: int) -> SmsMessage:
    """Lock a text for its report, its filing first (the order every writer takes
    them in: the audit event of a text not delivered is numbered on the filing)."""
    filing_id = (
        SmsMessage.objects.filter(pk=message_id)
        .values_list("filing_id", flat=True)
        .get()
    )
    if filing_id is not None:
        FilingApplication.objects.select_for_update().filter(pk=filing_id).first()
    return SmsMessage.objects.select_for_update().get(pk=message_id)


def settle(  # noqa: PLR0913 - the report's own columns
    locked: SmsMessage,
    *,
    report: str,
    code: str,
    reason: str,
    when: datetime.datetime | None,
    copies: int = 1,
) -> None:
    """Make this the text's report (`locked` is held by `lock_for_report`): a code
    delivered counts from then; a code newly known not to have arrived is told on its
    filing's audit trail, and so to its provider. Call it inside the transaction."""
    was = locked.report
    locked.report = report
    locked.report_code = code[:32]
    locked.report_reason = reason
    locked.reported_at = when
    locked.copies = max(1, copies) if report == DeliveryReport.DELIVERED else 0
    locked.save(
        update_fields=[
            "report",
            "report_code",
            "report_reason",
            "reported_at",
            "copies",
        ]
    )
    if report == DeliveryReport.DELIVERED:
        code_delivered(locked, when or timezone.now())
    elif was != report:
        _tell_not_delivered(locked, report, reason)


def _tell_not_delivered(message: SmsMessage, report: str, reason: str) -> None:
    if message.kind != SmsKind.VERIFICATION_CODE or not message.verification_id:
        return
    verification = Verification.objects.select_related("filing").get(
        pk=message.verification_id
    )
    if verification.status != VerificationStatus.PENDING:
        return  # they verified (their code did arrive), or their part is over
    transitions.record_event(
        verification.filing,
        transitions.SYSTEM,
        EventType.TEXT_NOT_DELIVERED,
        data={
            "verification": verification.pk,
            "message": message.pk,
            "roles": verification.roles,
            "report": report,
            "reason": reason,
            "code": message.report_code,
        },
    )


@functools.cache
def vendor_of(backend_path: str) -> str:
    """The vendor whose receipts a backend's texts get ("" for none)."""
    try:
        return str(getattr(import_string(backend_path), "vendor", ""))
    except ImportError:
        return ""


def _ours(receipt: Receipt, message_ids: list[int]) -> list[int]:
    """Of these texts to the receipt's number, those that could be its text: sent
    through this vendor's backend, waiting for or holding a report (a text the
    gateway never took, or of a backend without reports, has none coming)."""
    return [
        pk
        for pk, backend in SmsMessage.objects.filter(pk__in=message_ids)
        .exclude(report="")
        .filter(status__in=[SmsStatus.SENDING, SmsStatus.SENT])
        .values_list("pk", "backend")
        if vendor_of(backend) == receipt.vendor
    ]


def _candidates(receipt: Receipt) -> list[tuple[int, str]]:
    """(text id, how it was found) for a receipt, best first."""
    to_mobile = SmsMessage.objects.filter(recipient=receipt.mobile)
    out_id = receipt.out_id
    if out_id:
        # The vendor echoes our id back: that text, or none of ours.
        if not (out_id.isascii() and out_id.isdigit() and len(out_id) <= 18):
            return []
        return [
            (pk, "ours")
            for pk in _ours(
                receipt,
                list(to_mobile.filter(pk=int(out_id)).values_list("pk", flat=True)),
            )
        ]
    found = []
    if receipt.gateway_id:
        by_id = to_mobile.filter(gateway_id=receipt.gateway_id).order_by("-pk")
        found += [
            (pk, "gateway")
            for pk in _ours(receipt, list(by_id.values_list("pk", flat=True)[:1]))
        ]
    if not found:
        # The gateway reported before our worker wrote down the id it gave: the
        # text to that number being sent right now, with no gateway id yet.
        sending = to_mobile.filter(status=SmsStatus.SENDING, gateway_id="").order_by(
            "-pk"
        )
        found += [
            (pk, "sending")
            for pk in _ours(receipt, list(sending.values_list("pk", flat=True)[:1]))
        ]
    return found


def _is_newer(receipt: Receipt, locked: SmsMessage) -> bool:
    if locked.reported_at is None:
        return True
    if receipt.reported_at != locked.reported_at:
        return receipt.reported_at > locked.reported_at
    # Two reports of one moment: delivered wins (a carrier retried and got through).
    return receipt.delivered and locked.report != DeliveryReport.DELIVERED


def _keep(
    receipt: Receipt,
    message: SmsMessage,
    reason: str,
    *,
    before_send: bool,
    applied: bool,
) -> None:
    """Keep the receipt as it came; IntegrityError when it came before."""
    with transaction.atomic():
        DeliveryReceipt.objects.create(
            vendor=receipt.vendor,
            gateway_id=receipt.gateway_id[:64],
            message=message,
            delivered=receipt.delivered,
            code=receipt.code[:32],
            reason=reason,
            description=receipt.description[:200],
            reported_at=receipt.reported_at,
            source=receipt.source,
            before_send=before_send,
            applied=applied,
            fingerprint=receipt.fingerprint(),
        )


def take(receipt: Receipt, table: Iterable[CodeRow] = ()) -> str:
    """File one receipt (see the module's docstring); returns what became of it:
    RECORDED, OLDER, DUPLICATE or UNKNOWN_TEXT. `table` is the vendor's own table of
    codes (`verification.sms.base.reason_for`)."""
    # A report from the future (a clock gone wrong) would pin the text's report.
    too_late = timezone.now() + datetime.timedelta(days=1)
    found = _candidates(receipt) if receipt.reported_at <= too_late else []
    if not found:
        logger.warning(
            "Delivery receipt from %s for no text of ours: id %r, out id %r, to %s",
            receipt.vendor,
            receipt.gateway_id[:64],
            receipt.out_id[:32],
            mask_mobile(receipt.mobile),
        )
        return UNKNOWN_TEXT
    message_id, how = found[0]
    reason = reason_for(receipt.code, receipt.delivered, table)
    with transaction.atomic():
        locked = lock_for_report(message_id)
        before_send = how == "sending" or locked.status in (
            SmsStatus.QUEUED,
            SmsStatus.SENDING,
        )
        newer = _is_newer(receipt, locked)
        try:
            _keep(receipt, locked, reason, before_send=before_send, applied=newer)
        except IntegrityError:
            return DUPLICATE
        if not newer:
            return OLDER
        settle(
            locked,
            report=(
                DeliveryReport.DELIVERED
                if receipt.delivered
                else DeliveryReport.UNDELIVERED
            ),
            code=receipt.code,
            reason=reason,
            when=receipt.reported_at,
        )
    logger.info(
        "SMS %s reported %s (%s) by %s%s",
        message_id,
        "delivered" if receipt.delivered else "not delivered",
        receipt.code,
        receipt.vendor,
        " before the send was recorded" if before_send else "",
    )
    return RECORDED


def take_all(receipts: list[Receipt], table: Iterable[CodeRow] = ()) -> Counter[str]:
    """File each receipt; how many came to each outcome."""
    return Counter(take(receipt, table) for receipt in receipts)


@dataclass
class PullReport:
    asked: int = 0  # texts the gateways were asked about
    outcomes: Counter[str] = field(default_factory=Counter)
    unknown: int = 0  # texts given up on: no report after the last try
    failed: list[str] = field(default_factory=list)  # gateways that could not be asked


def _due(now: datetime.datetime, paths: list[str]) -> QuerySet[SmsMessage]:
    since = now - datetime.timedelta(seconds=settings.SMS_RECEIPT_PULL_AFTER_SECONDS)
    return (
        SmsMessage.objects.filter(
            report=DeliveryReport.AWAITING, status=SmsStatus.SENT, backend__in=paths
        )
        .filter(
            Q(report_pulled_at__isnull=True, sent_at__lte=since)
            | Q(report_pulled_at__lte=since)
        )
        .order_by("pk")
    )


def pull_due(now: datetime.datetime | None = None, limit: int = 100) -> PullReport:
    """Ask the gateways for the receipts of texts that have waited
    SMS_RECEIPT_PULL_AFTER_SECONDS for one (at most `limit` per gateway a run), again
    after as long, SMS_RECEIPT_PULL_TRIES times; a text with none after the last try
    is reported "unknown". A try counts whether or not the gateway could be asked (a
    gateway that never answers, or whose pull is not enabled, must not leave texts
    waiting for ever); whatever it answered is kept, and nothing it answers stops the
    sweep."""
    now = now or timezone.now()
    result = PullReport()
    for name in ("aliyun", "tencent"):
        path = sms.backend_path(name)
        due = list(_due(now, [path])[:limit])
        if not due:
            continue
        result.asked += len(due)
        try:
            backend = sms.get_backend(name)
            pulled = backend.pull_receipts(due)
            if backend.pull_failure:
                result.failed.append(f"{name}: {backend.pull_failure}")
            result.outcomes.update(
                take_all(pulled, getattr(backend, "receipt_codes", ()))
            )
        except Exception as exc:  # noqa: BLE001 - a gateway's answer must not stop the sweep
            logger.warning("Could not ask %s for delivery receipts: %r", name, exc)
            result.failed.append(f"{name}: {exc!r}"[:200])
        result.unknown += _count_a_try(due, now)
    return result


def _count_a_try(messages: list[SmsMessage], now: datetime.datetime) -> int:
    """One more try for each text still without a report; "unknown" after the last.
    Returns how many were given up on."""
    given_up = 0
    for message in messages:
        with transaction.atomic():
            locked = lock_for_report(message.pk)
            if (
                locked.report != DeliveryReport.AWAITING
                or locked.report_pulled_at != message.report_pulled_at
            ):
                continue  # reported meanwhile, or another sweep counted this try
            locked.report_pulls += 1
            locked.report_pulled_at = now
            locked.save(update_fields=["report_pulls", "report_pulled_at"])
            if locked.report_pulls >= settings.SMS_RECEIPT_PULL_TRIES:
                settle(
                    locked,
                    report=DeliveryReport.UNKNOWN,
                    code="",
                    reason="",
                    when=None,
                )
                given_up += 1
    return given_up
