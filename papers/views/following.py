"""Following and muting, saved papers, the following settings and the welcome page.

Every toggle is a form that posts without JavaScript and redirects back (`next`, on this site
only); with htmx the same URL answers with the toggled fragment, re-rendered in place.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User

from .. import follows
from ..models import Follow, Organization, Paper, Topic
from ..paging import paginate
from ..ratelimit import rate_limited
from ..rows import mark_upvoted, with_rows
from .http import HtmxHttpRequest, member_required, posted_id, render_page, safe_next

WELCOME_MAX_CHOICES = 100

KIND_TITLES = {
    Follow.Target.TOPIC: "Topics",
    Follow.Target.AUTHOR: "Authors",
    Follow.Target.ORGANIZATION: "Organisations",
    Follow.Target.MEMBER: "Members",
}
DONE_MESSAGES = {
    Follow.Mode.FOLLOW: "You follow {name}.",
    Follow.Mode.MUTE: "You mute {name}: your feed leaves it out.",
}
UNDONE_MESSAGES = {
    Follow.Mode.FOLLOW: "You no longer follow {name}.",
    Follow.Mode.MUTE: "You no longer mute {name}.",
}


def target_page(request: HttpRequest, key: str, kind: str, mode: str) -> str:
    """Where a follow or mute button comes back to: the page it was used on, else the target's."""
    return safe_next(request, follows.Followable(follows.find_target(kind, key)).url)


@require_POST
@rate_limited("vote")
@member_required(target_page)
def follow_toggle(request: HtmxHttpRequest, key: str, kind: str, mode: str) -> HttpResponse:
    """Follow (or mute) a topic, author, organisation or member, or stop; `action` says which."""
    target = follows.find_target(kind, key)
    back = safe_next(request, follows.Followable(target).url)
    action = request.POST.get("action")
    if action == "remove":
        follows.remove(request.user, target, mode)
    elif action == mode:
        follows.set_mode(request.user, target, mode)
    else:  # a form without `action`: toggle from the current state
        follows.toggle(request.user, target, mode)
    item = follows.Followable(target, follows.stance(request.user, target))
    if request.htmx:
        context = {"follow": item, "return_to": back, "compact": request.POST.get("compact") == "1"}
        return TemplateResponse(request, "papers/includes/follow_buttons.html", context)
    text = DONE_MESSAGES[mode] if item.mode == mode else UNDONE_MESSAGES[mode]
    messages.success(request, text.format(name=item.name))
    return redirect(back)


def saved_paper_page(request: HttpRequest, arxiv_id: str) -> str:
    """Where a save button comes back to: the page it was used on, else the paper's."""
    return safe_next(request, get_object_or_404(Paper.objects.only("arxiv_id"), arxiv_id=arxiv_id).get_absolute_url())


@require_POST
@rate_limited("vote")
@member_required(saved_paper_page)
def save_toggle(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    """Save a paper for later, or stop; `action` (save or remove) says which."""
    paper = get_object_or_404(Paper.objects.only("pk", "arxiv_id", "title"), arxiv_id=arxiv_id)
    back = safe_next(request, paper.get_absolute_url())
    action = request.POST.get("action")
    if action not in {"save", "remove"}:
        action = "remove" if follows.is_saved(request.user, paper) else "save"
    if action == "remove":
        follows.unsave_paper(request.user, paper)
    else:
        follows.save_paper(request.user, paper)
    if request.htmx:
        paper.is_saved = action == "save"
        return TemplateResponse(request, "papers/includes/save_button.html", {"paper": paper, "return_to": back})
    return redirect(back)


@login_required
@require_safe
def saved(request: HtmxHttpRequest) -> HttpResponse:
    page = paginate(request, follows.saved_papers(request.user).for_rows())
    mark_upvoted(with_rows(page.items), request.user)
    return render_page(request, "papers/saved.html", {"page": page, "nav": "saved"}, "saved-list")


@login_required
@require_safe
def saved_bibtex(request: HtmxHttpRequest) -> HttpResponse:
    response = HttpResponse(follows.saved_bibtex(request.user), content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="saved-papers.bib"'
    response["Cache-Control"] = "private, no-store"
    return response


def following_sections(user: User) -> list[dict]:
    """What /settings/following/ lists: follows, then mutes, each grouped by kind of target."""
    groups = follows.grouped_stances(user)
    return [
        {
            "mode": mode,
            "title": title,
            "undo": undo,
            "empty": empty,
            "groups": [(KIND_TITLES[kind], items) for kind, items in groups[mode].items() if items],
        }
        for mode, title, undo, empty in (
            (Follow.Mode.FOLLOW, "You follow", "Unfollow", "You follow nothing yet."),
            (Follow.Mode.MUTE, "You mute", "Unmute", "You mute nothing."),
        )
    ]


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("settings")
def following(request: HtmxHttpRequest) -> HttpResponse:
    """Everything followed and muted, and the import of author names and topics."""
    report, names = None, ""
    if request.method == "POST":
        names = request.POST.get("names", "")
        report = follows.import_follows(request.user, names)
        if not report.error:
            names = ""
    context = {
        "sections": following_sections(request.user),
        "report": report,
        "names": names,
        "max_lines": follows.IMPORT_MAX_LINES,
        "nav": "settings",
    }
    return TemplateResponse(request, "papers/following.html", context, status=400 if report and report.error else 200)


def chosen_ids(request: HtmxHttpRequest, name: str) -> list[int]:
    values = request.POST.getlist(name)[:WELCOME_MAX_CHOICES]
    return [pk for pk in map(posted_id, values) if pk is not None]


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("settings")
def welcome(request: HtmxHttpRequest) -> HttpResponse:
    """After sign-up: follow some of the most active topics and organisations, or skip."""
    if request.method == "POST":
        if "skip" in request.POST:
            follows.finish_onboarding(request.user)
            return redirect("papers:home")
        topics = Topic.objects.filter(pk__in=chosen_ids(request, "topics"))
        organizations = Organization.objects.filter(pk__in=chosen_ids(request, "organizations"))
        count = len(follows.follow_many(request.user, [*topics, *organizations]))
        follows.finish_onboarding(request.user)
        if count:
            what = "topic or organisation" if count == 1 else "topics and organisations"
            messages.success(request, f"You now follow {count} more {what}.")
        return redirect("papers:feed")
    since = follows.active_since()
    stances = follows.request_stances(request)
    topics, organizations = follows.active_topics(since), follows.active_organizations(since)
    for kind, items in ((Follow.Target.TOPIC, topics), (Follow.Target.ORGANIZATION, organizations)):
        for item in items:
            item.is_followed = stances.get((kind, item.pk)) == Follow.Mode.FOLLOW
    context = {"topics": topics, "organizations": organizations, "since": since, "days": settings.FEED_WINDOW_DAYS}
    return TemplateResponse(request, "papers/welcome.html", context)
