"""The rehearsal's SMS gateway: it takes a while to answer, like a real one, and
records every message it is handed, so the rehearsal can prove that no code was sent
twice and none was lost."""

import os
import time

from verification.sms.database import DatabaseBackend


class RecordingGateway(DatabaseBackend):
    def send(self, message):
        time.sleep(float(os.environ.get("REHEARSAL_GATEWAY_SECONDS", "0.2")))
        # One short line per hand-over, appended in one write: safe across workers.
        line = f"{message.pk}\n".encode()
        fd = os.open(os.environ["REHEARSAL_GATEWAY_LOG"], os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return f"rehearsal-{message.pk}"
