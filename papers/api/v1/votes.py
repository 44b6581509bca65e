"""Upvotes and saves of papers, and the member's saved papers.

PUT upvotes or saves, DELETE takes it back; both are idempotent and answer with the paper's counts, recounted
from the vote rows, and the member's state, as the site's buttons do (papers.views.discussion.paper_upvote,
papers.views.following.save_toggle), through the same functions and under the same "vote" rate limit.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from papers import follows
from papers.models import Paper

from ..auth import member, require_can_write, throttle
from ..paging import DEFAULT_LIMIT, MAX_LIMIT, Page, page
from ..problems import responses
from .papers import LIMIT_DESCRIPTION, ArxivId, find_paper
from .schemas import PaperStateOut, SavedPaperOut, paper_queryset, paper_state_out, papers_out

router = Router(tags=["Votes and saves"])

WRITE_PROBLEMS = responses(401, 403, 404, 429)


def paper_with_counts(arxiv_id: str) -> Paper:
    """The paper with the columns its counts need, or a 404 problem."""
    return find_paper(arxiv_id, Paper.objects.defer(*Paper.NOT_IN_ROWS))


@router.put(
    "/papers/{arxiv_id}/vote", response={200: PaperStateOut, **WRITE_PROBLEMS}, auth=member, summary="Upvote a paper"
)
def upvote(request: HttpRequest, arxiv_id: ArxivId):
    """Upvote the paper (once: again changes nothing). Its upvotes and points are recounted from the votes, and
    it becomes a seed of your personal feed."""
    require_can_write(request)
    throttle(request, "vote")
    paper = paper_with_counts(arxiv_id)
    with transaction.atomic():
        follows.upvote(request.user, paper)
        return paper_state_out(request, paper)


@router.delete(
    "/papers/{arxiv_id}/vote",
    response={200: PaperStateOut, **WRITE_PROBLEMS},
    auth=member,
    summary="Take back an upvote",
)
def remove_upvote(request: HttpRequest, arxiv_id: ArxivId):
    """Take back your upvote of the paper (without one, nothing changes); its counts are recounted."""
    require_can_write(request)
    throttle(request, "vote")
    paper = paper_with_counts(arxiv_id)
    with transaction.atomic():
        follows.remove_upvote(request.user, paper)
        return paper_state_out(request, paper)


@router.put(
    "/papers/{arxiv_id}/save", response={200: PaperStateOut, **WRITE_PROBLEMS}, auth=member, summary="Save a paper"
)
def save(request: HttpRequest, arxiv_id: ArxivId):
    """Save the paper for later (once: again changes nothing); it is listed in GET /api/v1/me/saved and becomes
    a seed of your personal feed."""
    throttle(request, "vote")
    paper = paper_with_counts(arxiv_id)
    with transaction.atomic():
        follows.save_paper(request.user, paper)
        return paper_state_out(request, paper)


@router.delete(
    "/papers/{arxiv_id}/save", response={200: PaperStateOut, **WRITE_PROBLEMS}, auth=member, summary="Unsave a paper"
)
def unsave(request: HttpRequest, arxiv_id: ArxivId):
    """Take the paper off your saved papers (if it was not there, nothing changes)."""
    throttle(request, "vote")
    paper = paper_with_counts(arxiv_id)
    with transaction.atomic():
        follows.unsave_paper(request.user, paper)
        return paper_state_out(request, paper)


class SavedQuery(Schema):
    cursor: str | None = Field(None, max_length=500, description="The `next` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION)


@router.get(
    "/me/saved",
    response={200: Page[SavedPaperOut], **responses(400, 401, 422)},
    auth=member,
    summary="List your saved papers",
)
def saved(request: HttpRequest, query: Query[SavedQuery]):
    """Your saved papers, the last saved first, a page at a time, each with when you saved it.

    No Last-Modified: taking a paper off the list changes it without leaving a date (the ETag does)."""
    papers = paper_queryset(follows.saved_papers(request.user)).annotate(saved_at=F("saves__created_at"))
    rows, next_url = page(request, papers, ["-saved_at", "-pk"], query.cursor, query.limit)
    items = papers_out(request, rows)
    for item, paper in zip(items, rows, strict=True):
        item["saved_at"] = paper.saved_at
    return {"items": items, "next": next_url}
