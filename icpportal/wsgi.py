"""WSGI entry point (gunicorn icpportal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icpportal.settings")

application = get_wsgi_application()
