"""Django's Redis cache, with one Redis client per connection pool instead of one per
call.

Django's client builds a new `redis.Redis` for every cache operation; building one
fills its table of some 170 response callbacks, which cost more CPU than the round
trip itself (a third of a millisecond per call here). A `redis.Redis` is safe to share
between threads (its connections come from the pool), so one per pool is kept.
"""

from django.core.cache.backends import redis as django_redis


class ReusedClientRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with reused clients."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


DJANGO_REDIS = "django.core.cache.backends.redis.RedisCache"


def with_reused_clients(config):
    """A CACHES entry, with this backend in place of Django's Redis one."""
    if config.get("BACKEND") == DJANGO_REDIS:
        return {**config, "BACKEND": "infra.cache.RedisCache"}
    return config
