"""Provider API keys: made, checked, revoked; and each key's throttle."""

import datetime
import hashlib
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from api.models import ApiKey
from verification.throttles import CACHE_ERRORS, parse_rate

KEY_PREFIX = "icp_"
# last_used_at is written at most this often per key, not on every request
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def _digest(key):
    # A key is 32 random bytes: a plain hash cannot be searched back to it.
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(provider, name, *, created_by=None):
    """A new key for `provider`: returns (ApiKey, the key). The key itself is not
    kept; show it now."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey.objects.create(
        provider=provider,
        name=name.strip(),
        prefix=key[:10],
        key_hash=_digest(key),
        created_by=created_by,
    )
    return record, key


def authenticate(key):
    """The live ApiKey (with its provider) that `key` is, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    record = (
        ApiKey.objects.select_related("provider")
        .filter(key_hash=_digest(key), revoked_at__isnull=True)
        .first()
    )
    if record is None:
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.filter(pk=record.pk).update(last_used_at=now)
        record.last_used_at = now
    return record


def revoke(record, *, now=None):
    """Stop a key from working; returns whether it was live."""
    with transaction.atomic():
        return bool(
            ApiKey.objects.filter(pk=record.pk, revoked_at__isnull=True).update(
                revoked_at=now or timezone.now()
            )
        )


def throttled(record):
    """Seconds until the key may send again, if it is over API_RATELIMIT; else 0.

    Counted in the cache in fixed windows; a cache that cannot be reached lets the
    request through (as the applicant pages' throttles do)."""
    rate = parse_rate(settings.API_RATELIMIT)
    now = time.time()
    window = int(now // rate.seconds)
    cache_key = f"ratelimit:api:{record.pk}:{window}"
    try:
        cache.add(cache_key, 0, timeout=rate.seconds + 60)
        count = cache.incr(cache_key)
    except ValueError:
        return 0
    except CACHE_ERRORS:
        return 0
    if count > rate.limit:
        return int((window + 1) * rate.seconds - now) + 1
    return 0
