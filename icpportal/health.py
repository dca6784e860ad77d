"""/healthz: is the database, the cache and the task queue usable from here?

`/healthz?deep=1` also runs the deep checks: is work stuck that should have moved (a
text that has not left, a task row a dead worker left running)? It reads the database
more, so it is for monitoring, not for a load balancer's probe every second.
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.models import DBTaskResult

from infra import task_rows
from verification import deadlines


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
    if task_rows.uses_task_rows():
        DBTaskResult.objects.exists()  # the queue table answers
        return "ok (database queue)"
    return f"ok ({backend.__class__.__name__})"


def _tasks_left_running():
    left = task_rows.stale_running(settings.TASK_STALE_RUNNING_SECONDS)
    if left:
        raise task_rows.Stuck(
            f"{left} task rows running for over {settings.TASK_STALE_RUNNING_SECONDS}"
            " s (their worker died; the sweeps reap them)"
        )
    return "ok"


CHECKS = {"database": _database, "cache": _cache, "task_queue": _task_queue}
# name -> a function that returns its state, or raises task_rows.Stuck (or fails)
DEEP_CHECKS = {
    "stranded_texts": deadlines.stranded_texts_state,
    "tasks_left_running": _tasks_left_running,
}


def healthz(request):
    """200 with each component's state, or 503 naming what is down (and, with
    `?deep=1`, what is stuck)."""
    results, healthy = {}, True
    checks = dict(CHECKS)
    if request.GET.get("deep") == "1":
        checks.update(DEEP_CHECKS)
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            state = check()
        except task_rows.Stuck as exc:
            healthy = False
            state = f"stuck: {exc}"
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
