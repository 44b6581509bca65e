"""The stored personal feed (papers.feed's timeline): always the fresh ranking, whatever changed and whoever changed it.

Other members' changes reach a timeline through tasks queued after commit: these tests run them
(`django_capture_on_commit_callbacks(execute=True)`; tasks are eager in tests).
"""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from papers import discussion, feed, follows, related_papers, rows, similarity, tasks
from papers.models import Follow, Listing, OutboxMessage, Paper, PaperSimilarity, Timeline, TimelineEntry, Topic
from tests.factories import make_author, make_organization, make_paper, make_topic, make_user
from tests.support.paths import HF_FIXTURES

pytestmark = pytest.mark.django_db

LATEST = dt.date(2026, 8, 18)


def stored(user) -> list[tuple]:
    """The member's stored timeline in the feed's window, as (paper, reasons, despite_mute, rank, points)."""
    span = Listing.objects.feed_window()
    entries = TimelineEntry.objects.of(user, span[0]) if span else []
    return [
        (
            entry.paper_id,
            [feed.Reason(**reason) for reason in entry.reasons],
            entry.despite_mute,
            entry.rank,
            entry.points,
        )
        for entry in entries
    ]


def fresh(user) -> list[tuple]:
    return [(c.paper_id, c.reasons, c.despite_mute, c.rank, c.points) for c in feed.ranked_candidates(user)]


def assert_current(user) -> None:
    expected = fresh(user)
    assert stored(user) == expected
    assert TimelineEntry.objects.filter(user=user).count() >= len(expected)


@pytest.fixture
def world(db):
    """Papers over three listing days with topics, authors and organisations, and two other members."""
    acme = make_organization("acme", "Acme Research")
    papers = {}
    for n in range(12):
        papers[n] = make_paper(
            title=f"Paper {n}",
            listed_on=LATEST - dt.timedelta(days=n % 3),
            hf_upvotes=n,
            topics=("vision",) if n % 2 else ("language",),
            authors=("Yann LeCun",) if n % 4 == 0 else ("Someone Else",),
            organization=acme if n % 3 == 0 else None,
        )
    return {
        "papers": papers,
        "acme": acme,
        "vision": make_topic("vision"),
        "language": make_topic("language"),
        "yann": make_author("Yann LeCun"),
        "bob": make_user("bob", upvotes_public=True),
        "carol": make_user("carol"),
    }


def test_the_first_read_builds_the_timeline_and_stores_the_fresh_ranking(member, member_client, world):
    follows.follow(member, world["vision"])
    assert not Timeline.objects.filter(user=member).exists()  # never read: nothing stored, nothing rebuilt
    assert member_client.get("/feed/").status_code == 200
    assert Timeline.objects.get(user=member).half_life == feed.half_life(member)
    assert [row[0] for row in stored(member)] == [row[0] for row in fresh(member)] != []
    assert_current(member)


def test_the_timeline_stays_the_fresh_ranking_through_every_kind_of_change(
    member, member_client, world, django_capture_on_commit_callbacks
):
    papers, bob, carol = world["papers"], world["bob"], world["carol"]
    member_client.get("/feed/")
    with django_capture_on_commit_callbacks(execute=True):
        follows.follow(member, world["vision"])
    assert_current(member)
    with django_capture_on_commit_callbacks(execute=True):
        follows.follow(member, world["yann"])
        follows.follow(member, world["language"])
        follows.mute(member, world["acme"])  # Yann's papers at Acme show, "despite" the mute
    assert any(row[2] for row in stored(member))
    assert_current(member)
    with django_capture_on_commit_callbacks(execute=True):
        follows.unmute(member, world["acme"])
        follows.unfollow(member, world["language"])
    assert_current(member)
    with django_capture_on_commit_callbacks(execute=True):
        feed.show_less(member, papers[1])
    assert papers[1].pk not in [row[0] for row in stored(member)]
    assert_current(member)
    # Own upvotes and saves are seeds: their stored neighbours become "similar" reasons.
    PaperSimilarity.objects.create(paper=papers[2], similar=papers[4], score=0.5)
    PaperSimilarity.objects.create(paper=papers[6], similar=papers[8], score=0.3)
    with django_capture_on_commit_callbacks(execute=True):
        follows.upvote(member, papers[2])
        follows.save_paper(member, papers[6])
    assert {feed.SIMILAR} <= {reason.kind for row in stored(member) for reason in row[1]}
    assert_current(member)
    with django_capture_on_commit_callbacks(execute=True):
        feed.stop_seeding(member, papers[6])
        follows.unsave_paper(member, papers[6])
        follows.remove_upvote(member, papers[2])
    assert_current(member)
    # Other members' votes change points everywhere; a followed member's upvote and comment are reasons.
    with django_capture_on_commit_callbacks(execute=True):
        follows.upvote(carol, papers[3])
        follows.upvote(bob, papers[3])
    assert_current(member)
    with django_capture_on_commit_callbacks(execute=True):
        follows.follow(member, bob)
        follows.upvote(bob, papers[10])
        discussion.post_comment(papers[9], bob, "Worth reading.")
    assert {"member_upvoted", "member_commented"} <= {reason.kind for row in stored(member) for reason in row[1]}
    assert_current(member)
    with django_capture_on_commit_callbacks(execute=True):
        follows.remove_upvote(bob, papers[10])
        follows.mute(member, bob)
    assert_current(member)
    # The recency choice, through the settings API (PATCH /api/v1/me, as the settings page saves it).
    response = member_client.patch("/api/v1/me", {"recency": 1}, content_type="application/json")
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert Timeline.objects.get(user=member).half_life == feed.HALF_LIFE_DAYS[member.Recency.LITTLE]
    assert_current(member)
    call_command("rebuild_feeds", stdout=StringIO(), stderr=StringIO())
    assert_current(member)


def test_points_of_many_votes_on_one_paper_are_written_once_and_exactly(
    member, world, django_capture_on_commit_callbacks
):
    follows.follow(member, world["vision"])
    feed.rebuild_timeline(member, create=True)
    paper = world["papers"][5]
    with django_capture_on_commit_callbacks() as callbacks:
        for voter in [make_user(f"voter{n}") for n in range(3)]:
            follows.upvote(voter, paper)
    for callback in callbacks:  # the votes commit; the broker has not run the first update yet
        callback()
    assert OutboxMessage.objects.filter(task="papers.tasks.refresh_timeline_points").count() == 1
    assert TimelineEntry.objects.get(user=member, paper=paper).points == 5
    assert feed.refresh_timeline_points(paper.pk) == 1
    assert TimelineEntry.objects.get(user=member, paper=paper).points == Paper.objects.get(pk=paper.pk).points == 8
    assert_current(member)
    with django_capture_on_commit_callbacks(execute=True):  # the next vote queues the next update (run eagerly)
        follows.upvote(make_user("voter3"), paper)
    assert TimelineEntry.objects.get(user=member, paper=paper).points == 9
    assert_current(member)


def test_only_timelines_that_were_built_are_rebuilt(member, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        follows.follow(member, world["vision"])
        follows.follow(world["carol"], world["vision"])
        follows.upvote(world["bob"], world["papers"][1])
    assert not Timeline.objects.exists()
    assert not TimelineEntry.objects.exists()


def test_new_neighbours_of_a_seed_rebuild_its_members_timelines(member, world, django_capture_on_commit_callbacks):
    papers = world["papers"]
    follows.save_paper(member, papers[0])
    feed.rebuild_timeline(member, create=True)
    assert stored(member) == []
    with django_capture_on_commit_callbacks(execute=True):
        similarity.replace({papers[0].pk: [(papers[7].pk, 0.4)]})
    assert [row[0] for row in stored(member)] == [papers[7].pk]
    assert_current(member)


def test_a_new_day_moves_the_window_and_brings_its_papers(
    member, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """A real import: two recorded days, the member's feed read, then the next day imported."""
    settings.FEED_WINDOW_DAYS = 2
    monkeypatch.setattr(related_papers, "refresh", lambda: 0)  # every paper's related papers: not what this tests
    days = ["2026-08-17", "2026-08-18"]
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_daily_papers", *(str(HF_FIXTURES / f"daily_papers_{day}.json") for day in days), verbosity=0
        )
    for topic in Topic.objects.all():
        follows.follow(member, topic)
    feed.rebuild_timeline(member, create=True)
    before = stored(member)
    assert before and {row[0] for row in before} == {row[0] for row in fresh(member)}
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_daily_papers", str(HF_FIXTURES / "daily_papers_2026-08-19.json"), verbosity=0)
    assert Listing.objects.feed_window() == (dt.date(2026, 8, 18), dt.date(2026, 8, 19))
    new_day = set(Paper.objects.filter(last_listed_on=dt.date(2026, 8, 19)).values_list("pk", flat=True))
    after = stored(member)
    assert new_day & {row[0] for row in after}
    assert_current(member)


def test_rebuild_feeds_rebuilds_every_member_with_a_feed_to_have(member, world):
    follows.follow(member, world["vision"])
    follows.save_paper(world["carol"], world["papers"][0])
    make_user("idle")
    out = StringIO()
    call_command("rebuild_feeds", stdout=out, stderr=StringIO())
    assert "Feeds rebuilt: 2 members" in out.getvalue()
    assert set(Timeline.objects.values_list("user__username", flat=True)) == {"ada", "carol"}
    assert_current(member)
    call_command("rebuild_feeds", "--member", "ada", stdout=out, stderr=StringIO())
    assert "Feeds rebuilt: 1 member," in out.getvalue()


@pytest.mark.parametrize("count", [5, 50])
def test_the_feed_page_asks_as_many_queries_for_5_follows_as_for_50(
    client, member, count, django_assert_num_queries, settings
):
    topics = [make_topic(f"topic {n}") for n in range(count)]
    for n, topic in enumerate(topics):
        paper = make_paper(title=f"Paper {n}", listed_on=LATEST - dt.timedelta(days=n % 5), hf_upvotes=n)
        paper.paper_topics.create(topic=topic, position=0)
    follows.follow_many(member, topics)
    client.force_login(member)
    client.get("/feed/")  # the first read builds the timeline
    cache.clear()
    rows.snapshots.clear()  # as in a new process
    # With the cache emptied: session, member, moderator check, latest day, the page's entries, its papers' counts
    # (the key of the member's shared render), their rows' columns, authors and topics, and the member's votes, saves
    # and unread notifications: the same for any number of follows.
    with django_assert_num_queries(10):
        response = client.get("/feed/")
    assert response.text.count('class="feed-item"') == min(count, feed.PER_PAGE)
    with django_assert_num_queries(0):  # then the recent render, and the member's state kept in this process
        again = client.get("/feed/")
    assert again.text.count('class="feed-item"') == min(count, feed.PER_PAGE)
    settings.MEMBER_PAGE_LAG_SECONDS = 0  # no recent renders, no kept state
    with django_assert_num_queries(4):  # the shared render's hit: latest day, entries, counts, state
        again = client.get("/feed/")
    assert again.text.count('class="feed-item"') == min(count, feed.PER_PAGE)


@pytest.mark.django_db(transaction=True)
def test_concurrent_rebuilds_of_one_member_end_with_the_fresh_ranking_and_no_duplicates():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so concurrent rebuilds cannot interleave")
    ada = make_user("ada")
    topics = [make_topic(f"topic {n}") for n in range(6)]
    for n in range(40):
        paper = make_paper(title=f"Paper {n}", listed_on=LATEST - dt.timedelta(days=n % 4), hf_upvotes=n)
        paper.paper_topics.create(topic=topics[n % 6], position=0)
    follows.follow(ada, topics[0])
    feed.rebuild_timeline(ada, create=True)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(action) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                action()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    actions = [
        lambda: follows.follow(ada, topics[1]),
        lambda: follows.follow_many(ada, topics[2:5]),
        lambda: feed.rebuild_timeline(ada),
        lambda: Client().get("/feed/") and feed.rebuild_timeline(ada, create=True),
    ]
    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_current(ada)
    ids = list(TimelineEntry.objects.filter(user=ada).values_list("paper_id", flat=True))
    assert len(ids) == len(set(ids)) == len(fresh(ada))


def test_the_daily_rebuild_heals_what_no_fan_out_reaches(member, member_client, world):
    """A change written past the domain functions (here a follow inserted directly, as a data migration or an author
    merge would) leaves the stored feed behind until the daily task ranks it anew."""
    follows.follow(member, world["vision"])
    member_client.get("/feed/")  # built
    Follow.objects.create(user=member, target=Follow.Target.AUTHOR, author=world["yann"], mode=Follow.Mode.FOLLOW)
    assert stored(member) != fresh(member)
    assert tasks.rebuild_all_timelines() == 1
    assert_current(member)
    assert settings.CELERY_BEAT_SCHEDULE["rebuild-feeds"]["task"] == tasks.rebuild_all_timelines.name
