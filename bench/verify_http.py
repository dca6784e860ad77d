"""Benchmark: verify over HTTP, against a bare view and the django-otp peer, in one run.

gunicorn (2 sync workers) serves the application with PostgreSQL and the Redis cache
on loopback; wrk drives POST /verify/ with a third each of correct, wrong and
not-found verifications from many mobiles (wrk.lua), the same mix against django-otp's
`OTPTokenForm` with an email device per person (bench/peers.py, /bench/otp/), and
GET /bench/bare/ (a view that returns "ok" through the same middleware). Throttles are
off and the captcha is in test mode, as a load generator can neither wait out the one
nor read the other.

Each is timed --rounds times, interleaved, and reported with requests/s, latency and
CPU milliseconds per request: user + sys of the gunicorn processes, every PostgreSQL
process and Redis over the timed run (from /proc), divided by the requests served.
That figure holds on a shared, noisy machine where requests/s does not. Our CPU per
verify over the peer's is taken in each round and the median of the rounds reported.

    .venv/bin/python bench/verify_http.py [--people 40000] [--duration 20]
        [--rounds 3] [--connections 4] [--json out.json]
"""

import argparse
import json
import os
import socket
import statistics
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
    certificate_hashes, code_issued_at, created_at, updated_at)
SELECT p.id, (p.id + 1) / 2, p.mobile, p.id %% 2 = 1, p.id %% 2 = 0, 'pending', 0, 0,
       c.code_hash, '', c.certificate_hash, now(), now(), now()
FROM filings_person p JOIN bench_codes c ON c.person_id = p.id
"""


def fill(filings):
    """`filings` pending filings of two people each; person p's code and certificate
    tail are both %06d of p."""
    from django.db import connection

    from verification.codes import hash_certificate_tail, hash_code

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_codes "
            "(person_id int, code_hash text, certificate_hash text)"
        )
        with cursor.cursor.copy("COPY bench_codes FROM STDIN") as copy:
            for person in range(1, 2 * filings + 1):
                digits = f"{person:06d}"  # the code and the certificate tail
                copy.write_row(
                    (person, hash_code(digits), hash_certificate_tail(digits))
                )
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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(name, parent pid, CPU seconds used) of a process, from /proc; None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # after the name: state, ppid, ... utime (14th field of the line), stime (15th)
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def server_cpu(master):
    """CPU seconds so far of the gunicorn master and its workers, every PostgreSQL
    process and Redis."""
    totals = {"web": 0.0, "postgresql": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        found = _stat(entry.name)
        if found is None:
            continue
        name, parent, seconds = found
        if int(entry.name) == master or parent == master:
            totals["web"] += seconds
        elif name.startswith("postgres"):
            totals["postgresql"] += seconds
        elif name.startswith("redis-server"):
            totals["redis"] += seconds
    return totals


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


def profile_under_load(options, server_env, scratch, people):
    """Serve verify again with every request profiled in the gunicorn workers, drive
    it with the same mix for --profile-seconds, and write the merged call tree."""
    from bench.profiling import write_report

    folder = Path(scratch) / "profiles"
    folder.mkdir()
    port = free_port()
    env = {**os.environ, **server_env, "BENCH_PROFILE_DIR": str(folder)}
    with (Path(scratch) / "gunicorn-profile.log").open("w") as server_log:
        server = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "icpportal.wsgi",
                "-c",
                str(ROOT / "bench" / "gunicorn_profile.py"),
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(options.workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/bench/bare/", server)
        log(f"Profiling verify under load in the workers ({options.profile_seconds} s)")
        served = wrk(
            "verify",
            base,
            options.profile_seconds,
            options.connections,
            {"BENCH_PEOPLE": str(people)},
        )
    finally:
        server.terminate()  # the workers write their sessions as they exit
        server.wait(timeout=60)
    write_report(
        folder,
        options.profile,
        f"POST /verify/ profiled in {options.workers} gunicorn workers under wrk "
        f"(-c{options.connections}, the same mix), {served['requests']:,} requests "
        "(pyinstrument, every request; the profiler itself slows them).",
    )


def measured(mode, url, seconds, connections, env, master):
    """One timed wrk run with the servers' CPU over it."""
    before = server_cpu(master)
    result = summary(wrk(mode, url, seconds, connections, env))
    after = server_cpu(master)
    cpu = {kind: after[kind] - before[kind] for kind in before}
    result["cpu_s"] = cpu
    result["cpu_ms_per_request"] = sum(cpu.values()) * 1000 / max(result["requests"], 1)
    return result


def medians(runs):
    """The median run's figures, with the range of CPU per request and requests/s."""
    cpu = [r["cpu_ms_per_request"] for r in runs]
    rps = [r["requests_per_s"] for r in runs]
    middle = sorted(runs, key=lambda r: r["cpu_ms_per_request"])[len(runs) // 2]
    return {
        **middle,
        "cpu_ms_per_request": statistics.median(cpu),
        "cpu_ms_range": [min(cpu), max(cpu)],
        "requests_per_s": statistics.median(rps),
        "requests_per_s_range": [min(rps), max(rps)],
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "runs": len(runs),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--profile", help="also profile verify in the workers under load; write here"
    )
    parser.add_argument("--profile-seconds", type=int, default=10)
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
    from bench.peers import seed

    started = time.perf_counter()
    seed(2 * filings)
    log(f"Seeded the django-otp peer in {time.perf_counter() - started:.1f}s")
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
            wrk("otp", base, 3, options.connections, wrk_env)
            runs = {"bare": [], "verify": [], "otp": []}
            for round_ in range(1, options.rounds + 1):
                for mode in runs:
                    url = f"{base}/bench/bare/" if mode == "bare" else base
                    done = measured(
                        mode,
                        url,
                        options.duration,
                        options.connections,
                        wrk_env,
                        server.pid,
                    )
                    runs[mode].append(done)
                    log(
                        f"  round {round_}, {mode}: {done['requests_per_s']:.0f} req/s, "
                        f"p50 {done['p50_ms']:.1f} ms, p99 {done['p99_ms']:.1f} ms, "
                        f"{done['cpu_ms_per_request']:.2f} CPU ms per request"
                    )
            bare, verify, peer = (medians(runs[m]) for m in ("bare", "verify", "otp"))
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
        if options.profile:
            profile_under_load(options, server_env, scratch, 2 * filings)

    from django.db.models import Count

    from verification.models import Attempt

    answers = dict(
        Attempt.objects.values_list("status").annotate(n=Count("id")).order_by()
    )
    ratio = verify["requests_per_s"] / bare["requests_per_s"]
    # Each round runs the three back to back, so a machine that slows down or speeds
    # up between rounds moves both sides of a round's ratio alike.
    round_ratios = [
        ours["cpu_ms_per_request"] / theirs["cpu_ms_per_request"]
        for ours, theirs in zip(runs["verify"], runs["otp"], strict=True)
    ]
    result = {
        "peer": peer,
        "rounds": options.rounds,
        "cpu_ratio_to_peer": statistics.median(round_ratios),
        "cpu_ratio_to_peer_rounds": round_ratios,
        "cpu_ratio_bare": bare["cpu_ms_per_request"] / verify["cpu_ms_per_request"],
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
    log(
        f"Ratio verify/bare {ratio:.2f}; CPU per verify / django-otp's "
        f"{result['cpu_ratio_to_peer']:.2f}; answers {result['answers']}"
    )
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
