"""The sandbox's test clocks, for test keys only: make one, read it, advance it
(`verification.test_clocks`). A filing submitted with `"test_clock": "clock_…"` runs
on the clock's time."""

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict, StrictInt

from api import openapi
from api.filings import Moment
from api.problems import Problem, in_api_language, invalid_parameter
from filings.importing import is_plain_text
from filings.models import TestClock
from infra.times import BEIJING, rfc3339
from verification import test_clocks

router = Router()
CLOCK_PREFIX = "clock_"


class ClockIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    frozen_time: str | None = None


class AdvanceIn(Schema):
    """Where to: a time (`frozen_time`), or a number of seconds on (`by_seconds`)."""

    model_config = ConfigDict(extra="forbid")

    frozen_time: str | None = None
    by_seconds: StrictInt | None = None


class ClockOut(Schema):
    id: str
    name: str
    frozen_time: Moment
    status: str = Field(description="`ready`, or `advancing` while an advance runs")
    filings: int
    created_at: Moment


class AdvancedOut(ClockOut):
    steps: int
    expired: int
    resends: int
    applicants_acted: int
    approved: int
    rejected: int


def clock_out(clock):
    return {
        "id": f"{CLOCK_PREFIX}{clock.pk}",
        "name": clock.name,
        "frozen_time": rfc3339(clock.now_at),
        "status": "advancing" if clock.is_advancing(timezone.now()) else "ready",
        "filings": clock.filings.count(),
        "created_at": rfc3339(clock.created_at),
    }


def test_key_only(request):
    if request.auth.livemode:
        raise Problem(
            403,
            _("Test keys only"),
            _("Test clocks are the sandbox's: use a test key (icp_test_…)."),
        )


def own_clock(request, clock_id):
    """The test key's provider's clock named `clock_id` ("clock_12"), or 404."""
    test_key_only(request)
    number = str(clock_id).removeprefix(CLOCK_PREFIX)
    clock = None
    if number.isascii() and number.isdigit() and len(number) < 19:
        clock = TestClock.objects.filter(
            provider=request.auth.provider, pk=int(number)
        ).first()
    if clock is None:
        raise Problem(404, _("Not found"), _("No such test clock."))
    return clock


def _moment(text, path):
    """An RFC 3339 time (Beijing time if it names no offset), or 422."""
    moment = None
    try:
        plain = len(text) < 64 and is_plain_text(text)
        moment = parse_datetime(text) if plain else None
        if moment is not None:
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=BEIJING)
            moment.astimezone(datetime.UTC)  # year 1 or 9999 may leave the range
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise invalid_parameter(
            _("The time is not an RFC 3339 time."), path, "must be an RFC 3339 time"
        )
    return moment


@router.post(
    "/test-clocks",
    response={201: ClockOut},
    summary="Make a test clock (test keys only)",
    openapi_extra=openapi.TEST_CLOCK_CREATE,
)
@in_api_language
def create_test_clock(request, clock: ClockIn):
    """A clock for your sandbox, at `frozen_time` (default: now)."""
    test_key_only(request)
    if len(clock.name) > 100 or not is_plain_text(clock.name):
        raise invalid_parameter(
            _("A name has at most 100 characters, and no control characters."),
            "name",
            "at most 100 characters, no control characters",
        )
    at = _moment(clock.frozen_time, "frozen_time") if clock.frozen_time else None
    try:
        made = test_clocks.create(request.auth.provider, name=clock.name, now_at=at)
    except test_clocks.ClockRefused as exc:
        raise invalid_parameter(
            _("The time is refused."), "frozen_time", str(exc)
        ) from exc
    return Status(201, clock_out(made))


@router.get(
    "/test-clocks/{clock_id}",
    response={200: ClockOut},
    summary="Read a test clock",
    openapi_extra=openapi.TEST_CLOCK_READ,
)
@in_api_language
def read_test_clock(request, clock_id: str):
    return clock_out(own_clock(request, clock_id))


@router.post(
    "/test-clocks/{clock_id}/advance",
    response={200: AdvancedOut},
    summary="Move a test clock forward, and its filings with it",
    openapi_extra=openapi.TEST_CLOCK_ADVANCE,
)
@in_api_language
def advance_test_clock(request, clock_id: str, advance: AdvanceIn):
    """Move the clock to `frozen_time`: its filings' deadlines, expiries, automatic
    resends, magic applicants and reviews happen as if that time had passed, with
    their events and webhooks. Answers when it is done."""
    clock = own_clock(request, clock_id)
    if (advance.frozen_time is None) == (advance.by_seconds is None):
        raise invalid_parameter(
            _("Give frozen_time or by_seconds, one of them."),
            "frozen_time",
            "give frozen_time or by_seconds",
        )
    if advance.by_seconds is not None:
        if not 0 < advance.by_seconds <= 400 * 86400:
            raise invalid_parameter(
                _("by_seconds is 1 to 400 days in seconds."),
                "by_seconds",
                "must be 1 to 34560000",
            )
        to = clock.now_at + datetime.timedelta(seconds=advance.by_seconds)
    else:
        to = _moment(advance.frozen_time, "frozen_time")
    try:
        done = test_clocks.advance(clock, to)
    except test_clocks.ClockRefused as exc:
        status = 409 if isinstance(exc, test_clocks.ClockBusy) else 422
        raise Problem(
            status,
            _("Clock not moved"),
            _("The clock was not moved; errors says why."),
            [("frozen_time", str(exc))],
        ) from exc
    return {
        **clock_out(clock),
        "steps": done.steps,
        "expired": done.expired,
        "resends": done.resends,
        "applicants_acted": done.applicants,
        "approved": done.approved,
        "rejected": done.rejected,
    }
