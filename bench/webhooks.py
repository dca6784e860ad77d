"""Benchmark: webhook delivery by one task worker to a receiver on loopback.

A fresh PostgreSQL database gets one endpoint (Alibaba Cloud's, every event) and N
filings imported with `import_filings` (TASK_BACKEND=database, the Redis cache):
each import commits its `filing.submitted` event and queues the dispatcher unless one
is queued and not started, as a state change does in production. With no worker
running during the import, that is close to one dispatcher for all: the best case. The texts those imports queued are taken off the queue. Then one
`manage.py db_worker --batch` runs the dispatchers and the deliveries until the queue
is empty, against a receiver in this process that checks every signature with the
`standardwebhooks` library and answers 200.

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
        self.verified = 0
        self.refused = 0
        self.ids = set()
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--json", help="write the figures here")
    options = parser.parse_args()
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": database_url(DATABASE),
        "TASK_BACKEND": "database",
        "SMS_BACKEND": "database",
        "WEBHOOKS_ALLOW_PRIVATE": "true",
        "LOG_LEVEL": "WARNING",
        # Production's shared cache (a database of its own, emptied first).
        "CACHE_URL": "redis://127.0.0.1:6379/13",
    }
    receiver = Receiver()
    recreate_database(env["DATABASE_URL"])
    manage(env, "migrate", "-v0")
    shell(env, "from django.core.cache import cache; cache.clear(); print('ok')")
    receiver.secret = shell(
        env,
        "from api import webhooks; from filings.models import Provider; "
        "print(webhooks.create_endpoint(Provider.objects.get(code='aliyun'), "
        f"'{receiver.url}').secret)",
    ).strip()
    idle = worker_run(env)[:2]  # the worker's start-up, on an empty queue
    log(f"webhooks: {options.events:,} filings imported, one event each")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        filings = [{**r, "provider": "aliyun"} for r in records("HOOK", options.events)]
        json.dump({"filings": filings}, file, ensure_ascii=False)
    manage(env, "import_filings", file.name, stdout=subprocess.DEVNULL)
    os.unlink(file.name)
    queued = shell(
        env,
        "from django_tasks_db.models import DBTaskResult as T; "
        "T.objects.exclude(task_path__startswith='api.').delete(); "
        "print(T.objects.count())",
    ).strip()
    log(f"  {queued} dispatcher tasks queued; one worker sends")
    seconds, worker, pg = worker_run(env)
    delivered = int(
        shell(
            env,
            "from api.models import WebhookDelivery as D; "
            "print(D.objects.filter(status='delivered').count())",
        ).strip()
    )
    busy = seconds - idle[0]
    result = {
        "events": options.events,
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
    log(
        f"  {result['per_s']:.0f} deliveries/s, {result['cpu_ms_per_delivery']:.2f} "
        f"CPU ms each ({delivered:,} delivered, {receiver.verified:,} signatures "
        f"checked, {receiver.refused} refused)"
    )
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
