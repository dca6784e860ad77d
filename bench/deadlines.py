"""Benchmark: the deadline sweep (process_deadlines) on PostgreSQL.

Fills N + 1,000 pending filings (default N = 100,000) with one verification each and
deadlines one second apart, then sweeps twice: up to the 1,000th deadline, then the
other N at once. The statements each sweep sends are counted: they must not depend
on how many expire.

    .venv/bin/python bench/deadlines.py [--filings 100000] [--json out.json]
"""

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import database_url, log, recreate_database, setup_django  # noqa: E402

DATABASE = "icpportal_bench_deadlines"
FILL_SQL = """
INSERT INTO filings_person (id, name, certificate_type, certificate_number, mobile,
    emergency_mobile)
SELECT g, '联系人' || g, 'resident_id', '110102198001' || lpad(g::text, 6, '0'),
       (13900000000 + g)::text, ''
FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_subject (id, name, nature, certificate_type, certificate_number,
    province_id, leader_id)
SELECT g, '到期测试' || g, 'individual', 'resident_id',
       '110102198001' || lpad(g::text, 6, '0'), 'bj', g
FROM generate_series(1, %(n)s) AS g;

INSERT INTO filings_filingapplication (id, provider_id, reference, province_id,
    subject_id, filing_type, change_scope, policy, status, submitted_at,
    verification_deadline, icp_number, created_at, updated_at)
SELECT g, 1, 'DUE-' || lpad(g::text, 8, '0'), 'bj', g, 'first_filing', '',
       'miit-current', 'pending_verification', %(base)s - interval '1 day',
       %(base)s + g * interval '1 second', '', %(base)s, %(base)s
FROM generate_series(1, %(n)s) AS g;

INSERT INTO verification_verification (id, filing_id, mobile, is_leader,
    is_administrator, status, failed_attempts, resends, code_hash, previous_code_hash,
    created_at, updated_at)
SELECT g, g, (13900000000 + g)::text, true, false, 'pending', 0, 0,
       md5(g::text), '', %(base)s, %(base)s
FROM generate_series(1, %(n)s) AS g
"""


def sweep(now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from verification.deadlines import process_deadlines

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = process_deadlines(now)
        seconds = time.perf_counter() - started
    statements = [q["sql"] for q in queries.captured_queries]
    return {
        **report.as_dict(),
        "seconds": seconds,
        "statements": len(statements),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=100_000)
    parser.add_argument("--json", help="write the figures here")
    options = parser.parse_args()
    first = 1_000
    total = options.filings + first

    url = database_url(DATABASE)
    log(f"Recreating {DATABASE}")
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    log(f"Filling {total:,} overdue filings")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in filter(None, (s.strip() for s in FILL_SQL.split(";"))):
            cursor.execute(statement, {"n": total, "base": base})
        cursor.execute("ANALYZE")
    log(f"Filled in {time.perf_counter() - started:.1f}s")

    rounds = []
    for count, now in (
        (first, base + datetime.timedelta(seconds=first)),
        (options.filings, base + datetime.timedelta(days=400)),
    ):
        result = sweep(now)
        assert result["expired_filings"] == count, result
        assert result["expired_verifications"] == count, result
        rounds.append(result)
        log(
            f"Swept {count:,}: {result['seconds']:.2f}s, "
            f"{result['statements']} statements"
        )
    again = sweep(base + datetime.timedelta(days=400))
    assert again["expired_filings"] == 0
    result = {"filings": options.filings, "rounds": rounds, "nothing_left": again}
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
