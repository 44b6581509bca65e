"""The real components, when configured: Redis as cache and Celery broker, PostgreSQL as database."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from config.celery import app

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: the embedded run uses no Redis")


def test_without_a_broker_tasks_run_eagerly():
    if settings.CELERY_BROKER_URL:
        pytest.skip("a broker is configured")
    assert settings.CELERY_TASK_ALWAYS_EAGER is True


@needs_redis
def test_the_cache_is_redis_and_round_trips():
    assert settings.CACHES["default"]["BACKEND"] == "config.cache.RedisCacheWithFallback"
    cache.set("services-test", {"a": 1}, 10)
    assert cache.get("services-test") == {"a": 1}
    assert cache.ping() and cache.is_reachable
    assert cache.fallback.get("services-test") is None  # stored in Redis, not in this process


@needs_redis
def test_the_celery_broker_answers():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.connected


@pytest.mark.django_db
def test_the_database_is_the_configured_one():
    expected = "postgresql" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "sqlite"
    assert connection.vendor == expected
