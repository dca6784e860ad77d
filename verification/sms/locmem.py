from django.utils.translation import gettext_lazy as _

from verification.models import SmsMessage
from verification.sms.base import BaseSmsBackend

#: Messages "sent" with the locmem backend, for tests (like django.core.mail.outbox).
outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in `verification.sms.locmem.outbox`."""

    label = _("Memory (tests)")

    def send(self, message: SmsMessage) -> str:
        outbox.append(message)
        return ""
