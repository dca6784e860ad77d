import sys

from django.utils.translation import gettext_lazy as _

from verification.sms.base import BaseSmsBackend


class ConsoleBackend(BaseSmsBackend):
    """Writes each message to standard output (development)."""

    label = _("Server log (console)")

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message):
        self.stream.write(
            f"SMS from {message.sender} to {message.recipient}: {message.text}\n"
        )
        self.stream.flush()
        return ""
