"""Benchmark: submitting filings over the provider API beside `import_filings`, on the
same records.

Each side gets a fresh PostgreSQL database with the same N records (samples/filings.json's
first sample filing, each with its own reference). `import_filings` reads them from a
file in one process; the API gets them from 4 client threads, one POST /api/v1/filings
each (with an Idempotency-Key), served by gunicorn with 2 sync workers. Texts are
queued for a worker (TASK_BACKEND=database) on both sides, as in production.

Reported: submissions per second (wall time) and CPU milliseconds per submission:
user + sys of the importing process, or of the gunicorn processes, plus every
PostgreSQL process, over the run, divided by the submissions. The client's own CPU is
not counted.

    .venv/bin/python bench/api_submit.py [--filings 2000] [--json out.json]
"""

import argparse
import http.client
import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from stdnum.cn.uscc import calc_check_digit as uscc_check_digit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ENV,
    PYTHON,
    ROOT,
    database_url,
    log,
    recreate_database,
)
from bench.verify_http import (  # noqa: E402
    CLOCK_TICKS,
    free_port,
    server_cpu,
    wait_until_up,
)

DATABASE = "icpportal_bench_api"
CLIENTS = 4


def uscc(serial):
    """A valid unified social credit code of its own for each record: a subject has
    one filing in flight at a time, so each record is another subject."""
    base = f"91110000MA{serial % 10_000_000:07d}"
    return base + uscc_check_digit(base)


def records(prefix, n):
    template = json.loads((ROOT / "samples" / "filings.json").read_text())["filings"][0]
    template = {k: v for k, v in template.items() if k != "provider"}
    made = []
    for i in range(n):
        subject = {**template["subject"], "certificate_number": uscc(i)}
        made.append({**template, "reference": f"{prefix}-{i:06d}", "subject": subject})
    return made


def postgres_cpu():
    """CPU seconds of every PostgreSQL process so far, with the backends that have
    exited (a command's connection ends with it): the server reaps them, and their
    time is in its children's total (cutime + cstime)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        if not text[text.index("(") + 1 : text.rindex(")")].startswith("postgres"):
            continue
        fields = text[text.rindex(")") + 2 :].split()
        total += sum(int(f) for f in fields[11:15]) / CLOCK_TICKS
    return total


def fresh(env):
    recreate_database(env["DATABASE_URL"])
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )


def _import(records_, env):
    """(wall s, the command's CPU s, PostgreSQL CPU s) of one import_filings run."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump({"filings": records_}, file, ensure_ascii=False)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_pg = postgres_cpu()
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", "import_filings", file.name],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = (after.ru_utime - before_children.ru_utime) + (
        after.ru_stime - before_children.ru_stime
    )
    os.unlink(file.name)
    return seconds, command, postgres_cpu() - before_pg


def import_side(n, env):
    """The command's start-up (an empty file) is taken off: a server pays it once."""
    fresh(env)
    empty = _import([], env)
    full = _import([{**r, "provider": "aliyun"} for r in records("IMP", n)], env)
    figures = _figures(n, n, *(a - b for a, b in zip(full, empty, strict=True)))
    figures["startup_s"] = empty[0]
    return figures


def _figures(n, created, seconds, web, pg):
    return {
        "submissions": n,
        "created": created,
        "seconds": seconds,
        "per_s": n / seconds,
        "cpu_ms_per_submission": (web + pg) * 1000 / n,
        "cpu_ms_web": web * 1000 / n,
        "cpu_ms_postgresql": pg * 1000 / n,
    }


def _client(port, key, work, answers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        try:
            record = work.get_nowait()
        except queue.Empty:
            break
        body = json.dumps(record, ensure_ascii=False).encode()
        connection.request(
            "POST",
            "/api/v1/filings",
            body=body,
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": record["reference"],
                "Host": "127.0.0.1",
            },
        )
        response = connection.getresponse()
        response.read()
        answers.append(response.status)
    connection.close()


def api_side(n, env, workers):
    fresh(env)
    made = subprocess.run(
        [PYTHON, "manage.py", "create_api_key", "aliyun", "--name", "bench"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = made.stdout.strip().splitlines()[-1]
    with tempfile.TemporaryDirectory() as scratch:
        env = {**env, "STATIC_ROOT": str(Path(scratch) / "static")}
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "icpportal.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
            work = queue.Queue()
            for record in records("API", n):
                work.put(record)
            answers = []
            before = server_cpu(server.pid)["web"], postgres_cpu()
            started = time.perf_counter()
            threads = [
                threading.Thread(target=_client, args=(port, key, work, answers))
                for _ in range(CLIENTS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            after = server_cpu(server.pid)["web"], postgres_cpu()
        finally:
            server.terminate()
            server.wait(timeout=30)
    created = answers.count(201)
    figures = _figures(
        n,
        created,
        seconds,
        after[0] - before[0],
        after[1] - before[1],
    )
    figures["answers"] = {str(s): answers.count(s) for s in sorted(set(answers))}
    figures["clients"] = CLIENTS
    figures["workers"] = workers
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write the figures here")
    options = parser.parse_args()
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": database_url(DATABASE),
        "TASK_BACKEND": "database",
        "SMS_BACKEND": "database",
        "RATELIMIT_ENABLED": "false",
        "API_RATELIMIT": "1000000/m",
        "LOG_LEVEL": "WARNING",
    }
    log(f"import_filings: {options.filings:,} records")
    imported = import_side(options.filings, env)
    log(
        f"  {imported['per_s']:.0f} submissions/s, "
        f"{imported['cpu_ms_per_submission']:.2f} CPU ms each"
    )
    log(f"API: {options.filings:,} POST /api/v1/filings from {CLIENTS} clients")
    api = api_side(options.filings, env, options.workers)
    log(
        f"  {api['per_s']:.0f} submissions/s, {api['cpu_ms_per_submission']:.2f} CPU "
        f"ms each; answers {api['answers']}"
    )
    result = {
        "import": imported,
        "api": api,
        "cpu_ratio": api["cpu_ms_per_submission"] / imported["cpu_ms_per_submission"],
    }
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
