from verification.sms.base import BaseSmsBackend

#: Messages "sent" with the locmem backend, for tests (like django.core.mail.outbox).
outbox = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in `verification.sms.locmem.outbox`."""

    def send(self, message):
        outbox.append(message)
        return ""
