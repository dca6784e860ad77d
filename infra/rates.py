"""Rates counted in Django's cache: "N/period" limits (period s, m, h or d) over fixed
windows, for any door or service that throttles; and what a cache that cannot be
reached raises."""

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError

# What a cache that cannot be reached raises: Redis's errors, socket errors otherwise.
CACHE_ERRORS = (RedisError, OSError)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def parse_rate(text: str | None) -> Rate:
    """'10/h' -> Rate(10, 3600); '5/15m' -> Rate(5, 900)."""
    match = RATE_RE.match(text or "")
    if not match:
        raise ImproperlyConfigured(
            f"Rate {text!r} is not of the form N/period, e.g. 10/h or 5/15m."
        )
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * PERIODS[unit])


def over_rate(name: str, rate: Rate, now: float) -> int:
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
