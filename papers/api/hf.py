"""Hugging Face's papers API, path for path: /api/daily_papers, /api/papers/search, /api/papers/{arxiv_id}.

Point `huggingface_hub` at this site (`HfApi(endpoint="https://…")`) and `list_daily_papers`, `list_papers`,
`paper_info` and `read_paper` work unchanged: same paths, same parameters, same JSON (tests/fixtures/hf/SCHEMA.md).

- An imported listing answers with the daily item exactly as Hugging Face sent it (`Listing.hf_item`), but for
  its hidden authors, which are never stored, and URLs that are not http(s), which the import drops. Fields
  this site does not model pass through, so a client sees what it would have seen on huggingface.co that day.
- Listings imported before the item was kept, and papers members brought from arXiv, get an item built from
  the columns, in the current (2026) shape: a `paper` object and its top-level copies, optional data as an
  absent key (never null), Hugging Face's counts (`upvotes`, `numComments`). What the site does not know (an
  author slot's `_id`, a submitter's `isPro`, `isAuthorParticipating`…) is left out rather than made up.
- Counters are Hugging Face's as of the last sync, not this site's own votes and comments: those are in
  /api/v1/, which has both.
- The keys of an object may come in another order than Hugging Face's (the declared fields first, and on
  PostgreSQL jsonb keeps its own order): JSON objects are unordered, and no client reads them by position.

These reads are the same for everyone, so they ask for no authentication (a Hugging Face token that
`huggingface_hub` sends on its own is ignored, never refused) and each answer is cached under its URL until the
next import (papers.caching.cache_shared_answer).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema
from ninja.decorators import decorate_view
from pydantic import BaseModel, ConfigDict

from papers.caching import cache_shared_answer
from papers.converters import DateConverter, IsoWeekConverter, MonthConverter
from papers.models import Authorship, HFUser, Listing, Organization, Paper, normalize_arxiv_id

from . import conditional
from .problems import Problem, responses

# Empty and null values are never sent (Hugging Face leaves the key out), and `_id` keeps its underscore.
router = Router(tags=["Hugging Face compatible"], by_alias=True, exclude_none=True)

DAILY_DEFAULT_LIMIT = 50
DAILY_MAX_LIMIT = 100
SEARCH_DEFAULT_LIMIT = 50
SEARCH_MAX_LIMIT = 120
SEARCH_MAX_QUERY = 250
MAX_PAGE = 100_000  # p × limit stays an OFFSET every database takes
SORTS = ("publishedAt", "trending")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


# --- Caching ------------------------------------------------------------------------------------


def shared(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A route's whole answer from the shared cache (see the module's docstring).

    Wraps the operation's `run`, so what is cached is the finished response. An answer from the cache did
    not pass through the API's `create_response`, so `conditional.finish` gives it its ETag, CORS and Vary
    headers (and a 304 when the client has it); on a fresh answer calling it again changes nothing.
    """
    cached_run = cache_shared_answer(run)

    @wraps(run)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return conditional.finish(request, cached_run(request, *args, **kwargs))

    return wrapped


# --- The shapes ---------------------------------------------------------------------------------


class HFShape(BaseModel):
    """Hugging Face's JSON: the documented fields typed, every other field passed on as it came.

    The import (papers.ingest.schema) checks the type of every field declared here before it keeps an item,
    so a kept item always fits: an answer never fails its own schema.
    """

    model_config = ConfigDict(extra="allow")


class HFUserOut(HFShape):
    """A Hugging Face user. The username is `name` in a top-level `submittedBy`, `user` elsewhere
    (`paper.submittedOnDailyBy`, `authors[].user`; these also carry `name` since 2026)."""

    id: str | None = Field(None, alias="_id")
    avatarUrl: str | None = None
    fullname: str | None = None
    user: str | None = None
    name: str | None = None
    type: str | None = None
    isPro: bool | None = None


class HFOrganizationOut(HFShape):
    id: str | None = Field(None, alias="_id")
    name: str = Field(description="The organisation's handle on Hugging Face.")
    fullname: str | None = None
    avatar: str | None = None


class HFAuthorOut(HFShape):
    """An author slot, in arXiv order; `user` when a Hugging Face account is linked to it."""

    id: str | None = Field(None, alias="_id")
    name: str
    hidden: bool | None = None
    user: HFUserOut | None = None
    status: str | None = None
    statusLastChangedAt: str | None = None


class HFPaperOut(HFShape):
    """The paper document (`paper` in a daily item). Timestamps are ISO-8601 strings as Hugging Face writes them."""

    id: str = Field(description="The arXiv id, without version.")
    authors: list[HFAuthorOut]
    publishedAt: str | None = Field(None, description="arXiv publication (v1).")
    submittedOnDailyAt: str | None = None
    submittedOnDailyBy: HFUserOut | None = None
    title: str
    summary: str = Field(description="The abstract.")
    upvotes: int = Field(description="Upvotes on Hugging Face, as of the last sync.")
    discussionId: str | None = None
    mediaUrls: list[str] | None = None
    projectPage: str | None = None
    githubRepo: str | None = None
    githubStars: int | None = None
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    ai_summary_model: str | None = None
    organization: HFOrganizationOut | None = None


class HFDailyItemOut(HFShape):
    """One element of /api/daily_papers: the paper and, at the top, copies and what belongs to the listing."""

    paper: HFPaperOut
    publishedAt: str | None = Field(None, description="Changed meaning over the years: use paper.publishedAt.")
    title: str | None = Field(None, description="paper.title (whitespace normalised in 2024); always sent.")
    summary: str | None = None
    thumbnail: str | None = None
    mediaUrls: list[str] | None = None
    numComments: int = Field(description="Comments on Hugging Face, as of the last sync.")
    submittedBy: HFUserOut | None = None
    organization: HFOrganizationOut | None = None
    isAuthorParticipating: bool | None = None


class HFPaperDetailOut(HFPaperOut):
    """/api/papers/{arxiv_id}: the paper document with the listing's `numComments`."""

    numComments: int | None = None


# --- Items built from the columns ---------------------------------------------------------------


def iso(value: dt.datetime) -> str:
    """A UTC time as Hugging Face (JavaScript's toISOString) writes it: `2026-08-15T00:00:00.000Z`."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def midnight(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


def present(**fields: Any) -> dict[str, Any]:
    """The fields that have a value: Hugging Face leaves a key out rather than send null or an empty string."""
    return {name: value for name, value in fields.items() if value not in (None, "", [])}


def user_json(user: HFUser, *, top_level: bool = False) -> dict[str, Any]:
    """A Hugging Face user as a daily item has it: the username under `name` at the top level (`submittedBy`),
    under `user` and `name` in the paper (2026)."""
    return account_json(user.username, user.fullname, user.avatar_url, user.hf_id, top_level=top_level)


def account_json(username: str, fullname: str, avatar_url: str, hf_id: str, *, top_level: bool = False) -> dict:
    names = {"name": username} if top_level else {"user": username, "name": username}
    return present(_id=hf_id, avatarUrl=avatar_url, fullname=fullname, type="user") | names


def organization_json(organization: Organization) -> dict[str, Any]:
    return present(
        _id=organization.hf_id, name=organization.handle, fullname=organization.name, avatar=organization.avatar_url
    )


def built_item(paper: Paper, listing: Listing | None, authors: list[dict[str, Any]]) -> dict[str, Any]:
    """The daily item of `paper` on `listing`'s day (or of a paper with no listing), from the columns;
    `authors` is its byline (`bylines`)."""
    submitter = listing.submitter if listing else paper.submitted_by
    organization = organization_json(paper.organization) if paper.organization else None
    document = present(
        id=paper.arxiv_id,
        authors=authors,
        mediaUrls=list(paper.media_urls),
        publishedAt=paper.published_at and iso(paper.published_at),
        submittedOnDailyAt=listing and midnight(listing.date),
        title=paper.title,
        submittedOnDailyBy=submitter and user_json(submitter),
        summary=paper.abstract,
        discussionId=paper.hf_discussion_id,
        projectPage=paper.project_page,
        githubRepo=paper.github_repo,
        ai_summary=paper.ai_summary,
        ai_keywords=list(paper.keywords),
        ai_summary_model=paper.ai_summary_model,
        githubStars=paper.github_stars,
        organization=organization,
    )
    document["authors"] = document.get("authors", [])
    document["summary"] = paper.abstract
    document["upvotes"] = listing.hf_upvotes if listing else paper.hf_upvotes
    item = present(
        paper=document,
        publishedAt=document.get("publishedAt"),
        title=paper.title,
        summary=paper.abstract,
        mediaUrls=document.get("mediaUrls"),
        thumbnail=paper.thumbnail_url,
        submittedBy=submitter and user_json(submitter, top_level=True),
        organization=organization,
    )
    item["numComments"] = listing.hf_comments if listing else paper.hf_comments
    return item


def bylines(papers: Iterable[Paper]) -> dict[int, list[dict[str, Any]]]:
    """The visible authors of each paper (hidden ones are never stored), in order, as a daily item lists them,
    with the Hugging Face account linked to the slot: one query, read as tuples (a page has hundreds of slots)."""
    ids = {paper.pk for paper in papers}
    found: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    if not ids:
        return found
    slots = Authorship.objects.filter(paper_id__in=ids).order_by("paper_id", "position")
    columns = ("paper_id", "author__name", "hf_user__username", "hf_user__fullname", "hf_user__avatar_url")
    for paper_id, name, username, *account in slots.values_list(*columns, "hf_user__hf_id"):
        author: dict[str, Any] = {"name": name, "hidden": False}
        if username:
            author["user"] = account_json(username, *account)
        found[paper_id].append(author)
    return found


def listing_items(listings: Sequence[Listing]) -> list[dict[str, Any]]:
    """The daily item of each listing (its paper loaded with it): as received, or built from the columns."""
    authors = bylines(listing.paper for listing in listings if listing.hf_item is None)
    return [
        listing.hf_item
        if listing.hf_item is not None
        else built_item(listing.paper, listing, authors[listing.paper_id])
        for listing in listings
    ]


def paper_items(papers: Sequence[Paper]) -> list[dict[str, Any]]:
    """Each paper's item on its latest listing day, or built from the columns when it has no listing."""
    latest = Listing.objects.filter(paper__in=[paper.pk for paper in papers]).latest_of_each_paper()
    listings = {listing.paper_id: listing for listing in latest.select_related("submitter")} if papers else {}
    for paper in papers:
        if paper.pk in listings:
            listings[paper.pk].paper = paper
    authors = bylines(paper for paper in papers if paper.pk not in listings or listings[paper.pk].hf_item is None)
    return [
        listing.hf_item
        if (listing := listings.get(paper.pk)) is not None and listing.hf_item is not None
        else built_item(paper, listing, authors[paper.pk])
        for paper in papers
    ]


def paper_document(item: dict[str, Any], listed_on: dt.date | None) -> dict[str, Any]:
    """The body of /api/papers/{id}: an item's `paper` with the listing's `numComments`, and the submission to
    Daily Papers (`submittedOnDailyAt`, `submittedOnDailyBy`) from the listing where an older item (before
    2025-03) did not have them in its paper yet."""
    document = dict(item["paper"])
    document["numComments"] = item.get("numComments", 0)
    if "submittedOnDailyAt" not in document and listed_on is not None:
        document["submittedOnDailyAt"] = midnight(listed_on)
    submitter = item.get("submittedBy")
    if "submittedOnDailyBy" not in document and isinstance(submitter, dict) and submitter.get("name"):
        document["submittedOnDailyBy"] = {**submitter, "user": submitter["name"]}
    return document


def loaded_papers() -> QuerySet[Paper]:
    return Paper.objects.select_related("organization", "submitted_by").defer("search_vector", "authors_text")


# --- /api/daily_papers --------------------------------------------------------------------------

FORMAT = {
    "date": (DateConverter, "YYYY-MM-DD"),
    "week": (IsoWeekConverter, "an ISO week, YYYY-Www"),
    "month": (MonthConverter, "YYYY-MM"),
}


class DailyPapersQuery(Schema):
    date: str | None = Field(
        None,
        description="A Daily Papers day. Without date, week and month: the most recent day (see sort and submitter).",
        json_schema_extra={"pattern": r"^\d{4}-\d{2}-\d{2}$", "examples": ["2026-08-18"]},
    )
    week: str | None = Field(
        None,
        description="An ISO week: its days, a paper relisted in it once, on its last day there.",
        json_schema_extra={"pattern": r"^\d{4}-W\d{2}$", "examples": ["2026-W34"]},
    )
    month: str | None = Field(
        None,
        description="A month: its days, a paper relisted in it once, on its last day there.",
        json_schema_extra={"pattern": r"^\d{4}-\d{2}$", "examples": ["2026-08"]},
    )
    submitter: str | None = Field(
        None,
        description="Only the papers this Hugging Face user submitted (across all days unless a period is given).",
        json_schema_extra={"pattern": USERNAME_RE.pattern, "examples": ["akhaliq"]},
    )
    sort: str = Field(
        "publishedAt",
        description="publishedAt: newest day first, each day in Hugging Face's order. trending: this site's "
        "trending order (upvotes with time decay), across all days unless a period is given.",
        json_schema_extra={"enum": list(SORTS)},
    )
    p: int = Field(0, ge=0, le=MAX_PAGE, description="The page, counted from 0; past the end: [].")
    limit: int = Field(DAILY_DEFAULT_LIMIT, ge=1, le=DAILY_MAX_LIMIT, description="Items per page.")


def period(query: DailyPapersQuery) -> tuple[dt.date, dt.date] | None:
    """The first and last day of `date`, `week` or `month` (at most one of them), or None; 400 when unreadable."""
    given = {name: value for name in FORMAT if (value := getattr(query, name)) is not None}
    if len(given) > 1:
        raise Problem(400, f"Give one of date, week and month, not {' and '.join(given)}.")
    if not given:
        return None
    ((name, value),) = given.items()
    converter, shape = FORMAT[name]
    if not re.fullmatch(converter.regex, value):
        raise Problem(400, f"{name}={value[:40]!r} is not {shape}.")
    try:
        first = converter().to_python(value)
    except ValueError as error:
        raise Problem(400, f"{name}: {error}.") from None
    if name == "date":
        return first, first
    if name == "week":
        return first, first + dt.timedelta(days=6)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def daily_listings(query: DailyPapersQuery) -> QuerySet[Listing]:
    """The listings the query asks for, in its order (each paper once), not yet paged."""
    if query.sort not in SORTS:
        raise Problem(400, f"sort={query.sort[:40]!r} is not one of {', '.join(SORTS)}.")
    if query.submitter is not None and not USERNAME_RE.match(query.submitter):
        raise Problem(400, f"submitter={query.submitter[:40]!r} is not a Hugging Face username.")
    span = period(query)
    listings = Listing.objects.all()
    if span:
        listings = listings.last_of_each_paper(*span)
    elif query.sort == "trending" or query.submitter:
        listings = listings.latest_of_each_paper()
    else:
        day = Listing.objects.latest_day()
        listings = listings.between(day, day) if day else listings.none()
    if query.submitter:
        listings = listings.submitted_by(query.submitter)
    return listings.by_hotness() if query.sort == "trending" else listings.in_hf_order()


@router.get(
    "/daily_papers",
    response={200: list[HFDailyItemOut], **responses(400, 422)},
    summary="Daily papers (Hugging Face's API)",
)
@decorate_view(shared)
def daily_papers(request: HttpRequest, query: Query[DailyPapersQuery]):
    """The papers of a Daily Papers day, week or month, a page at a time: Hugging Face's
    `GET /api/daily_papers`, same parameters and same items (what `HfApi.list_daily_papers` reads).

    Without `date`, `week` or `month`: the most recent day; with `sort=trending` or a `submitter`, every day
    (each paper once, on its latest listing), as Hugging Face's trending page and a submitter's list are.
    `sort=publishedAt` (the default) gives the newest day first and each day in Hugging Face's own order;
    `sort=trending` is this site's trending order (upvotes decayed with time, papers.models.hotness), since
    Hugging Face's own trending score is not published. A page past the end is `[]`. An unreadable date, week,
    month, sort or submitter is a 400 (as Hugging Face answers a date like 2025-13-40); a `limit` or `p` out
    of range a 422.
    """
    listings = daily_listings(query)
    start = query.p * query.limit
    rows = listings.select_related("paper__organization", "paper__submitted_by", "submitter").defer(
        "paper__search_vector", "paper__authors_text"
    )
    return listing_items(list(rows[start : start + query.limit]))


# --- /api/papers/search and /api/papers/{arxiv_id} ----------------------------------------------


class SearchQuery(Schema):
    q: str = Field("", max_length=SEARCH_MAX_QUERY, description='Words, "phrases", -exclusions, an arXiv id.')
    limit: int = Field(SEARCH_DEFAULT_LIMIT, ge=1, le=SEARCH_MAX_LIMIT, description="The most papers to answer with.")


@router.get(
    "/papers/search",
    response={200: list[HFDailyItemOut], **responses(422)},
    summary="Search papers (Hugging Face's API)",
)
@decorate_view(shared)
def search_papers(request: HttpRequest, query: Query[SearchQuery]):
    """Papers matching `q`, best first, as daily items: Hugging Face's `GET /api/papers/search` (what
    `HfApi.list_papers` reads), searched with this site's search (title, authors, keywords, abstract; an arXiv
    id or URL finds that paper). Each paper comes as the item of its latest listing. No `q`: `[]`."""
    papers = list(loaded_papers().search(query.q)[: query.limit]) if query.q.strip() else []
    return paper_items(papers)


@router.get(
    "/papers/{path:arxiv_id}",
    response={200: HFPaperDetailOut, **responses(404)},
    summary="Get a paper (Hugging Face's API)",
)
@decorate_view(shared)
def paper_info(
    request: HttpRequest,
    arxiv_id: str = Path(..., description="An arXiv id (`2608.15265`), with a version or `arXiv:` if you like."),
):
    """One paper: Hugging Face's `GET /api/papers/{arxiv_id}` (what `HfApi.paper_info` reads), the `paper`
    document of its latest listing's item with `numComments` and the submission to Daily Papers. An id with
    a version (`2608.15265v2`) names the paper. The linked models, datasets and Spaces that Hugging Face adds
    are not mirrored, so those keys are absent. Declared after /papers/search, which is not an id."""
    canonical = normalize_arxiv_id(arxiv_id)
    paper = loaded_papers().filter(arxiv_id=canonical).first() if canonical else None
    if paper is None:
        raise Problem(404, f"No paper {arxiv_id[:60]} here.")
    listing = paper.listings.latest_of_each_paper().select_related("submitter").first()
    if listing is not None and listing.hf_item is not None:
        item = listing.hf_item
    else:
        item = built_item(paper, listing, bylines([paper])[paper.pk])
    return paper_document(item, listing.date if listing else None)
