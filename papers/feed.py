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
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.http import QueryDict
from django.shortcuts import get_object_or_404

from accounts.models import User

from . import similarity
from .follows import find_target
from .follows import mute as mute_target
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
    cached_reverse,
    insert_once,
)
from .paging import Page
from .rows import mark_upvoted, with_rows

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

    @property
    def rank_key(self) -> tuple[float, int, int, int]:
        """Best first: the higher score, then more points, then the later listing, then the newer paper."""
        return (-self.score, -self.points, -self.last_listed_on.toordinal(), -self.paper_id)


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
    half_life = HALF_LIFE_DAYS.get(user.recency, HALF_LIFE_DAYS[User.Recency.SOME])
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
        age_days = (latest - day).days
        score = (relevance + POINTS_WEIGHT * math.log10(1 + max(points, 0))) * 0.5 ** (age_days / half_life)
        candidates.append(Candidate(paper_id, score, found, despite, points, day))
    return candidates


def feed_page(
    user,
    number: int = 1,
    per_page: int = PER_PAGE,
    since: dt.date | None = None,
    params: QueryDict | None = None,
    after: int | None = None,
) -> FeedPage:
    """Page `number` of the member's feed, or the `per_page` papers ranked after paper `after` while it is in the
    feed; `params` (the request's GET) builds the links to other pages."""
    ranked = ranked_candidates(user, since=since)
    start = position_after(ranked, after, default=(number - 1) * per_page)
    rows = ranked[start : start + per_page]
    links = (params or QueryDict()).copy()
    links.pop("after", None)
    return FeedPage(
        _items(user, rows, listing_rows=True),
        number,
        per_page,
        has_next=len(ranked) > start + per_page,
        params=links,
        after=rows[-1].paper_id if rows else None,
        last_page=max(1, math.ceil(len(ranked) / per_page)),
    )


def position_after(ranked: Sequence[Candidate], after: int | None, *, default: int) -> int:
    """Where the papers ranked after paper `after` begin while it is in the feed, else `default` (a page's start):
    pages that go on from their last paper neither skip nor repeat one when papers leave the feed meanwhile."""
    if after is None:
        return default
    return next((position + 1 for position, row in enumerate(ranked) if row.paper_id == after), default)


def continuation(
    user, shown: Sequence[int], per_page: int = PER_PAGE, *, with_items: bool = False
) -> tuple[list[int], FeedPage, list[FeedItem]]:
    """After a change made on a page that shows the papers `shown`: those that left the feed, the "Load more"
    that continues after the last of those that stay and, `with_items`, those that stay, anew (a mute can take
    a reason away from a paper that another reason keeps)."""
    ranked = ranked_candidates(user)
    position = {row.paper_id: place for place, row in enumerate(ranked)}
    gone = [paper_id for paper_id in shown if paper_id not in position]
    staying = sorted((paper_id for paper_id in shown if paper_id in position), key=position.__getitem__)
    start = position[staying[-1]] + 1 if staying else 0
    number = math.ceil(len(staying) / per_page)  # the pages the member has loaded, as far as numbers go
    more = FeedPage([], number, per_page, has_next=len(position) > start, after=staying[-1] if staying else None)
    items = _items(user, [ranked[position[pk]] for pk in staying], listing_rows=True) if with_items else []
    return gone, more, items


def top_items(user, *, since: dt.date, until: dt.date | None = None, limit: int) -> list[FeedItem]:
    """The member's best `limit` papers listed from `since` to `until`, whole (the digest and the private feed)."""
    return _items(user, ranked_candidates(user, since=since, until=until)[:limit], listing_rows=False)


def show_less(user, paper: Paper) -> None:
    """ "Less like this": the paper never shows again and its neighbours lose score. Idempotent."""
    if insert_once(FeedSignal, user=user, paper=paper, kind=FeedSignal.Kind.LESS_LIKE_THIS):
        similarity.refresh_new_seed(paper.pk)  # its neighbours are what loses score


def stop_seeding(user, paper: Paper) -> None:
    """ "Mute this reason" for a "similar" reason: stop suggesting papers because they resemble `paper`."""
    insert_once(FeedSignal, user=user, paper=paper, kind=FeedSignal.Kind.NOT_A_SEED)


def mute_reason(user, kind: str, target_id: int) -> str:
    """ "Mute this reason": mute its topic, author, organisation or member (`kind`, a Follow.Target, and the id), or
    for "similar" stop using the seed paper; returns what was done, as the sentence the member reads.

    Raises Http404 for a missing target and PermissionDenied for the member themself (the page and the API say so).
    """
    if kind == SIMILAR:
        seed = get_object_or_404(Paper.objects.only("pk", "title"), pk=target_id)
        stop_seeding(user, seed)
        return f"You will no longer see papers because they are similar to “{seed.title}”."
    target = find_target(kind, target_id, field="pk")
    mute_target(user, target)
    name = f"@{target}" if kind == Target.MEMBER else str(target)  # a member's str() is the username
    return f"Muted {name}."


def _items(user, ranked: list[Candidate], *, listing_rows: bool) -> list[FeedItem]:
    """The ranked papers as FeedItems: ready for the page's listing rows (with the member's votes and saves), or
    whole papers with every column (for an email or a feed entry)."""
    papers = Paper.objects.filter(pk__in=[candidate.paper_id for candidate in ranked])
    if listing_rows:
        papers = papers.for_rows()
    found = papers.in_bulk()
    items = [
        FeedItem(found[candidate.paper_id], candidate.reasons, candidate.score, candidate.despite_mute)
        for candidate in ranked
        if candidate.paper_id in found
    ]
    if listing_rows:
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
