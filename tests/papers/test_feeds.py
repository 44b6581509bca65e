import datetime as dt

import feedparser
import pytest

from papers.models import Follow, Paper
from tests.factories import make_organization, make_paper, make_topic, make_user

pytestmark = pytest.mark.django_db


def parse(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_the_daily_feed_has_the_latest_days_best_first(client):
    make_paper(title="Today low", hf_upvotes=1, listed_on=dt.date(2026, 8, 19))
    make_paper(title="Today high", hf_upvotes=9, listed_on=dt.date(2026, 8, 19))
    make_paper(title="Yesterday", hf_upvotes=50, listed_on=dt.date(2026, 8, 18))
    make_paper(title="Long ago", listed_on=dt.date(2026, 1, 5))
    make_paper(title="Longer ago", listed_on=dt.date(2025, 1, 5))
    make_paper(title="Longest ago", listed_on=dt.date(2024, 1, 5))
    feed = parse(client, "/papers/feed/")
    assert [entry.title for entry in feed.entries] == ["Today high", "Today low", "Yesterday", "Long ago"]
    assert feed.feed.title == "Paper Commons: Daily Papers"


def test_feed_entries_carry_link_summary_authors_and_date(client):
    make_paper(
        "2608.15265",
        title="VibeWorlding",
        authors=("Yansong Ning", "Ada Lovelace"),
        ai_summary="One sentence.",
        abstract="The abstract <b>with markup</b> & more.",
        topics=("agents",),
    )
    entry = parse(client, "/papers/feed/").entries[0]
    assert entry.link == "http://testserver/papers/2608.15265/"
    assert entry.id == "http://testserver/papers/2608.15265/"
    assert [author.name for author in entry.authors] == ["Yansong Ning", "Ada Lovelace"]
    assert "One sentence." in entry.summary and "&lt;b&gt;with markup&lt;/b&gt;" in entry.summary
    assert entry.published.startswith("2026-08-15")  # on arXiv
    assert entry.updated.startswith("2026-08-18")  # listed
    assert [tag.term for tag in entry.tags] == ["agents"]


@pytest.mark.parametrize(
    "url,title",
    [
        ("/topics/robots/feed/", "Paper Commons: papers on robots"),
        ("/authors/ada-lovelace/feed/", "Paper Commons: papers by Ada Lovelace"),
        ("/orgs/acme/feed/", "Paper Commons: papers from Acme Research"),
    ],
)
def test_topic_author_and_organisation_feeds_list_their_papers_newest_first(client, url, title):
    org = make_organization()
    for day in (3, 9):
        make_paper(
            title=f"Robots {day}",
            topics=("robots",),
            authors=("Ada Lovelace",),
            organization=org,
            published_at=dt.datetime(2026, 8, day, tzinfo=dt.UTC),
        )
    make_paper(title="Unrelated", topics=("plants",), authors=("Bob",))
    feed = parse(client, url)
    assert feed.feed.title == title
    assert [entry.title for entry in feed.entries] == ["Robots 9", "Robots 3"]


@pytest.mark.parametrize("url", ["/topics/nothing/feed/", "/authors/nobody/feed/", "/orgs/nobody/feed/"])
def test_feeds_of_unknown_things_are_not_found(client, url):
    assert client.get(url).status_code == 404


def test_an_empty_site_still_has_a_valid_daily_feed(client):
    assert parse(client, "/papers/feed/").entries == []


def utc(parsed) -> dt.datetime:
    return dt.datetime(*parsed[:6], tzinfo=dt.UTC)


@pytest.fixture
def feed_urls(db):
    """Every feed, public and private, each with the paper 2608.15265 in it."""
    member = make_user("ada")
    Follow.objects.create(user=member, target=Follow.Target.TOPIC, topic=make_topic("robots"))
    make_paper(
        "2608.15265",
        authors=("Ada Lovelace", "Yansong Ning"),
        topics=("robots",),
        organization=make_organization(),
        listed_on=dt.date(2026, 8, 18),
    )
    return ["/papers/feed/", "/topics/robots/feed/", "/authors/ada-lovelace/feed/", "/orgs/acme/feed/",
            f"/feeds/{member.feed_token}/"]  # fmt: skip


def test_entry_ids_are_the_entry_links_on_the_host_asked_and_stay_the_same(client, settings, feed_urls):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "papers.example.org"]
    for url in feed_urls:
        feed = parse(client, url, HTTP_HOST="papers.example.org", secure=True)
        (entry,) = feed.entries
        assert entry.id == entry.link == "https://papers.example.org/papers/2608.15265/", url
        assert feed.feed.id.startswith("https://papers.example.org/"), url
        again = parse(client, url, HTTP_HOST="papers.example.org", secure=True)
        assert [e.id for e in again.entries] == [entry.id] and again.feed.id == feed.feed.id
        assert parse(client, url).entries[0].id == "http://testserver/papers/2608.15265/"


def test_each_author_is_an_author_element_in_order(client):
    names = ["Yansong Ning", "Smith, John", "NeoteAI Team", "José Núñez", "Ada Lovelace"]
    make_paper("2608.15265", authors=tuple(names))
    response = client.get("/papers/feed/")
    (entry,) = feedparser.parse(response.content).entries
    assert [author.name for author in entry.authors] == names
    entry_xml = response.content.decode().split("<entry>")[1]
    assert entry_xml.count("<author>") == 5 and "<name>Smith, John</name>" in entry_xml


def test_entry_dates_are_the_papers_own_not_the_import_time(client):
    imported = dt.datetime(2026, 9, 30, 9, 30, tzinfo=dt.UTC)  # a later sync touched every paper
    relisted = make_paper("2608.00001", published_at=dt.datetime(2026, 8, 10, 12, tzinfo=dt.UTC),
                          topics=("robots",), listed_on=dt.date(2026, 8, 12))  # fmt: skip
    Paper.objects.filter(pk=relisted.pk).update(last_listed_on=dt.date(2026, 8, 19))
    make_paper("2608.00002", published_at=dt.datetime(2026, 8, 18, 17, tzinfo=dt.UTC), topics=("robots",))
    unpublished = make_paper("2608.00003", published_at=None, topics=("robots",), listed_on=dt.date(2026, 8, 11))
    Paper.objects.filter(pk=unpublished.pk).update(last_listed_on=dt.date(2026, 8, 13))
    Paper.objects.update(updated_at=imported)
    feed = parse(client, "/topics/robots/feed/")
    dates = {e.id.rsplit("/", 2)[1]: (utc(e.published_parsed), utc(e.updated_parsed)) for e in feed.entries}
    assert dates == {
        # published on arXiv, updated by its last listing
        "2608.00001": (dt.datetime(2026, 8, 10, 12, tzinfo=dt.UTC), dt.datetime(2026, 8, 19, tzinfo=dt.UTC)),
        # listed the day it came out, in the evening: the arXiv time is the later
        "2608.00002": (dt.datetime(2026, 8, 18, 17, tzinfo=dt.UTC), dt.datetime(2026, 8, 18, 17, tzinfo=dt.UTC)),
        # no arXiv date: first and last listing
        "2608.00003": (dt.datetime(2026, 8, 11, tzinfo=dt.UTC), dt.datetime(2026, 8, 13, tzinfo=dt.UTC)),
    }
    assert utc(feed.feed.updated_parsed) == dt.datetime(2026, 8, 19, tzinfo=dt.UTC)


# The daily feed: its days, its papers, their authors; a topic's, an author's, an organisation's: the thing, its
# papers, their authors; the private feed: the member, the ranking of the personal feed, the papers, their authors.
QUERIES = {"papers": 3, "topics": 3, "authors": 3, "orgs": 3, "feeds": 10}


def test_a_feed_runs_a_bounded_number_of_queries_whatever_its_papers_and_authors(
    client, feed_urls, django_assert_max_num_queries
):
    org = make_organization()
    for n in range(30):
        authors = ("Ada Lovelace", *(f"Author {n} {k}" for k in range(5)))
        make_paper(topics=("robots",), authors=authors, organization=org, listed_on=dt.date(2026, 8, 18))
    for url in feed_urls:
        with django_assert_max_num_queries(QUERIES[url.split("/")[1]]):
            assert len(parse(client, url).entries) == 31, url
