"""What a request gets when something below the app is down.

The database unreachable (a restart, a failover, a dropped connection): a 503 with the
plain bilingual page, which needs no database, and `Retry-After`; the request's
transaction was rolled back, and the next request opens a fresh connection, so the
site recovers by itself. Anything else unexpected: the same page with a 500.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)
UNAVAILABLE = (OperationalError, InterfaceError)


def _page(request, status, heading, explanation):
    """An error page in the site's layout and language, with the simulation banner.
    It reads nothing from the database, so it renders while that is down."""
    context = {"status": status, "heading": heading, "explanation": explanation}
    return HttpResponse(
        loader.render_to_string("error.html", context, request=request), status=status
    )


def bad_request(request, exception=None):
    """handler400."""
    return _page(
        request,
        400,
        _("The request could not be understood"),
        _("Something in what the browser sent was malformed. Go back and try again."),
    )


def permission_denied(request, exception=None):
    """handler403 (a refused form token comes here too, see CSRF_FAILURE_VIEW)."""
    return _page(
        request,
        403,
        _("This page is not open to you"),
        _(
            "The page refused the request. If you were sending a form, reload the "
            "page and send it again."
        ),
    )


def csrf_failure(request, reason=""):
    """The form's security token was missing or stale: the 403 page."""
    return permission_denied(request)


def page_not_found(request, exception=None):
    """handler404."""
    return _page(
        request,
        404,
        _("There is no such page"),
        _(
            "The address may be mistyped, or the page has moved. The verification "
            "pages are listed on the home page."
        ),
    )


def server_error(request):
    """handler500: called while the exception is being handled."""
    # Django wraps the driver's errors: a database that cannot be reached (or went
    # away mid-query) is an OperationalError or an InterfaceError.
    down = isinstance(sys.exception(), UNAVAILABLE)
    try:
        response = _page(
            request,
            503 if down else 500,
            _("The system cannot handle your request right now"),
            _("Nothing you submitted was half saved. Please try again in a moment."),
        )
    except Exception:  # noqa: BLE001 -- the last resort must not fail in turn
        logger.exception("The error page could not be rendered; the plain one is sent")
        response = HttpResponse(
            loader.render_to_string("500.html"), status=503 if down else 500
        )
    if down:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
