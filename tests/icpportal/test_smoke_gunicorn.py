"""Smoke test of a production-like deployment: gunicorn and a task worker on loopback,
against PostgreSQL and Redis. A filing is imported, its texts read from the outbox and
both people verify over HTTP."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import postgres_only
from tests.records import person, record, website, write_import_file
from tests.servers import Browser, free_port

pytestmark = [
    postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]
BIN = Path(sys.executable).parent


def _redis_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def deployment(tmp_path):
    if not _redis_up():
        pytest.fail("Redis is not running on 127.0.0.1:6379 (see .ci/run)")
    db = connection.settings_dict
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "icpportal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "smoke-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}"
        ),
        "CACHE_URL": "redis://127.0.0.1:6379/15",
        "TASK_BACKEND": "database",
        "SMS_BACKEND": "database",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_FORMAT": "json",
        # plain HTTP on loopback: the TLS settings are checked by check --deploy
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "CAPTCHA_TEST_MODE": "true",  # a scripted run cannot read the picture
    }
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    logs = tmp_path / "logs"
    logs.mkdir()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "icpportal.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=(logs / "gunicorn.out").open("w"),
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [
            *manage,
            "db_worker",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--no-reload",
        ],
        env=env,
        stdout=(logs / "worker.out").open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(
                "gunicorn did not answer: " + (logs / "gunicorn.out").read_text()
            )
        yield {"base": base, "env": env, "manage": manage, "logs": logs}
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(timeout=20)
        connection.close()


def test_import_read_the_texts_and_verify_both_people(deployment, tmp_path):
    env, manage = deployment["env"], deployment["manage"]
    leader, admin = person("张三"), person("李四")
    data = record(leader=leader, services=[website(admin)])
    subprocess.run(
        [*manage, "import_filings", write_import_file(tmp_path, [data])],
        env=env,
        check=True,
    )
    codes = {}
    for someone in (leader, admin):
        for _ in range(50):
            outbox = json.loads(
                subprocess.run(
                    [*manage, "sms_outbox", "--to", someone["mobile"], "--json"],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            texts = [m for m in outbox if m["kind"] == "verification_code"]
            if texts and texts[0]["sent_at"]:  # delivered by the worker
                break
            time.sleep(0.2)
        assert texts and texts[0]["sent_at"], outbox
        codes[someone["mobile"]] = re.search(
            r"验证码为(\d{6})", texts[0]["text"]
        ).group(1)
        assert deployment["base"] + "/verify/" in texts[0]["text"]

    browser = Browser(deployment["base"])
    answers = []
    for someone in (leader, admin):
        status, page = browser.submit(
            "/verify/",
            {
                "code": codes[someone["mobile"]],
                "mobile": someone["mobile"],
                "cert_last6": someone["certificate_number"][-6:],
            },
        )
        assert status == 200
        answers.append(re.search(r'data-valid-status="(\d+)"', page).group(1))
    assert answers == ["31", "3"]

    status, body = browser.get("/healthz")
    health = json.loads(body)
    assert health["checks"]["task_queue"]["state"] == "ok (database queue)"
    log = (deployment["logs"] / "gunicorn.out").read_text()
    assert leader["mobile"] not in log and codes[leader["mobile"]] not in log
