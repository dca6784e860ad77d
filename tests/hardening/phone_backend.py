"""An SMS gateway for the crash-point test: every text it takes lands on the "phone",
a file (PHONE_FILE) a line per text, written before the gateway answers; with
DIE_AFTER_CODE it dies right after taking a code, as a worker killed while the gateway's answer is
on its way."""

import json
import os

from verification.models import SmsKind
from verification.sms.base import BaseSmsBackend

DIE_AFTER_CODE = False


class PhoneBackend(BaseSmsBackend):
    def send(self, message):
        with open(os.environ["PHONE_FILE"], "a", encoding="utf-8") as phone:
            phone.write(json.dumps({"id": message.pk, "text": message.text}) + "\n")
            phone.flush()
            os.fsync(phone.fileno())
        if DIE_AFTER_CODE and message.kind == SmsKind.VERIFICATION_CODE:
            os._exit(9)
        return f"phone-{message.pk}"
