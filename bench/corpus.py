"""The synthetic corpus in the database: pools, papers, authorships, topics and listings, inserted in bulk."""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, connections, transaction
from django.db.models import Max, Min

from bench.specs import (
    DEFAULT_SEED,
    SYNTHETIC_ID_REGEX,
    PaperSpec,
    Pools,
    author_names,
    organization_names,
    paper_specs,
    submitter_names,
    topic_names,
)
from papers.models import (
    Author,
    Authorship,
    HFUser,
    Listing,
    Organization,
    Paper,
    PaperTopic,
    Topic,
    author_slug,
    topic_slug,
)

THUMBNAIL_URL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png"


@dataclass(frozen=True)
class CorpusResult:
    papers: int
    generated: bool
    seconds: float


def synthetic_papers():
    return Paper.objects.filter(arxiv_id__regex=SYNTHETIC_ID_REGEX)


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ensure_rows(model, key: str, rows: list, batch_size: int) -> list[int]:
    """Insert the rows that are missing (by the unique `key`) and return every row's id, in order."""
    model.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    keys = [getattr(row, key) for row in rows]
    ids: dict[str, int] = {}
    for chunk in chunks(keys, 10_000):
        ids.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return [ids[k] for k in keys]


def _paper(spec: PaperSpec, *, authors: list[str], topics: list[str], orgs: list[int], users: list[int]) -> Paper:
    paper = Paper(
        arxiv_id=spec.arxiv_id,
        title=spec.title,
        abstract=spec.abstract,
        published_at=spec.published_at,
        author_count=len(spec.authors),
        authors_text=", ".join(authors[i] for i in spec.authors),
        keywords=[topics[i] for i in spec.topics],
        ai_summary=spec.ai_summary,
        ai_summary_model=spec.ai_summary_model,
        organization_id=orgs[spec.organization] if spec.organization is not None else None,
        submitted_by_id=users[spec.submitter],
        thumbnail_url=THUMBNAIL_URL.format(arxiv_id=spec.arxiv_id),
        github_repo=spec.github_repo,
        github_stars=spec.github_stars,
        project_page=spec.project_page,
        hf_upvotes=spec.hf_upvotes,
        hf_comments=spec.hf_comments,
        first_listed_on=spec.listed_on,
        last_listed_on=spec.relisted_on or spec.listed_on,
    )
    paper.refresh_sort_keys()
    return paper


@dataclass(frozen=True)
class PoolIds:
    """The database ids of each pool's rows, in the pool's order, and the names the papers' text uses."""

    author_names: list[str]
    topic_names: list[str]
    authors: list[int]
    topics: list[int]
    organizations: list[int]
    submitters: list[int]


def generate_corpus(
    papers: int,
    *,
    seed: int = DEFAULT_SEED,
    batch_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> None:
    """Insert the synthetic corpus of `papers` papers (the pools are shared with earlier runs).

    Papers go in with bulk_create, `batch_size` papers (and their authorships, topics and listings)
    per transaction, then the search vectors are computed and the planner statistics refreshed.
    """
    log = log or (lambda message: None)
    started = time.monotonic()
    ids = insert_pools(Pools.for_size(papers), seed, batch_size)
    log(
        f"Pools: {len(ids.authors):,} authors, {len(ids.topics):,} topics, {len(ids.organizations)} organisations, "
        f"{len(ids.submitters):,} submitters ({time.monotonic() - started:.1f}s)"
    )
    started = time.monotonic()
    workers = _workers()
    insert_papers(paper_specs(papers, seed), ids, batch_size, workers, progress)
    log(f"Papers, authorships, topics and listings: {time.monotonic() - started:.1f}s ({workers} connections)")
    started = time.monotonic()
    refresh_search_vectors(workers)
    log(f"Search vectors: {time.monotonic() - started:.1f}s")
    started = time.monotonic()
    Topic.objects.filter(pk__in=ids.topics).refresh_paper_counts()
    log(f"Topic paper counts: {time.monotonic() - started:.1f}s")
    started = time.monotonic()
    analyze()
    log(f"ANALYZE: {time.monotonic() - started:.1f}s")


def insert_pools(pools: Pools, seed: int, batch_size: int) -> PoolIds:
    """The authors, topics, organisations and submitters the papers draw from, inserted where missing."""
    names = author_names(pools.authors, seed)
    topics = topic_names(pools.topics, seed)
    organizations = [
        Organization(
            handle=handle,
            name=name,
            avatar_url=f"https://cdn-avatars.huggingface.co/v1/production/uploads/{handle}.png",
        )
        for handle, name in organization_names(pools.organizations)
    ]
    submitters = [
        HFUser(username=username, fullname=fullname, avatar_url=f"/avatars/{username}.svg")
        for username, fullname in submitter_names(pools.submitters, seed)
    ]
    with transaction.atomic():
        return PoolIds(
            author_names=names,
            topic_names=topics,
            authors=_ensure_rows(Author, "slug", [Author(slug=author_slug(n), name=n) for n in names], batch_size),
            topics=_ensure_rows(Topic, "slug", [Topic(slug=topic_slug(n), name=n) for n in topics], batch_size),
            organizations=_ensure_rows(Organization, "handle", organizations, batch_size),
            submitters=_ensure_rows(HFUser, "username", submitters, batch_size),
        )


def insert_papers(
    specs: Iterable[PaperSpec],
    ids: PoolIds,
    batch_size: int,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Papers with their authorships, topics and listings, `batch_size` papers per transaction, on `workers`."""
    batches = itertools.batched(specs, batch_size)
    lock, stop = threading.Lock(), threading.Event()

    def insert_batches() -> None:
        while not stop.is_set():
            with lock:  # The plan is one sequential stream; only drawing from it is serialised.
                chunk = next(batches, None)
            if chunk is None:
                return
            rows = [
                _paper(
                    spec, authors=ids.author_names, topics=ids.topic_names, orgs=ids.organizations, users=ids.submitters
                )
                for spec in chunk
            ]
            with transaction.atomic():
                Paper.objects.bulk_create(rows, batch_size=batch_size)
                Authorship.objects.bulk_create(
                    _authorships(chunk, rows, ids.authors, ids.submitters), batch_size=batch_size * 4
                )
                PaperTopic.objects.bulk_create(_paper_topics(chunk, rows, ids.topics), batch_size=batch_size * 4)
                Listing.objects.bulk_create(_listings(chunk, rows), batch_size=batch_size)
            if progress:
                progress(len(chunk))

    _in_threads([insert_batches] * workers, stop)


def refresh_search_vectors(workers: int) -> None:
    """The synthetic papers' search vectors, in `workers` ranges of ids at once."""
    ids = synthetic_papers().aggregate(first=Min("pk"), last=Max("pk"))
    bounds = [ids["first"] + (ids["last"] + 1 - ids["first"]) * n // workers for n in range(workers + 1)]
    _in_threads(
        [
            functools.partial(synthetic_papers().filter(pk__gte=low, pk__lt=high).refresh_search_vectors)
            for low, high in itertools.pairwise(bounds)
        ]
    )


def _workers() -> int:
    """Two connections on PostgreSQL, so that Python builds a batch while the server writes another."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return 2
    return 1


def _in_threads(functions: list[Callable[[], object]], stop: threading.Event | None = None) -> None:
    """Call the functions in threads, each with its own database connection (inline if only one).

    On an error or an interrupt, `stop` is set so that the other threads can end early.
    """
    if len(functions) == 1:
        functions[0]()
        return
    stop = stop or threading.Event()

    def call(function: Callable[[], object]) -> None:
        try:
            function()
        except BaseException:
            stop.set()
            raise
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(functions)) as pool:
        futures = [pool.submit(call, function) for function in functions]
        try:
            for future in futures:
                future.result()
        except BaseException:
            stop.set()
            raise


def _authorships(specs: Iterable[PaperSpec], rows: list[Paper], author_ids: list[int], user_ids: list[int]):
    for spec, paper in zip(specs, rows, strict=True):
        for position, (author, claimed_by) in enumerate(zip(spec.authors, spec.claimed_by, strict=True)):
            yield Authorship(
                paper_id=paper.pk,
                author_id=author_ids[author],
                position=position,
                hf_user_id=user_ids[claimed_by] if claimed_by is not None else None,
            )


def _paper_topics(specs: Iterable[PaperSpec], rows: list[Paper], topic_ids: list[int]):
    for spec, paper in zip(specs, rows, strict=True):
        for position, topic in enumerate(spec.topics):
            yield PaperTopic(paper_id=paper.pk, topic_id=topic_ids[topic], position=position)


def _listings(specs: Iterable[PaperSpec], rows: list[Paper]):
    for spec, paper in zip(specs, rows, strict=True):
        listed = [(spec.listed_on, spec.hf_position)]
        if spec.relisted_on:
            listed.append((spec.relisted_on, spec.relisted_position))
        for day, position in listed:
            yield Listing(
                date=day,
                paper_id=paper.pk,
                submitter_id=paper.submitted_by_id,
                submitter_organization_id=paper.organization_id,
                hf_upvotes=spec.hf_upvotes,
                hf_comments=spec.hf_comments,
                hf_position=position,
            )


def analyze() -> None:
    """Fresh planner statistics (and, outside a transaction, a VACUUM for the visibility map)."""
    if connection.vendor == "postgresql":
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        tables = [m._meta.db_table for m in (Paper, Authorship, PaperTopic, Listing, Author, Topic)]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def delete_corpus() -> None:
    """Delete the synthetic papers (with their authorships, topics and listings); the pools stay."""
    ids = list(synthetic_papers().values_list("pk", flat=True))
    for chunk in chunks(ids, 5_000):
        with transaction.atomic():
            for model in (Authorship, PaperTopic, Listing):
                model.objects.filter(paper_id__in=chunk).delete()
            Paper.objects.filter(pk__in=chunk).delete()


def ensure_corpus(
    papers: int,
    *,
    seed: int = DEFAULT_SEED,
    batch_size: int = 5_000,
    regenerate: bool = False,
    progress: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> CorpusResult:
    """Reuse a complete synthetic corpus of `papers` papers, or (re)generate it."""
    log = log or (lambda message: None)
    existing = synthetic_papers().count()
    if existing == papers and not regenerate:
        if connection.vendor == "postgresql":
            stale = synthetic_papers().filter(search_vector=None)
            if stale.exists():
                log("Filling missing search vectors…")
                stale.refresh_search_vectors()
                analyze()
        return CorpusResult(papers=papers, generated=False, seconds=0.0)
    started = time.monotonic()
    if existing:
        log(f"Deleting the existing synthetic corpus of {existing:,} papers…")
        delete_corpus()
    generate_corpus(papers, seed=seed, batch_size=batch_size, progress=progress, log=log)
    return CorpusResult(papers=papers, generated=True, seconds=time.monotonic() - started)
