"""`make bench`: every benchmark of the project in one run, one markdown report.

Parts (each in its own process, against the local PostgreSQL and Redis):
  sql       statements per verify, resend and page view (tests/portal/test_query_counts)
  verify    verify over HTTP beside a bare view and django-otp, CPU per request,
            and a profile in the gunicorn workers under load (verify_http.py)
  staff     the staff console at 1,000,000 filings (staff_console.py)
  deadlines process_deadlines with 100,000 overdue verifications (deadlines.py)
  seed      seed_demo 100,000 filings
  api       submissions over the provider API beside import_filings (api_submit.py)
  webhooks  webhook deliveries of one task worker to a loopback receiver (webhooks.py)

    .venv/bin/python bench/run.py [--quick] [--only sql,verify,...]
    .venv/bin/python bench/run.py --from-json bench/results/report.json
        [--report bench/results/report.md]

--quick shrinks every size (for trying the bench, not for the report of record).
Scratch databases are named icpportal_bench*; the 1,000,000-filing one is kept and
reused by the next run.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ENV,
    PYTHON,
    ROOT,
    database_url,
    log,
    machine,
    recreate_database,
)

PARTS = ["sql", "verify", "staff", "deadlines", "seed", "api", "webhooks"]
SIZES = {
    "full": {
        "staff": 1_000_000,
        "deadlines": 100_000,
        "seed": 100_000,
        "api": 2_000,
        "webhooks": 2_000,
        "http": 20,
        "rounds": 3,
    },
    "quick": {
        "staff": 20_000,
        "deadlines": 10_000,
        "seed": 2_000,
        "api": 300,
        "webhooks": 300,
        "http": 5,
        "rounds": 1,
    },
}
GOALS = {
    "ratio": 0.35,
    # CPU per verify over django-otp's in the same run (issue: <= 1.0, stretch 0.5)
    "cpu_to_peer": 1.0,
    "p99_ms": 50,
    "verify_statements": 8,
    "page_statements": 4,
    "staff_median_ms": 250,
    # The support desk (issue): search on PostgreSQL; the customer page, the filing
    # page, the queue and the front page computed afresh; the 90-day funnel.
    "search_median_ms": 200,
    "desk_median_ms": 300,
    "funnel_90_median_ms": 500,
    # The funnel computed afresh; the dashboard then serves it for a minute.
    "funnel_median_ms": 1000,
    "deadlines_s": 10,
}


def run(command, env=None):
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, check=True)
    return time.perf_counter() - started


def part_sql(out, sizes, report_dir):
    path = out / "sql.json"
    run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:randomly",
         "tests/portal/test_query_counts.py"],
        env={
            "DATABASE_URL": database_url("icpportal_bench_sql"),
            "QUERY_COUNT_REPORT": str(path),
        },
    )  # fmt: skip
    return json.loads(path.read_text())


def script_part(out, name, arguments, env=None):
    """Run bench/<name>.py writing its figures to a JSON file; return them."""
    path = out / f"{name}.json"
    run([PYTHON, f"bench/{name}.py", *arguments, "--json", str(path)], env=env)
    return json.loads(path.read_text())


def part_verify(out, sizes, report_dir):
    profile = report_dir / "verify_profile.txt"
    figures = script_part(
        out,
        "verify_http",
        [
            "--duration", str(sizes["http"]),
            "--rounds", str(sizes["rounds"]),
            # where the time goes, in the gunicorn workers under the same load
            "--profile", str(profile),
        ],
    )  # fmt: skip
    figures["profile"] = profile.name
    return figures


def part_staff(out, sizes, report_dir):
    return script_part(
        out,
        "staff_console",
        ["--reuse", "--filings", str(sizes["staff"]),
         "--report", str(report_dir / "staff_console.md")],
        env={**ENV, "DATABASE_URL": database_url(f"icpportal_bench_{sizes['staff']}")},
    )  # fmt: skip


def part_deadlines(out, sizes, report_dir):
    return script_part(out, "deadlines", ["--filings", str(sizes["deadlines"])])


def part_seed(out, sizes, report_dir):
    url = database_url("icpportal_bench_seed")
    recreate_database(url)
    # seed_demo runs only in demo mode (it can make the demo logins).
    env = {**ENV, "DATABASE_URL": url, "DEMO_MODE": "true"}
    run([PYTHON, "manage.py", "migrate", "-v0"], env=env)
    log(f"seed_demo --filings {sizes['seed']:,}")
    seconds = run(
        [PYTHON, "manage.py", "seed_demo", "--filings", str(sizes["seed"]),
         "--no-accounts"],
        env=env,
    )  # fmt: skip
    log(f"  {seconds:.1f}s")
    return {"filings": sizes["seed"], "seconds": seconds}


def part_api(out, sizes, report_dir):
    return script_part(out, "api_submit", ["--filings", str(sizes["api"])])


def part_webhooks(out, sizes, report_dir):
    return script_part(out, "webhooks", ["--events", str(sizes["webhooks"])])


def verdict(ok):
    return "met" if ok else "**missed**"


def report(results, facts, sizes, mode):
    lines = [
        "# Benchmarks",
        "",
        f"Run of {time.strftime('%Y-%m-%d %H:%M')} ({mode} sizes), `make bench`.",
        "",
        "## Machine and versions",
        "",
    ]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    lines.append("")
    summary = []

    if "verify" in results:
        v = results["verify"]
        verify, bare, peer = v["verify"], v["bare"], v["peer"]
        ok_ratio = v["ratio"] >= GOALS["ratio"]
        ok_p99 = verify["p99_ms"] < GOALS["p99_ms"]
        ok_cpu = v["cpu_ratio_to_peer"] <= GOALS["cpu_to_peer"]
        summary += [
            f"| CPU per verify / django-otp's, same run (stretch 0.5) | <= "
            f"{GOALS['cpu_to_peer']} | {v['cpu_ratio_to_peer']:.2f} | "
            f"{verdict(ok_cpu)} |",
            f"| verify/bare throughput | >= {GOALS['ratio']} | {v['ratio']:.2f} | "
            f"{verdict(ok_ratio)} |",
            f"| verify p99 | < {GOALS['p99_ms']} ms | {verify['p99_ms']:.1f} ms | "
            f"{verdict(ok_p99)} |",
        ]
        lines += [
            "## 1. Verify over HTTP, beside a bare view and django-otp",
            "",
            f"gunicorn, {v['workers']} sync workers, PostgreSQL and Redis on loopback; "
            f"wrk, 2 threads, {v['connections']} connections, {v['duration_s']} s per "
            f"run after a warm-up, {v['rounds']} rounds interleaved (median, and the "
            f"range). {v['filings']:,} pending filings, {v['people']:,} people. Mix: "
            "a third each correct, wrong code, unknown mobile (wrk.lua); throttles "
            "off, captcha in test mode. The peer is django-otp's `OTPTokenForm` with "
            "an email device per person, in a minimal view (bench/peers.py). CPU per "
            "request: user + sys of the gunicorn processes, PostgreSQL and Redis over "
            "the timed run, divided by the requests served.",
            "",
            "| endpoint | req/s (range) | p50 ms | p99 ms | CPU ms per request (range) "
            "| of which web / PostgreSQL / Redis | responses |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, r in (
            ("GET /bench/bare/", bare),
            ("POST /verify/ (this project)", verify),
            ("django-otp 1.7 OTPTokenForm, email device", peer),
        ):
            cpu = r["cpu_s"]
            share = " / ".join(
                f"{cpu[k] * 1000 / max(r['requests'], 1):.2f}"
                for k in ("web", "postgresql", "redis")
            )
            low, high = r["cpu_ms_range"]
            slow, fast = r["requests_per_s_range"]
            lines.append(
                f"| {name} | {r['requests_per_s']:.0f} ({slow:.0f}–{fast:.0f}) | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                f"{r['cpu_ms_per_request']:.2f} ({low:.2f}–{high:.2f}) | {share} | "
                f"{r['statuses']} |"
            )
        lines += [
            "",
            f"CPU per verify / django-otp's: **{v['cpu_ratio_to_peer']:.2f}**, the "
            "median of the rounds' ratios ("
            + ", ".join(f"{r:.2f}" for r in v.get("cpu_ratio_to_peer_rounds", []))
            + f"; goal <= {GOALS['cpu_to_peer']}, stretch 0.5); the ratio of the two "
            f"medians is {verify['cpu_ms_per_request'] / peer['cpu_ms_per_request']:.2f}"
            " (the machine's speed changes between rounds move it more); bare / "
            "verify CPU: "
            f"{v['cpu_ratio_bare']:.2f}; verify/bare throughput: {v['ratio']:.2f}. "
            f"Answers recorded (MIIT status: count): {v['answers']}. "
            f"Errors logged by the server: {v['server_errors_logged']}.",
            "",
        ]
        if v.get("profile"):
            lines += [
                f"Where a verify request's time goes: {v['profile']} (pyinstrument in "
                "the gunicorn workers, every request of a run under the same load).",
                "",
            ]

    if "sql" in results:
        counts = results["sql"]
        verify_max = max(n for k, n in counts.items() if k.startswith("verify"))
        page_max = max(n for k, n in counts.items() if k.startswith("page"))
        summary += [
            f"| statements per verify | <= {GOALS['verify_statements']} | "
            f"{verify_max} (worst case) | "
            f"{verdict(verify_max <= GOALS['verify_statements'])} |",
            f"| statements per page view | <= {GOALS['page_statements']} | "
            f"{page_max} (worst case) | "
            f"{verdict(page_max <= GOALS['page_statements'])} |",
        ]
        lines += [
            "## 2. SQL statements per request",
            "",
            "Counted on PostgreSQL by tests/portal/test_query_counts.py (transaction "
            "control not counted; the test fails above the goals).",
            "",
            "| request | statements |",
            "|---|---|",
        ]
        lines += [f"| {label} | {n} |" for label, n in counts.items()]
        lines.append("")

    if "staff" in results:
        s = results["staff"]
        pages = [p for p in s["pages"] if "uncached" not in p["page"]]
        funnel = [
            p
            for p in s["pages"]
            if "uncached" in p["page"] and "no day kept" not in p["page"]
        ]
        first = [p for p in s["pages"] if "no day kept" in p["page"]]
        worst = max(page["median_ms"] for page in pages)
        summary.append(
            f"| staff console median (worst page) | <= {GOALS['staff_median_ms']} ms | "
            f"{worst:.0f} ms | {verdict(worst <= GOALS['staff_median_ms'])} |"
        )
        queue = [p for p in s["pages"] if p["page"].startswith("work queue")]
        if queue:
            slowest = max(page["median_ms"] for page in queue)
            summary.append(
                f"| work queue median (worst of {len(queue)} views) | <= "
                f"{GOALS['staff_median_ms']} ms | {slowest:.0f} ms | "
                f"{verdict(slowest <= GOALS['staff_median_ms'])} |"
            )
            summary.append(
                f"| work queue queries, first page and page 5 | equal | "
                f"{queue[0]['queries']} and {queue[1]['queries']} | "
                f"{verdict(queue[0]['queries'] == queue[1]['queries'])} |"
            )
        summary += desk_summary(s["pages"])
        if funnel:
            slowest = max(page["median_ms"] for page in funnel)
            goal = GOALS["funnel_median_ms"]
            summary.append(
                f"| dashboard with the funnel, computed afresh, finished days kept "
                f"(worst of 30 and 90 days) | <= {goal} ms | "
                f"{slowest:.0f} ms | {verdict(slowest <= goal)} |"
            )
        if first:
            summary.append(
                "| the same, 30 days, before any day is kept (keep_funnel_days "
                f"does it ahead) | (no goal) | {first[0]['median_ms']:.0f} ms | - |"
            )
        lines += [
            f"## 3. Staff console at {s['filings']:,} filings",
            "",
            f"Django test client in process, logged in, {s['runs']} timed runs after a "
            "warm-up. Plans of the slowest queries: staff_console.md.",
            "",
            "| page | median ms | min | max | queries |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {p['page']} | {p['median_ms']:.1f} | {p['min_ms']:.1f} | "
            f"{p['max_ms']:.1f} | {p['queries']} |"
            for p in s["pages"]
        ]
        lines.append("")

    if "deadlines" in results:
        d = results["deadlines"]
        small, big = d["rounds"]
        same = small["statements"] == big["statements"]
        summary += [
            f"| process_deadlines, {d['filings']:,} overdue | <= "
            f"{GOALS['deadlines_s']} s | {big['seconds']:.1f} s | "
            f"{verdict(big['seconds'] <= GOALS['deadlines_s'])} |",
            f"| sweep statements independent of the count | equal | "
            f"{small['statements']} vs {big['statements']} | {verdict(same)} |",
        ]
        lines += [
            "## 4. Deadline sweep",
            "",
            "| overdue verifications | seconds | statements |",
            "|---|---|---|",
            f"| {small['expired_verifications']:,} | {small['seconds']:.2f} | "
            f"{small['statements']} |",
            f"| {big['expired_verifications']:,} | {big['seconds']:.2f} | "
            f"{big['statements']} |",
            f"| 0 (run again) | {d['nothing_left']['seconds']:.2f} | "
            f"{d['nothing_left']['statements']} |",
            "",
        ]

    if "seed" in results:
        sd = results["seed"]
        summary.append(
            f"| seed_demo {sd['filings']:,} filings | (no goal) | "
            f"{sd['seconds']:.1f} s | - |"
        )
        lines += [
            "## 5. seed_demo",
            "",
            f"`manage.py seed_demo --filings {sd['filings']:,} --no-accounts` into a "
            f"fresh PostgreSQL database: {sd['seconds']:.1f} s "
            f"({sd['filings'] / sd['seconds']:,.0f} filings/s).",
            "",
        ]

    if "api" in results:
        a = results["api"]
        imported, api = a["import"], a["api"]
        summary.append(
            f"| submissions over the API, CPU per submission / import_filings' | "
            f"(no goal) | {a['cpu_ratio']:.2f} | - |"
        )
        lines += [
            "## 6. Submissions: the provider API beside import_filings",
            "",
            f"{api['submissions']:,} records each (the first of samples/filings.json, each "
            "with its own reference) into a fresh PostgreSQL database; texts queued "
            f"for a worker. The API: gunicorn, {api['workers']} sync workers, "
            f"{api['clients']} client threads, one POST /api/v1/filings with an "
            "Idempotency-Key each; import_filings: one process reading a file, its "
            f"start-up ({imported['startup_s']:.1f} s, an empty file) taken off. CPU: "
            "user + sys of the command or the gunicorn processes, plus PostgreSQL.",
            "",
            "| path | submissions/s | CPU ms per submission | of which app / "
            "PostgreSQL | answers |",
            "|---|---|---|---|---|",
            f"| import_filings | {imported['per_s']:.0f} | "
            f"{imported['cpu_ms_per_submission']:.2f} | {imported['cpu_ms_web']:.2f} / "
            f"{imported['cpu_ms_postgresql']:.2f} | {imported['created']:,} created |",
            f"| POST /api/v1/filings | {api['per_s']:.0f} | "
            f"{api['cpu_ms_per_submission']:.2f} | {api['cpu_ms_web']:.2f} / "
            f"{api['cpu_ms_postgresql']:.2f} | {api['answers']} |",
            "",
        ]

    if "webhooks" in results:
        w = results["webhooks"]
        summary.append(
            f"| webhook deliveries of one worker per second | (no goal) | "
            f"{w['per_s']:.0f} | - |"
        )
        runs = w.get("runs", {"shared_cache": w})
        names = {
            "shared_cache": "icpportal, shared cache (production): one dispatcher "
            "for many commits",
            "per_commit": "icpportal, a cache per process: a dispatcher per commit",
            "bare": "bare loop: sign with `standardwebhooks`, POST with urllib3, "
            "no database",
        }
        lines += [
            "## 7. Webhook delivery: one worker, a loopback receiver",
            "",
            f"{w['events']:,} filings imported (one `filing.submitted` event each) "
            "into a fresh PostgreSQL database with one endpoint; then one "
            "`db_worker --batch` dispatches and delivers them to a receiver on "
            "loopback that checks every signature with the `standardwebhooks` "
            "library. With the shared cache a commit queues no dispatcher while one "
            "is queued and not started; no worker runs during the import, so that "
            "row is the best case and the per-commit row the worst. The bare loop "
            "signs and POSTs as many bodies from one process: the floor. The "
            f"worker's start-up ({w['worker_startup_s']:.1f} s, an empty queue) "
            "taken off. CPU: user + sys of the worker plus PostgreSQL; the "
            "receiver's not counted.",
            "",
            "| run | dispatcher tasks | deliveries/s | CPU ms per delivery | of which "
            "sender / PostgreSQL | delivered | signatures checked | refused |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, run in runs.items():
            lines.append(
                f"| {names.get(name, name)} | {run.get('dispatcher_tasks', '-')} | "
                f"{run['per_s']:.0f} | {run['cpu_ms_per_delivery']:.2f} | "
                f"{run['cpu_ms_worker']:.2f} / {run['cpu_ms_postgresql']:.2f} | "
                f"{run['delivered']:,} | {run['verified_by_receiver']:,} | "
                f"{run['refused_by_receiver']} |"
            )
        lines.append("")

    head = [
        "## Goals",
        "",
        "| figure | goal | measured | |",
        "|---|---|---|---|",
        *summary,
        "",
    ]
    return "\n".join(lines[:2] + lines[2:4] + head + lines[4:])


def desk_summary(pages):
    """The support desk's figures beside their goals: the worst search, and each of
    the pages an agent works in, computed afresh (the front page uncached)."""

    def worst(match):
        found = [p for p in pages if match(p["page"])]
        return (max(p["median_ms"] for p in found), len(found)) if found else (None, 0)

    rows = []
    goals = [
        (
            "search (worst of {n} kinds)",
            lambda page: page.startswith("search"),
            GOALS["search_median_ms"],
        ),
        (
            "customer pages (worst of {n})",
            lambda page: page.startswith("customer"),
            GOALS["desk_median_ms"],
        ),
        ("filing page", lambda page: page == "filing page", GOALS["desk_median_ms"]),
        (
            "work queue (worst of {n} views)",
            lambda page: page.startswith("work queue"),
            GOALS["desk_median_ms"],
        ),
        (
            "front page, uncached (30 days)",
            lambda page: page == "front page with the funnel, last 30 days, uncached",
            GOALS["desk_median_ms"],
        ),
        (
            "front page, funnel of 90 days, uncached",
            lambda page: page.startswith("front page, funnel by carrier, last 90 days"),
            GOALS["funnel_90_median_ms"],
        ),
    ]
    for label, match, goal in goals:
        median, n = worst(match)
        if median is not None:
            rows.append(
                f"| desk: {label.format(n=n)} | <= {goal} ms | {median:.0f} ms | "
                f"{verdict(median <= goal)} |"
            )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--report", default=str(ROOT / "bench/results/report.md"))
    parser.add_argument(
        "--from-json",
        metavar="REPORT_JSON",
        help="write the report again from a run's report.json, running nothing",
    )
    options = parser.parse_args()
    Path(options.report).parent.mkdir(parents=True, exist_ok=True)
    if options.from_json:
        saved = json.loads(Path(options.from_json).read_text())
        text = report(
            saved["results"], saved["machine"], SIZES[saved["mode"]], saved["mode"]
        )
        Path(options.report).write_text(text + "\n", encoding="utf-8")
        log(f"Report written to {options.report} from {options.from_json}")
        return
    parts = [p.strip() for p in options.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        sys.exit(f"Unknown part(s) {', '.join(sorted(unknown))}; known: {PARTS}.")
    mode = "quick" if options.quick else "full"
    sizes = SIZES[mode]
    facts = machine()
    facts["platform"] = platform.platform()
    log(f"Benchmarks ({mode}): {', '.join(parts)}")
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for part in parts:
            log(f"== {part}")
            started = time.perf_counter()
            results[part] = globals()[f"part_{part}"](
                Path(scratch), sizes, Path(options.report).parent
            )
            log(f"== {part} done in {time.perf_counter() - started:.0f}s")
    text = report(results, facts, sizes, mode)
    Path(options.report).parent.mkdir(parents=True, exist_ok=True)
    Path(options.report).write_text(text + "\n", encoding="utf-8")
    (Path(options.report).with_suffix(".json")).write_text(
        json.dumps({"machine": facts, "mode": mode, "results": results}, indent=2)
    )
    log(f"Report written to {options.report}")


if __name__ == "__main__":
    main()
