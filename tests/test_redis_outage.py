"""Redis unreachable: the cache falls back to this process's memory, the site keeps answering and limiting."""

import logging

import pytest
from django.core.cache import caches

from config import breaker
from config import cache as fallback_cache
from config.cache import RedisCacheWithFallback
from papers.models import PaperVote
from tests.factories import make_paper

# Nothing listens on port 1: every connection is refused at once.
DEAD_REDIS = {"default": {"BACKEND": "config.cache.RedisCacheWithFallback", "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.fixture
def dead_redis(settings):
    settings.CACHES = DEAD_REDIS
    settings.PAGE_CACHE_SECONDS = 60
    caches["default"].clear()  # a fresh backend for these settings
    yield caches["default"]


def make_backend() -> RedisCacheWithFallback:
    return RedisCacheWithFallback("redis://127.0.0.1:1/0", {})


def test_every_call_falls_back_to_local_memory():
    backend = make_backend()
    assert backend.get("a") is None
    backend.set("a", 1, 10)
    assert backend.get("a") == 1 and backend.has_key("a")
    assert backend.add("b", 0, 10) is True and backend.add("b", 0, 10) is False
    assert backend.incr("b") == 1
    backend.set_many({"c": 3, "d": 4}, 10)
    assert backend.get_many(["c", "d", "e"]) == {"c": 3, "d": 4}
    backend.delete_many(["c"])
    assert backend.get_or_set("c", 5) == 5
    assert backend.delete("a") is True and backend.get("a") is None
    assert backend.is_reachable is False and backend.ping() is False


def test_a_dead_redis_is_tried_again_after_a_while_and_logged_once_a_minute(caplog, monkeypatch):
    backend = make_backend()
    clock = [1000.0]
    monkeypatch.setattr(breaker.time, "monotonic", lambda: clock[0])
    tries = []
    real_get = fallback_cache.RedisCache.get
    monkeypatch.setattr(fallback_cache.RedisCache, "get", lambda *a, **k: tries.append(1) or real_get(*a, **k))
    with caplog.at_level(logging.ERROR, logger="config.cache"):
        for _ in range(50):
            backend.get("x")
        assert len(tries) == 1  # left alone after the first failure
        clock[0] += fallback_cache.RETRY_SECONDS
        backend.get("x")
        assert len(tries) == 2  # tried again, failed again
        clock[0] += backend.breaker.log_every
        backend.get("x")
    assert len([r for r in caplog.records if "cannot be reached" in r.message]) == 2


@pytest.mark.django_db
def test_pages_and_writes_go_through_without_redis(dead_redis, client, member):
    paper = make_paper()
    assert client.get("/").status_code == 200
    assert client.get(paper.get_absolute_url()).status_code == 200
    client.force_login(member)
    response = client.post(f"/papers/{paper.arxiv_id}/upvote/", {"next": "/"})
    assert response.status_code == 302
    assert PaperVote.objects.filter(paper=paper, user=member).exists()


@pytest.mark.django_db
def test_rate_limits_still_limit_without_redis(dead_redis, client, member, settings):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "vote": "2/60"}
    client.force_login(member)
    papers = [make_paper() for _ in range(3)]
    statuses = [client.post(f"/papers/{p.arxiv_id}/upvote/", {"next": "/"}).status_code for p in papers]
    assert statuses == [302, 302, 429]
