import sys

from verification.sms.base import BaseSmsBackend


class ConsoleBackend(BaseSmsBackend):
    """Writes each message to standard output (development)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message):
        self.stream.write(
            f"SMS from {message.sender} to {message.recipient}: {message.text}\n"
        )
        self.stream.flush()
        return ""
