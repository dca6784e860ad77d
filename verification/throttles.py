"""Per-IP and per-mobile limits on verify and resend, counted in Django's cache.

Each limit is "N/period" (period s, m, h or d) and counts requests in fixed windows.
Why the defaults are safe is worked out in the manual (docs/verification.md, "Throttles").
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings

from infra.rates import CACHE_ERRORS, Rate, over_rate, parse_rate

logger = logging.getLogger(__name__)


def rates(action: str) -> dict[str, Rate]:
    """{scope: Rate} for an action ("verify" or "resend")."""
    return {
        scope: parse_rate(settings.RATELIMITS[f"{action}_per_{scope}"])
        for scope in ("mobile", "ip")
    }


@dataclass(frozen=True)
class Throttled:
    scope: str
    retry_after: int


def hit(
    action: str, *, mobile: str, ip: str | None, now: float | None = None
) -> Throttled | None:
    """Count one request; return Throttled if it is over a limit, else None.

    A request over the limit still counts, so hammering does not reopen the window.
    While the cache cannot be reached the request is let through (and a warning
    logged): the applicant pages keep working, and the five-failure rule, which
    lives in the database, still fails a verification after five wrong codes.
    """
    if not settings.RATELIMIT_ENABLED:
        return None
    try:
        return _count(action, mobile, ip, time.time() if now is None else now)
    except CACHE_ERRORS as exc:
        logger.warning(
            "Cache unavailable (%s): %s is not throttled until it is back.",
            exc.__class__.__name__,
            action,
        )
        return None


def _count(action: str, mobile: str, ip: str | None, now: float) -> Throttled | None:
    identities = {"mobile": mobile, "ip": ip}
    for scope, rate in rates(action).items():
        identity = identities[scope]
        if not identity:
            continue
        retry_after = over_rate(f"{action}:{scope}:{identity}", rate, now)
        if retry_after:
            return Throttled(scope=scope, retry_after=retry_after)
    return None
