"""The personal feed (`/feed/`, and `/` for members who follow something), and its two controls per paper.

"Load more" appends the next page with htmx; without JavaScript it is a plain link to `?page=N`.
"Less like this" and "Mute this reason" are plain forms that redirect back to the feed; with htmx they
send the ids of the papers on the page along, and the answer removes each one that left the feed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from .. import feed as engine
from .. import follows, shared_pages
from ..models import Paper
from ..paging import page_number
from ..ratelimit import rate_limited
from ..rows import mark_upvoted, with_rows
from ..shared_pages import paper_fingerprint
from .http import HtmxHttpRequest, member_required, posted_id, render_page, safe_next

TRENDING_ON_EMPTY_FEED = 30
# Feed items one page can hold: MAX_PAGE pages of PER_PAGE would be more than anyone loads.
MAX_SHOWN = 1_000


@require_safe
@login_required
@shared_pages.member_page(personal=True)
def feed(request: HtmxHttpRequest) -> HttpResponse:
    return render_feed(request)


def render_feed(request: HtmxHttpRequest, follows_something: bool | None = None) -> HttpResponse:
    """The member's feed page, or for htmx ("Load more") only its papers and the next "Load more".

    A page number past the end (the papers of a last page muted away) redirects to the last page there is. The
    page is kept as the member's own shared render (papers.shared_pages), whose key holds what the page shows of
    their stored timeline: its papers' counts, their reasons, the pager. A rebuilt timeline changes it at once.
    """
    number = page_number(request)
    slim = shared_pages.shares_renders(request)
    after = posted_id(request.GET.get("after", ""))
    page = engine.feed_page(request.user, number, params=request.GET, after=after, slim=slim)
    if number > 1 and not page.items:
        return redirect(request.path + page.last_query)
    context = {
        "page": page,
        "nav": "feed",
        "window_days": settings.FEED_WINDOW_DAYS,
        "return_to": request.get_full_path(),  # where every form of the page comes back to
        "mute_url": reverse("papers:feed-mute"),
        "private_feed_url": reverse("papers:private-feed", args=[request.user.feed_token]),
    }
    if not page.items:  # never an empty page: the invitation to follow something, and trending papers
        trending = list(Paper.objects.trending().for_rows()[:TRENDING_ON_EMPTY_FEED])
        if follows_something is None:
            follows_something = engine.follows_anything(request.user)
        context |= {"cold_start": not follows_something, "trending": trending}
        mark_upvoted(with_rows(trending), request.user)
        return render_page(request, "papers/feed.html", context, "more-items")
    papers = [item.paper for item in page.items]

    def prepare() -> dict:  # the rows' columns, for a render
        if slim:
            found = shared_pages.load_rows(papers)
            for item in page.items:
                item.paper = found.get(item.paper.pk, item.paper)
        return {}

    items = [(item.paper.pk, repr(item.reasons), item.despite_mute) for item in page.items]
    pager = (page.number, page.has_next, page.after, page.last_page)
    return shared_pages.respond(
        request,
        "papers/feed.html",
        context,
        fingerprint=[request.user.pk, request.user.feed_token, pager, items, *paper_fingerprint(papers)],
        buttons=papers,
        rows=papers,
        prepare=prepare,
        partial="more-items",
    )


def feed_page(request: HttpRequest, **kwargs) -> str:
    """Where the feed's controls come back to: the page they were used on, else the feed."""
    return safe_next(request, reverse("papers:feed"))


@require_POST
@rate_limited("vote")
@member_required(feed_page)
def less(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    """ "Less like this": the paper never shows again, and papers like it lose some score."""
    back = feed_page(request)
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    engine.show_less(request.user, paper)
    return done(request, back, f"You will see less like “{paper.title}”.")


@require_POST
@rate_limited("vote")
@member_required(feed_page)
def mute(request: HtmxHttpRequest) -> HttpResponse:
    """ "Mute this reason": mute the topic, author, organisation or member, or stop using a paper as a seed."""
    back = feed_page(request)
    kind, target_id = request.POST.get("kind", ""), posted_id(request.POST.get("target_id", ""))
    if kind not in engine.MUTABLE_KINDS or target_id is None:
        return HttpResponseBadRequest(
            "Say what to mute: a kind (topic, author, organization, member or similar) and an id."
        )
    return done(request, back, follows.mute_reason(request.user, kind, target_id), True)


def done(request: HtmxHttpRequest, back: str, message: str, reasons_changed: bool = False) -> HttpResponse:
    """Back to the feed with `message`; for htmx, the message in the live region, every paper of the page (the
    `shown` ids its items send along) that the change takes out of the feed removed at once and, when the change
    can take reasons away (a mute), the papers that stay, with the reasons they have now."""
    if request.htmx:
        context = {"message": message, "mute_url": reverse("papers:feed-mute"), "return_to": back}
        if shown := shown_ids(request):
            context["gone"], context["page"], context["items"] = engine.continuation(
                request.user, shown, with_items=reasons_changed
            )
        return TemplateResponse(request, "papers/includes/feed_done.html", context)
    messages.success(request, message)
    return redirect(back)


def shown_ids(request: HtmxHttpRequest) -> list[int]:
    """The papers on the member's page, as its feed items send them (`shown`), at most MAX_SHOWN."""
    ids = (posted_id(value) for value in request.POST.getlist("shown")[:MAX_SHOWN])
    return list(dict.fromkeys(pk for pk in ids if pk is not None))
