"""Papers members bring from arXiv: read what they paste, fetch the metadata, list the paper today.

- `parse_arxiv_reference()` turns an id or an arXiv / Hugging Face URL into the canonical id.
- `fetch_arxiv_entry()` asks the arXiv API (`GET /api/query?id_list=ID`, Atom) for one paper, retrying
  rate limits and server errors briefly (a member is waiting), and `parse_feed()` reads the Atom into
  `ArxivEntry` records. arXiv answers an unknown id with a feed without entries and a malformed one with
  HTTP 400 and an "Error" entry: both mean "no such paper" (None). Failures to get an answer raise
  `ArxivError`.
- `submit_paper()` writes the paper, its authors, today's listing and the submission in one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

import feedparser
import requests
from django.db import IntegrityError, transaction
from django.db.models import Max
from urllib3.util import Retry

from accounts.models import User
from papers import authors, hf, ingest, outbox
from papers.caching import bump_pages_version
from papers.models import (
    Author,
    Authorship,
    Listing,
    Paper,
    Submission,
    author_slug,
    normalize_whitespace,
    parse_arxiv_reference,
)

API_URL = "https://export.arxiv.org/api/query"
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10
RETRIES = 2
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER = 5  # seconds: a member is waiting for the answer

_VERSION_RE = re.compile(r"v(\d+)$")


class ArxivError(Exception):
    """arXiv could not be asked, or gave no usable answer (network error, timeout, 5xx, not Atom)."""


@dataclass(frozen=True)
class ArxivEntry:
    """One paper as the arXiv API describes it (its latest version)."""

    arxiv_id: str  # without version
    version: int | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    published: dt.datetime | None  # v1
    updated: dt.datetime | None  # latest version
    primary_category: str
    categories: tuple[str, ...]
    pdf_url: str
    doi: str = ""
    journal_ref: str = ""
    comment: str = ""


# --- Fetching -----------------------------------------------------------------------------------


class _Retry(Retry):
    """urllib3's Retry, with Retry-After honoured up to MAX_RETRY_AFTER seconds."""

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


def make_session() -> requests.Session:
    """A session that retries GETs on 429/5xx and connection failures (twice, 0 then 2 s, Retry-After honoured).

    Read timeouts are not retried: a slow arXiv would keep the member waiting twice as long.
    """
    retry = _Retry(
        total=RETRIES,
        read=False,
        backoff_factor=1,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
    )
    return hf.retrying_session(retry, accept="application/atom+xml")


def fetch_arxiv_entry(arxiv_id: str, session: requests.Session | None = None) -> ArxivEntry | None:
    """The arXiv API's entry for `arxiv_id` (a canonical id), None if arXiv has no such paper.

    Raises ArxivError when arXiv does not answer usefully.
    """
    session = session or make_session()
    try:
        response = session.get(API_URL, params={"id_list": arxiv_id}, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.exceptions.RequestException as error:
        raise ArxivError(f"id_list={arxiv_id}: {type(error).__name__}: {error}") from error
    if response.status_code == 400:  # a malformed id: arXiv explains in an "Error" entry
        return None
    if response.status_code != 200:
        raise ArxivError(f"id_list={arxiv_id}: HTTP {response.status_code}")
    entries = parse_feed(response.content)
    return next((entry for entry in entries if entry.arxiv_id == arxiv_id), None)


def parse_feed(content: bytes) -> list[ArxivEntry]:
    """The papers in an arXiv API Atom response, in order; error entries are left out.

    Raises ArxivError when the content is not an Atom feed (an HTML error page, say).
    """
    feed = feedparser.parse(io.BytesIO(content))  # a stream: feedparser never opens URLs or files for it
    if not feed.get("version", "").startswith("atom"):
        raise ArxivError("the response is not an Atom feed")
    return [entry for raw in feed.entries if (entry := _entry(raw))]


def _entry(raw: Any) -> ArxivEntry | None:
    arxiv_id = parse_arxiv_reference(raw.get("id", ""))  # "http://arxiv.org/abs/<id>v<N>"
    title = normalize_whitespace(raw.get("title", ""))
    if arxiv_id is None or not title:  # error entries have an api/errors id and the title "Error"
        return None
    version = _VERSION_RE.search(raw.get("id", ""))
    categories = tuple(tag["term"] for tag in raw.get("tags", ()) if tag.get("term"))
    pdf_urls = [link["href"] for link in raw.get("links", ()) if link.get("type") == "application/pdf"]
    return ArxivEntry(
        arxiv_id=arxiv_id,
        version=int(version[1]) if version else None,
        title=title,
        abstract=normalize_whitespace(raw.get("summary", "")),
        authors=tuple(name for a in raw.get("authors", ()) if (name := normalize_whitespace(a.get("name", "")))),
        published=_timestamp(raw.get("published_parsed")),
        updated=_timestamp(raw.get("updated_parsed")),
        primary_category=(raw.get("arxiv_primary_category") or {}).get("term") or next(iter(categories), ""),
        categories=categories,
        pdf_url=pdf_urls[0] if pdf_urls else f"https://arxiv.org/pdf/{arxiv_id}",
        doi=normalize_whitespace(raw.get("arxiv_doi", "")),
        journal_ref=normalize_whitespace(raw.get("arxiv_journal_ref", "")),
        comment=normalize_whitespace(raw.get("arxiv_comment", "")),
    )


def _timestamp(parsed: Any) -> dt.datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    return dt.datetime(*parsed[:6], tzinfo=dt.UTC) if parsed else None


# --- Writing ------------------------------------------------------------------------------------


def submit_paper(entry: ArxivEntry, user: User, day: dt.date | None = None) -> tuple[Paper, bool]:
    """List `entry` on `day` (today, UTC) as submitted by `user`, in one transaction; (paper, created).

    Once committed, members who follow one of its authors get a new-paper notice, as for imported papers.

    The unique arxiv_id decides between members submitting the same paper at once: the one who
    loses gets the paper the other created, and False. Authors already known keep their row.
    """
    day = day or ingest.utc_today()
    try:
        with transaction.atomic():
            ingest.lock_catalog()
            paper = Paper(
                arxiv_id=entry.arxiv_id,
                title=entry.title,
                abstract=entry.abstract,
                published_at=entry.published,
                author_count=len(entry.authors),
                authors_text=", ".join(entry.authors),
                first_listed_on=day,
                last_listed_on=day,
            )
            paper.refresh_sort_keys()
            paper.save(force_insert=True)
            author_ids = _author_ids(paper, entry.authors)
            Authorship.objects.bulk_create(
                Authorship(paper=paper, author_id=author_id, position=position)
                for position, author_id in enumerate(author_ids)
            )
            last = Listing.objects.filter(date=day).aggregate(last=Max("hf_position"))["last"]
            Listing.objects.create(date=day, paper=paper, hf_position=0 if last is None else last + 1)
            Submission.objects.create(paper=paper, user=user)
            Paper.objects.filter(pk=paper.pk).refresh_search_vectors()
            transaction.on_commit(bump_pages_version)
            # The followers of its authors hear of it (papers.tasks builds on this module: queued by name).
            outbox.queue("papers.tasks.notify_new_papers", [paper.pk])
            outbox.queue("papers.tasks.rebuild_timelines_for_papers", [paper.pk])  # the feeds it is a candidate of
    except IntegrityError:
        existing = Paper.objects.filter(arxiv_id=entry.arxiv_id).first()
        if existing is None:
            raise
        return existing, False
    return paper, True


def _author_ids(paper: Paper, names: tuple[str, ...]) -> list[int]:
    """The identity of each author of a new paper (papers.authors): co-authors and text are all the evidence."""
    max_length = Author._meta.get_field("name").max_length
    slugs = [author_slug(name) for name in names]
    resolver = authors.IdentityResolver(slugs)
    slots = authors.slots_of_paper(paper.arxiv_id, slugs, [""] * len(slugs), "", [], f"{paper.title} {paper.abstract}")
    ids = resolver.byline(slots, [name[:max_length] for name in names], [None] * len(slugs), [])
    created = resolver.save()
    return [created.get(pk, pk) for pk in ids]
