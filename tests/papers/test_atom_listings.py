"""The Atom feeds of the listings: trending, each day, ISO week and month, and any search.

Each lists its HTML page's rows in the page's default order, on the recorded archive; refuses what the page
refuses; is advertised in the page's head and body; and runs a bounded number of queries.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urlencode

import feedparser
import pytest
from django.core.cache import cache
from django.urls import reverse

from papers import ingest
from papers.atom import FEED_ITEMS
from papers.models import Listing, Paper

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive")]

SERVER = "http://testserver"


def parse(client, url: str, **extra) -> feedparser.FeedParserDict:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml"), url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, f"{url}: {feed.bozo_exception}"
    assert feed.version == "atom10", url
    return feed


def entry_ids(feed) -> list[str]:
    """The arXiv ids of a feed's entries, in order."""
    return [entry.link.removeprefix(f"{SERVER}/papers/").removesuffix("/") for entry in feed.entries]


def html_rows(client, url: str, limit: int = FEED_ITEMS, **extra) -> list[str]:
    """The arXiv ids of the rows an HTML listing shows, page after page, up to `limit`."""
    ids: list[str] = []
    separator = "&" if "?" in url else "?"
    for number in range(1, 100):
        response = client.get(url if number == 1 else f"{url}{separator}page={number}", **extra)
        assert response.status_code == 200, url
        page = response.context["page"]
        ids += [paper.arxiv_id for paper in page.items]
        if len(ids) >= limit or not page.has_next:
            return ids[:limit]
    raise AssertionError(f"{url} has more pages than expected")


def recorded_periods() -> list[str]:
    """The address of every day, ISO week and month of the recorded archive."""
    days = list(Listing.objects.days())
    weeks = {f"{year}-W{week:02d}" for year, week, _ in (day.isocalendar() for day in days)}
    months = {f"{day.year}-{day.month:02d}" for day in days}
    return [
        *(f"/papers/date/{day.isoformat()}/" for day in days),
        *(f"/papers/week/{week}/" for week in sorted(weeks)),
        *(f"/papers/month/{month}/" for month in sorted(months)),
    ]


def test_each_recorded_period_and_trending_list_the_pages_rows_in_order(client):
    pages = [*recorded_periods(), "/papers/trending/"]
    assert len(pages) == 17 + 7 + 4 + 1
    capped = 0
    for url in pages:
        rows = html_rows(client, url)
        feed = parse(client, f"{url}feed/")
        assert rows, url
        assert entry_ids(feed) == rows, url
        capped += len(rows) == FEED_ITEMS
    assert capped >= 3  # two full weeks, a month and trending have more papers than a feed holds


def test_a_day_with_two_pages_of_rows_lists_both_in_order(client):
    """October 10, 2024 has 46 papers: 30 on the first page, 16 on the second, all in the feed."""
    rows = html_rows(client, "/papers/date/2024-10-10/")
    assert len(rows) == 46
    assert entry_ids(parse(client, "/papers/date/2024-10-10/feed/")) == rows


def test_a_sort_asked_of_the_page_is_not_the_feeds_order(client):
    """The feed follows the page's default order ("top"); ?sort= on the feed changes nothing."""
    top = entry_ids(parse(client, "/papers/date/2026-08-18/feed/"))
    assert entry_ids(parse(client, "/papers/date/2026-08-18/feed/?sort=new")) == top
    assert html_rows(client, "/papers/date/2026-08-18/?sort=new") != top


@pytest.mark.parametrize(
    "url,title,subtitle",
    [
        ("/papers/date/2026-08-18/", "Paper Commons: Daily Papers, August 18, 2026", "The papers of August 18, 2026"),
        (
            "/papers/week/2026-W34/",
            "Paper Commons: Papers of the week, Week 34 of 2026: Aug 17 – Aug 23",
            "The papers of Week 34 of 2026",
        ),
        ("/papers/month/2026-08/", "Paper Commons: Papers of the month, August 2026", "The papers of August 2026"),
        ("/papers/trending/", "Paper Commons: Trending papers", "upvotes with time decay"),
    ],
)
def test_a_feed_says_what_it_is_and_where_its_page_and_itself_are(client, url, title, subtitle):
    feed = parse(client, f"{url}feed/")
    assert feed.feed.title == title
    assert subtitle.lower() in feed.feed.subtitle.lower()
    assert feed.feed.id == f"{SERVER}{url}"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"alternate": f"{SERVER}{url}", "self": f"{SERVER}{url}feed/"}


def test_entries_carry_title_link_summary_authors_categories_and_dates(client):
    paper = Paper.objects.get(arxiv_id="2608.15265")
    feed = parse(client, "/papers/date/2026-08-18/feed/")
    (entry,) = [entry for entry in feed.entries if entry.link == f"{SERVER}/papers/2608.15265/"]
    assert entry.title == paper.title
    assert entry.id == entry.link
    assert [author.name for author in entry.authors] == list(
        paper.authorships.order_by("position").values_list("author__name", flat=True)
    )
    assert entry.authors
    assert [tag.term for tag in entry.tags] == list(paper.keywords) and entry.tags
    assert entry.summary_detail.type == "text/html"
    assert paper.ai_summary[:40] in entry.summary
    assert entry.published_parsed[:3] == paper.published_at.timetuple()[:3]
    assert entry.updated_parsed[:3] == paper.last_listed_on.timetuple()[:3]


def test_mirrored_markup_in_a_summary_is_escaped(client):
    Paper.objects.filter(arxiv_id="2608.15265").update(abstract="<script>alert(1)</script> & more")
    response = client.get("/papers/date/2026-08-18/feed/")
    assert "<script>" not in response.content.decode()
    (entry,) = [e for e in feedparser.parse(response.content).entries if e.link.endswith("/2608.15265/")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in entry.summary


def test_feed_and_entry_ids_stay_the_same_on_each_request_and_follow_the_host(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "papers.example.org"]
    for url in ["/papers/date/2026-08-18/feed/", "/papers/week/2026-W34/feed/", "/papers/month/2026-08/feed/",
                "/papers/trending/feed/", "/search/feed/?q=agents"]:  # fmt: skip
        first, again = parse(client, url), parse(client, url)
        assert first.feed.id == again.feed.id and [e.id for e in first.entries] == [e.id for e in again.entries]
        secure = parse(client, url, HTTP_HOST="papers.example.org", secure=True)
        assert secure.feed.id.startswith("https://papers.example.org/"), url
        assert all(e.id.startswith("https://papers.example.org/papers/") for e in secure.entries), url


# --- What the pages refuse, the feeds refuse -------------------------------------------------------------------


@pytest.fixture
def today_is_aug_19(monkeypatch):
    """The day of the last recorded listing."""
    monkeypatch.setattr(ingest, "utc_today", lambda: dt.date(2026, 8, 19))


@pytest.mark.parametrize(
    "url",
    [
        # after today, with no papers
        "/papers/date/2026-08-20/",
        "/papers/week/2026-W35/",
        "/papers/month/2026-09/",
        "/papers/date/2027-01-01/",
        # outside the calendar the converters answer for (1991 to the year before the last Python knows)
        "/papers/date/1990-12-31/",
        "/papers/week/1991-W01/",  # began on Monday 1990-12-31
        "/papers/month/0001-01/",
        "/papers/date/9999-12-31/",
        "/papers/week/9999-W52/",
        # not a date
        "/papers/date/2026-02-30/",
        "/papers/week/2026-W54/",
        "/papers/month/2026-13/",
    ],
)
def test_future_and_out_of_range_periods_are_not_found_like_their_pages(client, today_is_aug_19, url):
    assert client.get(url).status_code == 404
    assert client.get(f"{url}feed/").status_code == 404


def test_a_period_after_today_with_papers_has_its_feed(client, today_is_aug_19):
    """A listing dated after today (Hugging Face's clock ahead of ours) is there, page and feed."""
    Listing.objects.filter(date=dt.date(2026, 8, 19)).update(date=dt.date(2026, 8, 21))
    Paper.objects.filter(last_listed_on=dt.date(2026, 8, 19)).update(last_listed_on=dt.date(2026, 8, 21))
    assert client.get("/papers/date/2026-08-21/").status_code == 200
    assert entry_ids(parse(client, "/papers/date/2026-08-21/feed/")) == html_rows(client, "/papers/date/2026-08-21/")


def test_the_real_clock_refuses_the_far_future(client):
    for url in ["/papers/date/2999-01-01/feed/", "/papers/week/2999-W01/feed/", "/papers/month/2999-01/feed/"]:
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/papers/date/1991-01-01/", "/papers/week/2026-W31/", "/papers/month/2025-01/"])
def test_a_past_period_without_papers_has_an_empty_feed_as_its_page_is_empty(client, url):
    """The page of a past period with no papers answers (saying nothing was listed), and so does its feed."""
    response = client.get(url)
    assert response.status_code == 200 and "No papers were listed" in response.text
    assert parse(client, f"{url}feed/").entries == []


# --- Search --------------------------------------------------------------------------------------------------


def search_feed(client, query: str, **extra):
    return parse(client, f"/search/feed/?{urlencode({'q': query})}", **extra)


def test_the_search_feed_of_a_quoted_phrase_lists_the_search_pages_results_in_order(client):
    query = '"video generation"'
    rows = html_rows(client, f"/search/?{urlencode({'q': query})}")
    assert len(rows) > 5
    feed = search_feed(client, query)
    assert entry_ids(feed) == rows
    assert feed.feed.title == 'Paper Commons: search for “"video generation"”'
    assert feed.feed.id == f"{SERVER}/search/?q=%22video+generation%22"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == f"{SERVER}/search/feed/?q=%22video+generation%22"
    assert entry_ids(search_feed(client, "video generation")) != rows  # the words anywhere match more papers


def test_the_search_feed_of_many_results_is_capped_best_first(client):
    rows = html_rows(client, "/search/?q=model")
    assert len(rows) == FEED_ITEMS
    assert entry_ids(search_feed(client, "model")) == rows


@pytest.mark.parametrize("query", ["2608.15265", "https://arxiv.org/abs/2608.15265v2", "arXiv:2608.15265"])
def test_the_search_feed_of_an_arxiv_id_lists_that_paper(client, query, htmx):
    """The search page opens the paper; a live (htmx) search lists it, and so does the feed."""
    assert html_rows(client, f"/search/?{urlencode({'q': query})}", headers=htmx) == ["2608.15265"]
    feed = search_feed(client, query)
    assert entry_ids(feed) == ["2608.15265"]
    assert query in feed.feed.title


def test_a_search_feed_with_no_match_is_an_empty_feed(client):
    assert search_feed(client, "quantum chromodynamics lattice").entries == []


@pytest.mark.parametrize("query", [None, "", "   ", "\x00", "\t\n"])
def test_a_search_feed_without_words_is_a_clear_bad_request(client, query):
    response = client.get("/search/feed/", {} if query is None else {"q": query})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "Say what to search for: /search/feed/?q=words" in response.text


@pytest.mark.parametrize("raw", ["agents%01%08", "agents%EF%BF%BF", "agents%ED%A0%80", "%1B%5B31m", "agents" * 100])
def test_a_search_feed_with_characters_xml_cannot_carry_is_still_valid(client, raw):
    feed = parse(client, f"/search/feed/?q={raw}")
    assert "\x01" not in feed.feed.title and "\uffff" not in feed.feed.title


def test_the_search_feed_is_kept_out_of_search_engines_like_the_search_page(client):
    response = client.get("/search/feed/", {"q": "agents"})
    assert response["X-Robots-Tag"] == "noindex"
    assert "Disallow: /search/feed/\n" in client.get("/robots.txt").text


# --- The HTML pages advertise their feeds --------------------------------------------------------------------


class FeedLinks(HTMLParser):
    """The Atom `<link rel="alternate">`s of a page's head, and the hrefs of its visible "Atom feed" links."""

    def __init__(self) -> None:
        super().__init__()
        self.alternates: list[dict] = []
        self.visible: list[str] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate" and attrs.get("type") == "application/atom+xml":
            self.alternates.append(attrs)
        if tag == "a":
            self._href = attrs.get("href")

    def handle_data(self, data) -> None:
        if self._href and data.strip() == "Atom feed":
            self.visible.append(self._href)

    def handle_endtag(self, tag) -> None:
        if tag == "a":
            self._href = None


def feed_links(response) -> FeedLinks:
    parser = FeedLinks()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize(
    "page_url,feed,title",
    [
        ("/papers/date/2026-08-18/", "/papers/date/2026-08-18/feed/", "Daily Papers, August 18, 2026"),
        (
            "/papers/week/2026-W34/",
            "/papers/week/2026-W34/feed/",
            "Papers of the week, Week 34 of 2026: Aug 17 – Aug 23",
        ),
        ("/papers/month/2026-08/", "/papers/month/2026-08/feed/", "Papers of the month, August 2026"),
        ("/papers/trending/", "/papers/trending/feed/", "Trending papers"),
        ("/search/?q=%22video+generation%22", "/search/feed/?q=%22video+generation%22", 'Search: "video generation"'),
    ],
)
def test_each_page_names_its_feed_in_its_head_and_links_it_visibly(client, page_url, feed, title):
    response = client.get(page_url)
    assert response.status_code == 200
    links = feed_links(response)
    daily = {"rel": "alternate", "type": "application/atom+xml", "title": "Paper Commons: Daily Papers",
             "href": "/papers/feed/"}  # fmt: skip
    own = {"rel": "alternate", "type": "application/atom+xml", "title": title, "href": feed}
    assert links.alternates == [daily, own]
    assert links.visible == [feed, "/papers/feed/"]  # its own, then the footer's daily feed
    assert {link.rel: link.href for link in parse(client, feed).feed.links}["alternate"] == f"{SERVER}{page_url}"


@pytest.mark.parametrize("page_url", ["/", "/papers/"])
def test_the_home_pages_feed_is_the_daily_feed_named_once(client, page_url):
    """The home page shows the latest day, and stays current: its feed is the daily feed, not that day's."""
    links = feed_links(client.get(page_url))
    assert [link["href"] for link in links.alternates] == ["/papers/feed/"]
    assert links.visible == ["/papers/feed/", "/papers/feed/"]  # under the heading, and in the footer


def test_a_search_without_words_names_no_feed(client):
    links = feed_links(client.get("/search/"))
    assert [link["href"] for link in links.alternates] == ["/papers/feed/"]
    assert "/search/feed/" not in client.get("/search/").text


def test_a_live_search_brings_its_feed_link_along(client, htmx):
    response = client.get("/search/", {"q": "agents"}, headers=htmx)
    assert "<html" not in response.text
    assert feed_links(response).visible == ["/search/feed/?q=agents"]


# --- Cost -----------------------------------------------------------------------------------------------------

FEEDS = [
    "/papers/date/2026-08-18/feed/",
    "/papers/date/2024-10-10/feed/",
    "/papers/week/2026-W33/feed/",
    "/papers/month/2026-08/feed/",
    "/papers/trending/feed/",
    "/search/feed/?q=model",
    "/search/feed/?q=%22video+generation%22",
    "/search/feed/?q=2608.15265",
]


@pytest.mark.parametrize("url", FEEDS)
def test_a_feed_runs_a_bounded_number_of_queries_whatever_its_papers_and_authors(
    client, url, django_assert_max_num_queries
):
    """Its papers (with their organisations) and their authors: two queries, for 50 papers and their hundreds of
    authors as for one."""
    with django_assert_max_num_queries(2):
        feed = parse(client, url)
    assert feed.entries and sum(len(entry.authors) for entry in feed.entries) >= len(feed.entries)


def test_a_period_that_may_be_in_the_future_costs_one_query_more(
    client, today_is_aug_19, django_assert_max_num_queries
):
    Listing.objects.filter(date=dt.date(2026, 8, 19)).update(date=dt.date(2026, 8, 21))
    with django_assert_max_num_queries(3):
        parse(client, "/papers/date/2026-08-21/feed/")
    with django_assert_max_num_queries(1):
        assert client.get("/papers/date/2026-08-22/feed/").status_code == 404


@pytest.mark.parametrize("url", [*FEEDS, "/papers/week/2026-W34/feed/"])
def test_anonymous_visitors_get_the_feeds_from_the_page_cache(client, settings, url, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    first = client.get(url)
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    cache.clear()


def test_members_get_fresh_feeds(client, settings, member):
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    client.force_login(member)
    client.get("/papers/trending/feed/")
    Paper.objects.filter(arxiv_id=entry_ids(parse(client, "/papers/trending/feed/"))[0]).update(title="Renamed")
    assert parse(client, "/papers/trending/feed/").entries[0].title == "Renamed"
    cache.clear()


def test_the_feeds_are_named_after_the_pages_they_follow():
    first = dt.date(2026, 8, 17)
    assert reverse("papers:day-feed", args=[first]) == "/papers/date/2026-08-17/feed/"
    assert reverse("papers:week-feed", args=[first]) == "/papers/week/2026-W34/feed/"
    assert reverse("papers:month-feed", args=[first.replace(day=1)]) == "/papers/month/2026-08/feed/"
    assert reverse("papers:trending-feed") == "/papers/trending/feed/"
    assert reverse("papers:search-feed") == "/search/feed/"
