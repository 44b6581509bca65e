"""What the community API answers with: papers (both sets of counts), and the names every part links to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from ninja import Schema

from papers.models import Authorship, Paper, PaperTopic
from papers.rows import mark_upvoted


class AuthorRef(Schema):
    name: str
    key: str  # /authors/<key>/ and /api/v1/authors/<key>/follow
    url: str


class TopicRef(Schema):
    slug: str
    name: str
    url: str


class OrganizationRef(Schema):
    handle: str
    name: str
    url: str


class Counts(Schema):
    """Both sets of counts, apart: Hugging Face's (as of the last sync) and this site's (recounted from the rows)."""

    hf_upvotes: int
    hf_comments: int
    upvotes: int
    comments: int
    points: int  # hf_upvotes + upvotes: what "top" orders by


class ViewerState(Schema):
    """The asking member's own state; null for anonymous requests."""

    upvoted: bool
    saved: bool


class PaperOut(Schema):
    arxiv_id: str
    title: str
    url: str
    arxiv_url: str
    pdf_url: str
    hf_url: str
    published_at: dt.datetime | None
    first_listed_on: dt.date | None
    last_listed_on: dt.date | None
    authors: list[AuthorRef]
    hidden_author_count: int
    topics: list[TopicRef]
    organization: OrganizationRef | None
    ai_summary: str
    github_repo: str
    project_page: str
    thumbnail_url: str
    counts: Counts
    viewer: ViewerState | None


class PaperDetailOut(PaperOut):
    abstract: str
    keywords: list[str]
    related: list[str]  # arXiv ids of related papers, most related first


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def paper_queryset() -> QuerySet[Paper]:
    return Paper.objects.select_related("organization").defer("search_vector", "media_urls", "authors_text")


def load(papers: Sequence[Paper]) -> Sequence[Paper]:
    """Each paper's authors and topics, in order: two queries for the whole page."""
    prefetch_related_objects(
        list(papers),
        Prefetch("authorships", queryset=Authorship.objects.select_related("author"), to_attr="api_authorships"),
        Prefetch("paper_topics", queryset=PaperTopic.objects.select_related("topic"), to_attr="api_topics"),
    )
    return papers


def paper_out(request: HttpRequest, paper: Paper, viewer: bool) -> dict:
    """`paper` as PaperOut; `viewer` when the request has a member (their state was marked by `mark_upvoted`)."""
    organization = paper.organization
    return {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "url": absolute(request, paper.get_absolute_url()),
        "arxiv_url": paper.arxiv_url,
        "pdf_url": paper.pdf_url,
        "hf_url": paper.hf_url,
        "published_at": paper.published_at,
        "first_listed_on": paper.first_listed_on,
        "last_listed_on": paper.last_listed_on,
        "authors": [
            {"name": a.author.name, "key": a.author.key, "url": absolute(request, a.author.get_absolute_url())}
            for a in paper.api_authorships
        ],
        "hidden_author_count": max(paper.author_count - len(paper.api_authorships), 0),
        "topics": [
            {"slug": t.topic.slug, "name": t.topic.name, "url": absolute(request, t.topic.get_absolute_url())}
            for t in paper.api_topics
        ],
        "organization": organization
        and {
            "handle": organization.handle,
            "name": organization.name,
            "url": absolute(request, organization.get_absolute_url()),
        },
        "ai_summary": paper.ai_summary,
        "github_repo": paper.github_repo,
        "project_page": paper.project_page,
        "thumbnail_url": paper.thumbnail_url,
        "counts": {
            "hf_upvotes": paper.hf_upvotes,
            "hf_comments": paper.hf_comments,
            "upvotes": paper.upvote_count,
            "comments": paper.comment_count,
            "points": paper.points,
        },
        "viewer": {"upvoted": paper.is_upvoted, "saved": paper.is_saved} if viewer else None,
    }


def papers_out(request: HttpRequest, papers: Sequence[Paper]) -> list[dict]:
    """PaperOut of each paper, authors, topics and the member's state loaded in a fixed number of queries."""
    load(papers)
    mark_upvoted(papers, request.user)
    return [paper_out(request, paper, request.user.is_authenticated) for paper in papers]
