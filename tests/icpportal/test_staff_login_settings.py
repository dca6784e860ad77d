"""The staff login lockout's settings: read from the environment into django-axes's,
with documented defaults, and a limit or cool-off under 1 stops start-up."""

import os
import subprocess
import sys

from django.conf import settings

SHOW = (
    "import icpportal.settings as s; "
    "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), "
    "s.AXES_LOCKOUT_PARAMETERS, s.AXES_CLIENT_IP_CALLABLE, "
    "s.AXES_ENABLE_ACCESS_FAILURE_LOG, s.AUTHENTICATION_BACKENDS[0])"
)


def _load(**env):
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**os.environ, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_the_defaults():
    result = _load()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "5",
        "900",
        "['username',",
        "'ip_address']",
        "infra.proxies.request_client_address",
        "True",
        "axes.backends.AxesStandaloneBackend",
    ]


def test_the_environment_sets_them():
    result = _load(STAFF_LOGIN_FAILURE_LIMIT="8", STAFF_LOGIN_COOLOFF_MINUTES="30")
    assert result.stdout.split()[:2] == ["8", "1800"], result.stderr


def test_a_limit_under_one_stops_start_up():
    for name in ("STAFF_LOGIN_FAILURE_LIMIT", "STAFF_LOGIN_COOLOFF_MINUTES"):
        result = _load(**{name: "0"})
        assert result.returncode != 0
        assert "must be at least 1" in result.stderr
