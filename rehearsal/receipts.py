"""The rehearsal gateway's delivery receipts, pushed through nginx to the receipt
address as Alibaba Cloud pushes them: a JSON array of SmsReport reports, answered
`{"code": 0}`, pushed again after a non-200 answer (here 1 s apart, not the vendor's
1, 5 and 10 minutes). Like the vendor's, they come late (some held back a few
seconds), out of order (each push shuffled), twice (every fourth push repeats the one
before), and sometimes before our worker has written down that the gateway took the
text (the gateway logs a text before it answers). One report names a text that is not
ours. The reconciliation counts what was pushed against what was kept."""

import datetime
import json
import random
import threading
import time
from collections import Counter

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
STRANGER = {"id": 999_999_999, "mobile": "13900000000"}
TRIES = 4


def report(message_id, mobile):
    """A report that the phone got text `message_id`, as the vendor words it."""
    now = datetime.datetime.now(BEIJING)
    return {
        "phone_number": mobile,
        "send_time": (now - datetime.timedelta(seconds=2)).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "report_time": now.strftime("%Y-%m-%d %H:%M:%S"),
        "success": True,
        "err_code": "DELIVERED",
        "err_msg": "用户接收成功",
        "sms_size": "1",
        "biz_id": f"rehearsal-{message_id}",
        "out_id": str(message_id),
    }


class ReceiptPusher:
    """Reads the gateway's log of texts it took and pushes a receipt for each.

    `post(body)` sends one push through nginx and returns the answer's status (None
    for no answer); `recipients(ids)` reads {text id: mobile} from the database."""

    def __init__(self, gateway_log, post, recipients):
        self.gateway_log, self.post, self.recipients = gateway_log, post, recipients
        self.offset, self.waiting_ids = 0, []
        self.reports = {}  # text id -> its report (each pushed at least once)
        self.held = []  # (due, report): the late ones
        self.last_batch = []
        self.pushes = 0
        self.answers = Counter()  # every attempt's status
        self.retried = 0  # pushes that needed more than one try
        self.given_up = 0  # pushes never answered 200
        self.duplicates = 0  # reports pushed again after a 200
        self.stop = threading.Event()
        self.stranger_sent = False

    def _new_ids(self):
        with open(self.gateway_log) as log:
            log.seek(self.offset)
            text = log.read()
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete.encode())
        return [int(token) for token in complete.split()]

    def _push(self, batch):
        body = json.dumps(batch, ensure_ascii=False).encode()
        self.pushes += 1
        for attempt in range(TRIES):
            status = self.post(body)
            self.answers[str(status)] += 1
            if status == 200:
                if attempt:
                    self.retried += 1
                return True
            time.sleep(1)
        self.given_up += 1
        return False

    def step(self):
        """Push what is due: new texts' receipts (a third held back), the held ones
        now due, the last push again every fourth time."""
        self.waiting_ids += [i for i in self._new_ids() if i not in self.reports]
        mobiles = self.recipients(self.waiting_ids) if self.waiting_ids else {}
        fresh = [report(i, mobiles[i]) for i in self.waiting_ids if i in mobiles]
        # A text not yet visible to the database's reader waits for the next step.
        self.waiting_ids = [i for i in self.waiting_ids if i not in mobiles]
        now = time.monotonic()
        batch = []
        for item in fresh:
            self.reports[int(item["out_id"])] = item
            if random.random() < 1 / 3:
                self.held.append((now + random.uniform(2, 5), item))
            else:
                batch.append(item)
        batch += [item for due, item in self.held if due <= now]
        self.held = [(due, item) for due, item in self.held if due > now]
        if not self.stranger_sent and batch:
            batch.append(report(STRANGER["id"], STRANGER["mobile"]))
            self.stranger_sent = True
        if self.pushes % 4 == 3 and self.last_batch:
            self.duplicates += len(self.last_batch)
            batch += self.last_batch
        if not batch:
            return
        random.shuffle(batch)
        if self._push(batch):
            self.last_batch = [item for item in batch if item["out_id"] != "999999999"]

    def run(self):
        while not self.stop.is_set():
            self.step()
            time.sleep(0.5)

    def drain(self, seconds=60):
        """Push until every text the gateway took has its receipt out."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.step()
            if not self.held and not self.waiting_ids and not self._pending_in_log():
                return
            time.sleep(0.5)

    def _pending_in_log(self):
        with open(self.gateway_log) as log:
            log.seek(self.offset)
            return bool(log.read().strip())
