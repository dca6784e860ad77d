"""The production profile: settings from the environment pass `check --deploy`."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Jq2-production-like-secret-key-0123456789abcdefghijklmnopQRSTUV",
    "ALLOWED_HOSTS": "icp.example.com",
    "DATABASE_URL": "postgres://icp:secret@127.0.0.1:5432/icpportal",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "TASK_BACKEND": "database",
    "LOG_FORMAT": "json",
}


def run_check(**extra):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "icpportal.settings",
        **PRODUCTION,
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_profile_is_clean():
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_weakening_it_is_reported():
    result = run_check(SECURE_SSL_REDIRECT="false", SESSION_COOKIE_SECURE="false")
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W012" in result.stderr


def test_test_switches_are_reported():
    result = run_check(CAPTCHA_TEST_MODE="true", RATELIMIT_ENABLED="false")
    assert result.returncode != 0
    assert "portal.W001" in result.stderr and "portal.W002" in result.stderr


def test_a_per_process_cache_is_reported():
    result = run_check(CACHE_URL="locmemcache://")
    assert result.returncode != 0
    assert "verification.W001" in result.stderr
    assert "CACHE_URL=redis://" in result.stderr


def language_cookie(**extra):
    """The language cookie's flags as the production profile sets them."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "icpportal.settings",
        **PRODUCTION,
        **extra,
    }
    script = (
        "from django.conf import settings as s; "
        "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_the_language_cookie_is_as_secure_as_the_session_cookie():
    assert language_cookie() == ["True", "Lax"]
    assert language_cookie(SESSION_COOKIE_SECURE="false") == ["False", "Lax"]
