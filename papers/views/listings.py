"""Public pages: listings by day, week and month, trending, papers, authors, organisations, topics, search.

One URL serves a page and its fragment: htmx requests get the partial that
changes (the rows of a listing, the results of a search), everything else the page.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from .. import ingest
from ..arxiv import parse_arxiv_reference
from ..bibtex import bibtex_entry
from ..caching import cache_anonymous_page
from ..feed import follows_something
from ..models import Author, Listing, Organization, Paper, Topic
from ..paging import paginate
from ..rows import mark_upvoted, with_rows
from .discussion import thread_context
from .feed import render_feed
from .http import HtmxHttpRequest, render_page


def sort_choice(request: HttpRequest) -> str:
    sort = request.GET.get("sort", "top")
    return sort if sort in Paper.SORTS else "top"


def render_listing(request: HtmxHttpRequest, papers, context: dict, sort: str | None = None) -> HttpResponse:
    page = paginate(request, papers.for_rows())
    mark_upvoted(with_rows(page.items), request.user)
    context |= {"page": page, "sort": sort, "sorts": Paper.SORTS}
    return render_page(request, "papers/paper_list.html", context, "listing")


@require_safe
@cache_anonymous_page
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The personal feed for members who follow something; the latest day otherwise."""
    if follows_something(request.user):
        return render_feed(request, follows_something=True)
    return render_latest_day(request)


@require_safe
@cache_anonymous_page
def all_papers(request: HtmxHttpRequest) -> HttpResponse:
    """`/papers/`: the latest day's listing for everyone, the "All papers" side of the feed's switch."""
    return render_latest_day(request)


def render_latest_day(request: HtmxHttpRequest) -> HttpResponse:
    latest = Listing.objects.latest_day()
    if latest is None:
        return TemplateResponse(request, "papers/empty_site.html")
    return render_day(request, latest, is_home=True)


def refuse_future(first: dt.date, last: dt.date) -> None:
    """404 for a period that begins after today, unless papers are listed in it.

    Hugging Face's listing days, like ours, are UTC dates (papers.ingest.utc_today), whatever the site's time zone.
    """
    if first > ingest.utc_today() and not Paper.objects.listed_between(first, last).exists():
        raise Http404("No papers are listed after today.")


@require_safe
@cache_anonymous_page
def day_listing(request: HtmxHttpRequest, day: dt.date) -> HttpResponse:
    refuse_future(day, day)
    return render_day(request, day)


def render_day(request: HtmxHttpRequest, day: dt.date, is_home: bool = False) -> HttpResponse:
    sort = sort_choice(request)
    context = {
        "kind": "day",
        "nav": "daily",
        "day": day,
        "anchor": day,
        "is_home": is_home,
        "previous_period": Listing.objects.day_before(day),
        "next_period": Listing.objects.day_after(day),
    }
    return render_listing(request, Paper.objects.listed_on(day).ranked_for_day(sort), context, sort)


@require_safe
@cache_anonymous_page
def week_listing(request: HtmxHttpRequest, monday: dt.date) -> HttpResponse:
    sunday = monday + dt.timedelta(days=6)
    refuse_future(monday, sunday)
    sort = sort_choice(request)
    before, after = Listing.objects.day_before(monday), Listing.objects.day_after(sunday)
    context = {
        "kind": "week",
        "first": monday,
        "anchor": monday,
        "last": sunday,
        "previous_period": before and before - dt.timedelta(days=before.weekday()),
        "next_period": after and after - dt.timedelta(days=after.weekday()),
    }
    return render_listing(request, Paper.objects.listed_between(monday, sunday).sorted_by(sort), context, sort)


@require_safe
@cache_anonymous_page
def month_listing(request: HtmxHttpRequest, first: dt.date) -> HttpResponse:
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    refuse_future(first, last)
    sort = sort_choice(request)
    before, after = Listing.objects.day_before(first), Listing.objects.day_after(last)
    context = {
        "kind": "month",
        "first": first,
        "anchor": first,
        "last": last,
        "previous_period": before and before.replace(day=1),
        "next_period": after and after.replace(day=1),
    }
    return render_listing(request, Paper.objects.listed_between(first, last).sorted_by(sort), context, sort)


@require_safe
@cache_anonymous_page
def trending(request: HtmxHttpRequest) -> HttpResponse:
    return render_listing(request, Paper.objects.trending(), {"kind": "trending", "nav": "trending"})


@require_safe
@cache_anonymous_page
def paper_detail(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    joins = ("organization", "submitted_by", "submission__user")
    paper = Paper.objects.select_related(*joins).filter(arxiv_id=arxiv_id).first()
    if paper is None:
        return TemplateResponse(request, "papers/paper_missing.html", {"arxiv_id": arxiv_id}, status=404)
    authorships = list(paper.authorships.select_related("author", "hf_user"))
    related = paper.related()
    mark_upvoted([paper, *related], request.user)
    context = thread_context(request, paper) | {
        "authorships": authorships,
        "paper_topics": paper.paper_topics.select_related("topic"),
        "listings": paper.listings.select_related("submitter", "submitter_organization").order_by("-date"),
        "related": with_rows(related),
        "bibtex": bibtex_entry(paper, [a.author.name for a in authorships]),
    }
    return TemplateResponse(request, "papers/paper_detail.html", context)


@require_safe
@cache_anonymous_page
def paper_bibtex(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    names = list(paper.authorships.values_list("author__name", flat=True))
    response = HttpResponse(bibtex_entry(paper, names), content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{arxiv_id.replace("/", "_")}.bib"'
    return response


@require_safe
@cache_anonymous_page
def author_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    author = get_object_or_404(Author.objects.select_related("hf_user"), slug=slug)
    return render_listing(request, author.papers.newest_first(), {"kind": "author", "author": author})


@require_safe
@cache_anonymous_page
def organization_detail(request: HtmxHttpRequest, handle: str) -> HttpResponse:
    organization = get_object_or_404(Organization, handle=handle)
    papers = organization.papers.newest_first()
    return render_listing(request, papers, {"kind": "organization", "organization": organization})


@require_safe
@cache_anonymous_page
def topic_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    return render_listing(request, topic.papers.newest_first(), {"kind": "topic", "topic": topic})


@require_safe
@cache_anonymous_page
def search(request: HtmxHttpRequest) -> HttpResponse:
    """Search results; a pasted arXiv id or paper URL opens that paper (live htmx searches list it instead)."""
    query = " ".join(request.GET.get("q", "").split())
    page = paginate(request, Paper.objects.search(query).for_rows()) if query else None
    arxiv_id = parse_arxiv_reference(query)
    if page and arxiv_id and page.items and not request.htmx:
        return redirect(page.items[0])
    if page:
        mark_upvoted(with_rows(page.items), request.user)
    context = {"query": query, "page": page, "missing_arxiv_id": arxiv_id if page and not page.items else None}
    return render_page(request, "papers/search.html", context, "search-results")


@require_safe
@cache_anonymous_page
def about_ranking(request: HttpRequest) -> HttpResponse:
    context = {"nav": "about", "feed_window_days": settings.FEED_WINDOW_DAYS}
    return TemplateResponse(request, "papers/about_ranking.html", context)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers, and the trivial baseline view of the benchmark."""
    return HttpResponse("ok", content_type="text/plain")
