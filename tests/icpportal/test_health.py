"""/healthz reports the database, the cache and the task queue; ?deep=1 also\nwhat is stuck."""

import datetime

import pytest
from django.core.cache import cache
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.verification.helpers import submitted_filing
from verification.models import SmsKind, SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "task_queue"}
    assert all(c["state"].startswith("ok") for c in body["checks"].values())


def test_cache_down_is_503(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis refused the connection")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["state"] == "down: ConnectionError"


def test_database_down_is_503(client, monkeypatch):
    from icpportal import health

    def broken():
        raise OSError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["state"] == "down: OSError"


def test_database_task_queue_is_checked(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert client.get("/healthz").json()["checks"]["task_queue"]["state"] == (
        "ok (database queue)"
    )


def test_deep_reports_a_stranded_text(client, settings):
    """?deep=1 names texts that waited too long to leave; the plain probe, which
    load balancers poll, does not read them."""
    settings.SMS_BACKEND = "locmem"
    assert (
        client.get("/healthz?deep=1").json()["checks"]["stranded_texts"]["state"]
        == "ok"
    )
    submitted_filing()
    SmsMessage.objects.filter(kind=SmsKind.VERIFICATION_CODE).update(
        status=SmsStatus.QUEUED,
        created_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    deep = client.get("/healthz?deep=1")
    assert deep.status_code == 503
    assert deep.json()["checks"]["stranded_texts"]["state"] == (
        "stuck: 2 texts queued and 0 being sent for over 120 s"
    )
    assert client.get("/healthz").status_code == 200


def test_deep_reports_task_rows_left_running(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert client.get("/healthz?deep=1").status_code == 200
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="verification.deadlines.process_deadlines_task",
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=1),
    )
    deep = client.get("/healthz?deep=1")
    assert deep.status_code == 503
    assert deep.json()["checks"]["tasks_left_running"]["state"] == (
        "stuck: 1 task rows running for over 900 s (their worker died; the sweeps "
        "reap them)"
    )
