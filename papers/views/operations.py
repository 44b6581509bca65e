"""Operations: the readiness check, and the answer given while the database is away."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..ingest.sync import LAST_SYNC_KEY
from ..models import OutboxMessage

# Seconds a client should wait before trying again while the database is away.
RETRY_AFTER = {"Retry-After": "5"}


@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """What the site depends on, as JSON: 200 when it can serve pages (the database answers), 503 otherwise.

    The cache and the broker are reported but do not fail the check: the site serves pages without them
    (config/cache.py, papers/outbox.py)."""
    report: dict[str, Any] = {"database": _database(), "cache": _cache(), "broker": _broker()}
    report["outbox_waiting"] = OutboxMessage.objects.count() if report["database"] == "ok" else None
    report["last_sync"] = _last_sync()
    status = 200 if report["database"] == "ok" else 503
    return JsonResponse(report, status=status, headers=RETRY_AFTER if status == 503 else {})


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError as error:
        return f"unreachable: {error}".strip()


def _cache() -> str:
    ping: Callable[[], bool] | None = getattr(cache, "ping", None)
    if ping is None:
        return "ok (this process's memory)"
    return "ok" if ping() else "unreachable: serving from this process's memory"


def _broker() -> str:
    if current_app.conf.task_always_eager:
        return "ok (tasks run in the web process)"
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
        return "ok"
    except Exception as error:  # noqa: BLE001  # any failure to connect is the answer
        return f"unreachable: {error}"


def _last_sync() -> dict[str, Any]:
    value = cache.get(LAST_SYNC_KEY)
    if not value:
        return {"at": None, "age_seconds": None}
    at = dt.datetime.fromisoformat(value)
    return {"at": value, "age_seconds": round((timezone.now() - at).total_seconds())}


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: while the database cannot be reached, a 503 with Retry-After; any other error, the 500 page.

    Django calls it while handling the exception, from a view or a middleware alike. Nothing is half-written:
    each write runs in a transaction, which the lost connection rolls back. Neither page uses a request
    context, whose processors would ask the database."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError) and not connection.is_usable():
        return HttpResponse(render_to_string("503.html"), status=503, headers=RETRY_AFTER)
    return HttpResponse(render_to_string("500.html"), status=500)
