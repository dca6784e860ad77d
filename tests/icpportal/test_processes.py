"""The embedded default (SQLite, the per-process cache) under gunicorn with two
workers: a submission's answer survives its redirect landing on the other process, and
a training room of concurrent writers gets no error."""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from tests.records import person, record, website, write_import_file
from tests.servers import Browser, free_port, gunicorn

BIN = Path(sys.executable).parent
# A bounded load: long enough for the writers to collide many times over.
TRAINING_SECONDS = 12


@pytest.fixture
def sqlite_site(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "icpportal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "processes-test-secret-key-0123456789-abcdefghijklmnopqrstuv",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "CACHE_URL": "locmemcache://",  # each process has its own
        "TASK_BACKEND": "immediate",
        "SMS_BACKEND": "database",
        "DEMO_MODE": "true",
        "RATELIMIT_ENABLED": "false",  # one test address plays a whole room
        "CAPTCHA_TEST_MODE": "true",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    for command in (["migrate"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command, "-v0"], env=env, check=True, timeout=300)
    log = tmp_path / "gunicorn.out"
    with gunicorn(env, log, "-w", "2", "--threads", "4", port=port) as base:
        yield {"base": base, "env": env, "manage": manage, "log": log, "tmp": tmp_path}


def _import(site, people):
    data = [record(leader=p, services=[website(p)]) for p in people]
    subprocess.run(
        [*site["manage"], "import_filings", write_import_file(site["tmp"], data)],
        env=site["env"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_the_answer_survives_the_other_process(sqlite_site):
    someone = person("王五")
    _import(sqlite_site, [someone])
    browser = Browser(sqlite_site["base"])
    answers = []
    for _ in range(12):
        _, page = browser.submit(
            "/verify/",
            {
                "code": "000000",
                "mobile": someone["mobile"],
                "cert_last6": someone["certificate_number"][-6:],
            },
        )
        found = re.search(r'data-valid-status="(\d+)"', page)
        answers.append(found.group(1) if found else "lost")
        kept = re.search(r'name="mobile" value="(\d+)"', page)
        assert kept and kept.group(1) == someone["mobile"]
    # Five wrong codes fail the person (2, 2, 2, 2, 21), then nothing is pending
    # for that number: every answer was shown, none lost between the processes.
    assert answers == ["2"] * 4 + ["21"] + ["21"] * 7


class Room:
    """Trainees pressing "Try it" and resending codes, each with its own cookies."""

    def __init__(self, base, people, until):
        self.base, self.people, self.until = base, people, until
        self.answers = Counter()
        self.lock = threading.Lock()

    def _count(self, what):
        with self.lock:
            self.answers[what] += 1

    def _post(self, browser, path, fields):
        try:
            _, page = browser.get(path)
            hidden = dict(
                re.findall(
                    r'name="(csrfmiddlewaretoken|submission)" value="([^"]+)"', page
                )
            )
            data = {**hidden, "captcha_0": "x", "captcha_1": "PASSED", **fields}
            request = urllib.request.Request(
                self.base + path,
                data=urllib.parse.urlencode(data).encode(),
                method="POST",
            )
            with browser.opener.open(request, timeout=30) as response:
                self._count(response.status)
        except urllib.error.HTTPError as exc:
            self._count(exc.code)
        except OSError as exc:
            self._count(f"connection: {exc.__class__.__name__}")

    def try_it(self):
        while time.monotonic() < self.until:
            self._post(Browser(self.base), "/demo/", {})

    def resend(self, someone):
        browser = Browser(self.base)
        fields = {
            "mobile": someone["mobile"],
            "cert_last6": someone["certificate_number"][-6:],
        }
        while time.monotonic() < self.until:
            self._post(browser, "/resend/", fields)


def test_a_training_room_of_writers_gets_no_error(sqlite_site):
    people = [person(f"学员{n}") for n in range(4)]
    _import(sqlite_site, people)
    room = Room(sqlite_site["base"], people, time.monotonic() + TRAINING_SECONDS)
    threads = [threading.Thread(target=room.try_it) for _ in range(2)]
    threads += [threading.Thread(target=room.resend, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TRAINING_SECONDS + 120)
    assert sum(room.answers.values()) > 20, room.answers
    assert set(room.answers) == {200}, (
        room.answers
    )  # every POST answered, after its 303
    outbox = json.loads(
        subprocess.run(
            [*sqlite_site["manage"], "sms_outbox", "--json"],
            env=sqlite_site["env"],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )
    assert Counter(m["status"] for m in outbox) == {"sent": len(outbox)}
    assert "database is locked" not in sqlite_site["log"].read_text()
