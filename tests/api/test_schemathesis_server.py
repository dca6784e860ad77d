"""Schemathesis's command line against the API served by gunicorn (DEBUG off,
PostgreSQL), as a provider's engineers or an auditor would run it: positive and
negative examples of every operation, every check but "schema-valid data is
accepted" (a filing is valid by check digits and reference data JSON Schema cannot
state). No answer may be a 5xx, and every refusal must keep to the document.

The operations that take a webhook address are left out: resolving the address a
generator made up would send a DNS query off this machine. They are fed the
hostile corpus in-process instead (`tests/hardening/test_hostile_input.py`), and
schemathesis in-process with a resolver table (`tests/api/test_schemathesis.py`).
"""

import os
import subprocess

import pytest
from django.db import connection

from filings.models import Provider
from integrations import keys
from tests.conftest import postgres_only
from tests.servers import BIN, database_url, gunicorn

pytestmark = [
    postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]
EXAMPLES = 25


@pytest.fixture
def server(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "icpportal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "schemathesis-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "SMS_BACKEND": "database",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(tmp_path / "static"),
        "API_RATELIMIT": "100000/m",
    }
    log = tmp_path / "gunicorn.out"
    try:
        with gunicorn(env, log, "-w", "2") as base:
            yield base, log
    finally:
        connection.close()


def test_schemathesis_finds_no_server_error_and_no_departure_from_the_document(
    server, tmp_path
):
    base, log = server
    _, key = keys.create_key(Provider.objects.get(code="aliyun"), "schemathesis")
    run = subprocess.run(
        [
            str(BIN / "st"),
            "run",
            f"{base}/api/v1/openapi.json",
            "--mode",
            "all",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            "20261206",
            "--generation-deterministic",
            "--header",
            f"Authorization: Bearer {key}",
            "--exclude-operation-id",
            "api_views_create_webhook",
            "--exclude-operation-id",
            "api_views_change_webhook",
            "--request-timeout",
            "30",
            "--report-dir",
            str(tmp_path / "report"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    assert "Internal Server Error" not in log.read_text()
    assert "operations" in output.lower()
