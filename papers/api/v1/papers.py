"""Papers: the listings (a day, week, month, trending, a topic, an organisation), a search, and one paper."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.db.models import F, FloatField, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from papers.models import Paper, normalize_whitespace

from ..auth import viewer
from ..paging import DEFAULT_LIMIT, MAX_LIMIT, Page, page
from ..problems import Problem, responses
from .schemas import PaperDetailOut, PaperOut, paper_queryset, papers_out

router = Router(tags=["Papers"])

ArxivId = Annotated[
    str, Path(description="The paper's arXiv id, as in its address on the site.", examples=["2608.15265"])
]
LIMIT_DESCRIPTION = f"How many items a page has (at most {MAX_LIMIT})."

ORDERINGS = {
    "top": ["-points", "-published_at", "-pk"],
    "new": ["-published_at", "-pk"],
    "trending": ["-hotness", "-pk"],
    "discussed": ["-discussion", "-points", "-pk"],
}


# Periods as the site's addresses write them; a string that matches but names no day is a 400 problem.
DATE = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
WEEK = r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class PaperFilters(Schema):
    date: str | None = Field(None, pattern=DATE, description="Papers listed on this Daily Papers day (2026-08-18).")
    week: str | None = Field(None, pattern=WEEK, description="…in this ISO week (2026-W33).")
    month: str | None = Field(None, pattern=MONTH, description="…in this month (2026-08).")
    topic: str | None = Field(None, max_length=120, description="…on this topic (its slug).")
    organization: str | None = Field(None, max_length=100, description="…from this organisation (its handle).")
    sort: Literal["top", "new", "trending", "discussed"] = Field(
        "top", description="top: points; new: arXiv date; trending: hotness; discussed: comments here and there."
    )
    cursor: str | None = Field(None, max_length=500, description="The `next` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION)


def find_paper(arxiv_id: str, papers: QuerySet[Paper] | None = None) -> Paper:
    """The paper `arxiv_id` of `papers` (all of them by default), or a 404 problem. An id with a NUL character
    names no paper, and is not asked about: PostgreSQL refuses such a query (a 500)."""
    paper = None
    if "\x00" not in arxiv_id:
        paper = (Paper.objects.all() if papers is None else papers).filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Problem(404, f"No paper {arxiv_id}.")
    return paper


def period(filters: PaperFilters) -> tuple[dt.date, dt.date] | None:
    """The first and last day `date`, `week` or `month` name (at most one of them), or None."""
    given = [name for name in ("date", "week", "month") if getattr(filters, name)]
    if len(given) > 1:
        raise Problem(400, f"Give one of date, week and month, not {' and '.join(given)}.")
    try:
        if filters.date:
            day = dt.date.fromisoformat(filters.date)
            return day, day
        if filters.week:
            year, week = filters.week.split("-W")
            monday = dt.date.fromisocalendar(int(year), int(week), 1)
            return monday, monday + dt.timedelta(days=6)
        if filters.month:
            year, month = map(int, filters.month.split("-"))
            first = dt.date(year, month, 1)
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return first, following - dt.timedelta(days=1)
    except (ValueError, OverflowError):
        value = filters.date or filters.week or filters.month
        raise Problem(400, f"{value} is not a day, week or month of the calendar.") from None
    return None


@router.get("/papers", response={200: Page[PaperOut], **responses(400, 401, 422)}, auth=viewer, summary="List papers")
def list_papers(request: HttpRequest, filters: Query[PaperFilters]):
    """Papers, a page at a time: every paper, or those of a day, week, month, topic or organisation."""
    papers = paper_queryset()
    if span := period(filters):
        papers = papers.listed_between(*span)
    elif filters.sort == "trending":
        papers = papers.exclude(last_listed_on=None)
    if filters.topic:
        papers = papers.filter(topics__slug=filters.topic)
    if filters.organization:
        papers = papers.filter(organization__handle=filters.organization)
    if filters.sort == "discussed":
        papers = papers.annotate(discussion=F("hf_comments") + F("comment_count"))
    rows, next_url = page(request, papers, ORDERINGS[filters.sort], filters.cursor, filters.limit)
    return {"items": papers_out(request, rows), "next": next_url}


class SearchQuery(Schema):
    q: str = Field(
        max_length=1000,
        description='Words and "quoted phrases" that must all match, -words and -"phrases" that must not; an arXiv '
        "id or an arXiv or Hugging Face paper URL finds that paper. The first 200 characters count.",
    )
    cursor: str | None = Field(None, max_length=500, description="The `next` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION)


@router.get(
    "/papers/search", response={200: Page[PaperOut], **responses(400, 401, 422)}, auth=viewer, summary="Search papers"
)
def search_papers(request: HttpRequest, query: Query[SearchQuery]):
    """Papers matching `q`, best match first (in the title above the authors and keywords, above the abstract;
    then by points), as the site's search page finds them. An empty `q` finds nothing."""
    if not normalize_whitespace(query.q):
        return {"items": [], "next": None}
    papers = paper_queryset().search(query.q)
    ordering = ["-points", "-pk"]  # an arXiv id finds its paper, with no rank
    if "rank" in papers.query.annotations:
        # The cursor holds the rank of the last paper shown, to compare the next ones with; PostgreSQL's rank is
        # a `real`, which Python reads rounded (the next page would compare with a number that no rank equals).
        # As a double precision it comes back exactly.
        papers = papers.annotate(relevance=Cast("rank", FloatField()))
        ordering = ["-relevance", "-points", "-pk"]
    rows, next_url = page(request, papers, ordering, query.cursor, query.limit)
    return {"items": papers_out(request, rows), "next": next_url}


@router.get(
    "/papers/{arxiv_id}", response={200: PaperDetailOut, **responses(401, 404)}, auth=viewer, summary="Get a paper"
)
def get_paper(request: HttpRequest, arxiv_id: ArxivId):
    """One paper: both sets of counts, its authors, topics, abstract and related papers, and your own state."""
    paper = find_paper(arxiv_id, paper_queryset().defer(None).select_related("organization"))
    out = papers_out(request, [paper])[0]
    out |= {
        "abstract": paper.abstract,
        "keywords": list(paper.keywords),
        "related": [related.arxiv_id for related in paper.related()],
    }
    # No Last-Modified: votes change the counts without a date of their own (removing one leaves none), so only
    # the ETag, a hash of the answer, can say whether it changed.
    return out
