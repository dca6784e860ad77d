"""Benchmark: the staff console's filing list, filing page, dashboard and work queue at
national volume.

Fills a PostgreSQL database with N filings (default 1,000,000) using server-side
`generate_series` inserts, then times the list page (default, filtered, searched by
mobile) and the filing page through Django's test client, and writes a markdown report
with the medians, query counts and the plans of the slowest queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/icpportal_bench \\
        .venv/bin/python bench/staff_console.py [--filings N] [--reuse] [--runs R]

The database named in DATABASE_URL is dropped, recreated and filled unless --reuse is
given and it already holds the requested number of filings. `make bench` runs this as
one of its parts.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icpportal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("RATELIMIT_ENABLED", "false")

PROVINCES = [
    "bj", "tj", "he", "sx", "nm", "ln", "jl", "hl", "sh", "js", "zj", "ah", "fj", "jx",
    "sd", "ha", "hb", "hn", "gd", "gx", "hi", "cq", "sc", "gz", "yn", "xz", "sn", "gs",
    "qh", "nx", "xj",
]  # fmt: skip
ABBREVIATIONS = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝蜀黔滇藏陕陇青宁新"

from bench.common import recreate_database  # noqa: E402


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


FILL_SQL = """
INSERT INTO filings_person (id, name, certificate_type, certificate_number, mobile,
    emergency_mobile)
SELECT g, '联系人' || g, 'resident_id',
       '110102' || lpad((g %% 1000000000000)::text, 11, '0') || 'X',
       '1' || (3 + g %% 7)::text || lpad(((g::bigint * 7919) %% 1000000000)::text, 9, '0'),
       ''
FROM generate_series(1, 2 * %(n)s) AS g;

INSERT INTO filings_subject (id, name, nature, certificate_type, certificate_number,
    province_id, leader_id)
SELECT g, '示例科技有限公司' || g, 'enterprise', 'uscc',
       '91110000MA' || lpad(g::text, 8, '0'),
       (%(provinces)s::text[])[1 + g %% 31], 2 * g - 1
FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_service (id, subject_id, kind, name, app_identifier,
    administrator_id, icp_number)
SELECT g, g, CASE WHEN g %% 5 = 0 THEN 'app' ELSE 'website' END, '示例网站' || g,
       CASE WHEN g %% 5 = 0 THEN 'cn.example.app' || g ELSE '' END, 2 * g,
       CASE WHEN g %% 10 < 6 THEN substr(%(abbr)s::text, 1 + g %% 31, 1) || 'ICP备2026'
            || lpad(g::text, 6, '0') || '号-1' ELSE '' END
FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_domain (service_id, name)
SELECT g, 'site' || g || '.example.cn' FROM generate_series(1, %(n)s) AS g
WHERE g %% 5 <> 0;

-- status by g %% 10: 0-5 approved, 6 pending, 7 under review, 8 returned, 9 cancelled
INSERT INTO filings_filingapplication (id, provider_id, reference, province_id,
    subject_id, filing_type, change_scope, policy, status, submitted_at,
    verification_deadline, icp_number, created_at, updated_at)
SELECT g, 1 + g %% 4, 'BENCH-' || lpad(g::text, 8, '0'), (%(provinces)s::text[])[1 + g %% 31], g,
       (ARRAY['first_filing','add_service','add_access','change','cancel_service',
              'first_filing','first_filing'])[1 + g %% 7],
       CASE WHEN g %% 7 = 3 THEN 'subject' ELSE '' END,
       (ARRAY['miit-current','miit-current','miit-current','miit-2020'])[1 + g %% 4],
       CASE WHEN g %% 10 = 6 AND g > %(recent)s THEN 'returned' ELSE
       (ARRAY['approved','approved','approved','approved','approved','approved',
              'pending_verification','under_review','returned','cancelled'])[1 + g %% 10]
       END,
       now() - (g || ' seconds')::interval * 30,
       CASE WHEN g %% 10 = 6 AND g <= %(recent)s
            THEN now() + ((g %% 1500) - 60 || ' minutes')::interval END,
       CASE WHEN g %% 10 < 6 THEN substr(%(abbr)s::text, 1 + g %% 31, 1) || 'ICP备2026'
            || lpad(g::text, 6, '0') || '号' ELSE '' END,
       now() - (g || ' seconds')::interval * 30,
       now() - (g || ' seconds')::interval * 30
FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_filingapplication_services (filingapplication_id, service_id)
SELECT g, g FROM generate_series(1, %(n)s) AS g;

INSERT INTO verification_verification (filing_id, mobile, is_leader, is_administrator,
    status, failed_attempts, resends, code_hash, previous_code_hash, created_at,
    updated_at, verified_at)
SELECT f.id, p.mobile, r.leader, NOT r.leader,
       CASE WHEN f.status = 'pending_verification' THEN
                CASE WHEN r.leader AND f.id %% 3 = 0 THEN 'verified' ELSE 'pending' END
            WHEN f.status = 'returned' THEN 'expired'
            WHEN f.status = 'cancelled' THEN 'cancelled'
            ELSE 'verified' END,
       0, 0, '', '', f.created_at, f.created_at,
       CASE WHEN f.status IN ('approved', 'under_review') THEN f.created_at END
FROM filings_filingapplication f
CROSS JOIN (VALUES (true), (false)) AS r(leader)
JOIN filings_person p ON p.id = 2 * f.id - (CASE WHEN r.leader THEN 1 ELSE 0 END);

INSERT INTO filings_auditevent (filing_id, created_at, actor_kind, event_type,
    from_status, to_status, reason, data)
SELECT g, now() - (g || ' seconds')::interval * 30, 'provider', 'submitted', 'draft',
       'pending_verification', '', '{}'::jsonb
FROM generate_series(1, %(n)s) AS g;
"""

# What the funnel reads: a code text per person (3 in 100 not delivered), a verify
# attempt for each person who verified, and a wrong entry for one person in seven.
FUNNEL_SQL = """
INSERT INTO verification_smsmessage (created_at, kind, sender, recipient, text, status,
    error, attempts, attempted_at, sent_at, backend, gateway_id, filing_id,
    verification_id)
SELECT v.created_at, 'verification_code', '12381', v.mobile,
       '您的ICP备案短信核验验证码为******', CASE WHEN v.id %% 33 = 0 THEN 'failed'
       ELSE 'sent' END, '', 1, v.created_at,
       CASE WHEN v.id %% 33 = 0 THEN NULL ELSE v.created_at END,
       'verification.sms.database.DatabaseBackend', '', v.filing_id, v.id
FROM verification_verification v;

INSERT INTO verification_attempt (created_at, action, channel, mobile, verification_id,
    status, reason, wrong_part, consecutive_failures, ip, user_agent)
SELECT v.created_at + interval '5 minutes', 'verify', 'central', v.mobile, v.id, 2,
       'wrong_code_or_certificate', 'code', 1, '203.0.113.1', ''
FROM verification_verification v WHERE v.id %% 7 = 0;

INSERT INTO verification_attempt (created_at, action, channel, mobile, verification_id,
    status, reason, wrong_part, consecutive_failures, ip, user_agent)
SELECT coalesce(v.verified_at, v.created_at) + interval '10 minutes', 'verify',
       'central', v.mobile, v.id, 31, 'verified', '', NULL, '203.0.113.1', ''
FROM verification_verification v WHERE v.status = 'verified';

UPDATE verification_verification SET verified_at = created_at
    + (id %% 180 || ' minutes')::interval WHERE status = 'verified';

UPDATE verification_verification SET
    code_delivered_at = CASE WHEN id %% 33 = 0 THEN NULL ELSE created_at END,
    first_attempt_at = CASE WHEN id %% 7 = 0 THEN created_at + interval '5 minutes'
        WHEN status = 'verified' THEN verified_at + interval '10 minutes' END
"""

# What the work queue reads beyond that: a pending person in 13 one failure from the
# limit, a follow-up on one filing in 50 of the newest 200,000 (due from a day ago to
# a day ahead, a third done), and an owner for a pending filing in 4.
QUEUE_SQL = """
UPDATE verification_verification SET failed_attempts = 4
WHERE status = 'pending' AND id %% 13 = 0;

INSERT INTO console_followup (filing_id, due_at, note, created_by_id, created_at,
    done_at, done_by_id)
SELECT f.id, now() + ((f.id %% 2880) - 1440) * interval '1 minute', '回电',
       %(user)s, now() - interval '1 day',
       CASE WHEN f.id %% 3 = 0 THEN now() END,
       CASE WHEN f.id %% 3 = 0 THEN %(user)s END
FROM filings_filingapplication f WHERE f.id %% 50 = 6 AND f.id <= 200000;

INSERT INTO console_case (filing_id, owner_id, owned_since)
SELECT f.id, %(user)s, now() FROM filings_filingapplication f
WHERE f.status = 'pending_verification' AND f.id %% 4 = 2
"""

# What the support desk reads beyond that: a note on one filing in 20 (one in 200
# naming a customer's problem in words a search finds), a request to a supervisor on
# one pending filing in 40.
DESK_SQL = """
INSERT INTO console_note (filing_id, author_id, created_at, text, macro_id)
SELECT f.id, %(user)s, f.created_at + interval '1 hour',
       CASE WHEN f.id %% 200 = 6 THEN '客户说短信被拦截 blocked by the phone'
            ELSE '已回电客户' END, NULL
FROM filings_filingapplication f WHERE f.id %% 20 = 6;

INSERT INTO console_escalation (filing_id, action, verification_id, hours, reason,
    asked_by_id, asked_at, status, answered_by_id, answered_at, answer)
SELECT f.id, 'mark_verified', NULL, NULL, '客户已视频核实身份', %(user)s, now(),
       'pending', NULL, NULL, ''
FROM filings_filingapplication f
WHERE f.status = 'pending_verification' AND f.id %% 40 = 6
"""


def desk_cases(middle_id, mobile):
    """The support desk's pages: each kind of search, the customer pages, the
    supervisors' requests and the team report."""
    from filings.models import FilingApplication
    from filings.privacy import mask_mobile

    filing = FilingApplication.objects.select_related("subject").get(pk=middle_id)
    search = "/admin/search/?q="
    return [
        (
            "search, part of a reference, any case",
            f"{search}bench-{middle_id // 10:07d}",  # the last digit left out
        ),
        ("search, part of a subject name", f"{search}科技有限公司{middle_id}"),
        ("search, a domain", f"{search}site{middle_id}.example"),
        ("search, an ICP number", f"{search}ICP备2026{middle_id:06d}"),
        ("search, a mobile's last four digits", f"{search}{mobile[-4:]}"),
        ("search, a masked mobile", f"{search}{mask_mobile(mobile)}"),
        ("search, a full mobile", f"{search}{mobile}"),
        (
            "search, a full certificate number",
            f"{search}{filing.subject.certificate_number}",
        ),
        ("search, words from a note", f"{search}短信被拦截"),
        ("customer page, a person", f"/admin/customers/person/{2 * middle_id - 1}/"),
        ("customer page, an entity", f"/admin/customers/entity/{middle_id}/"),
        ("requests for a supervisor", "/admin/escalations/"),
        ("team report, last 7 days", "/admin/team/"),
    ]


SEQUENCES = [
    "filings_person",
    "filings_subject",
    "filings_service",
    "filings_domain",
    "filings_filingapplication",
    "filings_filingapplication_services",
    "verification_verification",
    "filings_auditevent",
    "verification_smsmessage",
    "verification_attempt",
    "console_followup",
    "console_note",
    "console_escalation",
]


def holds_filings(url, n):
    """Whether the database at `url` exists and holds exactly `n` bench filings."""
    import psycopg

    try:
        with psycopg.connect(url) as connection:
            row = connection.execute(
                "SELECT max(id) FROM filings_filingapplication"
            ).fetchone()
    except psycopg.Error:
        return False
    return row[0] == n


def fill(n, sql=FILL_SQL, **extra):
    from django.db import connection

    statements = [s.strip() for s in sql.split(";") if s.strip()]
    # Filings submitted (one every 30 s) in the last two days may still wait; older
    # ones were returned when their deadline passed, as in life.
    params = {
        "n": n,
        "provinces": PROVINCES,
        "abbr": ABBREVIATIONS,
        "recent": 5760,
        **extra,
    }
    with connection.cursor() as cursor:
        for statement in statements:
            named = re.search(r"(?:INSERT INTO|UPDATE)\s+(\w+)", statement)
            table = named.group(1) if named else statement.split("\n")[0]
            started = time.perf_counter()
            cursor.execute(statement, params)
            log(
                f"  {table}: {cursor.rowcount:,} rows in {time.perf_counter() - started:.1f}s"
            )
        for table in SEQUENCES:  # fixed names from this file, not input
            reset = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608, E501
            cursor.execute(reset)
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        log(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f}s")


def timed(client, url, runs, cold=False, forget_days=False):
    """Median time of `url`; `cold` empties the cache before each request, so a
    cached page (the dashboard) is timed as computed, not as read back;
    `forget_days` also drops the funnel's kept days, as on its very first view."""
    from django.core.cache import cache
    from django.db import connection, reset_queries

    from verification.models import FunnelDay

    client.get(url)  # warm the caches, as a staff member's second look would
    durations, queries = [], []
    for _ in range(runs):
        if cold:
            cache.clear()
        if forget_days:
            FunnelDay.objects.all().delete()
        reset_queries()
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(list(connection.queries))
    slowest = max(queries[-1], key=lambda q: float(q["time"]))
    return {
        "median_ms": statistics.median(durations),
        "min_ms": min(durations),
        "max_ms": max(durations),
        "queries": len(queries[-1]),
        "slowest_sql": slowest["sql"],
        "slowest_ms": float(slowest["time"]) * 1000,
    }


def explain(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database if it already holds --filings filings",
    )
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument(
        "--report", default=str(ROOT / "bench" / "results" / "staff_console.md")
    )
    options = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database for the benchmark.")

    import django

    if not (options.reuse and holds_filings(url, options.filings)):
        log(f"Recreating {url.rsplit('/', 1)[1]}")
        recreate_database(url)
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    settings.DEBUG = True  # record the queries (the pages are timed the same way)
    call_command("migrate", verbosity=0)
    from filings.models import FilingApplication, Person, Subject

    have = (
        FilingApplication.objects.order_by("-id").values_list("id", flat=True).first()
    )
    if have != options.filings:
        log(f"Filling {options.filings:,} filings")
        started = time.perf_counter()
        fill(options.filings)
        log(f"Filled in {time.perf_counter() - started:.0f}s")
    from verification.models import SmsMessage

    if not SmsMessage.objects.exists():  # a database filled before the funnel
        log("Adding the texts and attempts the funnel reads")
        started = time.perf_counter()
        fill(options.filings, FUNNEL_SQL)
        log(f"Added in {time.perf_counter() - started:.0f}s")

    setup_test_environment()
    user, _ = User.objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    from console.models import FollowUp

    if not FollowUp.objects.exists():  # a database filled before the work queue
        log("Adding the follow-ups, owners and near-limit people the queue reads")
        started = time.perf_counter()
        fill(options.filings, QUEUE_SQL, user=user.pk)
        # as the nightly close_follow_ups leaves them: only live ones stay open
        from console.casework import close_finished_follow_ups

        log(f"  {close_finished_follow_ups():,} follow-ups of finished filings closed")
        log(f"Added in {time.perf_counter() - started:.0f}s")
    from console.models import Note

    if Person.objects.filter(mobile_key="").exists():  # filled before the keys
        log("Writing the lookup keys of full mobile and certificate numbers")
        started = time.perf_counter()
        from filings import lookup_keys

        lookup_keys.rehash(Person.objects.all(), Subject.objects.all())
        log(f"Written in {time.perf_counter() - started:.0f}s")
    if not Note.objects.exists():  # a database filled before the support desk
        log("Adding the notes, answer scripts and requests the support desk reads")
        started = time.perf_counter()
        fill(options.filings, DESK_SQL, user=user.pk)
        call_command("add_standard_answers", verbosity=0)
        log(f"Added in {time.perf_counter() - started:.0f}s")
    client = Client()
    client.force_login(user)
    middle = options.filings // 2
    middle_id = middle - middle % 10 + 6  # g % 10 == 6: returned (was pending)
    pending_id = 2006  # submitted in the last two days: still waiting
    mobile = Person.objects.get(pk=2 * middle_id - 1).mobile
    base = "/admin/filings/filingapplication/"
    cases = [
        ("list, default", base),
        (
            "list, filtered by status + province",
            f"{base}?status__exact=pending_verification&province__code__exact=gs",
        ),
        ("list, filtered by deadline within 2 h", f"{base}?deadline=2h"),
        (
            "list, filtered by type + policy",
            f"{base}?filing_type__exact=change&policy__exact=miit-2020",
        ),
        ("list, searched by mobile", f"{base}?q={mobile}"),
        ("list, searched by reference", f"{base}?q=BENCH-{middle_id:08d}"),
        (
            "list, searched by subject name prefix",
            f"{base}?q=示例科技有限公司{middle_id // 10}",
        ),
        ("filing page", f"{base}{pending_id}/change/"),
        *desk_cases(middle_id, mobile),
        ("work queue, everything", "/admin/queue/"),
        ("work queue, page 5", "/admin/queue/?page=5"),
        ("work queue, my cases", "/admin/queue/?owner=mine"),
        (
            "work queue, returned in 24 h in one province",
            "/admin/queue/?reason=returned&province=gs",
        ),
        ("work queue, follow-ups due", "/admin/queue/?reason=follow_up"),
        ("front page with the funnel, last 30 days, uncached", "/admin/"),
        (
            "front page, funnel by carrier, last 90 days, uncached",
            "/admin/?start={start}&end={end}&by=carrier",
        ),
        ("funnel CSV, last 30 days, uncached", "/admin/funnel.csv"),
        (
            "front page with the funnel, 30 days, uncached, no day kept yet",
            "/admin/",
        ),
    ]
    import datetime

    from infra.times import BEIJING

    today = datetime.datetime.now(BEIJING).date()
    # The last case drops the kept days, as on a first view; a previous run's drop
    # leaves the table full of dead rows until autovacuum comes by, which no
    # deployment has (days are only ever added). Start from a clean table.
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE verification_funnelday, verification_funnelduration"
        )
    results = []
    for label, page in cases:
        page = page.format(start=today - datetime.timedelta(days=89), end=today)
        result = timed(
            client,
            page,
            options.runs,
            cold="uncached" in label,
            forget_days="no day kept" in label,
        )
        results.append((label, page, result))
        log(
            f"{label}: median {result['median_ms']:.1f} ms, {result['queries']} queries"
        )

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    import django as dj

    lines = [
        "# Staff console benchmark",
        "",
        f"- filings: {options.filings:,} (2 people, 1 service, 2 verifications, 1 audit "
        "event each; a code text per person, 1 in 33 not delivered; an attempt per "
        "person verified, a wrong entry for 1 in 7), submitted one every 30 s, so a "
        "30-day period holds about 86,000 filings; for the work queue, a pending "
        "person in 13 one failure from the limit, a follow-up on 1 filing in 50 of "
        "the newest 200,000 (a third done) and an owner for 1 pending filing in 4",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Django {dj.get_version()}, PostgreSQL {pg_version}",
        f"- {options.runs} timed runs per page after one warm-up, in-process test client,"
        " logged in as a superuser",
        "- goal (issue): median at most 250 ms each",
        "",
        "| page | median ms | min | max | queries | slowest query ms |",
        "|---|---|---|---|---|---|",
    ]
    for label, _, result in results:
        lines.append(
            f"| {label} | {result['median_ms']:.1f} | {result['min_ms']:.1f} | "
            f"{result['max_ms']:.1f} | {result['queries']} | {result['slowest_ms']:.1f} |"
        )
    lines += ["", "## Plans of the slowest query per page", ""]
    for label, _, result in results:
        lines += [
            f"### {label}",
            "",
            "```",
            result["slowest_sql"][:2000],
            "```",
            "",
            "```",
        ]
        lines += [explain(result["slowest_sql"]), "```", ""]
    if options.json:
        Path(options.json).write_text(
            json.dumps(
                {
                    "filings": options.filings,
                    "runs": options.runs,
                    "pages": [
                        {
                            "page": label,
                            "url": page,
                            **{k: v for k, v in result.items() if k != "slowest_sql"},
                        }
                        for label, page, result in results
                    ],
                },
                indent=2,
            )
        )
    Path(options.report).parent.mkdir(parents=True, exist_ok=True)
    Path(options.report).write_text("\n".join(lines), encoding="utf-8")
    log(f"Report written to {options.report}")


if __name__ == "__main__":
    main()
