"""Members: public profiles, settings and the private feed's address, account deletion, notifications, unsubscribes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import DeleteAccountForm, ProfileForm
from accounts.models import User

from .. import account_deletion, atom, digests, emails, notices
from ..markdown import render_markdown
from ..models import Comment, Paper
from ..paging import paginate
from ..ratelimit import rate_limited
from ..rows import mark_upvoted, with_rows
from .http import HtmxHttpRequest, safe_next

PROFILE_TABS = {"comments": "Comments", "submissions": "Submissions", "upvotes": "Upvoted papers"}


@require_GET
def profile(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User.objects.present(), username=username)
    tab = request.GET.get("tab", "comments")
    shows_upvotes = member.upvotes_public or member.pk == request.user.pk
    if tab not in PROFILE_TABS or (tab == "upvotes" and not shows_upvotes):
        raise Http404("No such tab.")
    if tab == "comments":
        items = Comment.objects.filter(author=member).visible().select_related("paper").order_by("-created_at", "-pk")
        page = paginate(request, items)
    else:
        papers = Paper.objects.submitted_by(member)
        if tab == "upvotes":
            papers = Paper.objects.upvoted_by(member)
        page = paginate(request, papers.for_rows())
        mark_upvoted(with_rows(page.items), request.user)
    context = {
        "member": member,
        "bio_html": render_markdown(member.bio).html if member.bio else "",
        "tab": tab,
        "tabs": {key: label for key, label in PROFILE_TABS.items() if key != "upvotes" or shows_upvotes},
        "page": page,
        "comment_total": Comment.objects.filter(author=member).visible().count(),
    }
    return TemplateResponse(request, "papers/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("settings")
def settings_view(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("papers:settings")
    context = {
        "form": form,
        "nav": "settings",
        "private_feed_url": request.build_absolute_uri(reverse("papers:private-feed", args=[request.user.feed_token])),
        "digest_address": digests.address(request.user),
        "digest_hour": settings.DIGEST_HOUR_UTC,
        "digest_papers": digests.DIGEST_PAPERS,
        "feed_items": atom.FEED_ITEMS,
        "private_feed_days": atom.PRIVATE_FEED_DAYS,
    }
    return TemplateResponse(request, "papers/settings.html", context)


@login_required
@require_POST
@rate_limited("settings")
def regenerate_feed_token(request: HttpRequest) -> HttpResponse:
    request.user.regenerate_feed_token()
    messages.success(request, "Your private feed has a new address; the old one stopped working. Update your reader.")
    return redirect(reverse("papers:settings") + "#your-feed")


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("settings")
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account_deletion.delete_account(request.user)
        logout(request)
        messages.success(request, "Your account is deleted. Your comments now show as “[deleted]”.")
        return redirect("papers:home")
    return TemplateResponse(request, "papers/delete_account.html", {"form": form, "nav": "settings"})


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    items = request.user.notifications.select_related("actor", "paper", "comment__paper")
    page = paginate(request, items)
    notices.name_followed_authors(page.items, request.user)
    return TemplateResponse(request, "papers/notifications.html", {"page": page, "nav": "notifications"})


@login_required
@require_POST
def notification_read(request: HtmxHttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(request.user.notifications, pk=notification_id)
    request.user.notifications.filter(pk=notification.pk).mark_read()
    back = safe_next(request, reverse("papers:notifications"))
    if request.htmx:
        notification.refresh_from_db()
        notices.name_followed_authors([notification], request.user)
        context = {"notification": notification, "return_to": back}
        return TemplateResponse(request, "papers/notifications.html#read-answer", context)
    return redirect(back)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = request.user.notifications.mark_read()
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect(safe_next(request, reverse("papers:notifications")))


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = emails.read_unsubscribe_token(token)
    if found is None:
        return TemplateResponse(request, "papers/unsubscribe.html", {"invalid": True}, status=404)
    member, preference = found
    done = request.method == "POST"
    if done:
        emails.unsubscribe(member, preference)
    context = {"member": member, "label": emails.PREFERENCE_LABELS[preference], "done": done}
    return TemplateResponse(request, "papers/unsubscribe.html", context)
