"""WSGI entry point (gunicorn icpportal.wsgi)."""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icpportal.settings")

application = get_wsgi_application()

# A web server runs no system checks of its own: a gateway missing a setting must
# stop the start, not fail the first text.
_errors = [error for error in checks.run_checks(tags=["sms"]) if error.is_serious()]
if _errors:
    raise ImproperlyConfigured("\n".join(str(error) for error in _errors))
