"""Write validated batches: one transaction, rows loaded in bulk, only real changes saved.

Importing the same data twice is a no-op (no INSERT, no UPDATE, timestamps untouched).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from papers import authors, outbox
from papers.caching import bump_pages_version
from papers.ingest.related import RelatedIds, chunks, ids_by_key, upsert_related
from papers.ingest.schema import Batch, DailyItem
from papers.models import Authorship, Listing, Paper, PaperTopic, topic_slug
from papers.topics import settle_topics

# Fixed key of the PostgreSQL advisory lock that serialises imports and syncs ("PCHF").
ADVISORY_LOCK_KEY = 0x50434846


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __iadd__(self, other: Counts) -> Counts:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class Summary:
    source: str
    items: int = 0
    papers: Counts = field(default_factory=Counts)
    listings: Counts = field(default_factory=Counts)

    def __str__(self) -> str:
        return f"{self.source}: {self.items} items; papers {self.papers}; listings {self.listings}"

    def __iadd__(self, other: Summary) -> Summary:
        self.items += other.items
        self.papers += other.papers
        self.listings += other.listings
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportResult:
    sources: list[Summary]
    total: Summary  # the sum of the sources' summaries
    warnings: list[str]
    changed_paper_ids: list[int]
    written_listings: int = 0  # listing rows inserted or updated
    changed_topic_ids: list[int] = field(default_factory=list)
    created_paper_ids: list[int] = field(default_factory=list)  # the new papers (also in changed_paper_ids)


# --- Writing ------------------------------------------------------------------------------------

# Paper columns the import owns; compared one by one so only real changes are saved.
PAPER_FIELDS = (
    "title",
    "abstract",
    "published_at",
    "keywords",
    "ai_summary",
    "ai_summary_model",
    "thumbnail_url",
    "media_urls",
    "github_repo",
    "github_stars",
    "project_page",
    "hf_discussion_id",
    "organization_id",
    "submitted_by_id",
    "hf_upvotes",
    "hf_comments",
    "author_count",
    "authors_text",
    "first_listed_on",
    "last_listed_on",
    "points",
    "hotness",
)


@dataclass(frozen=True)
class _AuthorSlot:
    """One byline position of a paper: the author, and the Hugging Face user it links to, if any."""

    author_id: int
    hf_user_id: int | None
    pinned: bool = False  # a moderator's decision, kept while the slot keeps its identity


@dataclass(frozen=True)
class _Snapshot:
    """What the import owns of one paper at a moment: its columns (PAPER_FIELDS), byline and topics."""

    columns: tuple[Any, ...]
    authorships: tuple[_AuthorSlot, ...]
    topics: tuple[int, ...]

    def changed_fields(self, after: _Snapshot) -> list[str]:
        return [name for name, old, new in zip(PAPER_FIELDS, self.columns, after.columns, strict=True) if old != new]


@dataclass
class _PaperState:
    """A paper as the run sees it: the row (loaded or new), its listing dates, authorships and topics."""

    paper: Paper
    dates: set[dt.date] = field(default_factory=set)
    authorships: tuple[_AuthorSlot, ...] = ()
    topics: tuple[int, ...] = ()
    original: _Snapshot | None = None  # None for a paper the run creates

    def snapshot(self) -> _Snapshot:
        columns = tuple(_copy(getattr(self.paper, name)) for name in PAPER_FIELDS)
        return _Snapshot(columns, self.authorships, self.topics)


@dataclass(frozen=True, order=True)
class _ListingKey:
    arxiv_id: str
    date: dt.date


@dataclass(frozen=True)
class _ListingValues:
    """The columns of a listing row the import owns (LISTING_FIELDS)."""

    submitter_id: int | None
    submitter_organization_id: int | None
    hf_upvotes: int
    hf_comments: int
    hf_position: int
    hf_item: dict[str, Any] | None  # the item as received (papers.api.hf answers with it)

    @classmethod
    def of_row(cls, row: Listing) -> _ListingValues:
        return cls(**{name: getattr(row, name) for name in LISTING_FIELDS})

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in LISTING_FIELDS}


LISTING_FIELDS = tuple(column.name for column in fields(_ListingValues))


@dataclass
class _Loaded:
    """The stored side of the papers a run touches, loaded in bulk before anything is applied."""

    states: dict[str, _PaperState]  # by arXiv id; the run adds the papers it creates
    listings: dict[_ListingKey, Listing]


@dataclass
class _Applied:
    """What applying the batches made of the run's state: per-source counts and the listings' new values."""

    summaries: list[Summary]
    warnings: list[str]
    listings: dict[_ListingKey, _ListingValues]  # every listing an item named, in its final state


@dataclass
class _PaperChanges:
    """The touched papers sorted by what writing them takes."""

    created: list[_PaperState] = field(default_factory=list)
    updated: list[_PaperState] = field(default_factory=list)
    updated_fields: set[str] = field(default_factory=set)
    new_authorships: list[_PaperState] = field(default_factory=list)
    new_topics: list[_PaperState] = field(default_factory=list)


def lock_catalog() -> None:
    """Serialise writers of papers and authors until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def write_batches(batches: Sequence[Batch]) -> ImportResult:
    """Upsert validated batches in one transaction; later listing dates win, identical data writes nothing.

    After commit, the followers of the new papers' authors are notified (papers.notices), never for re-imports,
    and every paper's related papers are recomputed (papers.related_papers) when papers or their topics changed.
    """
    with transaction.atomic():
        lock_catalog()
        ids = upsert_related([item for batch in batches for item in batch.items])
        result = _upsert_papers(batches, ids)
        for chunk in chunks(result.changed_paper_ids):
            Paper.objects.filter(pk__in=chunk).refresh_search_vectors()
        settle_topics({*result.changed_topic_ids, *ids.topics.values()})
        if result.changed_paper_ids or result.written_listings:
            transaction.on_commit(bump_pages_version)
        if result.changed_paper_ids:  # new papers, new listing days, points: the stored feeds they are in
            outbox.queue("papers.tasks.rebuild_timelines_for_papers", result.changed_paper_ids)
        if result.created_paper_ids:
            # Queued by name: papers.tasks builds on this package.
            outbox.queue("papers.tasks.notify_new_papers", result.created_paper_ids)
        if result.created_paper_ids or result.changed_topic_ids:  # new papers, or topics moved between papers
            outbox.queue("papers.tasks.refresh_related")
    return result


# --- Papers and listings: load, apply, write ----------------------------------------------------


def _upsert_papers(batches: Sequence[Batch], ids: RelatedIds) -> ImportResult:
    """Load the stored papers in bulk, apply every item to them in memory, then write what changed."""
    loaded = _load_papers(list({item.arxiv_id for batch in batches for item in batch.items}))
    applied = _apply_batches(batches, loaded, ids)
    _create_identities(loaded, ids)
    # The total adds up the sources' lines, so they always agree: a paper created by one file and
    # updated by a later one counts once as created and once as updated, as the two lines say.
    total = Summary("Total")
    for summary in applied.summaries:
        total += summary

    now = timezone.now()
    touched_ids = {item.arxiv_id for batch in batches for item in batch.items}
    changes = _sort_changes([loaded.states[arxiv_id] for arxiv_id in touched_ids], now)
    _write_papers(changes)
    written_listings = _write_listings(applied.listings, loaded, now)

    created_ids = sorted(state.paper.pk for state in changes.created)
    changed_ids = created_ids + sorted(state.paper.pk for state in changes.updated)
    changed_topic_ids = sorted(
        {
            topic_id
            for state in changes.new_topics
            for topic_id in (*(state.original.topics if state.original else ()), *state.topics)
        }
    )
    return ImportResult(
        sources=applied.summaries,
        total=total,
        warnings=applied.warnings,
        changed_paper_ids=changed_ids,
        written_listings=written_listings,
        changed_topic_ids=changed_topic_ids,
        created_paper_ids=created_ids,
    )


def _load_papers(arxiv_ids: list[str]) -> _Loaded:
    """The stored papers with these ids, their listing dates, bylines and topics, and their listing rows."""
    # Rows locked against concurrent vote recounts: the sort keys written here include upvote_count.
    papers = (
        Paper.objects.select_for_update(no_key=True).defer("search_vector").in_bulk(arxiv_ids, field_name="arxiv_id")
    )
    by_pk = {paper.pk: _PaperState(paper=paper) for paper in papers.values()}
    loaded = _Loaded(states={state.paper.arxiv_id: state for state in by_pk.values()}, listings={})
    authorships: dict[int, list[_AuthorSlot]] = {pk: [] for pk in by_pk}
    topics: dict[int, list[int]] = {pk: [] for pk in by_pk}
    for chunk in chunks(list(by_pk)):
        for listing in Listing.objects.filter(paper_id__in=chunk):
            state = by_pk[listing.paper_id]
            state.dates.add(listing.date)
            loaded.listings[_ListingKey(state.paper.arxiv_id, listing.date)] = listing
        rows = Authorship.objects.filter(paper_id__in=chunk).order_by("position")
        for paper_id, *slot in rows.values_list("paper_id", "author_id", "hf_user_id", "pinned"):
            authorships[paper_id].append(_AuthorSlot(*slot))
        rows = PaperTopic.objects.filter(paper_id__in=chunk).order_by("position")
        for paper_id, topic_id in rows.values_list("paper_id", "topic_id"):
            topics[paper_id].append(topic_id)
    for pk, state in by_pk.items():
        state.authorships = tuple(authorships[pk])
        state.topics = tuple(topics[pk])
        state.original = state.snapshot()
    return loaded


def _apply_batches(batches: Sequence[Batch], loaded: _Loaded, ids: RelatedIds) -> _Applied:
    """Apply every item in input order, counting per source what it did to the run's state."""
    applied = _Applied(summaries=[], warnings=[], listings={})
    for batch in batches:
        summary = Summary(batch.source, items=len(batch.items))
        applied.warnings.extend(batch.warnings)
        for item in batch.items:
            state = loaded.states.get(item.arxiv_id)
            before = state.snapshot() if state else None
            if state is None:
                state = loaded.states[item.arxiv_id] = _PaperState(paper=Paper(arxiv_id=item.arxiv_id))
            _apply_item(state, item, ids)
            summary.papers.add(_outcome(before, state.snapshot()))

            key = _ListingKey(item.arxiv_id, item.listing_date)
            values = _listing_values(item, ids)
            if key in applied.listings:
                previous: _ListingValues | None = applied.listings[key]
            else:
                row = loaded.listings.get(key)
                previous = _ListingValues.of_row(row) if row is not None else None
            summary.listings.add(_outcome(previous, values))
            applied.listings[key] = values
        applied.summaries.append(summary)
    return applied


def _apply_item(state: _PaperState, item: DailyItem, ids: RelatedIds) -> None:
    """Fold one item into a paper: its listing date always; its content only if no newer listing is known."""
    newest = max(state.dates, default=None)
    state.dates.add(item.listing_date)
    if newest is None or item.listing_date >= newest:
        _apply_content(state, item, ids)
    state.paper.first_listed_on = min(state.dates)
    state.paper.last_listed_on = max(state.dates)
    state.paper.refresh_sort_keys()


def _apply_content(state: _PaperState, item: DailyItem, ids: RelatedIds) -> None:
    """The item's content replaces the paper's: columns, byline and topics."""
    paper = state.paper
    paper.title = item.title
    paper.abstract = item.abstract
    paper.published_at = item.published_at
    paper.keywords = list(item.keywords)
    paper.ai_summary = item.ai_summary
    paper.ai_summary_model = item.ai_summary_model
    paper.thumbnail_url = item.thumbnail_url
    paper.media_urls = list(item.media_urls)
    paper.github_repo = item.github_repo
    paper.github_stars = item.github_stars
    paper.project_page = item.project_page
    paper.hf_discussion_id = item.hf_discussion_id
    paper.organization_id = ids.organizations[item.organization.handle] if item.organization else None
    paper.submitted_by_id = ids.users[item.submitter.username] if item.submitter else None
    paper.hf_upvotes = item.hf_upvotes
    paper.hf_comments = item.hf_comments
    paper.author_count = len(item.authors)
    paper.authors_text = ", ".join(author.name for author in item.authors)
    hf_user_ids = [ids.users[author.username] if author.username else None for author in item.authors]
    author_ids = ids.authors.byline(
        authors.slots_of_item(item),
        [author.name for author in item.authors],
        hf_user_ids,
        [slot.author_id for slot in state.authorships],
    )
    pinned = {slot.author_id for slot in state.authorships if slot.pinned}
    state.authorships = tuple(
        _AuthorSlot(author_id, hf_user_id, author_id in pinned)
        for author_id, hf_user_id in zip(author_ids, hf_user_ids, strict=True)
    )
    state.topics = tuple(dict.fromkeys(ids.topics[topic_slug(keyword)] for keyword in item.keywords))  # once each


def _create_identities(loaded: _Loaded, ids: RelatedIds) -> None:
    """Create the author identities the run started, and put their ids in place of the placeholders."""
    created = ids.authors.save()
    if not created:
        return
    for state in loaded.states.values():
        if any(slot.author_id in created for slot in state.authorships):
            state.authorships = tuple(
                _AuthorSlot(created.get(slot.author_id, slot.author_id), slot.hf_user_id, slot.pinned)
                for slot in state.authorships
            )


def _listing_values(item: DailyItem, ids: RelatedIds) -> _ListingValues:
    return _ListingValues(
        submitter_id=ids.users.get(item.submitter.username) if item.submitter else None,
        submitter_organization_id=(
            ids.organizations[item.submitter_organization.handle] if item.submitter_organization else None
        ),
        hf_upvotes=item.hf_upvotes,
        hf_comments=item.hf_comments,
        hf_position=item.position,
        hf_item=item.hf_item,
    )


def _sort_changes(states: list[_PaperState], now: dt.datetime) -> _PaperChanges:
    """Which touched papers are new, which changed (and which columns), whose byline or topics to replace."""
    changes = _PaperChanges()
    for state in states:
        if state.original is None:
            state.paper.created_at = state.paper.updated_at = now
            changes.created.append(state)
            continue
        after = state.snapshot()
        changed_fields = state.original.changed_fields(after)
        authorships_changed = after.authorships != state.original.authorships
        topics_changed = after.topics != state.original.topics
        if not (changed_fields or authorships_changed or topics_changed):
            continue
        state.paper.updated_at = now
        changes.updated.append(state)
        changes.updated_fields.update(changed_fields)
        if authorships_changed:
            changes.new_authorships.append(state)
        if topics_changed:
            changes.new_topics.append(state)
    changes.new_authorships += changes.created
    changes.new_topics += changes.created
    return changes


def _write_papers(changes: _PaperChanges) -> None:
    """Insert the new papers, update the changed columns, replace the bylines and topics that changed."""
    Paper.objects.bulk_create([state.paper for state in changes.created])
    if any(state.paper.pk is None for state in changes.created):  # backends that return no ids from bulk inserts
        pks = ids_by_key(Paper, "arxiv_id", [state.paper.arxiv_id for state in changes.created])
        for state in changes.created:
            state.paper.pk = pks[state.paper.arxiv_id]
    if changes.updated:
        Paper.objects.bulk_update(
            [state.paper for state in changes.updated], [*sorted(changes.updated_fields), "updated_at"]
        )
    for chunk in chunks([state.paper.pk for state in changes.new_authorships if state.original]):
        Authorship.objects.filter(paper_id__in=chunk).delete()
    Authorship.objects.bulk_create(
        Authorship(
            paper_id=state.paper.pk,
            author_id=slot.author_id,
            hf_user_id=slot.hf_user_id,
            pinned=slot.pinned,
            position=position,
        )
        for state in changes.new_authorships
        for position, slot in enumerate(state.authorships)
    )
    for chunk in chunks([state.paper.pk for state in changes.new_topics if state.original]):
        PaperTopic.objects.filter(paper_id__in=chunk).delete()
    PaperTopic.objects.bulk_create(
        PaperTopic(paper_id=state.paper.pk, topic_id=topic_id, position=position)
        for state in changes.new_topics
        for position, topic_id in enumerate(state.topics)
    )


def _write_listings(listings: dict[_ListingKey, _ListingValues], loaded: _Loaded, now: dt.datetime) -> int:
    """Insert or update the listings the items named (after the papers, whose ids they need); return how many."""
    new_rows, changed_rows = [], []
    for key in sorted(listings):
        values = listings[key].as_dict()
        row = loaded.listings.get(key)
        if row is None:
            paper_id = loaded.states[key.arxiv_id].paper.pk
            new_rows.append(Listing(date=key.date, paper_id=paper_id, created_at=now, updated_at=now, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            changed_rows.append(row)
    Listing.objects.bulk_create(new_rows)
    if changed_rows:
        Listing.objects.bulk_update(changed_rows, [*LISTING_FIELDS, "updated_at"])
    return len(new_rows) + len(changed_rows)


def _outcome(before: Any, after: Any) -> str:
    return "created" if before is None else "updated" if before != after else "unchanged"


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
