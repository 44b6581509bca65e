"""Write validated batches: one transaction, rows loaded in bulk, only real changes saved.

Importing the same data twice is a no-op (no INSERT, no UPDATE, timestamps untouched).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from papers.caching import bump_pages_version
from papers.ingest.schema import Batch, DailyItem
from papers.models import Author, Authorship, HFUser, Listing, Organization, Paper, PaperTopic, Topic, topic_slug

# Fixed key of the PostgreSQL advisory lock that serialises imports and syncs ("PCHF").
ADVISORY_LOCK_KEY = 0x50434846
IN_CHUNK = 2000  # values per `__in` lookup


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
LISTING_FIELDS = ("submitter_id", "submitter_organization_id", "hf_upvotes", "hf_comments", "hf_position")


@dataclass
class _PaperState:
    """A paper as the run sees it: the row (loaded or new), its listing dates, authorships and topics."""

    paper: Paper
    dates: set[dt.date]
    authorships: tuple[tuple[int, int | None], ...] = ()
    topics: tuple[int, ...] = ()
    original: tuple[Any, ...] | None = None  # None for a paper the run creates

    def snapshot(self) -> tuple[Any, ...]:
        return (*(_copy(getattr(self.paper, name)) for name in PAPER_FIELDS), self.authorships, self.topics)


def lock_catalog() -> None:
    """Serialise writers of papers and authors until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def write_batches(batches: Sequence[Batch]) -> ImportResult:
    """Upsert validated batches in one transaction; later listing dates win, identical data writes nothing.

    After commit, the followers of the new papers' authors are notified (papers.notices), never for re-imports.
    """
    items = [item for batch in batches for item in batch.items]
    by_age = sorted(items, key=lambda item: item.listing_date)  # stable: input order breaks ties
    with transaction.atomic():
        lock_catalog()
        users = _upsert_users(by_age)
        organizations = _upsert_organizations(by_age)
        authors = _upsert_authors(by_age, users)
        topics = _create_topics(items)
        result = _upsert_papers(batches, users, organizations, authors, topics)
        for chunk in _chunks(result.changed_paper_ids):
            Paper.objects.filter(pk__in=chunk).refresh_search_vectors()
        for chunk in _chunks(result.changed_topic_ids):
            Topic.objects.filter(pk__in=chunk).refresh_paper_counts()
        if result.changed_paper_ids or result.written_listings:
            transaction.on_commit(bump_pages_version)
        if result.created_paper_ids:
            from papers.tasks import notify_new_papers

            notify_new_papers.delay_on_commit(result.created_paper_ids)
    return result


def _upsert_users(items: list[DailyItem]) -> dict[str, int]:
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        for user in item.users:
            _merge(merged, user.username, fullname=user.fullname, avatar_url=user.avatar_url, hf_id=user.hf_id)
    return _upsert_rows(HFUser, "username", merged)


def _upsert_organizations(items: list[DailyItem]) -> dict[str, int]:
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        for org in (item.organization, item.submitter_organization):
            if org:
                _merge(merged, org.handle, name=org.name, avatar_url=org.avatar_url, hf_id=org.hf_id)
    return _upsert_rows(Organization, "handle", merged, create_defaults=lambda handle: {"name": handle})


def _upsert_authors(items: list[DailyItem], users: dict[str, int]) -> dict[str, int]:
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        for author in item.authors:
            hf_user_id = users[author.username] if author.username else None
            _merge(merged, author.slug, name=author.name, hf_user_id=hf_user_id)
    return _upsert_rows(Author, "slug", merged)


def _create_topics(items: list[DailyItem]) -> dict[str, int]:
    """Topics are created once; the first name seen is kept."""
    names: dict[str, str] = {}
    for item in items:
        for keyword in item.keywords:
            names.setdefault(topic_slug(keyword), keyword[: Topic._meta.get_field("name").max_length])
    existing = _ids(Topic, "slug", list(names))
    Topic.objects.bulk_create(Topic(slug=slug, name=name) for slug, name in names.items() if slug not in existing)
    return _ids(Topic, "slug", list(names))


def _merge(merged: dict[str, dict[str, Any]], key: str, **values: Any) -> None:
    """Fold in one occurrence: present (non-empty) values replace earlier ones, absent ones never clear."""
    merged.setdefault(key, {}).update((name, value) for name, value in values.items() if value)


def _upsert_rows(
    model: type[Model],
    key_field: str,
    merged: dict[str, dict[str, Any]],
    create_defaults: Callable[[str], dict[str, Any]] | None = None,
) -> dict[str, int]:
    """Create missing rows, update the fields that differ, leave the rest alone; return key → pk."""
    existing = model.objects.in_bulk(list(merged), field_name=key_field)
    to_create, to_update, fields = [], [], set()
    for key, values in merged.items():
        row = existing.get(key)
        if row is None:
            defaults = create_defaults(key) if create_defaults else {}
            to_create.append(model(**{key_field: key, **defaults, **values}))
            continue
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, values[name])
        if changed:
            to_update.append(row)
            fields.update(changed)
    model.objects.bulk_create(to_create)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields))
    return _ids(model, key_field, list(merged))


def _ids(model: type[Model], key_field: str, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(keys):
        ids.update(model.objects.filter(**{f"{key_field}__in": chunk}).values_list(key_field, "pk"))
    return ids


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices small enough for one `__in` lookup on every database (SQLite and PostgreSQL cap query parameters)."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def _upsert_papers(
    batches: Sequence[Batch],
    users: dict[str, int],
    organizations: dict[str, int],
    authors: dict[str, int],
    topics: dict[str, int],
) -> ImportResult:
    arxiv_ids = list({item.arxiv_id for batch in batches for item in batch.items})
    # Rows locked against concurrent vote recounts: the sort keys written here include upvote_count.
    loaded = (
        Paper.objects.select_for_update(no_key=True).defer("search_vector").in_bulk(arxiv_ids, field_name="arxiv_id")
    )
    by_pk = {paper.pk: paper for paper in loaded.values()}
    states = {arxiv_id: _PaperState(paper=paper, dates=set()) for arxiv_id, paper in loaded.items()}
    listing_rows: dict[tuple[str, dt.date], Listing] = {}
    authorships: dict[int, list[tuple[int, int | None]]] = {pk: [] for pk in by_pk}
    paper_topics: dict[int, list[int]] = {pk: [] for pk in by_pk}
    for chunk in _chunks(list(by_pk)):
        for listing in Listing.objects.filter(paper_id__in=chunk):
            arxiv_id = by_pk[listing.paper_id].arxiv_id
            states[arxiv_id].dates.add(listing.date)
            listing_rows[arxiv_id, listing.date] = listing
        rows = Authorship.objects.filter(paper_id__in=chunk).order_by("position")
        for paper_id, author_id, hf_user_id in rows.values_list("paper_id", "author_id", "hf_user_id"):
            authorships[paper_id].append((author_id, hf_user_id))
        rows = PaperTopic.objects.filter(paper_id__in=chunk).order_by("position")
        for paper_id, topic_id in rows.values_list("paper_id", "topic_id"):
            paper_topics[paper_id].append(topic_id)
    for state in states.values():
        state.authorships = tuple(authorships[state.paper.pk])
        state.topics = tuple(paper_topics[state.paper.pk])
        state.original = state.snapshot()

    # Apply every item in input order, counting per source what it did to the run's state.
    listings: dict[tuple[str, dt.date], tuple[Any, ...]] = {
        key: tuple(getattr(row, name) for name in LISTING_FIELDS) for key, row in listing_rows.items()
    }
    touched_listings: set[tuple[str, dt.date]] = set()
    summaries = []
    warnings = []
    for batch in batches:
        summary = Summary(batch.source, items=len(batch.items))
        warnings.extend(batch.warnings)
        for item in batch.items:
            state = states.get(item.arxiv_id)
            before = state.snapshot() if state else None
            if state is None:
                state = states[item.arxiv_id] = _PaperState(paper=Paper(arxiv_id=item.arxiv_id), dates=set())
            _apply_item(state, item, users, organizations, authors, topics)
            summary.papers.add(_outcome(before, state.snapshot()))

            key = (item.arxiv_id, item.listing_date)
            values = (
                users.get(item.submitter.username) if item.submitter else None,
                organizations[item.submitter_organization.handle] if item.submitter_organization else None,
                item.hf_upvotes,
                item.hf_comments,
                item.position,
            )
            previous = listings.get(key)
            summary.listings.add(_outcome(previous, values))
            listings[key] = values
            touched_listings.add(key)
        summaries.append(summary)

    # The total adds up the sources' lines, so they always agree: a paper created by one file and
    # updated by a later one counts once as created and once as updated, as the two lines say.
    total = Summary("Total")
    for summary in summaries:
        total += summary

    now = timezone.now()
    touched_ids = {item.arxiv_id for batch in batches for item in batch.items}
    new_papers, changed_papers, changed_fields = [], [], set()
    replace_authorships, replace_topics = [], []
    for arxiv_id in touched_ids:
        state = states[arxiv_id]
        if state.original is None:
            state.paper.created_at = state.paper.updated_at = now
            new_papers.append(state)
            continue
        after = state.snapshot()
        diff = [name for name, old, new in zip(PAPER_FIELDS, state.original, after, strict=False) if old != new]
        authorships_changed = after[-2] != state.original[-2]
        topics_changed = after[-1] != state.original[-1]
        if not (diff or authorships_changed or topics_changed):
            continue
        state.paper.updated_at = now
        changed_papers.append(state.paper)
        changed_fields.update(diff)
        if authorships_changed:
            replace_authorships.append(state)
        if topics_changed:
            replace_topics.append(state)

    Paper.objects.bulk_create([state.paper for state in new_papers])
    if any(state.paper.pk is None for state in new_papers):  # backends that return no ids from bulk inserts
        ids = _ids(Paper, "arxiv_id", [state.paper.arxiv_id for state in new_papers])
        for state in new_papers:
            state.paper.pk = ids[state.paper.arxiv_id]
    if changed_papers:
        Paper.objects.bulk_update(changed_papers, [*sorted(changed_fields), "updated_at"])
    replace_authorships += new_papers
    replace_topics += new_papers
    for chunk in _chunks([state.paper.pk for state in replace_authorships if state.original]):
        Authorship.objects.filter(paper_id__in=chunk).delete()
    Authorship.objects.bulk_create(
        Authorship(paper_id=state.paper.pk, author_id=author_id, hf_user_id=hf_user_id, position=position)
        for state in replace_authorships
        for position, (author_id, hf_user_id) in enumerate(state.authorships)
    )
    for chunk in _chunks([state.paper.pk for state in replace_topics if state.original]):
        PaperTopic.objects.filter(paper_id__in=chunk).delete()
    PaperTopic.objects.bulk_create(
        PaperTopic(paper_id=state.paper.pk, topic_id=topic_id, position=position)
        for state in replace_topics
        for position, topic_id in enumerate(state.topics)
    )

    new_listings, changed_listings = [], []
    for key in sorted(touched_listings):
        values = dict(zip(LISTING_FIELDS, listings[key], strict=True))
        row = listing_rows.get(key)
        if row is None:
            paper_id = states[key[0]].paper.pk
            new_listings.append(Listing(date=key[1], paper_id=paper_id, created_at=now, updated_at=now, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            changed_listings.append(row)
    Listing.objects.bulk_create(new_listings)
    if changed_listings:
        Listing.objects.bulk_update(changed_listings, [*LISTING_FIELDS, "updated_at"])

    created_ids = sorted(state.paper.pk for state in new_papers)
    changed_ids = created_ids + sorted(paper.pk for paper in changed_papers)
    changed_topic_ids = sorted(
        {topic_id for state in replace_topics for topic_id in (*(state.original or ((),))[-1], *state.topics)}
    )
    return ImportResult(
        sources=summaries,
        total=total,
        warnings=warnings,
        changed_paper_ids=changed_ids,
        written_listings=len(new_listings) + len(changed_listings),
        changed_topic_ids=changed_topic_ids,
        created_paper_ids=created_ids,
    )


def _apply_item(
    state: _PaperState,
    item: DailyItem,
    users: dict[str, int],
    organizations: dict[str, int],
    authors: dict[str, int],
    topics: dict[str, int],
) -> None:
    """Fold one item into a paper: its listing date always; its content only if no newer listing is known."""
    newest = max(state.dates, default=None)
    state.dates.add(item.listing_date)
    paper = state.paper
    if newest is None or item.listing_date >= newest:
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
        paper.organization_id = organizations[item.organization.handle] if item.organization else None
        paper.submitted_by_id = users[item.submitter.username] if item.submitter else None
        paper.hf_upvotes = item.hf_upvotes
        paper.hf_comments = item.hf_comments
        paper.author_count = len(item.authors)
        paper.authors_text = ", ".join(author.name for author in item.authors)
        state.authorships = tuple(
            (authors[author.slug], users[author.username] if author.username else None) for author in item.authors
        )
        state.topics = tuple(topics[topic_slug(keyword)] for keyword in item.keywords)
    paper.first_listed_on = min(state.dates)
    paper.last_listed_on = max(state.dates)
    paper.refresh_sort_keys()


def _outcome(before: Any, after: Any) -> str:
    return "created" if before is None else "updated" if before != after else "unchanged"


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
