"""Public pages: listings by day, week and month, trending, papers, authors, organisations, topics, search.

One URL serves a page and its fragment: htmx requests get the partial that
changes (the rows of a listing, the results of a search), everything else the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from .. import shared_pages
from ..arxiv import parse_arxiv_reference
from ..atom import search_feed_url
from ..bibtex import bibtex_entry
from ..caching import cache_anonymous_page, cache_shared_answer
from ..discussion import build_thread, thread_fingerprint
from ..feed import follows_something
from ..models import COMMENT_MAX_LENGTH, Author, Organization, Paper, Topic, TopicAlias
from ..paging import paginate
from ..paper_markdown import MAX_DEPTH as MARKDOWN_MAX_DEPTH
from ..paper_markdown import paper_markdown
from ..periods import ListingPeriod, cached_latest_day
from ..rows import FINGERPRINT_FIELDS, mark_upvoted, with_rows
from ..shared_pages import paper_fingerprint
from .discussion import thread_context
from .feed import render_feed
from .http import HtmxHttpRequest, render_page
from .topics import moderation_forms


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    current: bool = False


@dataclass(frozen=True)
class ListingKind:
    """What paper_list.html says about a listing, whatever its kind: a new kind of listing is one function that
    returns one of these, never a new branch in the template."""

    title: str  # its name: the page's description and og:title, the Atom link's title and the <title> by default
    url: str  # its canonical path (a later page adds ?page=N)
    heading: str  # the h1
    page_title: str = ""  # the <title>, when it says more than `title`
    eyebrow: str = ""  # the line above the h1
    avatar_url: str | None = None  # an organisation's picture beside the h1 ("" when it has none)
    profile: Link | None = None  # its page on Hugging Face
    lede: str = ""  # safe HTML under the h1
    tabs: tuple[Link, ...] = ()  # the same dates by day, week or month
    period: str = ""  # "day", "week" or "month": the pager to the previous and next one
    previous: Link | None = None  # `text` names it for screen readers
    next: Link | None = None
    feed_url: str = ""  # its Atom feed
    feed_title: str = ""  # the Atom link's title, when it says more than `title`
    target: Model | None = None  # what its follow buttons follow
    aliases: tuple[str, ...] = ()  # its other names ("Also known as")
    panel: str = ""  # a template shown under the heading (a moderator's controls)
    empty: str = "No papers here yet."


@dataclass(frozen=True)
class Period:
    """A length of listing period: how its tab says it, how the pager names a neighbouring period for screen
    readers (a date format), and where its empty listing says nothing was. (The line above its title is
    papers.periods.ListingPeriod.eyebrow, which its feed's title says too.)"""

    tab: str
    neighbour_format: str
    nothing_listed: str


PERIODS = {
    "day": Period("Daily", "F j, Y", "on this day"),
    "week": Period("Weekly", r"\w\e\e\k \o\f F j, Y", "in this week"),
    "month": Period("Monthly", "F Y", "in this month"),
}


def period_kind(
    period: ListingPeriod, before: dt.date | None, after: dt.date | None, page_title: str = "", feed_url: str = ""
) -> ListingKind:
    """The listing of `period`, between the periods that begin on `before` and `after` (None: no papers listed
    before or after it), with its own Atom feed unless `feed_url` names another."""
    look = PERIODS[period.name]

    def neighbour(day: dt.date | None) -> Link | None:
        if day is None:
            return None
        return Link(reverse(f"papers:{period.name}", args=[day]), date_format(day, look.neighbour_format))

    return ListingKind(
        title=period.title,
        url=reverse(f"papers:{period.name}", args=[period.first]),
        heading=period.title,
        page_title=page_title,
        eyebrow=period.eyebrow,
        tabs=tuple(
            Link(reverse(f"papers:{key}", args=[period.first]), other.tab, key == period.name)
            for key, other in PERIODS.items()
        ),
        period=period.name,
        previous=neighbour(before),
        next=neighbour(after),
        feed_url=feed_url or reverse(f"papers:{period.name}-feed", args=[period.first]),
        feed_title=period.long_title,
        empty=f"No papers were listed {look.nothing_listed}.",
    )


def followed_kind(
    target: Author | Organization | Topic, title: str, eyebrow: str, feed_url: str, **more
) -> ListingKind:
    """The papers of an author, organisation or topic: newest first, with its Atom feed and follow buttons."""
    return ListingKind(
        title=title,
        url=target.get_absolute_url(),
        heading=target.name,
        eyebrow=eyebrow,
        feed_url=feed_url,
        target=target,
        **more,
    )


def sort_choice(request: HttpRequest) -> str:
    sort = request.GET.get("sort", "top")
    return sort if sort in Paper.SORTS else "top"


def render_listing(
    request: HtmxHttpRequest, papers, context: dict, sort: str | None = None, more: Callable[[], dict] = dict
) -> HttpResponse:
    """A page of `papers` in paper_list.html, with `context` and, when it is rendered, `more()`."""
    # A member's page is most often a shared render's hit, which needs only what its key is made of.
    slim = shared_pages.shares_renders(request)

    def prepare() -> dict:
        if slim:
            shared_pages.load_rows(page.items)
        return more()

    page = paginate(request, papers.only(*FINGERPRINT_FIELDS) if slim else papers.for_rows())
    context |= {"page": page, "sort": sort, "sorts": Paper.SORTS}
    return shared_pages.respond(
        request,
        "papers/paper_list.html",
        context,
        fingerprint=[page.has_next, *paper_fingerprint(page.items)],
        buttons=page.items,
        rows=page.items,
        prepare=prepare,
        partial="listing",
    )


def follows_something_of(request: HttpRequest) -> bool:
    return follows_something(request.user)


@require_safe
@cache_anonymous_page
@shared_pages.member_page(personal=follows_something_of)
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The personal feed for members who follow something; the latest day otherwise."""
    if follows_something(request.user):
        return render_feed(request, follows_something=True)
    return render_latest_day(request)


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def all_papers(request: HtmxHttpRequest) -> HttpResponse:
    """`/papers/`: the latest day's listing for everyone, the "All papers" side of the feed's switch."""
    return render_latest_day(request)


def render_latest_day(request: HtmxHttpRequest) -> HttpResponse:
    latest = cached_latest_day()
    if latest is None:
        return TemplateResponse(request, "papers/empty_site.html")
    return render_day(request, ListingPeriod("day", latest), is_home=True)


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def day_listing(request: HtmxHttpRequest, day: dt.date) -> HttpResponse:
    period = ListingPeriod("day", day)
    period.refuse_future()
    return render_day(request, period)


def render_day(request: HtmxHttpRequest, period: ListingPeriod, is_home: bool = False) -> HttpResponse:
    """A day's listing; on the home page, its feed is the daily feed of the latest days, which stays current."""
    context = {"nav": "daily", "day": period.first, "is_home": is_home}
    feed_url = reverse("papers:daily-feed") if is_home else ""
    return render_period(request, period, context, page_title=period.long_title, feed_url=feed_url)


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def week_listing(request: HtmxHttpRequest, monday: dt.date) -> HttpResponse:
    period = ListingPeriod("week", monday)
    period.refuse_future()
    return render_period(request, period, {})


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def month_listing(request: HtmxHttpRequest, first: dt.date) -> HttpResponse:
    period = ListingPeriod("month", first)
    period.refuse_future()
    return render_period(request, period, {})


def render_period(request: HtmxHttpRequest, period: ListingPeriod, context: dict, **kind) -> HttpResponse:
    """A day's, week's or month's papers, sorted as asked, between links to the nearest periods with papers."""
    sort = sort_choice(request)

    def listing() -> dict:  # for a render only: a member's hit needs none of it
        before, after = period.neighbours()
        return {"listing": period_kind(period, before, after, **kind), "previous_period": before, "next_period": after}

    return render_listing(request, period.papers(sort), context, sort, more=listing)


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def trending(request: HtmxHttpRequest) -> HttpResponse:
    lede = format_html(
        "Upvotes with time decay: ten times the upvotes buys two days of age. "
        '<a href="{}">How trending is computed</a>.',
        reverse("papers:about-ranking"),
    )
    title = "Trending papers"
    listing = ListingKind(title, reverse("papers:trending"), title, lede=lede, feed_url=reverse("papers:trending-feed"))
    return render_listing(request, Paper.objects.trending(), {"listing": listing, "nav": "trending"})


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def paper_detail(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    joins = ("organization", "submitted_by", "submission__user")
    paper = Paper.objects.select_related(*joins).filter(arxiv_id=arxiv_id).first()
    if paper is None:
        return TemplateResponse(request, "papers/paper_missing.html", {"arxiv_id": arxiv_id}, status=404)
    related = paper.related()

    def prepare() -> dict:  # what only a render reads
        authorships = list(paper.authorships.select_related("author", "hf_user"))
        bibtex = bibtex_entry(paper, [a.author.name for a in authorships])
        return thread_context(request, paper) | {"authorships": authorships, "bibtex": bibtex}

    context = {
        "paper": paper,
        "paper_topics": paper.paper_topics.select_related("topic"),
        "listings": paper.listings.select_related("submitter", "submitter_organization").order_by("-date"),
        "related": related,
    }
    return shared_pages.respond(
        request,
        "papers/paper_detail.html",
        context,
        fingerprint=[paper_fingerprint([paper, *related]), thread_fingerprint(paper)],
        buttons=[paper, *related],
        rows=related,
        prepare=prepare,
        live={
            "papers/includes/comment_compose.html": lambda: {"paper": paper, "comment_max_length": COMMENT_MAX_LENGTH}
        },
    )


@require_safe
@cache_anonymous_page
def paper_bibtex(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    names = list(paper.authorships.values_list("author__name", flat=True))
    response = HttpResponse(bibtex_entry(paper, names), content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{arxiv_id.replace("/", "_")}.bib"'
    return response


@require_safe
@cache_shared_answer
def paper_as_markdown(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The paper as Markdown (papers.paper_markdown), at Hugging Face's address for it: what `HfApi.read_paper`
    reads. The same for everyone, so cached for everyone: until the next import, and for at most PAGE_CACHE_SECONDS
    (a new comment shows within that bound, as on the cached pages of visitors)."""
    paper = get_object_or_404(Paper.objects.select_related("organization"), arxiv_id=arxiv_id)
    names = list(paper.authorships.values_list("author__name", flat=True))
    topics = [paper_topic.topic for paper_topic in paper.paper_topics.select_related("topic")]
    thread = build_thread(paper, AnonymousUser(), max_depth=MARKDOWN_MAX_DEPTH)
    document = paper_markdown(paper, names, topics, thread, request.build_absolute_uri)
    return HttpResponse(document, content_type="text/markdown; charset=utf-8")


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def organization_detail(request: HtmxHttpRequest, handle: str) -> HttpResponse:
    organization = get_object_or_404(Organization, handle=handle)
    listing = followed_kind(
        organization,
        f"Papers from {organization.name}",
        "Organisation",
        reverse("papers:organization-feed", args=[organization.handle]),
        avatar_url=organization.avatar_url,
        profile=Link(organization.hf_url, f"{organization.handle} on Hugging Face"),
    )
    return render_listing(request, organization.papers.newest_first(), {"listing": listing})


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def topic_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A topic's papers; the address of another spelling of it redirects here for good (301)."""
    spellings = list(TopicAlias.objects.spelling_topic(slug))  # the topic and its spellings in one query
    topic = spellings[0].topic if spellings else Topic.objects.filter(slug=slug).first()
    if topic is None:
        alias = get_object_or_404(TopicAlias.objects.select_related("topic"), slug=slug)
        query = request.META.get("QUERY_STRING")
        return redirect(alias.topic.get_absolute_url() + (f"?{query}" if query else ""), permanent=True)
    moderator = getattr(request.user, "is_moderator", False)
    listing = followed_kind(
        topic,
        f"Papers on {topic.name}",
        "Topic",
        reverse("papers:topic-feed", args=[topic.slug]),
        aliases=tuple(alias.name for alias in spellings if alias.slug != topic.slug),
        panel="papers/topic_moderation.html#topic-moderation" if moderator else "",
    )
    context = {"listing": listing, "topic": topic}
    if moderator:
        context["topic_forms"] = moderation_forms(topic)
    return render_listing(request, topic.papers.newest_first(), context)


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
    context = {
        "query": query,
        "page": page,
        "missing_arxiv_id": arxiv_id if page and not page.items else None,
        "feed_url": search_feed_url(query) if query else "",
    }
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
