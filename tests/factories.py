"""Plain factories for tests: each makes one object with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

from accounts.models import User
from papers.models import (
    Author,
    Authorship,
    Listing,
    Organization,
    Paper,
    PaperTopic,
    Topic,
    TopicAlias,
    author_slug,
    topic_slug,
)
from papers.topic_rules import topic_key

_ids = itertools.count(1)


def make_user(username: str | None = None, **fields) -> User:
    n = next(_ids)
    username = username or f"user{n}"
    fields.setdefault("email", f"{username}@example.com")
    return User.objects.create_user(
        username=username, password=fields.pop("password", "correct horse battery"), **fields
    )


def make_organization(handle: str = "acme", name: str = "Acme Research") -> Organization:
    return Organization.objects.get_or_create(handle=handle, defaults={"name": name})[0]


def make_topic(name: str) -> Topic:
    """A topic with one spelling, `name` (an existing spelling's topic if it has one)."""
    slug = topic_slug(name)
    if alias := TopicAlias.objects.filter(slug=slug).select_related("topic").first():
        return alias.topic
    topic = Topic.objects.get_or_create(slug=slug, defaults={"name": name})[0]
    TopicAlias.objects.create(topic=topic, slug=slug, name=name, key=topic_key(name) or slug)
    return topic


def make_author(name: str) -> Author:
    """The first person of this name (papers.authors may have found namesakes since)."""
    return Author.objects.get_or_create(slug=author_slug(name), number=1, defaults={"name": name})[0]


def make_paper(
    arxiv_id: str | None = None,
    *,
    title: str | None = None,
    listed_on: dt.date | None = dt.date(2026, 8, 18),
    hf_upvotes: int = 0,
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing"),
    topics: tuple[str, ...] = (),
    position: int = 0,
    **fields,
) -> Paper:
    n = next(_ids)
    arxiv_id = arxiv_id or f"2612.{n:05d}"  # a month the recorded archive (tests/fixtures/hf) never reaches
    fields.setdefault("abstract", f"An abstract about paper number {n}.")
    fields.setdefault("published_at", dt.datetime(2026, 8, 15, tzinfo=dt.UTC))
    paper = Paper(
        arxiv_id=arxiv_id,
        title=title or f"Paper number {n}",
        hf_upvotes=hf_upvotes,
        author_count=len(authors),
        authors_text=", ".join(authors),
        keywords=list(topics),
        first_listed_on=listed_on,
        last_listed_on=listed_on,
        **fields,
    )
    paper.refresh_sort_keys()
    paper.save()
    Authorship.objects.bulk_create(
        Authorship(paper=paper, author=make_author(name), position=i) for i, name in enumerate(authors)
    )
    PaperTopic.objects.bulk_create(
        PaperTopic(paper=paper, topic=make_topic(name), position=i) for i, name in enumerate(topics)
    )
    if listed_on:
        Listing.objects.create(date=listed_on, paper=paper, hf_upvotes=hf_upvotes, hf_position=position)
    Paper.objects.filter(pk=paper.pk).refresh_search_vectors()
    Topic.objects.filter(papers=paper).refresh_paper_counts()
    return paper


def derived_file(tmp_path: Path, source: Path, mutate, name: str | None = None) -> Path:
    """A copy of a recorded response with `mutate(items)` applied, for cases the 17 days don't contain."""
    items = json.loads(source.read_bytes())
    mutate(items)
    path = tmp_path / (name or source.name)
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def item_by_id(items: list, arxiv_id: str) -> dict:
    return next(item for item in items if item["paper"]["id"] == arxiv_id)


def make_comment(paper, author, body: str = "A thoughtful comment.", parent=None):
    from papers.discussion import post_comment

    return post_comment(paper, author, body, parent)
