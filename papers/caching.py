"""A short-lived page cache for visitors without a session, and for answers that are the same for everyone.

Most visits are anonymous and see the same pages, so those are rendered once and served from the cache (Redis in
production) for `PAGE_CACHE_SECONDS`. Signed-in members, and anyone carrying a session, pending messages or an
API token, always get a fresh render. A sync that changes papers bumps the version, so new papers show at once.

A view marks its answer as one for the cache (`cache_anonymous_page`); `AnonymousPageMiddleware`, placed near the
top of MIDDLEWARE, keeps the answer as it leaves the stack below it (every header the middleware added: CSP,
X-Frame-Options, Vary…) and answers the next anonymous request for the same URL itself, before sessions, CSRF,
authentication, messages and allauth run at all.

In front of Redis, each process keeps its own copies of the pages it served and of the pages' version for
`PAGE_CACHE_LOCAL_SECONDS` (`LocalCache`), so that a hit costs no round trip to Redis. `bump_pages_version()`
forgets them at once in the process that calls it; another process sees the new version, and so the new pages,
within PAGE_CACHE_LOCAL_SECONDS. A local copy never outlives the Redis entry it was read from.

Some answers depend on nothing but their URL (the Hugging Face compatible API, a paper as Markdown): those
are cached for everyone, members and token holders included (`cache_shared_answer`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from accounts.models import member_changed_key

VERSION_KEY = "pages:version"
# What a shared answer keeps (it is served from inside the stack, whose middleware adds the rest).
KEPT_HEADERS = ("Content-Type", "Vary", "Content-Disposition", "Content-Language", "Last-Modified")
# What an answer kept for later says about caches; these keep it out of ours.
UNCACHEABLE = ("private", "no-store", "no-cache")

# An answer as kept: (expires at, a Unix time; status; body; headers as (name, value) pairs).
Kept = tuple[float, int, bytes, list[tuple[str, str]]]
# What this process keeps for a while about an address whose view does not ask for the page cache (/healthz/,
# the login page…): its requests go down the stack without asking Redis first.
PASS = object()


class LocalCache:
    """This process's own copies, in front of the shared cache: the least recently used go first beyond
    PAGE_CACHE_LOCAL_ENTRIES entries or PAGE_CACHE_LOCAL_BYTES of bodies, and each lasts a few seconds."""

    def __init__(self, entries: int | None = None) -> None:
        self.entries = entries  # at most this many (None: PAGE_CACHE_LOCAL_ENTRIES)
        self._entries: OrderedDict[Any, tuple[float, int, Any]] = OrderedDict()  # key: (expires at, size, value)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def set(self, key: str, value: Any, seconds: float, size: int = 0) -> None:
        if seconds <= 0 or size > settings.PAGE_CACHE_LOCAL_BYTES:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + seconds, size, value)
            self._bytes += size
            entries = self.entries or settings.PAGE_CACHE_LOCAL_ENTRIES
            while len(self._entries) > entries or self._bytes > settings.PAGE_CACHE_LOCAL_BYTES:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes of the bodies kept."""
        return self._bytes

    def _drop(self, key: str) -> None:
        self._bytes -= self._entries.pop(key)[1]


local = LocalCache()


def pages_version() -> int:
    if (version := local.get(VERSION_KEY)) is not None:
        return version
    version = cache.get_or_set(VERSION_KEY, 1, timeout=None)
    local.set(VERSION_KEY, version, settings.PAGE_CACHE_LOCAL_SECONDS)
    return version


def bump_pages_version() -> None:
    """Forget every cached page (called after a sync or import writes papers): at once in this process, within
    PAGE_CACHE_LOCAL_SECONDS in the others."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)
    local.clear()


SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def mark_members_changed(user_ids) -> None:
    """Pages rendered before now are out of date for these members (papers.shared_pages.member_page): something
    they did or were told of shows on them. Lasts as long as a page may lag behind (MEMBER_PAGE_LAG_SECONDS)."""
    seconds = settings.MEMBER_PAGE_LAG_SECONDS
    if seconds > 0 and (ids := set(user_ids)):
        now = time.time()
        cache.set_many({member_changed_key(pk): now for pk in ids}, seconds + 1)


def members_changed_at(user) -> float:
    """When the member last changed something (mark_members_changed); 0 if not lately. Read with the member's row
    (User.objects.cached) when the request's member came from there."""
    if (changed := getattr(user, "changed_at", None)) is not None:
        return changed
    return cache.get(member_changed_key(user.pk), 0.0)


class MemberChangesMiddleware:
    """After any request that may write (a POST, PUT, PATCH or DELETE) by a signed-in member, mark the member as
    having changed something: their next pages are read afresh (mark_members_changed). One place for every action,
    so that no vote, comment, edit or follow can be missed; after the view, when its transaction has committed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                mark_members_changed([user.pk])
        return response


def is_cacheable_request(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers  # an API token: the answer is the member's
        and "messages" not in request.COOKIES
    )


def page_key(request: HttpRequest, kind: str = "page", *more: str) -> str:
    """The cache key of a page of `kind`: its address, its htmx headers and `more`, under the pages version (the
    visitors' pages here; the members' shared and recent renders in papers.shared_pages)."""
    parts = [
        request.build_absolute_uri(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
        *more,
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"pages:{pages_version()}:{kind}:{digest}"


def cache_anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let AnonymousPageMiddleware keep `view`'s answers to visitors without a session, and serve them again."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if is_cacheable_request(request):
            response.cache_anonymous = True  # type: ignore[attr-defined]
        return response

    return wrapped


class AnonymousPageMiddleware:
    """Answer anonymous requests from the page cache before the rest of the stack runs (see the module's docstring).

    A miss goes on down the stack; its answer is kept if the view marked it (`cache_anonymous_page`) and it is a
    complete 200 that sets no cookie. An answer the view did not mark leaves a PASS in this process's copies, so
    that the next requests for that address do not ask Redis for what is not there (for PAGE_CACHE_LOCAL_SECONDS).
    A kept answer with an ETag (the API's) answers a client that has it already with a 304, as the API does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_cacheable_request(request):
            return self.get_response(request)
        try:
            key = page_key(request)
        except DisallowedHost:  # refused further down, as for any request
            return self.get_response(request)
        kept = local.get(key)
        if kept is PASS:
            return self.get_response(request)
        if kept is None:
            kept = _from_shared_cache(key)
        if kept is not None:
            return _conditional(request, _response(kept))
        response = self.get_response(request)
        if not getattr(response, "cache_anonymous", False):
            local.set(key, PASS, settings.PAGE_CACHE_LOCAL_SECONDS)
        elif _is_keepable(response):
            _keep(key, response, list(response.items()))
        return response


def shared_key(request: HttpRequest) -> str:
    """The cache key of an answer that depends on its full URL only, under the current pages version."""
    digest = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"pages:{pages_version()}:answer:{digest}"


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
        if (kept := _kept(key)) is not None:
            response = _response(kept)
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if _is_keepable(response):
                _keep(key, response, [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)])
        if is_cacheable_request(request):
            # An anonymous client's next request for it is answered by AnonymousPageMiddleware, before the stack
            # runs: the answer is then kept twice, the second time with the headers the stack adds.
            response.cache_anonymous = True  # type: ignore[attr-defined]
        return response

    return wrapped


def _kept(key: str) -> Kept | None:
    """The answer kept under `key`: this process's copy, or Redis's (then copied here for a few seconds)."""
    if (kept := local.get(key)) is not None:
        return kept
    return _from_shared_cache(key)


def _from_shared_cache(key: str) -> Kept | None:
    kept = cache.get(key)
    if kept is not None:
        seconds_left = kept[0] - time.time()
        local.set(key, kept, min(settings.PAGE_CACHE_LOCAL_SECONDS, seconds_left), size=len(kept[2]))
    return kept


def _keep(key: str, response: HttpResponse, headers: list[tuple[str, str]]) -> None:
    seconds = settings.PAGE_CACHE_SECONDS
    kept: Kept = (time.time() + seconds, response.status_code, response.content, headers)
    cache.set(key, kept, seconds)
    local.set(key, kept, min(settings.PAGE_CACHE_LOCAL_SECONDS, seconds), size=len(response.content))


def _is_keepable(response: HttpResponse) -> bool:
    """A complete success that sets no cookie and that no one asked caches not to keep."""
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(word in cache_control for word in UNCACHEABLE)
    )


def _response(kept: Kept) -> HttpResponse:
    _, status, content, headers = kept
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


def _conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """For an answer with an ETag (the API's: papers.api.conditional), a 304 when the client has it already, as
    the API gives; other answers (pages, feeds) never answer with a 304, fresh or kept."""
    if not response.has_header("ETag"):
        return response
    last_modified = parse_http_date_safe(response["Last-Modified"]) if response.has_header("Last-Modified") else None
    return get_conditional_response(request, etag=response.get("ETag"), last_modified=last_modified, response=response)
