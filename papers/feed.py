"""The personal feed: the papers of the last FEED_WINDOW_DAYS listing days, ranked by why a member would want them.

A paper is a candidate when it has at least one reason, and its relevance is the sum of their weights
(REASON_WEIGHTS): a followed topic, author or organisation on the paper; a followed member who upvoted
(when their upvotes are public), commented on or submitted it; or its similarity to a seed, a paper the
member upvoted or saved (papers.similarity stores each seed's nearest papers).

Mutes hide papers, with a precedence from the most specific target to the least: member (the paper's
submitter) > author > organisation > topic. A paper matching a mute is hidden unless one of its follow
reasons is more specific than its most specific mute; it then shows with `despite_mute` saying why.
A muted member's activity is never a reason. "Less like this" hides the paper for good and lowers its
stored neighbours by LESS_PENALTY × similarity.

    score = (relevance + 0.5 × log10(1 + points)) × 0.5 ^ (age_days / half_life)

with age_days counted from the paper's last listing day to the latest one, and a half-life set by the
member's recency choice. The queries are fixed, whatever the member follows: the latest day, follows,
signals, seeds, the window's papers, then one per reason kind; a page adds its papers, rows and votes.

The ranking is stored (models.TimelineEntry, one row per candidate, and a Timeline row per member), so that a
page reads one slice of it: the latest day scales all of a member's scores alike, so the stored order is by

    rank = log2(relevance + 0.5 × log10(1 + points)) + listing day's ordinal / half_life

which `ranked_candidates` sorts by too: the stored order and a fresh one are the same, ties and all. A member's
own changes (follows, mutes, signals, upvotes, saves, recency) rebuild their rows in the request; other people's
reach them through papers.tasks: the points of a paper (`points_changed`), a followed member's activity, new and
changed papers (`rebuild_timelines_for_papers`) and seeds whose neighbours changed (`rebuild_timelines_of_seeds`).
A member whose feed was never built gets it built on their first read.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User

from . import caching, outbox, similarity
from .models import (
    Authorship,
    Comment,
    FeedSignal,
    Follow,
    Listing,
    Paper,
    PaperSimilarity,
    PaperTopic,
    PaperVote,
    SavedPaper,
    Submission,
    Timeline,
    TimelineEntry,
    cached_reverse,
    insert_once,
)
from .paging import Page
from .rows import FINGERPRINT_FIELDS, mark_upvoted, with_rows

Target = Follow.Target

REASON_WEIGHTS = {
    "topic": 1.0,
    "author": 3.0,
    "organization": 2.0,
    "member_upvoted": 1.5,
    "member_commented": 2.0,
    "member_submitted": 2.0,
    "similar": 2.0,  # × the stored similarity score
}
LESS_PENALTY = 1.0  # × the similarity to a paper the member asked to see less like
POINTS_WEIGHT = 0.5
HALF_LIFE_DAYS = {User.Recency.LITTLE: 14, User.Recency.SOME: 4, User.Recency.MUCH: 1}
# The seeds of a member's feed: their most recent upvotes and saves, this many at most.
MAX_SEEDS = 200
PER_PAGE = 30
TITLE_IN_LABEL = 80

# Precedence of mutes and follows: the most specific target has the highest level.
TARGET_LEVELS: dict[str, int] = {Target.TOPIC: 1, Target.ORGANIZATION: 2, Target.AUTHOR: 3, Target.MEMBER: 4}
REASON_TARGETS = {
    "topic": Target.TOPIC,
    "author": Target.AUTHOR,
    "organization": Target.ORGANIZATION,
    "member_upvoted": Target.MEMBER,
    "member_commented": Target.MEMBER,
    "member_submitted": Target.MEMBER,
}
# What "Mute this reason" can be asked for: a Follow target, or a seed paper ("similar").
SIMILAR = "similar"
MUTABLE_KINDS = (*Target.values, SIMILAR)
# Votes on one paper within this many seconds update the stored timelines once (`points_changed`).
POINTS_COALESCE_SECONDS = 60
# Papers whose members to rebuild are looked up this many at a time.
PAPERS_PER_LOOKUP = 500


@dataclass(frozen=True)
class Reason:
    kind: str  # one of REASON_WEIGHTS
    label: str  # "You follow reinforcement learning", "Upvoted by @ana", "Similar to “Title” that you saved"
    weight: float
    target: str | None  # the Follow.Target to mute for "Mute this reason"; None for "similar" (a not_seed signal)
    target_id: int  # pk of the topic, author, organisation or member; of the seed paper for "similar"
    url: str  # the page of the target, or of the seed paper
    name: str = field(default="", compare=False)  # the target's name ("@ana" for a member), the seed paper's title

    @property
    def mute_kind(self) -> str:
        """The `kind` that "Mute this reason" posts."""
        return self.target or SIMILAR

    @property
    def level(self) -> int:
        """How specific the reason is, for the precedence of mutes (0: not a follow)."""
        target = REASON_TARGETS.get(self.kind)
        return TARGET_LEVELS[target] if target else 0


@dataclass
class FeedItem:
    paper: Paper  # on a page: .for_rows(), row_html (papers.rows.with_rows), is_upvoted; else whole (top_items)
    reasons: list[Reason]  # strongest first
    score: float
    despite_mute: str = ""  # "Shown although you mute “diffusion models”: you follow Yann LeCun"

    @property
    def less_url(self) -> str:
        """Where "Less like this" posts."""
        return cached_reverse("papers:feed-less", self.paper.arxiv_id)


@dataclass
class FeedPage(Page):
    """A page of the feed, in papers.paging.Page's shape so that the pager templates work with it.

    Plain links name pages by number. "Load more" (htmx) continues after the last paper shown instead (`after`), so
    that papers taken out of the page since ("Less like this", a mute) neither hide nor repeat any other.
    """

    params: QueryDict = field(default_factory=QueryDict, repr=False)
    after: int | None = None  # the last paper shown so far
    last_page: int = 1

    @property
    def more_query(self) -> str:
        query = self.next_query
        if self.after is None:
            return query
        return f"{query}{'&' if query != '?' else ''}after={self.after}"

    @property
    def last_query(self) -> str:
        return self._query(self.last_page)


@dataclass(frozen=True)
class _Followed:
    """A followed target, as the feed names and links it."""

    name: str  # "@username" for a member
    url: str
    upvotes_public: bool = False  # members only: their upvotes are reasons only when they show them


def follows_something(user) -> bool:
    """Whether the member follows a topic, author, organisation or member (mutes do not count): one query.

    The home page is the member's feed then. Upvotes and saves alone do not make it one: upvoting a paper of
    the day's listing must not turn the page it was upvoted on into another page.
    """
    return user.is_authenticated and Follow.objects.following().filter(user=user).exists()


def follows_anything(user) -> bool:
    """Whether the member follows something or has a seed (an upvote or save not marked `not_seed`): one query."""
    if not user.is_authenticated:
        return False
    votes, saves = _seed_sources(user)
    return (
        User.objects.filter(pk=user.pk)
        .filter(Q(Exists(Follow.objects.following().filter(user=user))) | Q(Exists(votes)) | Q(Exists(saves)))
        .exists()
    )


@dataclass
class Candidate:
    """A paper of the feed's window with at least one reason, scored for one member."""

    paper_id: int
    score: float
    reasons: list[Reason]  # strongest first
    despite_mute: str  # why it shows although it matches a mute, or ""
    points: int
    last_listed_on: dt.date
    relevance: float = 0.0  # the sum of the reasons' weights, less the penalty of "less like this"
    rank: float = 0.0  # rank_value(): the order of the score whatever the latest day

    @property
    def rank_key(self) -> tuple[float, int, int, int]:
        """Best first: the higher rank (the score's order), then more points, then the later listing, then the
        newer paper. TimelineEntry.objects.ranked() is the same order."""
        return (-self.rank, -self.points, -self.last_listed_on.toordinal(), -self.paper_id)


def half_life(user) -> int:
    """The member's half-life in days, from their recency choice."""
    return HALF_LIFE_DAYS.get(user.recency, HALF_LIFE_DAYS[User.Recency.SOME])


def _boosted(relevance: float, points: int) -> float:
    return relevance + POINTS_WEIGHT * math.log10(1 + max(points, 0))


def score_value(relevance: float, points: int, day: dt.date, latest: dt.date, days: int) -> float:
    """The score shown (API, digest): decayed by the paper's age on the window's latest day, half-life `days`."""
    return _boosted(relevance, points) * 0.5 ** ((latest - day).days / days)


def rank_value(relevance: float, points: int, day: dt.date, days: int) -> float:
    """log2 of the score plus latest day's ordinal / half-life: the same order as the score, whatever the latest
    day (a new day scales every score of a member alike), so that it can be stored."""
    return math.log2(_boosted(relevance, points)) + day.toordinal() / days


@dataclass
class _Matches:
    """The reasons found for each paper of the window, and the most specific mute each paper matches."""

    follows: dict[str, dict[int, _Followed]]
    mutes: dict[str, dict[int, str]]
    reasons: defaultdict[int, list[Reason]] = field(default_factory=lambda: defaultdict(list))
    muted: dict[int, tuple[int, str]] = field(default_factory=dict)  # paper → (level, name) of its most specific mute
    made: dict[tuple[str, int], Reason] = field(default_factory=dict)  # a follow's one reason, shared by its papers

    def match(self, paper_id: int, target: str, target_id: int, kind: str) -> None:
        """Note that `paper_id` is linked to a target (`kind` says how): a reason if followed, a mute if muted."""
        if target_id in self.follows[target]:
            if (kind, target_id) not in self.made:
                followed = self.follows[target][target_id]
                label = _LABELS[kind].format(name=followed.name)
                weight = REASON_WEIGHTS[kind]
                self.made[kind, target_id] = Reason(kind, label, weight, target, target_id, followed.url, followed.name)
            self.reasons[paper_id].append(self.made[kind, target_id])
        elif target_id in self.mutes[target]:
            level = TARGET_LEVELS[target]
            if level > self.muted.get(paper_id, (0, ""))[0]:
                self.muted[paper_id] = (level, self.mutes[target][target_id])


# id → (points, last listed on, organisation, submitting member) of every paper in the window.
_WindowPapers = dict[int, tuple[int, dt.date, int | None, int | None]]


def ranked_candidates(user, *, since: dt.date | None = None, until: dt.date | None = None) -> list[Candidate]:
    """Every candidate paper, best first; ages count from the window's last day."""
    span = Listing.objects.feed_window(since, until) if user.is_authenticated else None
    if span is None or span[0] > span[1]:
        return []
    follows, mutes = _stances(user)
    less = _less(user)
    seeds = {pk: seed for pk, seed in _seeds(user).items() if pk not in less}
    papers: _WindowPapers = {}
    for pk, points, day, organization_id, submitter_id in Paper.objects.filter(last_listed_on__range=span).values_list(
        "pk", "points", "last_listed_on", "organization_id", "submission__user_id"
    ):
        if day is not None:  # always, within the range
            papers[pk] = (points, day, organization_id, submitter_id)
    matches = _Matches(follows, mutes)
    _match_follows(matches, papers, span)
    penalty = _match_similar(matches, seeds, less, span)
    candidates = _scored(user, matches, papers, less, penalty, latest=span[1])
    return sorted(candidates, key=lambda candidate: candidate.rank_key)


def _match_follows(matches: _Matches, papers: _WindowPapers, span: tuple[dt.date, dt.date]) -> None:
    """The follow reasons and mutes of the window's papers: organisation, submitter, topics, authors, and what
    followed members upvoted (when public) and commented on."""
    in_window = {"paper__last_listed_on__range": span}
    follows, mutes = matches.follows, matches.mutes
    for paper_id, (_points, _day, organization_id, submitter_id) in papers.items():
        if organization_id is not None:
            matches.match(paper_id, Target.ORGANIZATION, organization_id, "organization")
        if submitter_id is not None:
            matches.match(paper_id, Target.MEMBER, submitter_id, "member_submitted")
    for model, target, column in ((PaperTopic, Target.TOPIC, "topic_id"), (Authorship, Target.AUTHOR, "author_id")):
        ids = [*follows[target], *mutes[target]]
        if ids:
            pairs = (
                model.objects.filter(**{f"{column}__in": ids}, **in_window).order_by().values_list("paper_id", column)
            )
            if model is Authorship:  # a name may sign a paper twice; a topic is on a paper once
                pairs = pairs.distinct()
            for paper_id, target_id in pairs:
                matches.match(paper_id, target, target_id, target)
    members = list(follows[Target.MEMBER])
    if members:
        public = [pk for pk, member in follows[Target.MEMBER].items() if member.upvotes_public]
        if public:
            votes = PaperVote.objects.filter(user_id__in=public, **in_window).values_list("paper_id", "user_id")
            for paper_id, member_id in votes:
                matches.match(paper_id, Target.MEMBER, member_id, "member_upvoted")
        comments = Comment.objects.visible().filter(author_id__in=members, **in_window)
        for paper_id, member_id in comments.values_list("paper_id", "author_id").order_by().distinct():
            matches.match(paper_id, Target.MEMBER, member_id, "member_commented")


def _match_similar(
    matches: _Matches, seeds: dict[int, tuple[str, str, str]], less: set[int], span: tuple[dt.date, dt.date]
) -> defaultdict[int, float]:
    """Add a "similar" reason to each neighbour of a seed in the window; return each paper's penalty from its
    similarity to papers the member asked to see less like."""
    penalty: defaultdict[int, float] = defaultdict(float)
    if not seeds and not less:
        return penalty
    similar = PaperSimilarity.objects.filter(
        paper_id__in=[*seeds, *less], similar__last_listed_on__range=span
    ).values_list("similar_id", "paper_id", "score")
    described: dict[int, tuple[str, str, str]] = {}  # seed → (label, url, title)
    for paper_id, seed_id, score in similar:
        if seed_id in less:
            penalty[paper_id] += LESS_PENALTY * score
        if seed_id in seeds:
            if seed_id not in described:
                title, arxiv_id, how = seeds[seed_id]
                short = title if len(title) <= TITLE_IN_LABEL else title[: TITLE_IN_LABEL - 1].rstrip() + "…"
                label = f"Similar to “{short}” that you {how}"
                described[seed_id] = (label, cached_reverse("papers:detail", arxiv_id), title)
            label, url, title = described[seed_id]
            matches.reasons[paper_id].append(
                Reason(SIMILAR, label, REASON_WEIGHTS[SIMILAR] * score, None, seed_id, url, title)
            )
    return penalty


def _scored(
    user,
    matches: _Matches,
    papers: _WindowPapers,
    less: set[int],
    penalty: defaultdict[int, float],
    *,
    latest: dt.date,
) -> list[Candidate]:
    """The papers with reasons that still show (not asked less of, not muted, relevance above 0), scored."""
    days = half_life(user)
    candidates = []
    for paper_id, found in matches.reasons.items():
        if paper_id in less or paper_id not in papers:
            continue
        found.sort(key=lambda reason: (-reason.weight, -reason.level, reason.label))
        despite = ""
        if paper_id in matches.muted:
            level, name = matches.muted[paper_id]
            overriding = max((r for r in found if r.level > level), key=lambda r: (r.level, r.weight), default=None)
            if overriding is None or overriding.target is None:
                continue
            because = matches.follows[overriding.target][overriding.target_id].name
            despite = f"Shown although you mute “{name}”: you follow {because}"
        points, day, *_ = papers[paper_id]
        relevance = sum(reason.weight for reason in found) - penalty[paper_id]
        if relevance <= 0:  # "less like this" outweighs every reason it has
            continue
        score = score_value(relevance, points, day, latest, days)
        rank = rank_value(relevance, points, day, days)
        candidates.append(Candidate(paper_id, score, found, despite, points, day, relevance, rank))
    return candidates


def feed_page(
    user,
    number: int = 1,
    per_page: int = PER_PAGE,
    since: dt.date | None = None,
    params: QueryDict | None = None,
    after: int | None = None,
    slim: bool = False,
) -> FeedPage:
    """Page `number` of the member's feed, or the `per_page` papers ranked after paper `after` while it is in the
    feed; `params` (the request's GET) builds the links to other pages. Read from the stored timeline.

    `slim` papers have only the columns of a shared render's key (papers.rows.FINGERPRINT_FIELDS), and no row or
    button state yet: for a page that is most likely kept already."""
    rows, _start, has_next = stored_slice(user, start=(number - 1) * per_page, limit=per_page, after=after, since=since)
    links = (params or QueryDict()).copy()
    links.pop("after", None)
    last_page = number + has_next
    if not rows:  # past the end: where the last page is (a count, on this rare path only)
        last_page = max(1, math.ceil(_stored(user, since).count() / per_page))
    return FeedPage(
        _items(user, rows, listing_rows=True, slim=slim),
        number,
        per_page,
        has_next=has_next,
        params=links,
        after=rows[-1].paper_id if rows else None,
        last_page=last_page,
    )


def position_after(ranked: Sequence[Candidate], after: int | None, *, default: int) -> int:
    """Where the papers ranked after paper `after` begin while it is in the feed, else `default` (a page's start):
    pages that go on from their last paper neither skip nor repeat one when papers leave the feed meanwhile."""
    if after is None:
        return default
    return next((position + 1 for position, row in enumerate(ranked) if row.paper_id == after), default)


def stored_slice(
    user,
    *,
    start: int = 0,
    limit: int = PER_PAGE,
    after: int | None = None,
    since: dt.date | None = None,
    position: bool = False,
) -> tuple[list[Candidate], int, bool]:
    """`limit` papers of the member's stored feed from place `start`, or right after paper `after` while it is in
    the feed (as `position_after` has it): (the papers, the place of the first, whether more follow).

    The place after `after` is counted only when `position` asks for it (one more query). Builds the member's
    timeline first when it was never built.
    """
    if not user.is_authenticated or (span := Listing.objects.feed_window(since)) is None:
        return [], start, False
    entries = _stored(user, since, span)
    for attempt in range(2):
        anchor = entries.filter(paper_id=after).first() if after is not None else None
        if anchor is not None:
            if position:
                start = entries.ranked_up_to(anchor).count()
            found = list(entries.ranked_after(anchor)[: limit + 1])
        else:
            found = list(entries[start : start + limit + 1])
        if found or anchor is not None or attempt or not _build_if_never_built(user):
            break
    days = half_life(user)
    rows = [_candidate(entry, span[1], days) for entry in found[:limit]]
    return rows, start, len(found) > limit


def continuation(
    user, shown: Sequence[int], per_page: int = PER_PAGE, *, with_items: bool = False
) -> tuple[list[int], FeedPage, list[FeedItem]]:
    """After a change made on a page that shows the papers `shown`: those that left the feed, the "Load more"
    that continues after the last of those that stay and, `with_items`, those that stay, anew (a mute can take
    a reason away from a paper that another reason keeps)."""
    span = Listing.objects.feed_window() if user.is_authenticated else None
    if span is None:
        return list(shown), FeedPage([], 0, per_page, has_next=False), []
    entries = _stored(user, None, span)
    found = list(entries.filter(paper_id__in=shown))
    if not found and _build_if_never_built(user):
        found = list(entries.filter(paper_id__in=shown))
    staying = {entry.paper_id: entry for entry in found}
    gone = [paper_id for paper_id in shown if paper_id not in staying]
    last = found[-1] if found else None  # `entries` are ranked
    has_next = (entries.ranked_after(last) if last else entries).exists()
    number = math.ceil(len(found) / per_page)  # the pages the member has loaded, as far as numbers go
    more = FeedPage([], number, per_page, has_next=has_next, after=last.paper_id if last else None)
    days = half_life(user)
    items = _items(user, [_candidate(entry, span[1], days) for entry in found], listing_rows=True) if with_items else []
    return gone, more, items


def top_items(user, *, since: dt.date, until: dt.date | None = None, limit: int) -> list[FeedItem]:
    """The member's best `limit` papers listed from `since` to `until`, whole (the digest and the private feed).

    Ranked afresh, not read from the stored timeline: a digest's window can end before the latest day.
    """
    return _items(user, ranked_candidates(user, since=since, until=until)[:limit], listing_rows=False)


def show_less(user, paper: Paper) -> None:
    """ "Less like this": the paper never shows again and its neighbours lose score. Idempotent."""
    if insert_once(FeedSignal, user=user, paper=paper, kind=FeedSignal.Kind.LESS_LIKE_THIS):
        similarity.refresh_new_seed(paper.pk)  # its neighbours are what loses score
        rebuild_timeline(user)


def stop_seeding(user, paper: Paper) -> None:
    """ "Mute this reason" for a "similar" reason: stop suggesting papers because they resemble `paper`."""
    if insert_once(FeedSignal, user=user, paper=paper, kind=FeedSignal.Kind.NOT_A_SEED):
        rebuild_timeline(user)


# The stored timeline


def rebuild_timeline(user, *, create: bool = False) -> int | None:
    """Store the member's ranking anew, replacing their rows in one transaction; returns how many papers it has.

    Only for a member whose timeline was built before (None otherwise: their first read builds it), unless
    `create`. Rebuilds of one member wait for each other on their Timeline row, so they never interleave: the
    last to commit ranked with everything the others wrote.
    """
    if not create and not Timeline.objects.filter(pk=user.pk).exists():
        return None
    with transaction.atomic():
        if create:
            Timeline.objects.bulk_create([Timeline(user_id=user.pk, half_life=0)], ignore_conflicts=True)
        if not list(Timeline.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True)):
            return None
        member = User.objects.filter(pk=user.pk).first()  # the recency as it is now, not as `user` was read
        if member is None:
            return None
        ranked = ranked_candidates(member)
        TimelineEntry.objects.filter(user_id=member.pk).delete()
        TimelineEntry.objects.bulk_create((_entry(member.pk, candidate) for candidate in ranked), batch_size=500)
        Timeline.objects.filter(pk=member.pk).update(half_life=half_life(member), built_at=timezone.now())
    return len(ranked)


def settings_saved(user, changed: Iterable[str]) -> None:
    """After the member saved their settings (`changed`: the fields that changed): a new recency re-ranks their
    feed at once; showing or hiding their upvotes changes their followers' feeds, queued after commit."""
    changed = set(changed)
    if "upvotes_public" in changed:  # by name: papers.tasks builds on this module
        outbox.queue("papers.tasks.rebuild_timelines_of_followers", user.pk)
    if "recency" in changed:
        rebuild_timeline(user)
        caching.mark_members_changed([user.pk])  # their pages show the new order from the next one


def rebuild_timelines(user_ids: Iterable[int]) -> int:
    """Rebuild the timelines of these members (those that were built), each in its own transaction; how many."""
    return sum(rebuild_timeline(User(pk=pk)) is not None for pk in sorted(set(user_ids)))


def points_changed(paper_id: int) -> None:
    """Once the transaction commits, queue the update of the paper's points in every stored timeline that has it:
    one task for the votes of POINTS_COALESCE_SECONDS (the task reads the points when it runs)."""

    def queue() -> None:
        if cache.add(_points_key(paper_id), True, POINTS_COALESCE_SECONDS):
            outbox.queue("papers.tasks.refresh_timeline_points", paper_id)  # by name: papers.tasks builds on this

    transaction.on_commit(queue)


def refresh_timeline_points(paper_id: int) -> int:
    """Give the paper's entries in every timeline its points now, and the rank they make; how many changed."""
    cache.delete(_points_key(paper_id))  # votes from now on queue another update
    with transaction.atomic():
        holders = TimelineEntry.objects.filter(paper_id=paper_id).values("user_id")
        locked = Timeline.objects.select_for_update().filter(pk__in=holders).order_by("pk")  # in order: no deadlock
        days = dict(locked.values_list("pk", "half_life"))
        points = Paper.objects.filter(pk=paper_id).values_list("points", flat=True).first()
        if points is None or not days:
            return 0
        entries = list(TimelineEntry.objects.filter(paper_id=paper_id, user_id__in=list(days)).exclude(points=points))
        for entry in entries:
            entry.points = points
            entry.rank = rank_value(entry.relevance, points, entry.last_listed_on, days[entry.user_id])
        TimelineEntry.objects.bulk_update(entries, ["points", "rank"], batch_size=500)
    return len(entries)


def rebuild_timelines_of_followers(member_id: int) -> int:
    """Rebuild the timelines of the followers of a member whose upvotes, comments or submissions changed."""
    followers = Follow.objects.following().filter(member_id=member_id).values("user_id")
    return rebuild_timelines(Timeline.objects.filter(pk__in=followers).values_list("pk", flat=True))


def rebuild_timelines_for_papers(paper_ids: Sequence[int]) -> int:
    """Rebuild the timelines that new or changed papers (an import, a submission) can change: those that have one
    of them, and those of the members who follow something on them or whose seeds they resemble."""
    members: set[int] = set()
    for chunk in itertools.batched(paper_ids, PAPERS_PER_LOOKUP):
        members.update(_members_touched_by(list(chunk)))
    return rebuild_timelines(members)


def rebuild_timelines_of_seeds(seed_ids: Sequence[int]) -> int:
    """Rebuild the timelines of the members who upvoted, saved or asked less like papers whose stored neighbours
    changed (papers.similarity)."""
    seeders = (
        Q(pk__in=PaperVote.objects.filter(paper_id__in=seed_ids).values("user_id"))
        | Q(pk__in=SavedPaper.objects.filter(paper_id__in=seed_ids).values("user_id"))
        | Q(pk__in=FeedSignal.objects.filter(paper_id__in=seed_ids).values("user_id"))
    )
    return rebuild_timelines(Timeline.objects.filter(seeders).values_list("pk", flat=True))


def _members_touched_by(paper_ids: list[int]) -> list[int]:
    """The members with a timeline whose ranking these papers can be in: one query."""
    on_papers = {"paper_id__in": paper_ids}
    followed = Q(topic__in=PaperTopic.objects.filter(**on_papers).values("topic_id"))
    followed |= Q(author__in=Authorship.objects.filter(**on_papers).values("author_id"))
    followed |= Q(organization__in=Paper.objects.filter(pk__in=paper_ids).values("organization_id"))
    for activity, column in ((Submission, "user_id"), (PaperVote, "user_id"), (Comment, "author_id")):
        followed |= Q(member__in=activity.objects.filter(**on_papers).values(column))
    neighbours_of = PaperSimilarity.objects.filter(similar_id__in=paper_ids).values("paper_id")
    touched = (
        Q(pk__in=TimelineEntry.objects.filter(**on_papers).values("user_id"))
        | Q(pk__in=Follow.objects.following().filter(followed).values("user_id"))
        | Q(pk__in=PaperVote.objects.filter(paper_id__in=neighbours_of).values("user_id"))
        | Q(pk__in=SavedPaper.objects.filter(paper_id__in=neighbours_of).values("user_id"))
    )
    return list(Timeline.objects.filter(touched).values_list("pk", flat=True))


def _stored(user, since: dt.date | None, span: tuple[dt.date, dt.date] | None = None):
    """The member's stored entries in the feed's window, best first."""
    span = span or Listing.objects.feed_window(since)
    if span is None:
        return TimelineEntry.objects.none()
    return TimelineEntry.objects.of(user, span[0])


def _build_if_never_built(user) -> bool:
    """Build the member's timeline if it never was; whether it was built now."""
    if Timeline.objects.filter(pk=user.pk).exists():
        return False
    rebuild_timeline(user, create=True)
    return True


def _points_key(paper_id: int) -> str:
    return f"timeline-points:{paper_id}"


def _entry(user_id: int, candidate: Candidate) -> TimelineEntry:
    return TimelineEntry(
        user_id=user_id,
        paper_id=candidate.paper_id,
        rank=candidate.rank,
        relevance=candidate.relevance,
        points=candidate.points,
        last_listed_on=candidate.last_listed_on,
        reasons=[asdict(reason) for reason in candidate.reasons],
        despite_mute=candidate.despite_mute,
    )


def _candidate(entry: TimelineEntry, latest: dt.date, days: int) -> Candidate:
    """A stored entry as the fresh ranking has it, scored on the window's latest day."""
    return Candidate(
        entry.paper_id,
        score_value(entry.relevance, entry.points, entry.last_listed_on, latest, days),
        [Reason(**reason) for reason in entry.reasons],
        entry.despite_mute,
        entry.points,
        entry.last_listed_on,
        entry.relevance,
        entry.rank,
    )


def _items(user, ranked: list[Candidate], *, listing_rows: bool, slim: bool = False) -> list[FeedItem]:
    """The ranked papers as FeedItems: ready for the page's listing rows (with the member's votes and saves), or
    whole papers with every column (for an email or a feed entry), or `slim` (see feed_page)."""
    papers = Paper.objects.filter(pk__in=[candidate.paper_id for candidate in ranked])
    if slim:
        papers = papers.only(*FINGERPRINT_FIELDS)
    elif listing_rows:
        papers = papers.for_rows()
    found = papers.in_bulk()
    items = [
        FeedItem(found[candidate.paper_id], candidate.reasons, candidate.score, candidate.despite_mute)
        for candidate in ranked
        if candidate.paper_id in found
    ]
    if listing_rows and not slim:
        mark_upvoted(with_rows([item.paper for item in items]), user)
    return items


_LABELS = {
    "topic": "You follow {name}",
    "author": "You follow {name}",
    "organization": "You follow {name}",
    "member_upvoted": "Upvoted by {name}",
    "member_commented": "Commented on by {name}",
    "member_submitted": "Submitted by {name}",
}


def _stances(user) -> tuple[dict[str, dict[int, _Followed]], dict[str, dict[int, str]]]:
    """What the member follows ({target: {id: _Followed}}) and mutes ({target: {id: name}}): one query.

    Follows of deleted and deactivated members are left out: they do nothing any more.
    """
    follows: dict[str, dict[int, _Followed]] = {target: {} for target in Target.values}
    mutes: dict[str, dict[int, str]] = {target: {} for target in Target.values}
    rows = Follow.objects.filter(user=user).select_related("topic", "author", "organization", "member")
    for row in rows:
        obj = row.target_object
        if row.target == Target.MEMBER:
            if row.mode == Follow.Mode.FOLLOW and (obj.is_deleted or not obj.is_active):
                continue  # a member who left does nothing any more; a mute of them still hides what they submitted
            name, url = f"@{obj.username}", cached_reverse("papers:profile", obj.username)
        else:
            name, url = obj.name, obj.get_absolute_url()
        if row.mode == Follow.Mode.FOLLOW:
            follows[row.target][obj.pk] = _Followed(name, url, getattr(obj, "upvotes_public", False))
        else:
            mutes[row.target][obj.pk] = name
    return follows, mutes


def _less(user) -> set[int]:
    """The papers the member asked to see less like: one query."""
    return set(
        FeedSignal.objects.filter(user=user, kind=FeedSignal.Kind.LESS_LIKE_THIS).values_list("paper_id", flat=True)
    )


def _seed_sources(user) -> tuple[QuerySet[PaperVote], QuerySet[SavedPaper]]:
    """The member's upvotes and saves that seed their feed: all but those of papers marked "not a seed"."""
    not_seed = FeedSignal.objects.filter(user=user, kind=FeedSignal.Kind.NOT_A_SEED, paper=OuterRef("paper"))
    return (
        PaperVote.objects.filter(user=user).exclude(Exists(not_seed)),
        SavedPaper.objects.filter(user=user).exclude(Exists(not_seed)),
    )


def _seeds(user) -> dict[int, tuple[str, str, str]]:
    """The member's MAX_SEEDS most recent upvotes and saves: {paper id: (title, arXiv id, "saved"|"upvoted")}.

    One query; a paper both saved and upvoted says "saved".
    """
    columns = ("paper_id", "paper__title", "paper__arxiv_id", "created_at", "how")
    votes, saves = _seed_sources(user)
    rows: Iterable[tuple[int, str, str, dt.datetime, str]] = (
        votes.annotate(how=Value("upvoted", CharField()))
        .values_list(*columns)
        .union(saves.annotate(how=Value("saved", CharField())).values_list(*columns), all=True)
        .order_by("-created_at")[: 2 * MAX_SEEDS]
    )
    seeds: dict[int, tuple[str, str, str]] = {}
    for paper_id, title, arxiv_id, _created, how in rows:
        if how == "saved" or paper_id not in seeds:
            seeds[paper_id] = (title, arxiv_id, how)
    return dict(itertools.islice(seeds.items(), MAX_SEEDS))
