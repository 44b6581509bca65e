"""Per-member limits on writes (votes, comments, flags, submissions), counted in the shared cache.

A fixed window per member and action: the first request of a window creates the
counter, each request increments it, and past the limit the member gets a friendly
429 page (or, for htmx, the same message in place). Limits are set in
`settings.WRITE_RATE_LIMITS` as "count/seconds".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .views.http import in_live_region


def parse_rate(rate: str) -> tuple[int, int]:
    count, seconds = rate.split("/")
    return int(count), int(seconds)


def allow(action: str, who: str) -> tuple[bool, int]:
    """Count one `action` by `who`; (allowed, seconds until the window resets)."""
    limit, period = parse_rate(settings.WRITE_RATE_LIMITS[action])
    now = time.time()
    window = int(now // period)
    key = f"ratelimit:{action}:{who}:{window}"
    cache.add(key, 0, period + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period + 1)
        used = 1
    return used <= limit, int((window + 1) * period - now) + 1


def rate_limited(action: str) -> Callable:
    """Limit a view's POSTs to settings.WRITE_RATE_LIMITS[action] per member (or per address when anonymous)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                who = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_ip(request)}"
                allowed, retry_after = allow(action, who)
                if not allowed:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = TemplateResponse(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return in_live_region(request, response, "429.html#message")
