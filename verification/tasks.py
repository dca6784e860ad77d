"""Background tasks (Django's tasks API): SMS delivery. The deadline sweep's task is
`verification.deadlines.process_deadlines_task`."""

import datetime
import logging
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

from infra import context
from verification import receipts, sms
from verification.models import DeliveryReport, SmsMessage, SmsStatus
from verification.sms.base import reason_for

logger = logging.getLogger(__name__)


class _Outcome(TypedDict, total=False):
    """What became of one attempt: the message's fields to write."""

    status: str
    sent_at: datetime.datetime
    error: str
    failure: str
    report: str
    gateway_id: str


#: Where the sandbox's texts go, whatever SMS_BACKEND says: the outbox table, which
#: the sandbox's applicants read, reporting as the magic mobiles ask. No real
#: gateway ever texts one.
SANDBOX_BACKEND = "verification.sms.sandbox.SandboxGateway"


def backend_for(message_id: int) -> tuple[str, sms.BaseSmsBackend]:
    """(dotted path, instance) of the backend that sends this text: the configured
    one, or for a sandbox filing's text the outbox."""
    sandbox = SmsMessage.objects.filter(pk=message_id, filing__livemode=False).exists()
    path = sms.backend_path(SANDBOX_BACKEND if sandbox else None)
    return path, sms.get_backend(path)


def _claim(
    message_id: int, backend: sms.BaseSmsBackend, path: str
) -> SmsMessage | None:
    """Mark a queued message as being sent, and commit that before the gateway is
    called: no other worker takes it, and if this one dies mid-send the message stays
    visibly "sending" until the deadline sweep deals with it (see
    `verification.deadlines.recover_interrupted_sms`). Returns the message or None."""
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != SmsStatus.QUEUED:
            return None
        message.status = SmsStatus.SENDING
        message.attempts += 1
        message.attempted_at = timezone.now()
        message.backend = path
        message.report = DeliveryReport.AWAITING if backend.reports_delivery else ""
        message.save(
            update_fields=["status", "attempts", "attempted_at", "backend", "report"]
        )
    return message


def _attempt_delivery(message_id: int) -> bool:
    """Try to deliver one queued message once. Returns True if a retry is due."""
    path, backend = backend_for(message_id)
    message = _claim(message_id, backend, path)
    if message is None:
        return False
    try:
        # A backend that reports delivery may record the report during the send
        # (the report stays, the outcome below does not touch it).
        gateway_id = backend.send(message) or ""
    except sms.SmsSendError as exc:
        retry = exc.retryable and message.attempts < settings.SMS_MAX_ATTEMPTS
        outcome: _Outcome = {
            "status": SmsStatus.QUEUED if retry else SmsStatus.FAILED,
            "error": str(exc)[:1000],
            "failure": exc.failure,
            "report": "",  # the gateway did not take it: nothing to report on
        }
        logger.warning(
            "SMS %s attempt %s failed (%s): %s",
            message.pk,
            message.attempts,
            "will retry" if retry else "giving up",
            exc,
        )
    else:
        outcome = {
            "status": SmsStatus.SENT,
            "sent_at": timezone.now(),
            "error": "",
            "failure": "",
            "gateway_id": gateway_id,
        }
    _record_outcome(message, outcome, backend)
    return outcome["status"] == SmsStatus.QUEUED


def _record_outcome(
    message: SmsMessage, outcome: _Outcome, backend: sms.BaseSmsBackend
) -> None:
    """Write what became of one attempt. A worker that dies before this leaves the
    message "sending"; the sweep settles it (`recover_interrupted_sms`)."""
    SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(**outcome)
    if outcome["status"] == SmsStatus.SENT:
        logger.info("SMS %s sent (attempt %s)", message.pk, message.attempts)
        if not backend.reports_delivery:
            receipts.code_delivered(message, outcome["sent_at"])


class ReportRefused(Exception):
    """A delivery report for a text that is not waiting for one."""


def record_delivery_report(
    message: SmsMessage,
    *,
    delivered: bool,
    code: str,
    when: datetime.datetime | None = None,
    copies: int = 1,
) -> SmsMessage:
    """Record what the carrier reported about a text the gateway took: it reached
    the phone (`copies` times: a carrier may deliver a text twice) or it did not,
    with the carrier's report code. A delivered code counts as delivered from then.

    Refused (ReportRefused) unless the text is waiting for its report: a gateway
    reports once per text. Returns the message.
    """
    when = when or timezone.now()
    with transaction.atomic():
        locked = receipts.lock_for_report(message.pk)
        if locked.report != DeliveryReport.AWAITING:
            raise ReportRefused(
                f"Text {locked.pk} is not waiting for a delivery report "
                f"(report: {locked.report or 'none'})."
            )
        receipts.settle(
            locked,
            report=(
                DeliveryReport.DELIVERED if delivered else DeliveryReport.UNDELIVERED
            ),
            code=code,
            reason=reason_for(code, delivered),
            when=when,
            copies=copies,
        )
    logger.info("SMS %s reported %s (%s)", locked.pk, locked.report, code)
    return locked


@task()
def deliver_sms(message_id: int, request_id: str = "-") -> None:
    """Deliver a queued message, retrying with back-off up to SMS_MAX_ATTEMPTS.

    `request_id` is the request that queued it; the delivery logs under it.
    """
    token = context.request_id.set(request_id)
    try:
        _deliver(message_id, request_id)
    finally:
        context.request_id.reset(token)


def _deliver(message_id: int, request_id: str) -> None:
    while _attempt_delivery(message_id):
        if default_task_backend.supports_defer:
            attempts = SmsMessage.objects.get(pk=message_id).attempts
            delay = settings.SMS_RETRY_DELAY_SECONDS * 2 ** (attempts - 1)
            deliver_sms.using(
                run_after=timezone.now() + datetime.timedelta(seconds=delay)
            ).enqueue(message_id, request_id=request_id)
            return
        # Backends that cannot defer (the immediate one) retry at once.
