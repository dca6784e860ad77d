"""Per-IP and per-mobile limits on verify and resend, counted in Django's cache.

Each limit is "N/period" (period s, m, h or d) and counts requests in fixed windows.
Why the defaults are safe is worked out in the README ("Throttles").
"""

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a cache that cannot be reached raises: Redis's errors, socket errors otherwise.
CACHE_ERRORS = (RedisError, OSError)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def parse_rate(text):
    """'10/h' -> Rate(10, 3600); '5/15m' -> Rate(5, 900)."""
    match = RATE_RE.match(text or "")
    if not match:
        raise ImproperlyConfigured(
            f"Rate {text!r} is not of the form N/period, e.g. 10/h or 5/15m."
        )
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * PERIODS[unit])


def rates(action):
    """{scope: Rate} for an action ("verify" or "resend")."""
    return {
        scope: parse_rate(settings.RATELIMITS[f"{action}_per_{scope}"])
        for scope in ("mobile", "ip")
    }


@dataclass(frozen=True)
class Throttled:
    scope: str
    retry_after: int


def hit(action, *, mobile, ip, now=None):
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


def over_rate(name, rate, now):
    """Count one request against `rate` under `name` (a scope and identity) in the
    current fixed window; return the seconds until the window ends if that is over
    the limit, else 0. Raises what the cache raises (CACHE_ERRORS)."""
    window = int(now // rate.seconds)
    key = f"ratelimit:{name}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=rate.seconds + 60)
        count = 1
    if count > rate.limit:
        return int((window + 1) * rate.seconds - now) + 1
    return 0


def _count(action, mobile, ip, now):
    identities = {"mobile": mobile, "ip": ip}
    for scope, rate in rates(action).items():
        identity = identities[scope]
        if not identity:
            continue
        retry_after = over_rate(f"{action}:{scope}:{identity}", rate, now)
        if retry_after:
            return Throttled(scope=scope, retry_after=retry_after)
    return None
