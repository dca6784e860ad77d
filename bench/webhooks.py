"""Benchmark: webhook delivery by one task worker to a receiver on loopback.

Three runs side by side, against the same receiver in this process, which checks
every signature with the `standardwebhooks` library and answers 200:

- **shared cache** (production's configuration): a fresh PostgreSQL database gets
  one endpoint (Alibaba Cloud's, every event) and N filings imported with
  `import_filings` (TASK_BACKEND=database, the Redis cache). Each import commits its
  `filing.submitted` event and queues the dispatcher unless one is queued and not
  started. No worker runs during the import, so that is close to one dispatcher for
  all: the best case. The texts those imports queued are taken off the queue; then
  one `manage.py db_worker --batch` runs the dispatchers and the deliveries until the
  queue is empty.
- **per commit**: the same with a cache of each process's own (locmem), so every
  commit queues a dispatcher of its own: the worst case, and how it was before.
- **bare**: one process signing the same number of bodies with `standardwebhooks`
  and POSTing them over a kept-alive urllib3 connection: no database, no queue, no
  attempt log. The floor.

Reported: deliveries per second (the worker's wall time, its start-up, measured on an
empty queue, taken off) and CPU milliseconds per delivery: user + sys of the worker
and of every PostgreSQL process over the run, divided by the deliveries. The
receiver's CPU is not counted.

    .venv/bin/python bench/webhooks.py [--events 2000] [--json out.json]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from standardwebhooks.webhooks import Webhook  # noqa: E402

from bench.api_submit import postgres_cpu, records  # noqa: E402
from bench.common import (  # noqa: E402
    ENV,
    PYTHON,
    ROOT,
    database_url,
    log,
    recreate_database,  # noqa: E402
)

DATABASE = "icpportal_bench_webhooks"


class Receiver:
    """Answers 200 to every delivery whose signature checks, 400 otherwise."""

    def __init__(self):
        self.secret = None
        self.reset()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver does

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    event = Webhook(receiver.secret).verify(body, dict(self.headers))
                except Exception:  # noqa: BLE001  any refusal is counted
                    status = 400
                    with receiver.lock:
                        receiver.refused += 1
                else:
                    status = 200
                    with receiver.lock:
                        receiver.verified += 1
                        receiver.ids.add(event["id"])
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        self.verified = self.refused = 0
        self.ids = set()


def manage(env, *args, **kwargs):
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs
    )


def shell(env, code):
    """What `code` printed last, run by `manage.py shell`."""
    printed = manage(
        env, "shell", "--no-imports", "-c", code, capture_output=True, text=True
    )
    return printed.stdout.strip().splitlines()[-1]


def worker_run(env):
    """(wall s, worker CPU s, PostgreSQL CPU s) of one `db_worker --batch` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_pg = postgres_cpu()
    started = time.perf_counter()
    manage(
        env,
        "db_worker",
        "--batch",
        "--no-startup-delay",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, postgres_cpu() - before_pg


BARE_SENDER = """
import datetime, json, sys, time
import urllib3
from standardwebhooks.webhooks import Webhook
url, secret, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
hook, pool = Webhook(secret), urllib3.PoolManager()
started = time.perf_counter()
for n in range(1, count + 1):
    msg_id = f"evt_{n}"
    body = json.dumps({"id": msg_id, "type": "filing.submitted",
        "timestamp": "2026-12-03T06:00:00.000000Z", "data": {"filing": f"HOOK-{n:06d}",
        "provider": "aliyun", "province": "bj", "sequence": 1,
        "status": "pending_verification"}})
    moment = datetime.datetime.now(datetime.UTC)
    headers = {"content-type": "application/json", "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": hook.sign(msg_id, moment, body)}
    answer = pool.request("POST", url, body=body.encode(), headers=headers, timeout=15)
    assert 200 <= answer.status < 300, answer.status
print(time.perf_counter() - started)
"""


def bare_run(receiver, events):
    """The floor: one process signing and POSTing the same number of bodies over a
    kept-alive connection, with no database, no queue and no attempt log."""
    receiver.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    printed = subprocess.run(
        [PYTHON, "-c", BARE_SENDER, receiver.url, receiver.secret, str(events)],
        check=True,
        capture_output=True,
        text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = float(printed.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "delivered": receiver.verified,
        "verified_by_receiver": receiver.verified,
        "refused_by_receiver": receiver.refused,
        "seconds": seconds,
        "per_s": receiver.verified / seconds if seconds > 0 else 0,
        "cpu_ms_per_delivery": cpu * 1000 / max(receiver.verified, 1),
        "cpu_ms_worker": cpu * 1000 / max(receiver.verified, 1),
        "cpu_ms_postgresql": 0.0,
    }


def delivery_run(receiver, events, *, shared_cache):
    """Import `events` filings, then let one worker dispatch and deliver them.
    `shared_cache`: the Redis cache (commits share a queued dispatcher); without
    it each process has its own cache and each commit queues a dispatcher."""
    receiver.reset()
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": database_url(DATABASE),
        "TASK_BACKEND": "database",
        "SMS_BACKEND": "database",
        "WEBHOOKS_ALLOW_PRIVATE": "true",
        "LOG_LEVEL": "WARNING",
    }
    if shared_cache:  # production's (a database of its own, emptied first)
        env["CACHE_URL"] = "redis://127.0.0.1:6379/13"
    recreate_database(env["DATABASE_URL"])
    manage(env, "migrate", "-v0")
    shell(env, "from django.core.cache import cache; cache.clear(); print('ok')")
    receiver.secret = shell(
        env,
        "from integrations import webhooks; from filings.models import Provider; "
        "print(webhooks.create_endpoint(Provider.objects.get(code='aliyun'), "
        f"'{receiver.url}').secret)",
    ).strip()
    idle = worker_run(env)[:2]  # the worker's start-up, on an empty queue
    log(f"  {events:,} filings imported, one event each")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        filings = [{**r, "provider": "aliyun"} for r in records("HOOK", events)]
        json.dump({"filings": filings}, file, ensure_ascii=False)
    manage(env, "import_filings", file.name, stdout=subprocess.DEVNULL)
    os.unlink(file.name)
    queued = shell(
        env,
        "from django_tasks_db.models import DBTaskResult as T; "
        "T.objects.exclude(task_path__startswith='integrations.').delete(); "
        "print(T.objects.count())",
    ).strip()
    log(f"  {queued} dispatcher tasks queued; one worker sends")
    seconds, worker, pg = worker_run(env)
    delivered = int(
        shell(
            env,
            "from integrations.models import WebhookDelivery as D; "
            "print(D.objects.filter(status='delivered').count())",
        ).strip()
    )
    busy = seconds - idle[0]
    return {
        "events": events,
        "delivered": delivered,
        "verified_by_receiver": receiver.verified,
        "distinct_ids": len(receiver.ids),
        "refused_by_receiver": receiver.refused,
        "dispatcher_tasks": int(queued),
        "seconds": busy,
        "worker_startup_s": idle[0],
        "per_s": delivered / busy if busy > 0 else 0,
        "cpu_ms_per_delivery": (worker - idle[1] + pg) * 1000 / max(delivered, 1),
        "cpu_ms_worker": (worker - idle[1]) * 1000 / max(delivered, 1),
        "cpu_ms_postgresql": pg * 1000 / max(delivered, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--json", help="write the figures here")
    options = parser.parse_args()
    receiver = Receiver()
    runs = {}
    for name, shared in (("shared_cache", True), ("per_commit", False)):
        log(f"webhooks, {name.replace('_', ' ')}:")
        runs[name] = delivery_run(receiver, options.events, shared_cache=shared)
    log("webhooks, the bare signed POST loop:")
    runs["bare"] = bare_run(receiver, options.events)
    for name, run in runs.items():
        log(
            f"  {name}: {run['per_s']:.0f} deliveries/s, "
            f"{run['cpu_ms_per_delivery']:.2f} CPU ms each ({run['delivered']:,} "
            f"delivered, {run['verified_by_receiver']:,} signatures checked, "
            f"{run['refused_by_receiver']} refused)"
        )
    # The production configuration's figures at the top, as before.
    result = {**runs["shared_cache"], "runs": runs}
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
