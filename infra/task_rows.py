"""What the database task queue knows about its tasks: which are still alive, and
reaping the rows that a dead worker left "running".

`django_tasks_db` marks a task RUNNING when a worker claims it and never looks at it
again if that worker is killed: the row stays RUNNING for good. These helpers let the
sweeps tell a task that is waiting or running from one that is gone. With any other
task backend (the immediate one) there are no rows: nothing is alive between calls,
and there is nothing to reap.
"""

import datetime
import logging
from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django.tasks.base import Task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

WORKER_LOST = "infra.task_rows.WorkerLost"
WORKER_LOST_TRACEBACK = (
    "The worker running this task stopped before it finished (killed, or its "
    "machine went away); a sweep marked it failed and recovered its work.\n"
)


class Stuck(Exception):
    """Work that should have moved and did not (a /healthz?deep=1 check's answer)."""


def uses_task_rows() -> bool:
    """True when tasks are queued as database rows (`TASK_BACKEND=database`)."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    return backend.__class__.__name__ == "DatabaseBackend"


def _first_arguments(rows: "QuerySet[DBTaskResult[Any, Any]]") -> set[Any]:
    found = set()
    for args_kwargs in rows.values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        if args:
            found.add(args[0])
    return found


def waiting_for(task: Task[Any, Any], first_arguments: Collection[Any]) -> set[Any]:
    """Of `first_arguments`, those some queued (READY) task row of `task` will run
    (now or later: a retry deferred with `run_after` counts)."""
    if not uses_task_rows() or not first_arguments:
        return set()
    rows = DBTaskResult.objects.filter(
        task_path=task.module_path,
        status=TaskResultStatus.READY,
        args_kwargs__args__0__in=list(first_arguments),
    )
    return _first_arguments(rows) & set(first_arguments)


def fail_running(
    task: Task[Any, Any],
    first_arguments: Collection[Any],
    *,
    now: datetime.datetime | None = None,
) -> int:
    """Mark failed the RUNNING rows of `task` for `first_arguments`: the caller knows
    their worker is gone (their work shows no sign of them). Returns how many."""
    if not uses_task_rows() or not first_arguments:
        return 0
    return DBTaskResult.objects.filter(
        task_path=task.module_path,
        status=TaskResultStatus.RUNNING,
        args_kwargs__args__0__in=list(first_arguments),
    ).update(**_failed(now))


def reap(older_than_seconds: float, *, now: datetime.datetime | None = None) -> int:
    """Mark failed every RUNNING task row claimed more than `older_than_seconds`
    ago: no task of this app runs that long, so its worker died. Their work is
    recovered by the sweeps from the records themselves (texts, deliveries), never
    from these rows. Returns how many rows were reaped."""
    if not uses_task_rows():
        return 0
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    reaped = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=cutoff
    ).update(**_failed(now))
    if reaped:
        logger.warning("Reaped %s task(s) left running by a dead worker", reaped)
    return reaped


def stale_running(
    older_than_seconds: float, *, now: datetime.datetime | None = None
) -> int:
    """How many RUNNING task rows were claimed more than `older_than_seconds` ago."""
    if not uses_task_rows():
        return 0
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=cutoff
    ).count()


def _failed(now: datetime.datetime | None) -> dict[str, Any]:
    return {
        "status": TaskResultStatus.FAILED,
        "finished_at": now or timezone.now(),
        "exception_class_path": WORKER_LOST,
        "traceback": WORKER_LOST_TRACEBACK,
    }
