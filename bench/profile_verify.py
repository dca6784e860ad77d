"""Profile the verify request (pyinstrument), for when its throughput misses the goal.

Runs N POST /verify/ requests through the whole middleware stack with Django's test
client, in process, against the database verify_http.py filled (same mix: correct,
wrong, unknown mobile), and writes the mean time per request and pyinstrument's call
tree. Run bench/verify_http.py first.

    .venv/bin/python bench/profile_verify.py [--requests 400] [--out profile.txt]
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import database_url, setup_django  # noqa: E402
from bench.verify_http import CACHE_URL, DATABASE  # noqa: E402

CSRF = "benchcsrfbenchcsrfbenchcsrf12345"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--out", help="write the report here (default: print it)")
    options = parser.parse_args()
    setup_django(
        database_url(DATABASE),
        DJANGO_SETTINGS_MODULE="bench.settings",
        CACHE_URL=CACHE_URL,
        RATELIMIT_ENABLED="false",
        CAPTCHA_TEST_MODE="true",
        TASK_BACKEND="database",
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",
    )
    from django.test import Client
    from pyinstrument import Profiler

    client = Client(HTTP_COOKIE=f"csrftoken={CSRF}")
    rng = random.Random(7)

    def verify(serial):
        person = rng.randint(1, options.people)
        mobile, code = str(13800000000 + person), f"{person:06d}"
        kind = serial % 3
        if kind == 1:
            code = f"{(person + rng.randint(1, 999)) % 1000000:06d}"
        elif kind == 2:
            mobile = str(19900000000 + rng.randint(1, 9999999))
        response = client.post(
            "/verify/",
            {
                "csrfmiddlewaretoken": CSRF,
                "submission": f"profile-{serial}-{rng.random()}",
                "mobile": mobile,
                "code": code,
                "cert_last6": f"{person:06d}",
                "captcha_0": "bench",
                "captcha_1": "PASSED",
            },
        )
        assert response.status_code == 303, response.status_code

    for serial in range(50):  # warm: connections, prepared statements
        verify(serial)
    started = time.perf_counter()
    for serial in range(options.requests):
        verify(serial)
    plain_ms = (time.perf_counter() - started) / options.requests * 1000
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for serial in range(options.requests):
        verify(serial)
    profiler.stop()
    text = (
        f"POST /verify/, in process, {options.requests} requests: "
        f"{plain_ms:.2f} ms each without the profiler.\n\n"
        + profiler.output_text(show_all=False)
    )
    # The report names files relative to the checkout, wherever it lives.
    text = text.replace(f"{Path(__file__).resolve().parents[1]}/", "")
    if options.out:
        Path(options.out).write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
