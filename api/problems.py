"""What the provider API answers when it does not succeed: RFC 9457 problem details,
in the language of `Accept-Language` (Chinese by default, English)."""

import functools

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

PROBLEM = "application/problem+json"


def api_language(request):
    """The answer's language from `Accept-Language`: English if asked for first,
    else Chinese."""
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh-hans"
    return "zh-hans"


def in_api_language(view):
    """Run `view` in the language the request asks for (`api_language`)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with translation.override(api_language(request)):
            return view(request, *args, **kwargs)

    return wrapped


class Problem(Exception):
    """An answer other than success, as RFC 9457 problem details."""

    def __init__(  # noqa: PLR0913 - the problem document's members
        self, status, title, detail="", errors=(), headers=None, code=None, **params
    ):
        super().__init__(str(title))
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers, self.params = list(errors), headers or {}, params
        self.code = code

    def body(self):
        body = {
            "type": "about:blank",
            "title": str(self.title),
            "status": self.status,
            "detail": str(self.detail) % self.params
            if self.params
            else str(self.detail),
        }
        if self.code:
            body["code"] = self.code
        if self.errors:
            body["errors"] = [{"path": p, "message": m} for p, m in self.errors]
        return body


def invalid_parameter(detail, path, message):
    """A 422 for one bad parameter or header: `detail` for people, `message` as
    `errors` names it."""
    return Problem(422, _("Invalid request"), detail, [(path, message)])


def problem_response(request, problem):
    with translation.override(api_language(request)):
        response = JsonResponse(
            problem.body(), status=problem.status, content_type=PROBLEM
        )
    for name, value in problem.headers.items():
        response[name] = value
    return response
