"""Provider API keys: made, checked, revoked; and each key's throttle."""

import datetime
import hashlib
import logging
import secrets
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from infra.rates import CACHE_ERRORS, over_rate, parse_rate
from integrations.models import ApiKey

logger = logging.getLogger(__name__)

KEY_PREFIX = "icp_"
# A key says what it is: a live key's filings are real, a test key's the sandbox's.
LIVE_PREFIX, TEST_PREFIX = "icp_live_", "icp_test_"
# last_used_at is written at most this often per key, not on every request
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def _digest(key):
    # A key is 32 random bytes: a plain hash cannot be searched back to it.
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(provider, name, *, created_by=None, livemode=True):
    """A new key for `provider`, live or (`livemode=False`) a test key for the
    sandbox: returns (ApiKey, the key). The key itself is not kept; show it now."""
    key = (LIVE_PREFIX if livemode else TEST_PREFIX) + secrets.token_urlsafe(32)
    record = ApiKey.objects.create(
        provider=provider,
        name=name.strip(),
        prefix=key[:14],
        key_hash=_digest(key),
        created_by=created_by,
        livemode=livemode,
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

    Counted like the applicant pages' throttles (`verification.throttles`), and like
    them a cache that cannot be reached lets the request through, with a warning."""
    try:
        return over_rate(
            f"api:{record.pk}", parse_rate(settings.API_RATELIMIT), time.time()
        )
    except CACHE_ERRORS as exc:
        logger.warning(
            "Cache unavailable (%s): API key %s is not throttled until it is back.",
            exc.__class__.__name__,
            record.prefix,
        )
        return 0
