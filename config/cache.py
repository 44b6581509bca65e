"""The Redis cache, with a per-process cache to fall back on while Redis cannot be reached.

Everything the site keeps in the cache may be lost (pages, rows, the pages' version, rate-limit counters,
allauth's login limits), but the server being gone must not take the site with it. While Redis does not
answer, each call goes to this process's own memory instead: pages are rendered and cached per process,
and rate limits count per process, so they keep limiting (a little more loosely, once per web worker).

After a failed call Redis is left alone for RETRY_SECONDS, so a dead server costs one failed connection
per process every few seconds rather than one per call; it is logged at most once a minute (config/breaker.py).

django-redis's IGNORE_EXCEPTIONS was the other choice: it turns every failed call into a miss, which
serves pages but also switches the rate limits off (a counter that is never stored never reaches its limit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.breaker import Breaker

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# Django's cache API: each call goes to Redis, or to the fallback while Redis is away.
FORWARDED = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many")


class SharedClients(RedisCacheClient):
    """Django's Redis client with one `redis.Redis` per connection pool, where Django makes a new one (and its
    170 response callbacks) for every call: a third of a millisecond for each page's two or three cache reads.
    A `redis.Redis` is safe to share between threads; its pool hands each call its own connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        if (client := self._clients.get(index)) is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCacheWithFallback(RedisCache):
    """Django's Redis cache, falling back to local memory (see the module's docstring)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0} | params.get("OPTIONS", {})
        super().__init__(server, params | {"OPTIONS": options})
        self._class = SharedClients
        fallback_options = {"MAX_ENTRIES": params.get("FALLBACK_MAX_ENTRIES", 10_000)}
        self.fallback = LocMemCache(f"redis-fallback-{id(self)}", {**params, "OPTIONS": fallback_options})
        self.breaker = Breaker(
            logger, "Redis cannot be reached (%s); using this process's memory until it answers.", RETRY_SECONDS
        )

    @property
    def is_reachable(self) -> bool:
        """False while Redis is being left alone after a failed call."""
        return self.breaker.is_reachable()

    def ping(self) -> bool:
        """Ask Redis now, whatever happened before (for the readiness check)."""
        try:
            return bool(self._cache.get_client(write=False).ping())
        except UNREACHABLE as error:
            self.breaker.failed(error)
            return False

    def clear(self) -> bool:
        self.fallback.clear()
        return self._call(lambda: super(RedisCacheWithFallback, self).clear(), lambda: True)

    def _call(self, primary: Callable[[], Any], fallback: Callable[[], Any]) -> Any:
        if self.is_reachable:
            try:
                return primary()
            except UNREACHABLE as error:
                self.breaker.failed(error)
        return fallback()


def _forward(name: str) -> Callable[..., Any]:
    def method(self: RedisCacheWithFallback, *args: Any, **kwargs: Any) -> Any:
        primary = getattr(RedisCache, name)
        fallback = getattr(self.fallback, name)
        return self._call(lambda: primary(self, *args, **kwargs), lambda: fallback(*args, **kwargs))

    method.__name__ = name
    method.__doc__ = getattr(RedisCache, name).__doc__
    return method


for _name in FORWARDED:
    setattr(RedisCacheWithFallback, _name, _forward(_name))
