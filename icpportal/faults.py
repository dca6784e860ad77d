"""What a request gets when something below the app is down.

The database unreachable (a restart, a failover, a dropped connection): a 503 with the
plain bilingual page, which needs no database, and `Retry-After`; the request's
transaction was rolled back, and the next request opens a fresh connection, so the
site recovers by itself. Anything else unexpected: the same page with a 500.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request):
    """handler500: called while the exception is being handled."""
    # Django wraps the driver's errors: a database that cannot be reached (or went
    # away mid-query) is an OperationalError or an InterfaceError.
    down = isinstance(sys.exception(), UNAVAILABLE)
    response = HttpResponse(
        loader.render_to_string("500.html"), status=503 if down else 500
    )
    if down:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
