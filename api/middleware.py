"""Every error answer under /api/ is an RFC 9457 problem, whoever made it: the
views and ninja's handlers make theirs; this turns the rest into one (ninja's 405
for a method an operation does not take, a CSRF refusal of a POST to an address
that names no operation, ninja's own 404 at the API's root)."""

from django.utils.translation import gettext_lazy as _

from api.problems import PROBLEM, Problem, problem_response

TITLES = {
    400: _("Bad request"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    413: _("Content Too Large"),
}
DETAILS = {
    403: _("The request was refused."),
    404: _("No operation of the API has this address."),
    405: _("This operation does not take this method; see the Allow header."),
}


class ProblemAnswers:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith(PROBLEM)
        ):
            return response
        status = response.status_code
        problem = Problem(
            status, TITLES.get(status, _("Refused")), DETAILS.get(status, "")
        )
        if response.has_header("Allow"):
            problem.headers["Allow"] = response["Allow"]
        if response.has_header("Retry-After"):
            problem.headers["Retry-After"] = response["Retry-After"]
        return problem_response(request, problem)
