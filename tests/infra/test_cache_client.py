"""The Redis cache keeps one client per connection pool, and is chosen for a redis://
CACHE_URL."""

import socket

import environ
import pytest
from django.core.cache.backends.redis import RedisCacheClient

from infra.cache import RedisCache, with_reused_clients


def redis_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_one_client_serves_every_call():
    cache = RedisCache("redis://127.0.0.1:1/0", {})  # never connected here
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is first
    assert cache._cache.get_client() is first  # one server: reads use its pool
    # Django's own client builds a new one each time: what this backend avoids.
    plain = RedisCacheClient(["redis://127.0.0.1:1/0"])
    assert plain.get_client() is not plain.get_client()


def test_a_redis_cache_url_gets_this_backend():
    redis = environ.Env.cache_url_config("redis://127.0.0.1:6379/3")
    assert with_reused_clients(redis)["BACKEND"] == "infra.cache.RedisCache"
    assert with_reused_clients(redis)["LOCATION"] == redis["LOCATION"]
    local = environ.Env.cache_url_config("locmemcache://")
    assert with_reused_clients(local) == local


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_operations_round_trip_through_the_kept_client():
    cache = RedisCache("redis://127.0.0.1:6379/13", {})
    cache.delete("icpportal:test")
    assert cache.add("icpportal:test", 1, 30)
    assert not cache.add("icpportal:test", 2, 30)
    assert cache.incr("icpportal:test") == 2
    assert cache.get("icpportal:test") == 2
    cache.delete("icpportal:test")
    assert cache.get("icpportal:test") is None
