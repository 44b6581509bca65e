"""Following, muting and saving: what a member tells the site about topics, authors, organisations,
other members and papers.

One stance per member and target (follow or mute), and one save per member and paper: the database
constraints decide what gets inserted, never a prior read. Upvoting or saving a paper queues the refresh of its
similarities (it is a seed of the personal feed) once the change is committed.

Each change here rebuilds the member's stored feed (papers.feed.rebuild_timeline) before it returns; an upvote also
queues what it changes in other members' feeds: the paper's points, and the feeds of the voter's followers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Model, Q
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User

from . import feed, outbox, similarity
from .bibtex import bibtex_entry, citation_key
from .models import (
    Author,
    Authorship,
    Follow,
    Listing,
    Organization,
    Paper,
    SavedPaper,
    Topic,
    TopicAlias,
    author_slug,
    cached_reverse,
    insert_once,
    normalize_whitespace,
    topic_slug,
)

Target = Follow.Target
Mode = Follow.Mode

# How each kind of target is found from its URL, and what its URL argument is.
TARGET_MODELS: dict[str, tuple[type[Model], str]] = {
    Target.TOPIC: (Topic, "slug"),
    Target.AUTHOR: (Author, "key"),  # a property: `slug`, or `slug/number` with namesakes
    Target.ORGANIZATION: (Organization, "handle"),
    Target.MEMBER: (User, "username"),
}
KIND_LABELS: dict[str, str] = {
    Target.TOPIC: "topic",
    Target.AUTHOR: "author",
    Target.ORGANIZATION: "organisation",
    Target.MEMBER: "member",
}

IMPORT_MAX_LINES = 200
IMPORT_MAX_CHARS = 60_000
IMPORT_MAX_LINE_LENGTH = 300
ACTIVE_TOPICS = 20
ACTIVE_ORGANIZATIONS = 12


def find_target(kind: str, key: Any, field: str = "") -> Model:
    """The topic, author, organisation or (present) member whose URL key is `key`, or whose `field` is; else 404."""
    model, key_field = TARGET_MODELS[kind]
    if kind == Target.TOPIC and not field:  # a topic by any of its spellings' slugs
        topic = Topic.objects.filter(aliases__slug=key).first() or Topic.objects.filter(slug=key).first()
        if topic is None:
            raise Http404("No such topic.")
        return topic
    if kind == Target.AUTHOR and not field:
        try:
            return Author.objects.live().by_key(key)
        except Author.DoesNotExist:
            raise Http404("No such author, or several people have this name: follow one of them.") from None
    queryset = model._default_manager.all()
    if kind == Target.MEMBER:
        queryset = User.objects.present()
    return get_object_or_404(queryset, **{field or key_field: key})


def kind_of(target: Model) -> str:
    for kind, (model, _) in TARGET_MODELS.items():
        if isinstance(target, model):
            return kind
    raise TypeError(f"Members cannot follow a {type(target).__name__}.")


def target_lookup(target: Model) -> dict[str, Model]:
    """The Follow field that points at `target`, as filter keywords."""
    return {Follow.TARGET_FIELDS[kind_of(target)]: target}


@dataclass
class Followable:
    """One target with the viewer's stance on it: what the follow and mute buttons render."""

    target: Any
    mode: str | None = None  # Mode.FOLLOW, Mode.MUTE or None

    @property
    def kind(self) -> str:
        return kind_of(self.target)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def key(self) -> str:
        return getattr(self.target, TARGET_MODELS[self.kind][1])

    @property
    def name(self) -> str:
        if self.kind == Target.MEMBER:
            return self.target.shown_name
        return str(self.target)

    @property
    def url(self) -> str:
        if self.kind == Target.MEMBER:
            return cached_reverse("papers:profile", self.key)
        return self.target.get_absolute_url()

    @property
    def follow_url(self) -> str:
        return cached_reverse(f"papers:follow-{self.kind}", self.key)

    @property
    def mute_url(self) -> str:
        return cached_reverse(f"papers:mute-{self.kind}", self.key)

    @property
    def is_followed(self) -> bool:
        return self.mode == Mode.FOLLOW

    @property
    def is_muted(self) -> bool:
        return self.mode == Mode.MUTE


# Stances


def stance(user: User, target: Model) -> str | None:
    """The member's mode for `target`: "follow", "mute" or None."""
    if not user.is_authenticated:
        return None
    return Follow.objects.filter(user=user, **target_lookup(target)).values_list("mode", flat=True).first()


def stances(user: User | AnonymousUser) -> dict[tuple[str, int], str]:
    """Every stance of the member, by (kind, target id), in one query."""
    if not user.is_authenticated:
        return {}
    rows = Follow.objects.filter(user=user).values_list(
        "target", "mode", "topic_id", "author_id", "organization_id", "member_id"
    )
    return {(kind, next(pk for pk in ids if pk is not None)): mode for kind, mode, *ids in rows}


def request_stances(request: HttpRequest) -> dict[tuple[str, int], str]:
    """`stances(request.user)`, read once per request (a page shows many buttons)."""
    cached: dict[tuple[str, int], str] | None = getattr(request, "_follow_stances", None)
    if cached is None:
        cached = request._follow_stances = stances(request.user)  # type: ignore[attr-defined]  # a per-request memo
    return cached


def set_mode(user: User, target: Model, mode: str) -> None:
    """Follow or mute `target`, switching the mode if the member had the other one. Idempotent."""
    if _write_mode(user, target, mode):
        feed.rebuild_timeline(user)


def _write_mode(user: User, target: Model, mode: str) -> bool:
    """`set_mode` without the feed's rebuild; whether anything changed."""
    kind = kind_of(target)
    if kind == Target.MEMBER and target.pk == user.pk:
        raise PermissionDenied("You cannot follow or mute yourself.")
    lookup = target_lookup(target)
    if insert_once(Follow, user=user, target=kind, mode=mode, **lookup):
        return True
    return bool(Follow.objects.filter(user=user, **lookup).exclude(mode=mode).update(mode=mode))


def follow(user: User, target: Model) -> None:
    set_mode(user, target, Mode.FOLLOW)


def mute(user: User, target: Model) -> None:
    set_mode(user, target, Mode.MUTE)


def remove(user: User, target: Model, mode: str) -> None:
    """Stop following (or muting) `target`; a stance in the other mode stays as it is."""
    deleted, _ = Follow.objects.filter(user=user, mode=mode, **target_lookup(target)).delete()
    if deleted:
        feed.rebuild_timeline(user)


def unfollow(user: User, target: Model) -> None:
    remove(user, target, Mode.FOLLOW)


def unmute(user: User, target: Model) -> None:
    remove(user, target, Mode.MUTE)


def toggle(user: User, target: Model, mode: str) -> str | None:
    """Follow (or mute) ↔ nothing; from the other mode, switch. Returns the new mode."""
    if stance(user, target) == mode:
        remove(user, target, mode)
        return None
    set_mode(user, target, mode)
    return mode


def grouped_stances(user: User) -> dict[str, dict[str, list[Followable]]]:
    """Everything the member follows and mutes: {mode: {kind: [Followable, …]}}, names in order."""
    rows = Follow.objects.filter(user=user).select_related("topic", "author", "organization", "member")
    groups: dict[str, dict[str, list[Followable]]] = {
        mode: {kind: [] for kind in TARGET_MODELS} for mode in (Mode.FOLLOW, Mode.MUTE)
    }
    for row in rows:
        groups[row.mode][row.target].append(Followable(row.target_object, row.mode))
    for by_kind in groups.values():
        for items in by_kind.values():
            items.sort(key=lambda item: item.name.casefold())
    return groups


# Import


@dataclass
class ImportReport:
    followed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    error: str = ""


def import_lines(text: str) -> list[str]:
    """The non-blank lines of pasted text, whitespace tidied, each once (first spelling kept)."""
    seen: dict[str, str] = {}
    for line in text.splitlines():
        line = normalize_whitespace(line)
        if line and line.casefold() not in seen:
            seen[line.casefold()] = line
    return list(seen.values())


def import_follows(user: User, text: str) -> ImportReport:
    """Follow the authors and topics named one per line (exact name whatever the case, or slug).

    A line naming both an author and a topic follows both. Muted targets switch to followed.
    """
    report = ImportReport()
    if len(text) > IMPORT_MAX_CHARS:
        report.error = f"That is too much text at once: paste at most {IMPORT_MAX_LINES} lines."
        return report
    lines = import_lines(text)
    if len(lines) > IMPORT_MAX_LINES:
        report.error = f"Paste at most {IMPORT_MAX_LINES} names at once; this has {len(lines)}. Nothing was imported."
        return report
    matchable = [line for line in lines if len(line) <= IMPORT_MAX_LINE_LENGTH]
    by_lower = defaultdict(list)
    for line in matchable:
        by_lower[line.lower()].append(line)
    matches: dict[str, list[Model]] = {line: [] for line in lines}
    for model, slug_of in ((Author, author_slug), (Topic, topic_slug)):
        by_slug = defaultdict(list)
        for line in matchable:
            by_slug[slug_of(line)].append(line)
        named = Q(slug__in=list(by_slug)) | Q(lower_name__in=list(by_lower))
        for target, names in _named_targets(model, named):
            if getattr(target, "merged_into_id", None):  # an author identity merged into another
                continue
            named_lines = (line for slug, name in names for line in [*by_slug[slug], *by_lower[name.lower()]])
            for line in dict.fromkeys(named_lines):
                matches[line].append(target)
    report.not_found = [line for line in lines if not matches[line]]
    newly = follow_many(user, [target for line in lines for target in matches[line]])
    for matched in dict.fromkeys(target for line in lines for target in matches[line]):
        label = f"{matched} ({KIND_LABELS[kind_of(matched)]})"
        (report.followed if matched in newly else report.already).append(label)
    return report


def _named_targets(model: type[Author] | type[Topic], named: Q) -> Iterator[tuple[Model, list[tuple[str, str]]]]:
    """Each author or topic whose slug or name `named` matches, with the (slug, name) pairs it goes by: a topic
    also by its other spellings ("3DGS" names "3D Gaussian Splatting"). Two queries at most."""
    if model is Topic:
        spellings = TopicAlias.objects.alias(lower_name=Lower("name")).filter(named).values("topic_id")
        topics = Topic.objects.alias(lower_name=Lower("name")).filter(named | Q(pk__in=spellings))
        for topic in topics.prefetch_related("aliases").order_by("pk"):
            yield topic, [(topic.slug, topic.name), *((alias.slug, alias.name) for alias in topic.aliases.all())]
        return
    for author in Author.objects.alias(lower_name=Lower("name")).filter(named).order_by("pk"):
        yield author, [(author.slug, author.name)]


# Onboarding


def active_since() -> dt.date | None:
    """The first day of the feed's window (`Listing.objects.feed_window()`): what "recent" means on the welcome page."""
    span = Listing.objects.feed_window()
    return span[0] if span else None


def active_topics(since: dt.date | None, limit: int = ACTIVE_TOPICS) -> list[Topic]:
    """The topics with the most papers listed since `since`, each with `recent_papers`: one query."""
    if since is None:
        return []
    return list(
        Topic.objects.filter(paper_topics__paper__last_listed_on__gte=since)
        .annotate(recent_papers=Count("paper_topics"))
        .order_by("-recent_papers", "name", "pk")[:limit]
    )


def active_organizations(since: dt.date | None, limit: int = ACTIVE_ORGANIZATIONS) -> list[Organization]:
    """The organisations with the most papers listed since `since`, each with `recent_papers`: one query."""
    if since is None:
        return []
    return list(
        Organization.objects.filter(papers__last_listed_on__gte=since)
        .annotate(recent_papers=Count("papers"))
        .order_by("-recent_papers", "name", "pk")[:limit]
    )


def follow_many(user: User, targets: list[Model]) -> list[Model]:
    """Follow each of `targets` (import, onboarding); returns those not followed before.

    New follows go in one INSERT whose conflicts (a follow made meanwhile) the unique constraints
    turn away; muted targets switch to followed.
    """
    current = stances(user)
    fresh: dict[tuple[str, int], Model] = {}
    muted: list[Model] = []
    for target in targets:
        key = (kind_of(target), target.pk)
        if key not in current:
            fresh[key] = target
        elif current[key] == Mode.MUTE and target not in muted:
            muted.append(target)
    with transaction.atomic():
        Follow.objects.bulk_create(
            [Follow(user=user, target=kind, mode=Mode.FOLLOW, **target_lookup(t)) for (kind, _), t in fresh.items()],
            ignore_conflicts=True,
        )
        for target in muted:
            _write_mode(user, target, Mode.FOLLOW)
        if fresh or muted:
            feed.rebuild_timeline(user)
    return [*fresh.values(), *muted]


def finish_onboarding(user: User) -> None:
    """Mark the welcome page done (followed or skipped); the first time counts."""
    User.objects.filter(pk=user.pk, onboarded_at=None).update(onboarded_at=timezone.now())
    user.refresh_from_db(fields=["onboarded_at"])


# Upvotes and saved papers: the seeds of the member's feed


def upvote(user: User, paper: Paper) -> bool:
    """Upvote `paper` (`Paper.upvote`); True if the vote is new. Idempotent.

    A new upvote makes the paper a seed of the member's feed: its similarities are refreshed after commit.
    """
    with transaction.atomic():
        created = paper.upvote(user)
        if created:
            similarity.refresh_new_seed(paper.pk)
            _upvotes_changed(user, paper)
    if created:
        feed.rebuild_timeline(user)
    return created


def remove_upvote(user: User, paper: Paper) -> None:
    """Take back an upvote (`Paper.remove_upvote`). Idempotent."""
    with transaction.atomic():
        removed = paper.remove_upvote(user)
        if removed:
            _upvotes_changed(user, paper)
    if removed:
        feed.rebuild_timeline(user)


def _upvotes_changed(user: User, paper: Paper) -> None:
    """What an upvote given or taken back changes in other members' feeds, queued after commit: the paper's points
    everywhere, and the feeds of the voter's followers when the voter shows their upvotes."""
    feed.points_changed(paper.pk)
    if user.upvotes_public:
        outbox.queue("papers.tasks.rebuild_timelines_of_followers", user.pk)


def save_paper(user: User, paper: Paper) -> bool:
    """Save `paper` for later; True if it was not saved before. Idempotent."""
    with transaction.atomic():
        created = insert_once(SavedPaper, user=user, paper=paper)
        if created:
            similarity.refresh_new_seed(paper.pk)  # a seed of the member's feed
    if created:
        feed.rebuild_timeline(user)
    return created


def unsave_paper(user: User, paper: Paper) -> None:
    deleted, _ = SavedPaper.objects.filter(user=user, paper=paper).delete()
    if deleted:
        feed.rebuild_timeline(user)


def mute_reason(user: User, kind: str, target_id: int) -> str:
    """ "Mute this reason" of the feed: mute its topic, author, organisation or member (`kind`, a Follow.Target,
    and the id), or for "similar" stop using the seed paper; returns what was done, as the sentence the member reads.

    Raises Http404 for a missing target and PermissionDenied for the member themself (the page and the API say so).
    """
    if kind == feed.SIMILAR:
        seed = get_object_or_404(Paper.objects.only("pk", "title"), pk=target_id)
        feed.stop_seeding(user, seed)
        return f"You will no longer see papers because they are similar to “{seed.title}”."
    target = find_target(kind, target_id, field="pk")
    mute(user, target)
    name = f"@{target}" if kind == Target.MEMBER else str(target)  # a member's str() is the username
    return f"Muted {name}."


def is_saved(user: User, paper: Paper) -> bool:
    return user.is_authenticated and SavedPaper.objects.filter(user=user, paper=paper).exists()


def saved_papers(user: User):
    """The member's saved papers, newest saved first."""
    return Paper.objects.filter(saves__user=user).order_by("-saves__created_at", "-pk")


def saved_bibtex(user: User) -> str:
    """Every saved paper as a BibTeX entry, newest saved first, each citation key used once: two queries."""
    papers = list(saved_papers(user).only("pk", "arxiv_id", "title", "published_at"))
    names: dict[int, list[str]] = {paper.pk: [] for paper in papers}
    authorships = Authorship.objects.filter(paper__saves__user=user).order_by("paper", "position")
    for paper_id, name in authorships.values_list("paper_id", "author__name"):
        names[paper_id].append(name)
    entries, used = [], set()
    for paper in papers:
        entry, key = bibtex_entry(paper, names[paper.pk]), citation_key(paper, names[paper.pk])
        unique, n = key, 1
        while unique.lower() in used:  # BibTeX keys are case-insensitive: key, keyb, keyc, … key27, …
            n += 1
            unique = f"{key}{chr(ord('a') + n - 1) if n <= 26 else n}"
        used.add(unique.lower())
        entries.append(entry.replace(f"@misc{{{key},", f"@misc{{{unique},", 1))
    return "\n".join(entries)
