"""What the benchmarks share: logging, scratch databases, the machine's description."""

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# One key for every process of a run: codes hashed by the fill must match the server.
ENV = {
    "DJANGO_SETTINGS_MODULE": "icpportal.settings",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
}


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def database_url(name):
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    return f"{base}/{name}"


def recreate_database(url):
    """Drop and create the database named at the end of `url`."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url, **extra):
    """Configure this process for the database at `url` and start Django."""
    os.environ.update(ENV)
    os.environ.update(extra)
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def manage(*args, env=None, **kwargs):
    """Run manage.py in a child process with the benchmark environment."""
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env={**os.environ, **ENV, **(env or {})},
        check=True,
        **kwargs,
    )


def machine():
    """The machine and the versions the figures were measured with."""
    import django
    import psycopg

    def first_line(*command):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "not found"

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    with psycopg.connect(database_url("postgres")) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "redis": first_line("redis-server", "--version"),
        "gunicorn": first_line(str(Path(PYTHON).parent / "gunicorn"), "--version"),
        "wrk": first_line("wrk", "--version"),
    }
