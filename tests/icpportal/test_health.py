"""/healthz reports the database, the cache and the task queue."""

import pytest
from django.core.cache import cache

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
