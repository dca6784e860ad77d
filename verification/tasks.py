"""Background tasks (Django's tasks API): SMS delivery and the deadline sweep."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

from verification import sms
from verification.models import SmsMessage, SmsStatus

logger = logging.getLogger(__name__)


def _attempt_delivery(message_id):
    """Try to deliver one queued message once. Returns True if a retry is due.

    The row stays locked while the backend is called, so two workers can never send
    the same message; a message that is no longer queued is left alone.
    """
    backend_path = sms.backend_path()
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != SmsStatus.QUEUED:
            return False
        message.attempts += 1
        message.backend = backend_path
        try:
            message.gateway_id = sms.get_backend().send(message) or ""
        except sms.SmsSendError as exc:
            message.error = str(exc)[:1000]
            if not exc.retryable or message.attempts >= settings.SMS_MAX_ATTEMPTS:
                message.status = SmsStatus.FAILED
            logger.warning(
                "SMS %s attempt %s failed (%s): %s",
                message.pk,
                message.attempts,
                "will retry" if message.status == SmsStatus.QUEUED else "giving up",
                exc,
            )
        else:
            message.status = SmsStatus.SENT
            message.sent_at = timezone.now()
            message.error = ""
        message.save()
        return message.status == SmsStatus.QUEUED


@task()
def deliver_sms(message_id):
    """Deliver a queued message, retrying with back-off up to SMS_MAX_ATTEMPTS."""
    while _attempt_delivery(message_id):
        if default_task_backend.supports_defer:
            attempts = SmsMessage.objects.get(pk=message_id).attempts
            delay = settings.SMS_RETRY_DELAY_SECONDS * 2 ** (attempts - 1)
            deliver_sms.using(
                run_after=timezone.now() + datetime.timedelta(seconds=delay)
            ).enqueue(message_id)
            return
        # Backends that cannot defer (the immediate one) retry at once.


@task()
def process_deadlines_task(now=None):
    """The deadline sweep as a task, for a scheduler or the worker to run."""
    from verification import actions

    when = datetime.datetime.fromisoformat(now) if now else None
    return actions.process_deadlines(now=when).as_dict()
