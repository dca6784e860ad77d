"""Settings for the test suite: the normal settings with a throwaway key.

The database still comes from DATABASE_URL, so the same suite runs on SQLite (the
default) and on PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-key-not-secret")

from icpportal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_BACKEND = "locmem"
TASKS = {"default": {"BACKEND": "infra.scope.ImmediateBackend"}}
SITE_URL = "http://testserver"
CAPTCHA_TEST_MODE = True
DEMO_MODE = True
# Most tests log in with a password alone; the second factor's own tests turn it on.
STAFF_SECOND_FACTOR = False
# The simulated administration decides nothing unless a test turns it on.
SIMULATED_ADMINISTRATION = False
# Serve static files from the app folders, as in development (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The production hardening is tested by `check --deploy`; the suite talks plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test client's login() authenticates without a request, which the lockout's
# backend refuses; the suite's own lends it an empty one (tests/login_backend.py).
AUTHENTICATION_BACKENDS = [
    "tests.login_backend.TestClientLockoutBackend",
    # Django's own, whose user also says whose staff they are (infra.scope).
    "console.staff.StaffBackend",
]
