import pytest
from django.db import connection

pytest_plugins = ["tests.browser", "tests.staff_logins"]

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks and concurrent connections; "
    "run with DATABASE_URL=postgres://...",
)


@pytest.fixture
def run_command():
    """Run a management command; return (exit code, stdout, stderr)."""
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    def run(*args, **options):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(*args, stdout=out, stderr=err, **options)
        except CommandError as exc:
            err.write(str(exc))
            return 1, out.getvalue(), err.getvalue()
        return 0, out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def reference_data(transactional_db):
    """Reload what the data migrations made (provinces, providers, staff groups) for
    transactional tests, which flush every table."""
    import importlib

    from django.apps import apps

    for name, function in (
        ("0002_reference_data", "load"),
        ("0003_provider_sms", "load"),
        ("0005_staff_groups", "create_groups"),
        ("0007_supervisor_time_travel", "grant"),
    ):
        module = importlib.import_module(f"filings.migrations.{name}")
        getattr(module, function)(apps, None)
    for name, function in (
        ("0002_case_work_permissions", "grant"),
        ("0003_supervisor_login_records", "grant"),
        ("0006_support_desk_permissions", "grant"),
        ("0011_manage_staff_permission", "grant"),
    ):
        module = importlib.import_module(f"console.migrations.{name}")
        getattr(module, function)(apps, None)
    importlib.import_module("demo.migrations.0002_trainer_permission").grant(apps, None)
    importlib.import_module("api.migrations.0002_supervisor_keys").grant(apps, None)


@pytest.fixture(autouse=True)
def _fresh_cache_and_outbox():
    """Throttle counters and the locmem SMS outbox start empty in every test."""
    from django.core.cache import cache

    from demo import clock, timetravel
    from verification.sms import locmem

    cache.clear()
    # As on a running server, the demo clock is in the cache (at the real time):
    # only a cold cache's first request reads it from the database.
    cache.set(timetravel.CLOCK_CACHE_KEY, clock.ZERO, None)
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture(autouse=True)
def _real_time():
    """A test that moved the demo's clock (time travel) leaves the next one at the
    real time."""
    from demo import clock

    yield
    clock.set_ahead(clock.ZERO)


def _reset_task_backends(*, setting, **kwargs):
    """Django caches TASKS in its backend handler; drop it when a test changes TASKS."""
    if setting != "TASKS":
        return
    from asgiref.local import Local
    from django.tasks import task_backends

    task_backends._settings = None
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


def pytest_configure(config):
    from django.test.signals import setting_changed

    setting_changed.connect(_reset_task_backends, weak=False)
