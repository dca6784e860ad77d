from django.utils.translation import gettext_lazy as _

from verification.sms.base import BaseSmsBackend

#: Messages "sent" with the locmem backend, for tests (like django.core.mail.outbox).
outbox: list = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in `verification.sms.locmem.outbox`."""

    label = _("Memory (tests)")

    def send(self, message):
        outbox.append(message)
        return ""
