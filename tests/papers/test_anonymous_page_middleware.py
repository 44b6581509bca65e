"""Anonymous pages are answered near the top of the middleware stack, from this process's copy or from Redis,
with the very headers a fresh render gets; nothing personal is kept, and an import shows at once."""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory

from papers import caching
from papers.api.main import shared_operations
from papers.caching import AnonymousPageMiddleware, LocalCache, bump_pages_version, cache_anonymous_page
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db

DAY = "/papers/date/2026-08-18/"
PATHS = itertools.count()


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_CACHE_LOCAL_SECONDS = 2
    cache.clear()
    caching.local.clear()
    yield
    cache.clear()
    caching.local.clear()


@pytest.fixture
def clock(monkeypatch):
    """The local copies' clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: now[0])
    return now


class CountingCache:
    """The default cache, counting the calls that reach it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(cache, name)


@pytest.fixture
def redis_calls(monkeypatch) -> list[str]:
    counting = CountingCache()
    monkeypatch.setattr(caching, "cache", counting)
    return counting.calls


def went_down_the_stack(response) -> bool:
    """Whether the middleware below the page cache ran (AuthenticationMiddleware gives the request its user)."""
    return hasattr(response.wsgi_request, "user")


def test_the_middleware_comes_right_after_security_and_static_files():
    assert settings.MIDDLEWARE[:3] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "papers.caching.AnonymousPageMiddleware",
    ]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {}),
        (DAY, {}),
        (DAY, {"HX-Request": "true"}),
        ("/papers/feed/", {}),
        ("/api/v1/papers?limit=5", {}),
    ],
)
def test_a_hit_has_the_headers_of_a_fresh_answer_and_skips_the_stack(
    client, page_cache, django_assert_num_queries, path, headers
):
    make_paper(title="Kept title")
    fresh = client.get(path, headers=headers)
    with django_assert_num_queries(0):
        kept = client.get(path, headers=headers)

    assert went_down_the_stack(fresh) and not went_down_the_stack(kept)
    assert kept.status_code == fresh.status_code == 200
    assert kept.content == fresh.content
    assert dict(kept.headers) == dict(fresh.headers)
    for name in ("Content-Security-Policy", "X-Frame-Options", "Content-Type", "Referrer-Policy"):
        assert name in kept.headers, name
    for name in ("Cross-Origin-Opener-Policy", "X-Content-Type-Options", "Content-Length"):
        assert name in kept.headers, name
    if "html" in kept["Content-Type"]:
        assert "HX-Request" in kept["Vary"]


def test_a_hit_on_an_api_answer_is_a_304_for_a_client_that_has_it(client, page_cache, django_assert_num_queries):
    make_paper()
    first = client.get("/api/v1/papers?limit=5")
    with django_assert_num_queries(0):
        unchanged = client.get("/api/v1/papers?limit=5", headers={"If-None-Match": first["ETag"]})
        changed = client.get("/api/v1/papers?limit=5", headers={"If-None-Match": '"another"'})
    assert unchanged.status_code == 304 and not unchanged.content
    assert changed.status_code == 200 and changed.content == first.content


def test_head_is_answered_from_the_page_a_get_kept_and_keeps_one_for_get(client, page_cache, django_assert_num_queries):
    make_paper(title="Kept title")
    get = client.get("/")
    with django_assert_num_queries(0):
        head = client.head("/")
    assert head.status_code == 200 and not went_down_the_stack(head)
    assert head["Content-Length"] == get["Content-Length"]

    client.head(DAY)
    with django_assert_num_queries(0):
        day = client.get(DAY)
    assert "Kept title" in day.text


@pytest.mark.parametrize(
    "headers",
    [{"HX-Request": "true"}, {"HX-Request": "true", "HX-History-Restore-Request": "true"}],
)
def test_htmx_requests_have_answers_of_their_own(client, page_cache, headers):
    make_paper()
    page = client.get(DAY)
    fragment = client.get(DAY, headers=headers)

    assert "<html" in page.text
    assert went_down_the_stack(fragment)
    assert not went_down_the_stack(client.get(DAY, headers=headers))
    restored = client.get(DAY, headers={"HX-History-Restore-Request": "true"})
    assert went_down_the_stack(restored)  # a key of its own too


@pytest.mark.parametrize(
    ("cookies", "headers"),
    [
        ({settings.SESSION_COOKIE_NAME: "anything"}, {}),
        ({"messages": "anything"}, {}),
        ({}, {"Authorization": "Bearer pc_anything"}),
    ],
)
def test_a_request_with_a_session_messages_or_a_token_is_never_answered_from_nor_kept_in_the_cache(
    client, page_cache, cookies, headers
):
    make_paper()
    client.cookies.load(cookies)
    assert went_down_the_stack(client.get("/", headers=headers))
    client.cookies.clear()
    assert went_down_the_stack(client.get("/"))  # what the request got was not kept for others

    client.cookies.load(cookies)
    assert went_down_the_stack(client.get("/", headers=headers))  # nor is it given what others get


def test_a_signed_in_member_is_never_answered_from_the_cache(client, page_cache):
    make_paper()
    client.get("/")
    client.force_login(make_user())
    assert went_down_the_stack(client.get("/"))


@pytest.mark.parametrize(
    "answer",
    [
        lambda: HttpResponse("Not found", status=404),
        lambda: HttpResponse("Broken", status=500),
        lambda: HttpResponse("Moved", status=301),
        lambda: StreamingHttpResponse(iter([b"a", b"b"])),
        lambda: HttpResponse("Private", headers={"Cache-Control": "private"}),
        lambda: HttpResponse("Secret", headers={"Cache-Control": "no-store"}),
    ],
)
def test_only_a_complete_success_for_everyone_is_kept(page_cache, answer):
    assert not kept_answers_of(cache_anonymous_page(lambda request: answer()))


def test_an_answer_that_sets_a_cookie_is_not_kept(page_cache):
    def view(request):
        response = HttpResponse("Hello")
        response.set_cookie("csrftoken", "secret")
        return response

    assert not kept_answers_of(cache_anonymous_page(view))


def test_an_answer_the_view_did_not_mark_is_not_kept(page_cache):
    assert not kept_answers_of(lambda request: HttpResponse("Hello"))
    assert kept_answers_of(cache_anonymous_page(lambda request: HttpResponse("Hello")))


def kept_answers_of(view) -> bool:
    """Whether the middleware keeps `view`'s answer to an anonymous GET (so serves the second without the view)."""
    calls = []

    def stack(request):
        calls.append(request)
        return view(request)

    middleware = AnonymousPageMiddleware(stack)
    path = f"/somewhere/{next(PATHS)}/"
    middleware(RequestFactory().get(path))
    middleware(RequestFactory().get(path))
    return len(calls) == 1


def test_the_hf_routes_are_shared_with_everyone_and_answered_early_for_anonymous_clients(
    client, page_cache, django_assert_num_queries
):
    make_paper()
    assert shared_operations() == {"daily_papers", "search_papers", "paper_info"}
    client.get("/api/daily_papers?date=2026-08-18")
    with django_assert_num_queries(0):
        again = client.get("/api/daily_papers?date=2026-08-18")
    assert not went_down_the_stack(again)  # kept with the stack's headers too, for anonymous clients
    member = Client()
    member.force_login(make_user())
    with django_assert_num_queries(0):  # hf.py's shared cache: the same answer for a member, made by nobody anew
        answer = member.get("/api/daily_papers?date=2026-08-18")
    assert went_down_the_stack(answer) and answer.content == again.content


# --- This process's copies -------------------------------------------------------------------------------------


def test_a_hit_in_this_process_asks_redis_nothing(client, page_cache, redis_calls):
    make_paper()
    client.get("/")
    redis_calls.clear()

    assert not went_down_the_stack(client.get("/"))
    assert redis_calls == []


def test_an_address_the_page_cache_does_not_keep_asks_redis_once_per_local_seconds(
    client, page_cache, redis_calls, clock
):
    assert client.get("/healthz/").status_code == 200
    assert "get" in redis_calls
    redis_calls.clear()

    assert went_down_the_stack(client.get("/healthz/"))
    assert redis_calls == []
    clock[0] += settings.PAGE_CACHE_LOCAL_SECONDS
    client.get("/healthz/")
    assert "get" in redis_calls


def test_a_page_missing_then_imported_shows_once_imported(client, page_cache):
    assert client.get("/papers/2608.00001/").status_code == 404
    make_paper("2608.00001")
    bump_pages_version()  # what the import does
    assert client.get("/papers/2608.00001/").status_code == 200


def test_a_bump_shows_new_papers_at_once_in_this_process(client, page_cache):
    make_paper("2608.00001", title="Old news")
    assert "Old news" in client.get("/").text
    make_paper("2608.00002", title="Fresh news")
    assert "Fresh news" not in client.get("/").text  # the kept page

    bump_pages_version()

    assert "Fresh news" in client.get("/").text


def test_another_process_bump_shows_within_the_local_seconds(client, page_cache, clock, settings):
    make_paper("2608.00001", title="Old news")
    client.get("/")
    make_paper("2608.00002", title="Fresh news")
    cache.incr(caching.VERSION_KEY)  # another process's bump: this one's copies are not cleared

    clock[0] += settings.PAGE_CACHE_LOCAL_SECONDS - 0.5
    assert "Fresh news" not in client.get("/").text
    clock[0] += 1
    assert "Fresh news" in client.get("/").text


def test_a_local_copy_never_outlives_the_redis_entry(page_cache, clock, settings, monkeypatch):
    settings.PAGE_CACHE_LOCAL_SECONDS = 30
    now = 5000.0
    monkeypatch.setattr(caching.time, "time", lambda: now)
    cache.set("pages:test", (now + 3, 200, b"body", []), 60)  # kept by another process, 3 s of life left

    assert caching._kept("pages:test") is not None
    cache.delete("pages:test")
    clock[0] += 2.5
    assert caching._kept("pages:test") is not None  # this process's copy
    clock[0] += 1
    assert caching._kept("pages:test") is None


def test_the_local_copies_are_bounded_by_entries_and_bytes(settings, clock):
    settings.PAGE_CACHE_LOCAL_ENTRIES = 3
    settings.PAGE_CACHE_LOCAL_BYTES = 100
    local = LocalCache()
    for n in range(5):
        local.set(f"k{n}", n, 10, size=10)
    assert len(local) == 3 and local.get("k0") is None and local.get("k4") == 4

    local.get("k2")  # used lately: kept
    local.set("big", "x", 10, size=85)
    assert local.get("k2") == 2 and local.get("big") == "x"
    assert local.size <= 100 and local.get("k3") is None

    local.set("too big", "x", 10, size=101)
    assert local.get("too big") is None

    clock[0] += 10
    assert local.get("big") is None


def test_the_local_copies_can_be_turned_off(client, page_cache, settings, redis_calls):
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    make_paper()
    client.get("/")
    redis_calls.clear()

    assert not went_down_the_stack(client.get("/"))
    assert "get" in redis_calls and len(caching.local) == 0
