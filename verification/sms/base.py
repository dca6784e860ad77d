class SmsSendError(Exception):
    """A message could not be delivered. `retryable` says whether trying again may help."""

    def __init__(self, message, retryable=True):
        super().__init__(message)
        self.retryable = retryable


class BaseSmsBackend:
    """Delivers text messages. Subclasses implement `send`."""

    #: True when the message table itself is the delivery (every phone reads it).
    is_outbox = False

    def send(self, message):
        """Deliver `message` (an SmsMessage); return the gateway id or ""."""
        raise NotImplementedError
