"""Benchmark: verify throughput over HTTP, against a bare view in the same run.

gunicorn (2 sync workers) serves the application with PostgreSQL and the Redis cache
on loopback; wrk drives POST /verify/ with a third each of correct, wrong and
not-found verifications from many mobiles (wrk.lua), then GET /bench/bare/ (a view
that returns "ok" through the same middleware). Throttles are off and the captcha is
in test mode, as a load generator can neither wait out the one nor read the other.

    .venv/bin/python bench/verify_http.py [--people 40000] [--duration 20]
        [--connections 4] [--json out.json]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ENV, PYTHON, ROOT, database_url, log, recreate_database  # noqa: E402

DATABASE = "icpportal_bench_http"
CACHE_URL = "redis://127.0.0.1:6379/14"

FILL_SQL = """
INSERT INTO filings_person (id, name, certificate_type, certificate_number, mobile,
    emergency_mobile)
SELECT g, '联系人' || g, 'resident_id', '110102198001' || lpad(g::text, 6, '0'),
       (13800000000 + g)::text, ''
FROM generate_series(1, 2 * %(n)s) AS g;

INSERT INTO filings_subject (id, name, nature, certificate_type, certificate_number,
    province_id, leader_id)
SELECT g, '压测科技有限公司' || g, 'enterprise', 'uscc',
       '91110000MA' || lpad(g::text, 8, '0'), 'bj', 2 * g - 1
FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_service (id, subject_id, kind, name, app_identifier,
    administrator_id, icp_number)
SELECT g, g, 'website', '压测网站' || g, '', 2 * g, ''
FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_domain (service_id, name)
SELECT g, 'bench' || g || '.example.cn' FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_filingapplication (id, provider_id, reference, province_id,
    subject_id, filing_type, change_scope, policy, status, submitted_at,
    verification_deadline, icp_number, created_at, updated_at)
SELECT g, 1, 'HTTP-' || lpad(g::text, 8, '0'), 'bj', g, 'first_filing', '',
       'miit-current', 'pending_verification', now(), now() + interval '24 hours', '',
       now(), now()
FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_filingapplication_services (filingapplication_id, service_id)
SELECT g, g FROM generate_series(1, %(n)s) AS g;

INSERT INTO verification_verification (id, filing_id, mobile, is_leader,
    is_administrator, status, failed_attempts, resends, code_hash, previous_code_hash,
    code_issued_at, created_at, updated_at)
SELECT p.id, (p.id + 1) / 2, p.mobile, p.id %% 2 = 1, p.id %% 2 = 0, 'pending', 0, 0,
       c.code_hash, '', now(), now(), now()
FROM filings_person p JOIN bench_codes c ON c.person_id = p.id
"""


def fill(filings):
    """`filings` pending filings of two people each; person p's code is %06d of p."""
    from django.db import connection

    from verification.codes import hash_code

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_codes (person_id int, code_hash text)")
        with cursor.cursor.copy("COPY bench_codes FROM STDIN") as copy:
            for person in range(1, 2 * filings + 1):
                copy.write_row((person, hash_code(f"{person:06d}")))
        params = {"n": filings}
        for statement in filter(None, (s.strip() for s in FILL_SQL.split(";"))):
            cursor.execute(statement, params)
        for table in (
            "filings_person",
            "filings_subject",
            "filings_service",
            "filings_filingapplication",
            "verification_verification",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer {url} within {timeout}s")


def wrk(mode, url, seconds, connections, env):
    """Run wrk with wrk.lua in `mode` (verify or bare); return its JSON summary."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(ROOT / "bench" / "wrk.lua"),
                url,
            ],
            env={**os.environ, **env, "BENCH_MODE": mode, "BENCH_WRK_OUT": out.name},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return json.loads(Path(out.name).read_text())


def summary(result):
    seconds = result["duration_us"] / 1e6
    return {
        **result,
        "requests_per_s": result["requests"] / seconds,
        "p50_ms": result["p50_us"] / 1000,
        "p90_ms": result["p90_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write the figures here")
    options = parser.parse_args()
    if options.people > 999_998 or options.people < 2:
        sys.exit("--people must be between 2 and 999998 (codes are the person's id).")

    url = database_url(DATABASE)
    server_env = {
        **ENV,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "CACHE_URL": CACHE_URL,
        "TASK_BACKEND": "database",
        "SMS_BACKEND": "database",
        "LOG_FORMAT": "json",
        "RATELIMIT_ENABLED": "false",
        "CAPTCHA_TEST_MODE": "true",
    }
    os.environ.update(server_env)
    log(f"Recreating {DATABASE}")
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    filings = options.people // 2
    log(f"Filling {filings:,} pending filings ({2 * filings:,} people)")
    started = time.perf_counter()
    fill(filings)
    log(f"Filled in {time.perf_counter() - started:.1f}s")
    import redis

    redis.Redis.from_url(CACHE_URL).flushdb()

    with tempfile.TemporaryDirectory() as scratch:
        server_env["STATIC_ROOT"] = str(Path(scratch) / "static")
        subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
            env={**os.environ, **server_env},
            check=True,
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(scratch) / "gunicorn.log"
        with log_path.open("w") as server_log:
            server = subprocess.Popen(
                [
                    str(Path(PYTHON).parent / "gunicorn"),
                    "icpportal.wsgi",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    str(options.workers),
                ],
                cwd=ROOT,
                env={**os.environ, **server_env},
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_up(f"{base}/bench/bare/", server)
            wrk_env = {"BENCH_PEOPLE": str(2 * filings)}
            log("Warming up (3 s each)")
            wrk("bare", f"{base}/bench/bare/", 3, options.connections, wrk_env)
            warm = wrk("verify", base, 3, options.connections, wrk_env)
            log(f"Bare view, {options.duration} s, {options.connections} connections")
            bare = summary(
                wrk(
                    "bare",
                    f"{base}/bench/bare/",
                    options.duration,
                    options.connections,
                    wrk_env,
                )
            )
            log(
                f"  {bare['requests_per_s']:.0f} req/s, p50 {bare['p50_ms']:.1f} ms, "
                f"p99 {bare['p99_ms']:.1f} ms"
            )
            log(f"Verify, {options.duration} s, {options.connections} connections")
            verify = summary(
                wrk("verify", base, options.duration, options.connections, wrk_env)
            )
            log(
                f"  {verify['requests_per_s']:.0f} req/s, p50 {verify['p50_ms']:.1f} ms,"
                f" p99 {verify['p99_ms']:.1f} ms, statuses {verify['statuses']}"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        # Errors while serving; the captcha package's start-up warning about test
        # mode is logged at ERROR by each worker and is expected here.
        server_errors = sum(
            1
            for line in log_path.read_text().splitlines()
            if '"ERROR"' in line and "captcha.conf.settings" not in line
        )

    from django.db.models import Count

    from verification.models import Attempt

    answers = dict(
        Attempt.objects.values_list("status").annotate(n=Count("id")).order_by()
    )
    ratio = verify["requests_per_s"] / bare["requests_per_s"]
    result = {
        "filings": filings,
        "people": 2 * filings,
        "workers": options.workers,
        "connections": options.connections,
        "duration_s": options.duration,
        "bare": bare,
        "verify": verify,
        "warm_up_requests": warm["requests"],
        "ratio": ratio,
        "answers": {str(k): v for k, v in sorted(answers.items(), key=str)},
        "server_errors_logged": server_errors,
    }
    log(f"Ratio verify/bare {ratio:.2f}; answers {result['answers']}")
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
