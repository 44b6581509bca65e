import datetime as dt

import feedparser
import pytest

from tests.factories import make_organization, make_paper

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
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
    assert entry.id == "http://localhost:8000/papers/2608.15265/"
    assert entry.author == "Yansong Ning, Ada Lovelace"
    assert "One sentence." in entry.summary and "&lt;b&gt;with markup&lt;/b&gt;" in entry.summary
    assert entry.published.startswith("2026-08-18")
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
