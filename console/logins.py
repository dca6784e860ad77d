"""The staff login lockout as staff meet it: the login page saying until when a login
name or an address is locked out, and the rule that says so.

django-axes counts the failed logins (`axes.models.AccessAttempt`, one row per login
name, address and browser, with its count and its last failure) and refuses a login
while, within the cool-off, the failures for its login name or from its address reach
`AXES_FAILURE_LIMIT` (settings, "The staff login lockout"). `locked_until` reads the
same rows to tell when that ends.
"""

import datetime
import math
from collections import defaultdict

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from console import timeline
from infra import times

# What the lockout counts by, each on its own (settings.AXES_LOCKOUT_PARAMETERS).
COUNTED_BY = ("username", "ip_address")


def _ends(rows, limit, cool_off):
    """When a lockout over `rows` ((last failure, failures), newest first) lifts, or
    None if they do not reach `limit`: once the row that brought the count to the
    limit leaves the cool-off window, the newer ones alone fall short of it."""
    counted = 0
    for last_failure, failures in rows:
        counted += failures
        if counted >= limit:
            return last_failure + cool_off
    return None


def _window(now):
    return now - get_cool_off()


def locked_until(username, address, now=None):
    """When the lockout on login name `username` or on client address `address` lifts
    (the later of the two), or None if neither is locked out at `now`."""
    now = now or timezone.now()
    ends = []
    for field, value in zip(COUNTED_BY, (username, address), strict=True):
        if not value:
            continue
        rows = (
            AccessAttempt.objects.filter(
                **{field: value}, attempt_time__gte=_window(now)
            )
            .order_by("-attempt_time")
            .values_list("attempt_time", "failures_since_start")
        )
        end = _ends(rows, settings.AXES_FAILURE_LIMIT, get_cool_off())
        if end is not None and end > now:
            ends.append(end)
    return max(ends, default=None)


def current_lockouts(now=None):
    """{(field, value): when it lifts} for every login name and address locked out at
    `now`: one query over the failures still within the cool-off."""
    now = now or timezone.now()
    grouped = defaultdict(list)
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=_window(now))
        .order_by("-attempt_time")
        .values_list(*COUNTED_BY, "attempt_time", "failures_since_start")
    )
    for username, address, last_failure, failures in rows:
        for key in (("username", username), ("ip_address", address)):
            if key[1]:
                grouped[key].append((last_failure, failures))
    found = {}
    for key, counted in grouped.items():
        end = _ends(counted, settings.AXES_FAILURE_LIMIT, get_cool_off())
        if end is not None and end > now:
            found[key] = end
    return found


def wait_text(until, now=None):
    """'15 min' to wait until `until`, rounded up to the minute."""
    now = now or timezone.now()
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return times.duration_text(datetime.timedelta(minutes=minutes))


def lockout_message(username, address):
    """What the login page says to a locked-out login name or address."""
    until = locked_until(username, address)
    if until is None:  # lifted in the meantime; the next try goes through
        return _(
            "Too many failed logins for this login name or from this address. "
            "Please try again."
        )
    return _(
        "Too many failed logins for this login name or from this address: logging "
        "in is locked until %(until)s Beijing time (in %(wait)s). Each failed try "
        "before then starts the wait again; a supervisor can unlock it sooner."
    ) % {"until": timeline.beijing(until), "wait": wait_text(until)}


class StaffLoginForm(AdminAuthenticationForm):
    """The console's login form: a locked-out login is told until when, not that its
    password was wrong (it may have been right)."""

    def get_invalid_login_error(self):
        # django-axes marks the request when this login, or an earlier one, reached
        # the limit (its user_login_failed handler runs inside authenticate()).
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(
                lockout_message(
                    self.cleaned_data.get("username"),
                    getattr(self.request, "axes_ip_address", None),
                ),
                code="locked_out",
            )
        return super().get_invalid_login_error()


def lockout_response(request, original_response=None, credentials=None):
    """The answer to a locked-out login (`AXES_LOCKOUT_CALLABLE`): the login page the
    console rendered, which says until when (`StaffLoginForm`), as 429 Too Many
    Requests with `Retry-After`."""
    username = (credentials or {}).get("username")
    address = getattr(request, "axes_ip_address", None)
    if isinstance(original_response, HttpResponse):
        response = original_response
    else:  # not the console's login page: the sentence alone
        response = HttpResponse(
            lockout_message(username, address), content_type="text/plain; charset=utf-8"
        )
    response.status_code = settings.AXES_HTTP_RESPONSE_CODE
    until = locked_until(username, address)
    if until is not None:
        seconds = math.ceil((until - timezone.now()).total_seconds())
        response["Retry-After"] = str(max(1, seconds))
    return response
