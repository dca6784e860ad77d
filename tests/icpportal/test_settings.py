"""Settings from the environment: the secret key rule and the documented defaults."""

import os
import subprocess
import sys

from django.conf import settings


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import icpportal.settings as s; print(s.SECRET_KEY)"],
        env=clean,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_uses_the_fixed_development_key():
    result = _load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("django-insecure-")


def test_explicit_key_is_used():
    result = _load_settings(DEBUG="false", SECRET_KEY="k" * 50)
    assert result.stdout.strip() == "k" * 50


def test_time_zone_and_languages():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_the_queue_window_is_read_and_checked():
    ok = subprocess.run(
        [
            sys.executable,
            "-c",
            "import icpportal.settings as s; print(s.QUEUE_DEADLINE_HOURS)",
        ],
        env={**os.environ, "DEBUG": "true", "QUEUE_DEADLINE_HOURS": "12"},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert ok.stdout.strip() == "12", ok.stderr
    bad = _load_settings(DEBUG="true", QUEUE_DEADLINE_HOURS="0")
    assert bad.returncode != 0
    assert "QUEUE_DEADLINE_HOURS must be 1 to 48." in bad.stderr


def test_log_file_takes_the_log_lines_off_the_terminal(tmp_path):
    """LOG_FILE (make demo): log lines go to the file, the terminal keeps the
    command's own output."""
    log = tmp_path / "demo.log"
    clean = {k: v for k, v in os.environ.items() if k != "LOG_FILE"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, logging; django.setup(); "
            "logging.getLogger('verification').info('SMS 7 queued'); print('done')",
        ],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "icpportal.settings",
            "DEBUG": "true",
            "LOG_FILE": str(log),
        },
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert "SMS 7 queued" not in result.stderr
    assert "INFO verification [- -] SMS 7 queued" in log.read_text()


def test_manage_py_says_a_missing_setting_in_one_line():
    """A newcomer running manage.py without SECRET_KEY (and DEBUG off) gets the
    sentence to act on, not a traceback."""
    unset = {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    # DEBUG=false given, as a .env file of a development checkout may turn it on.
    clean = {k: v for k, v in os.environ.items() if k not in unset} | {"DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=clean,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "manage.py: SECRET_KEY is not set. Set the SECRET_KEY environment variable, "
        "or DEBUG=true for local development."
    ]
