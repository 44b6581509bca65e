"""Anonymous visitors get cached pages; members and fresh imports never see stale ones."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from papers.discussion import post_comment
from papers.models import Paper
from tests.factories import make_paper, make_user
from tests.support.clock import later

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_CACHE_LOCAL_SECONDS = 2
    cache.clear()
    yield
    cache.clear()


def test_an_anonymous_page_is_served_from_the_cache(client, page_cache, django_assert_num_queries):
    make_paper(title="Cached title")
    first = client.get("/")
    with django_assert_num_queries(0):
        second = client.get("/")
    assert second.content == first.content
    assert "Cached title" in second.text
    assert second["Content-Type"] == first["Content-Type"]
    assert "HX-Request" in second["Vary"]
    assert second["Content-Security-Policy"]


def test_the_cache_keeps_pages_and_fragments_apart(client, page_cache):
    make_paper()
    page = client.get("/papers/date/2026-08-18/")
    fragment = client.get("/papers/date/2026-08-18/", headers={"HX-Request": "true"})
    assert "<html" in page.text
    assert "<html" not in fragment.text
    assert "<html" in client.get("/papers/date/2026-08-18/").text


def test_the_cache_keeps_queries_apart(client, page_cache):
    make_paper(title="Alpha paper")
    make_paper(title="Beta paper")
    assert "Alpha paper" in client.get("/search/", {"q": "alpha"}).text
    beta = client.get("/search/", {"q": "beta"}).text
    assert "Beta paper" in beta and "Alpha paper" not in beta


def test_signed_in_members_see_a_change_they_did_not_make_within_the_lag(client, page_cache, settings):
    paper = make_paper(title="Before")
    client.force_login(make_user())
    client.get("/")
    Paper.objects.filter(pk=paper.pk).update(title="After", updated_at=timezone.now())
    with later(settings.MEMBER_PAGE_LAG_SECONDS):
        assert "After" in client.get("/").text


def test_an_import_makes_new_papers_show_at_once(client, page_cache, hf_fixture, django_capture_on_commit_callbacks):
    make_paper(title="Old news")
    assert "Old news" in client.get("/").text
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_daily_papers", str(hf_fixture("2026-08-19")), verbosity=0)
    assert "ASI-Bench" in client.get("/").text


def test_errors_are_not_cached(client, page_cache):
    assert client.get("/papers/2608.00001/").status_code == 404
    make_paper("2608.00001")
    assert client.get("/papers/2608.00001/").status_code == 200


def test_the_page_cache_can_be_turned_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    cache.clear()
    paper = make_paper(title="Before")
    client.get("/")
    Paper.objects.filter(pk=paper.pk).update(title="After", updated_at=timezone.now())
    assert "After" in client.get("/").text


def test_rows_are_rendered_once_per_paper_version(client, page_cache, settings, django_assert_num_queries):
    settings.MEMBER_PAGE_LAG_SECONDS = 0  # every request reads the page's counts (papers.shared_pages)
    paper = make_paper(title="Row title", authors=("Ada Lovelace",), topics=("robots",))
    client.force_login(make_user())
    client.get("/papers/")
    # the papers, then the member's votes, saves and unread notifications: no authors or topics (the session, the
    # member and whether they moderate, the latest day and its neighbours come from the cache)
    with django_assert_num_queries(2):
        assert "Row title" in client.get("/papers/").text
    Paper.objects.filter(pk=paper.pk).update(title="New row title", updated_at=timezone.now())
    text = client.get("/papers/").text
    assert "New row title" in text and "Ada Lovelace" in text and "robots" in text


def test_counters_beside_a_cached_row_stay_live(client, page_cache, settings):
    settings.MEMBER_PAGE_LAG_SECONDS = 0  # every request reads the page's counts (papers.shared_pages)
    paper = make_paper(hf_upvotes=3)
    client.force_login(make_user())
    client.get("/")
    Paper.objects.filter(pk=paper.pk).update(upvote_count=4, points=7)
    assert '<span class="upvote__count">7</span>' in client.get("/").text


def test_comment_counts_beside_a_cached_row_stay_live(client, page_cache, settings):
    settings.MEMBER_PAGE_LAG_SECONDS = 0  # every request reads the page's counts (papers.shared_pages)
    paper = make_paper(hf_comments=1)
    client.force_login(make_user())
    assert '0<span class="visually-hidden"> comments here' in client.get("/").text
    updated_at = paper.updated_at
    post_comment(paper, make_user("ada"), "Fresh")
    paper.refresh_from_db()
    assert paper.updated_at == updated_at  # the row itself is not rendered again
    text = client.get("/").text
    assert '1<span class="visually-hidden"> comment here' in text
    assert '1<span class="visually-hidden"> on Hugging Face' in text
