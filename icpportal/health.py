"""/healthz: is the database, the cache and the task queue usable from here?"""

import time
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("a value written to the cache did not come back")
    cache.delete(key)
    return "ok"


def _task_queue():
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if backend.__class__.__name__ == "DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()  # the queue table answers
        return "ok (database queue)"
    return f"ok ({backend.__class__.__name__})"


CHECKS = {"database": _database, "cache": _cache, "task_queue": _task_queue}


def healthz(request):
    """200 with each component's state, or 503 naming what is down."""
    results, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            state = check()
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
            healthy = False
            state = f"down: {exc.__class__.__name__}"
        results[name] = {
            "state": state,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    response = JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response
