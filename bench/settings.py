"""The application's settings plus one bare view and the django-otp peer, to measure
the stack's own cost and the peer's beside ours."""

from icpportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "django_otp.plugins.otp_email"]  # noqa: F405

# The verify bench's profiling run: every request profiled (bench/profiling.py).
if env.str("BENCH_PROFILE_DIR", default=""):  # noqa: F405
    MIDDLEWARE = ["bench.profiling.ProfileMiddleware", *MIDDLEWARE]  # noqa: F405
