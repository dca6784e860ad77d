"""The provider API's event feed: a provider's events in the order they were
written, the same the webhooks deliver, for a receiver that was down."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from api import openapi
from api.problems import in_api_language, invalid_parameter
from filings.models import ProviderEvent
from integrations import webhooks

router = Router()


class EventOut(Schema):
    id: str
    livemode: bool
    type: str
    timestamp: str
    data: dict


class EventPage(Schema):
    events: list[EventOut]
    next_after: str | None


# The event feed -------------------------------------------------------------------
@router.get(
    "/events",
    response={200: EventPage},
    summary="Your events, in order, after a given one",
    openapi_extra=openapi.EVENTS,
)
@in_api_language
def list_events(request, after: str = "", limit: int = 100):
    """Your filings' events after event `after` (its id; none: from the first), in
    the order they were written, the same as the webhooks deliver. A receiver that
    was down asks with the last id it has seen until `next_after` is null."""
    if not 1 <= limit <= 500:
        raise invalid_parameter(_("limit is 1 to 500."), "limit", "must be 1 to 500")
    start = webhooks.parse_event_id(after) if after else 0
    if start is None:
        raise invalid_parameter(
            _("after is an event id, such as evt_123."),
            "after",
            "must be an event id",
        )
    settled = timezone.now() - datetime.timedelta(
        seconds=settings.EVENT_FEED_SETTLE_SECONDS
    )
    events = list(
        ProviderEvent.objects.filter(
            provider=request.auth.provider,
            filing__livemode=request.auth.livemode,
            pk__gt=start,
            created_at__lte=settled,
        )
        .select_related("filing", "provider")
        .order_by("id")[: limit + 1]
    )
    more = len(events) > limit
    events = events[:limit]
    return {
        "events": [webhooks.event_body(e) for e in events],
        "next_after": webhooks.event_id(events[-1]) if more else None,
    }
