"""The rehearsal's SMS gateway: it takes a while to answer, like a real one, and
records every message it is handed, so the rehearsal can prove that no code was sent
twice and none was lost; their delivery receipts come later (rehearsal.receipts)."""

import contextlib
import os
import time

from verification.sms.database import DatabaseBackend


class RecordingGateway(DatabaseBackend):
    # Its receipts come later, through nginx, pushed by the rehearsal as Alibaba
    # Cloud pushes them (rehearsal.receipts).
    reports_delivery = True
    vendor = "aliyun"  # its receipts come in Alibaba Cloud's format

    def send(self, message):
        # Which process is handing which message over right now (the rehearsal kills
        # that worker in the middle of it).
        with open(os.environ["REHEARSAL_GATEWAY_LOG"] + ".sending", "w") as note:
            note.write(f"{os.getpid()} {message.pk}\n")
        time.sleep(float(os.environ.get("REHEARSAL_GATEWAY_SECONDS", "0.2")))
        # One short line per hand-over, appended in one write: safe across workers.
        line = f"{message.pk}\n".encode()
        fd = os.open(os.environ["REHEARSAL_GATEWAY_LOG"], os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.environ["REHEARSAL_GATEWAY_LOG"] + ".sending")
        return f"rehearsal-{message.pk}"
