"""Synthetic members of the corpus: follows, mutes, votes, saves and comments, for the personal feed."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef

from accounts.models import User
from bench.corpus import chunks, synthetic_papers
from bench.specs import DEFAULT_SEED, Pools, author_names, organization_names, topic_names, zipf_weights
from papers import similarity
from papers.markdown import render_markdown
from papers.models import (
    Author,
    Comment,
    Follow,
    Listing,
    Organization,
    Paper,
    PaperVote,
    SavedPaper,
    Topic,
    author_slug,
    topic_slug,
)

MEMBER_PREFIX = "synthetic-"
# The member whose `/feed/` the benchmark measures: 50 follows and some upvotes and saves.
FEED_READER = "synthetic-reader"
READER_FOLLOWS = {"topic": 20, "author": 15, "organization": 5, "member": 10}
READER_UPVOTES, READER_SAVES = 30, 10
FEED_WINDOW = dt.timedelta(days=30)
# The signed-in pages loaded beside the reader's `/feed/` (bench.throughput): a plain member's `/` (the latest day),
# the day in the middle of the corpus and a paper of that day with a discussion. The plain member upvotes and
# saves the first papers of both days, so that their rows show pressed buttons.
PLAIN_UPVOTES, PLAIN_SAVES = 3, 2
DISCUSSION_THREADS = 6  # comments on the discussed paper, each with a reply


@dataclass(frozen=True)
class MembersResult:
    members: int
    generated: bool
    seconds: float


def members_for_size(papers: int) -> int:
    """10,000 members for 100,000 papers: one for every ten papers, at least 30."""
    return max(30, papers // 10)


def synthetic_members():
    return User.objects.filter(username__startswith=MEMBER_PREFIX)


def ensure_members(
    papers: int,
    *,
    seed: int = DEFAULT_SEED,
    regenerate: bool = False,
    log: Callable[[str], None] | None = None,
) -> MembersResult:
    """Reuse the synthetic members of a corpus of `papers` papers, or (re)generate them.

    They are complete when there are as many as expected, the feed reader follows 50 things, and their
    votes are on the current papers (regenerating the papers deletes the votes).
    """
    log = log or (lambda message: None)
    count = members_for_size(papers)
    reader = synthetic_members().filter(username=FEED_READER).first()
    complete = (
        reader is not None
        and synthetic_members().count() == count
        and Follow.objects.following().filter(user=reader).count() == sum(READER_FOLLOWS.values())
        and PaperVote.objects.filter(user=reader).count() == READER_UPVOTES
    )
    if complete and not regenerate:
        return MembersResult(members=count, generated=False, seconds=0.0)
    started = time.monotonic()
    generate_members(count, seed=seed, log=log)
    return MembersResult(members=count, generated=True, seconds=time.monotonic() - started)


@dataclass(frozen=True)
class _Targets:
    """What members act on: the papers (those of the feed's window weighted by points) and the pools."""

    latest: dt.date
    all_ids: list[int]
    recent_ids: list[int]
    recent_weights: list[int]
    topic_ids: list[int]
    author_ids: list[int]
    org_ids: list[int]
    topic_weights: list[float]
    author_weights: list[float]

    @classmethod
    def load(cls, seed: int) -> _Targets:
        latest = Listing.objects.filter(paper__in=synthetic_papers().values("pk")).aggregate(day=Max("date"))["day"]
        all_ids = list(synthetic_papers().values_list("pk", flat=True))
        recent = list(synthetic_papers().filter(last_listed_on__gte=latest - FEED_WINDOW).values_list("pk", "points"))
        pools = Pools.for_size(len(all_ids))
        topic_ids = _pool_ids(Topic, "slug", [topic_slug(n) for n in topic_names(pools.topics, seed)])
        author_ids = _pool_ids(Author, "slug", [author_slug(n) for n in author_names(pools.authors, seed)])
        return cls(
            latest=latest,
            all_ids=all_ids,
            recent_ids=[pk for pk, _points in recent],
            recent_weights=list(itertools.accumulate(1 + points for _pk, points in recent)),
            topic_ids=topic_ids,
            author_ids=author_ids,
            org_ids=_pool_ids(Organization, "handle", [h for h, _n in organization_names(pools.organizations)]),
            topic_weights=zipf_weights(len(topic_ids), offset=3),
            author_weights=zipf_weights(len(author_ids), offset=min(300, len(author_ids) / 10)),
        )

    def papers_for(self, rng: random.Random, k: int) -> set[int]:
        """Half of `k` papers from the feed's window (members are active now), the rest anywhere."""
        chosen = set(rng.choices(self.recent_ids, cum_weights=self.recent_weights, k=(k + 1) // 2))
        return chosen | set(rng.sample(self.all_ids, min(k // 2, len(self.all_ids))))


@dataclass
class _Activity:
    votes: list[PaperVote]
    saves: list[SavedPaper]
    follows: list[Follow]
    comments: list[Comment]


def generate_members(count: int, *, seed: int = DEFAULT_SEED, log: Callable[[str], None] | None = None) -> None:
    """`count` members (the feed reader among them) who follow, mute, upvote, save and comment, in bulk.

    Half of each member's upvotes and saves go to papers of the feed's window (members are active now),
    weighted by their points; the rest anywhere in the corpus. The papers' counters are recounted after.
    """
    log = log or (lambda message: None)
    rng = random.Random(f"{seed}:members")
    started = time.monotonic()
    if synthetic_members().exists():
        log("Deleting the existing synthetic members…")
        synthetic_members().delete()
    reader_id, others = _create_members(count, rng)
    targets = _Targets.load(seed)
    now = dt.datetime.combine(targets.latest, dt.time(12), tzinfo=dt.UTC)
    activity = _members_activity(rng, others, targets, now)
    seeds = _reader_activity(rng, reader_id, others, targets, activity, now)
    with transaction.atomic():
        PaperVote.objects.bulk_create(activity.votes, batch_size=10_000, ignore_conflicts=True)
        SavedPaper.objects.bulk_create(activity.saves, batch_size=10_000, ignore_conflicts=True)
        Follow.objects.bulk_create(activity.follows, batch_size=10_000, ignore_conflicts=True)
        Comment.objects.bulk_create(activity.comments, batch_size=10_000)
    log(
        f"Members: {count:,} with {len(activity.votes):,} upvotes, {len(activity.saves):,} saves, "
        f"{len(activity.follows):,} follows and mutes, {len(activity.comments):,} comments "
        f"({time.monotonic() - started:.1f}s)"
    )
    started = time.monotonic()
    recount_papers()
    log(f"Paper counters recounted ({time.monotonic() - started:.1f}s)")
    started = time.monotonic()
    similarity.refresh(seeds)
    log(f"Similar papers of the reader's seeds ({time.monotonic() - started:.1f}s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (User, PaperVote, SavedPaper, Follow, Comment, Paper):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _create_members(count: int, rng: random.Random) -> tuple[int, list[int]]:
    """The members, in bulk: the feed reader's id and the others' ids."""
    users = [
        User(
            username=FEED_READER if n == 0 else f"{MEMBER_PREFIX}{n:05d}",
            email=f"member{n}@example.org",
            password="!",  # unusable: these members never log in with a password
            upvotes_public=n > 0 and rng.random() < 0.3,
            recency=User.Recency.SOME if n == 0 else rng.choice([1, 2, 2, 2, 3]),
        )
        for n in range(count)
    ]
    User.objects.bulk_create(users, batch_size=5_000)
    reader_id = synthetic_members().get(username=FEED_READER).pk
    others = list(synthetic_members().exclude(pk=reader_id).order_by("username").values_list("pk", flat=True))
    return reader_id, others


def _members_activity(rng: random.Random, others: list[int], targets: _Targets, now: dt.datetime) -> _Activity:
    """Every member but the reader: upvotes, saves, follows and mutes, and a few comments."""
    activity = _Activity(votes=[], saves=[], follows=[], comments=[])
    for member in others:
        for paper in targets.papers_for(rng, int(rng.expovariate(1 / 20))):
            activity.votes.append(PaperVote(user_id=member, paper_id=paper, created_at=now - _ago(rng)))
        for paper in targets.papers_for(rng, int(rng.expovariate(1 / 5))):
            activity.saves.append(SavedPaper(user_id=member, paper_id=paper, created_at=now - _ago(rng)))
        for _ in range(int(rng.expovariate(1 / 6))):
            kind = rng.choice(["topic", "topic", "author", "author", "organization", "member"])
            target = {
                "topic": lambda: rng.choices(targets.topic_ids, cum_weights=targets.topic_weights)[0],
                "author": lambda: rng.choices(targets.author_ids, cum_weights=targets.author_weights)[0],
                "organization": lambda: rng.choice(targets.org_ids),
                "member": lambda: rng.choice(others),
            }[kind]()
            if kind != "member" or target != member:
                mode = Follow.Mode.MUTE if rng.random() < 0.1 else Follow.Mode.FOLLOW
                activity.follows.append(Follow(user_id=member, target=kind, mode=mode, **{f"{kind}_id": target}))
        if rng.random() < 0.05:
            for paper in rng.sample(targets.recent_ids, min(3, len(targets.recent_ids))):
                activity.comments.append(
                    Comment(paper_id=paper, author_id=member, body="Nice.", body_html="<p>Nice.</p>")
                )
    return activity


def _reader_activity(
    rng: random.Random, reader_id: int, others: list[int], targets: _Targets, activity: _Activity, now: dt.datetime
) -> list[int]:
    """The reader's follows, mutes, upvotes and saves, added to `activity`; returns the voted and saved papers.

    20 topics (a few of the biggest), 15 prolific authors, 5 organisations, the 10 busiest voters (whose
    upvotes are public); a muted topic and author; recent upvotes and saves as seeds.
    """
    busiest = collections.Counter(vote.user_id for vote in activity.votes)
    voters = sorted(others, key=lambda pk: (-busiest[pk], pk))[: READER_FOLLOWS["member"]]
    User.objects.filter(pk__in=voters).update(upvotes_public=True)
    topic_ids, author_ids, recent_ids = targets.topic_ids, targets.author_ids, targets.recent_ids
    reader_targets = {
        "topic": topic_ids[:5] + rng.sample(topic_ids[5:-1][:195], READER_FOLLOWS["topic"] - 5),
        "author": rng.sample(author_ids[:300], READER_FOLLOWS["author"]),
        "organization": targets.org_ids[: READER_FOLLOWS["organization"]],
        "member": voters,
    }
    for kind, ids in reader_targets.items():
        activity.follows += [Follow(user_id=reader_id, target=kind, **{f"{kind}_id": pk}) for pk in ids]
    activity.follows.append(Follow(user_id=reader_id, target="topic", mode=Follow.Mode.MUTE, topic_id=topic_ids[-1]))
    activity.follows.append(Follow(user_id=reader_id, target="author", mode=Follow.Mode.MUTE, author_id=author_ids[-1]))
    votes = rng.sample(recent_ids, min(READER_UPVOTES * 2 // 3, len(recent_ids)))
    votes += rng.sample(sorted(set(targets.all_ids) - set(votes)), READER_UPVOTES - len(votes))
    activity.votes += [PaperVote(user_id=reader_id, paper_id=pk, created_at=now - _ago(rng)) for pk in votes]
    saves = rng.sample(sorted(set(recent_ids) - set(votes)), min(READER_SAVES, len(recent_ids) // 2))
    activity.saves += [SavedPaper(user_id=reader_id, paper_id=pk, created_at=now - _ago(rng)) for pk in saves]
    return [*votes, *saves]


def _ago(rng: random.Random) -> dt.timedelta:
    return dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60))


def _pool_ids(model, key: str, values: list[str]) -> list[int]:
    """The ids of a pool's rows, in the pool's order (most frequent first)."""
    ids: dict[str, int] = {}
    for chunk in chunks(values, 10_000):
        ids.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return [ids[value] for value in values if value in ids]


def recount_papers(papers=None) -> int:
    """Recount the upvotes and comments of `papers` (the synthetic papers by default) from their rows, with the sort
    keys; returns the changed."""
    papers = synthetic_papers() if papers is None else papers
    votes = dict(PaperVote.objects.filter(paper__in=papers.values("pk")).values_list("paper").annotate(n=Count("*")))
    comments = dict(
        Comment.objects.visible().filter(paper__in=papers.values("pk")).values_list("paper").annotate(n=Count("*"))
    )
    changed = []
    for paper in papers.only("pk", "hf_upvotes", "upvote_count", "comment_count", "first_listed_on", "published_at"):
        upvotes, discussion = votes.get(paper.pk, 0), comments.get(paper.pk, 0)
        if (paper.upvote_count, paper.comment_count) != (upvotes, discussion):
            paper.upvote_count, paper.comment_count = upvotes, discussion
            paper.refresh_sort_keys()
            changed.append(paper)
    # Small batches: each is one UPDATE with a CASE per column, whose cost grows with the square of its size.
    for chunk in chunks(changed, 500):
        Paper.objects.bulk_update(chunk, ["upvote_count", "comment_count", "points", "hotness"])
    return len(changed)


def ensure_discussion(day: dt.date) -> Paper:
    """The paper of `day` whose page the benchmark loads: the most commented one of the day, first in the day's
    order. When none of the day's papers has comments (members comment on recent papers), the day's first paper
    gets a discussion: DISCUSSION_THREADS comments by synthetic members, each with a reply."""
    listed = Paper.objects.listed_on(day).filter(pk__in=synthetic_papers().values("pk"))
    discussed = listed.filter(comment_count__gt=0).order_by("-comment_count", "listings__hf_position", "pk").first()
    if discussed is not None:
        return discussed
    paper = listed.ranked_for_day("top").first()
    if paper is None:
        raise ValueError(f"No synthetic paper is listed on {day}.")
    writers = list(synthetic_members().exclude(username=FEED_READER).order_by("username")[: 2 * DISCUSSION_THREADS])
    posted = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    with transaction.atomic():
        for n, (author, replier) in enumerate(itertools.batched(writers, 2)):
            body = f"Comment {n + 1} on this paper: how do the results hold up on a larger benchmark?"
            comment = Comment.objects.create(
                paper=paper,
                author=author,
                body=body,
                body_html=render_markdown(body).html,
                created_at=posted + dt.timedelta(minutes=10 * n),
            )
            body = f"Reply {n + 1}: the appendix has them, and they hold up."
            Comment.objects.create(
                paper=paper,
                author=replier,
                parent=comment,
                depth=1,
                body=body,
                body_html=render_markdown(body).html,
                created_at=posted + dt.timedelta(minutes=10 * n + 5),
            )
        recount_papers(Paper.objects.filter(pk=paper.pk))
    paper.refresh_from_db()
    return paper


def plain_member() -> User:
    """The member who follows and mutes nothing (so `/` is the latest day for them), the first by username among
    those who have upvoted and saved papers, or among all when none has."""
    votes = PaperVote.objects.filter(user=OuterRef("pk"))
    saves = SavedPaper.objects.filter(user=OuterRef("pk"))
    member = (
        synthetic_members()
        .exclude(Exists(Follow.objects.filter(user=OuterRef("pk"))))
        .alias(voted=Exists(votes), saved=Exists(saves))
        .order_by("-voted", "-saved", "username")
        .first()
    )
    if member is None:
        raise ValueError("Every synthetic member follows or mutes something.")
    return member


def ensure_plain_member(days: list[dt.date], paper: Paper) -> User:
    """The plain member, who upvotes `paper` and upvotes and saves the first papers of each of `days` (added when
    missing), so that the benchmark's signed-in pages show their buttons pressed."""
    member = plain_member()
    upvoted, saved = {paper.pk}, set()
    for day in days:
        first = list(Paper.objects.listed_on(day).ranked_for_day("top").values_list("pk", flat=True)[:PLAIN_UPVOTES])
        upvoted.update(first)
        saved.update(first[:PLAIN_SAVES])
    with transaction.atomic():
        PaperVote.objects.bulk_create([PaperVote(user=member, paper_id=pk) for pk in upvoted], ignore_conflicts=True)
        SavedPaper.objects.bulk_create([SavedPaper(user=member, paper_id=pk) for pk in saved], ignore_conflicts=True)
        recount_papers(Paper.objects.filter(pk__in=upvoted))
    return member
