"""The provider API, version 1 (django-ninja): submit, read, list and withdraw filings;
register webhook endpoints; read the event feed.

Every request carries one provider's key (`Authorization: Bearer …`) and sees only that
provider's filings: another provider's reference is answered 404, as an unknown one
is. Errors are RFC 9457 problem details, in the language of `Accept-Language`
(Chinese by default, English). The OpenAPI 3.1 document is at `/api/v1/openapi.json`.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from api import events, filings, openapi, test_clocks, webhook_endpoints
from api.problems import Problem, problem_response
from integrations import keys

logger = logging.getLogger(__name__)


class ProviderKey(HttpBearer):
    """A live provider key; a key over its throttle is answered 429."""

    def authenticate(self, request, token):
        record = keys.authenticate(token)
        if record is None:
            return None
        wait = keys.throttled(record)
        if wait:
            raise Problem(
                429,
                _("Too many requests"),
                _("This key sent too many requests; try again in %(s)d seconds."),
                headers={"Retry-After": str(wait)},
                s=wait,
            )
        return record


# The operations' ids as first published, when every operation lived in this module:
# clients generated from the OpenAPI document name their methods after them.
OPERATION_ID_PREFIX = "api_views_"


class ProviderApi(NinjaAPI):
    """The API, its document finished by `openapi.finish`, its operation ids kept."""

    def get_openapi_operation_id(self, operation):
        return f"{OPERATION_ID_PREFIX}{operation.view_func.__name__}"

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return openapi.finish(super().get_openapi_schema(path_prefix=path_prefix))


api = ProviderApi(
    title="icpportal provider API",
    version="1",
    description=openapi.DESCRIPTION,
    urls_namespace="api-v1",
    auth=ProviderKey(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(Problem)
def _problem(request, exc):
    return problem_response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return problem_response(
        request,
        Problem(
            401,
            _("Not authenticated"),
            _("Send a live API key of your provider: Authorization: Bearer <key>."),
            headers={"WWW-Authenticate": 'Bearer realm="icpportal"'},
        ),
    )


@api.exception_handler(NinjaValidationError)
def _invalid_parameters(request, exc):
    errors = [
        (_parameter_path(error.get("loc", ())), error.get("msg", ""))
        for error in exc.errors
    ]
    return problem_response(
        request,
        Problem(422, _("Invalid request"), _("A parameter is not valid."), errors),
    )


def _parameter_path(location):
    """A refused value's path as the provider wrote it: `reason`, not the view's
    own name for the body (`withdrawal.reason`); `limit` for a query parameter."""
    where, *path = location or ("",)
    if where == "body" and len(path) > 1:
        path = path[1:]
    return ".".join(str(part) for part in path)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(request, Problem(404, _("Not found"), _("No such filing.")))


def no_such_address(request, *args, **kwargs):
    """An address under /api/ that names no operation: 404 as a problem."""
    return problem_response(
        request,
        Problem(404, _("Not found"), _("No operation of the API has this address.")),
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """Ninja's own refusals (a body it cannot parse, say), as problems."""
    if exc.status_code == 400:
        return _bad_request(request, exc)
    return problem_response(request, Problem(exc.status_code, _("Refused"), str(exc)))


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    return problem_response(
        request,
        Problem(
            413,
            _("Content Too Large"),
            _("The body is larger than %(limit)d bytes."),
            limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        ),
    )


# What a request's content can make Python or the database refuse: JSON nested past
# the recursion limit, a lone surrogate that cannot be encoded, a NUL PostgreSQL will
# not store, a value longer than its column. The request was wrong, not the server.
BAD_INPUT = (
    RecursionError,
    UnicodeError,
    ValueError,
    OverflowError,
    DataError,
    SuspiciousOperation,
)


def _bad_request(request, exc):
    return problem_response(
        request,
        Problem(
            400,
            _("Bad request"),
            _(
                "The request holds something that cannot be read or stored (nesting "
                "too deep, a character that is not text, a NUL)."
            ),
        ),
    )


@api.exception_handler(Exception)
def _unexpected(request, exc):
    """The last resort: what the input broke is a 400; anything else a 500, both
    as problems, never the HTML error page."""
    if isinstance(exc, BAD_INPUT):
        logger.warning("API request refused as unreadable: %r", exc, exc_info=exc)
        return _bad_request(request, exc)
    logger.exception("API request failed")
    return problem_response(
        request,
        Problem(
            500,
            _("Server error"),
            _("The request failed on our side; nothing was half saved. Try again."),
        ),
    )


api.add_router("", filings.router)
api.add_router("", webhook_endpoints.router)
api.add_router("", events.router)
api.add_router("", test_clocks.router)
