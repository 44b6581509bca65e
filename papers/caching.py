"""A short-lived page cache for visitors without a session, and for answers that are the same for everyone.

Most visits are anonymous and see the same pages, so those are rendered once and
served from the cache (Redis in production) for `PAGE_CACHE_SECONDS`. Signed-in
members, and anyone carrying a session or pending messages, always get a fresh
render. A sync that changes papers bumps the version, so new papers show at once.

Some answers depend on nothing but their URL (the Hugging Face compatible API, a paper as Markdown): those
are cached for everyone, members and token holders included (`cache_shared_answer`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

VERSION_KEY = "pages:version"
KEPT_HEADERS = ("Content-Type", "Vary", "Content-Disposition", "Content-Language", "Last-Modified")


def pages_version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def bump_pages_version() -> None:
    """Forget every cached page (called after a sync or import writes papers)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def is_cacheable_request(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers  # an API token: the answer is the member's
        and "messages" not in request.COOKIES
    )


def page_key(request: HttpRequest) -> str:
    parts = [
        request.build_absolute_uri(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"pages:{pages_version()}:{digest}"


def cache_anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view` from the page cache to visitors without a session."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_cacheable_request(request):
            return view(request, *args, **kwargs)
        key = page_key(request)
        if (cached := _cached_response(key)) is not None:
            return cached
        return _keep(key, view(request, *args, **kwargs))

    return wrapped


def _cached_response(key: str) -> HttpResponse | None:
    cached = cache.get(key)
    if cached is None:
        return None
    status, content, headers = cached
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


def _keep(key: str, response: HttpResponse) -> HttpResponse:
    """Cache `response` under `key` if it is a success that sets no cookie; return it."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if response.status_code == 200 and not response.cookies and not response.streaming:
        headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
        cache.set(key, (response.status_code, response.content, headers), settings.PAGE_CACHE_SECONDS)
    return response


def shared_key(request: HttpRequest) -> str:
    """The cache key of an answer that depends on its full URL only, under the current pages version."""
    digest = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"pages:{pages_version()}:shared:{digest}"


def cache_shared_answer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view` from the page cache to everyone: for answers that no session, token or header changes.

    Only successful GETs are kept (status, body and KEPT_HEADERS); an import or sync bumps the pages version,
    which makes every kept answer unreachable at once. Off when PAGE_CACHE_SECONDS is 0.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET":
            return view(request, *args, **kwargs)
        key = shared_key(request)
        if (cached := _cached_response(key)) is not None:
            return cached
        return _keep(key, view(request, *args, **kwargs))

    return wrapped
