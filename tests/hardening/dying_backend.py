"""An SMS backend whose worker process dies in the middle of sending."""

import os

from verification.sms.base import BaseSmsBackend


class DyingBackend(BaseSmsBackend):
    def send(self, message):
        os._exit(9)  # as abrupt as a SIGKILL: no cleanup, no rollback handler
