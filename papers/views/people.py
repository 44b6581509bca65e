"""Members: public profiles, settings, the private feed's address and API tokens, account deletion, notifications,
unsubscribes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import ApiTokenForm, DeleteAccountForm, ProfileForm
from accounts.models import ApiToken, User

from .. import account_deletion, atom, digests, emails, feed, notices
from ..markdown import render_markdown
from ..models import Comment, Paper
from ..paging import paginate
from ..ratelimit import rate_limited
from ..rows import mark_upvoted, with_rows
from .http import HtmxHttpRequest, member_required, safe_next

PROFILE_TABS = {"comments": "Comments", "submissions": "Submissions", "upvotes": "Upvoted papers"}
# Where a new token's secret waits, without JavaScript, for the settings page that shows it once and forgets it.
NEW_TOKEN_KEY = "new_api_token"


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
        with transaction.atomic():
            form.save()
            feed.settings_saved(request.user, form.changed_data)
        messages.success(request, "Your settings are saved.")
        return redirect("papers:settings")
    # A token made without JavaScript: its secret shows on this render only, and is gone from the session after.
    return settings_page(request, form=form, new_token=request.session.pop(NEW_TOKEN_KEY, None))


def settings_page(
    request: HttpRequest,
    *,
    form: ProfileForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: dict | None = None,
    status: int = 200,
) -> TemplateResponse:
    """The settings page, with the profile form and the API tokens section as given."""
    context = {
        "form": form or ProfileForm(instance=request.user),
        "nav": "settings",
        "private_feed_url": request.build_absolute_uri(reverse("papers:private-feed", args=[request.user.feed_token])),
        "digest_address": digests.address(request.user),
        "digest_hour": settings.DIGEST_HOUR_UTC,
        "digest_papers": digests.DIGEST_PAPERS,
        "feed_items": atom.FEED_ITEMS,
        "private_feed_days": atom.PRIVATE_FEED_DAYS,
    }
    context |= api_tokens_context(request, token_form=token_form, new_token=new_token)
    return secret_response(TemplateResponse(request, "papers/settings.html", context, status=status), new_token)


def api_tokens_context(
    request: HttpRequest, *, token_form: ApiTokenForm | None = None, new_token: dict | None = None, message: str = ""
) -> dict:
    """What the "API tokens" section shows: the member's live tokens, the form, a new secret once, a message."""
    return {
        "api_tokens": list(request.user.api_tokens.live()),
        "token_form": token_form or ApiTokenForm(user=request.user),
        "new_token": new_token,
        "token_message": message,
        "max_tokens": ApiToken.MAX_LIVE,
    }


def secret_response(response: HttpResponse, new_token: dict | None) -> HttpResponse:
    """A page that shows a secret is kept by no cache, nor by the browser's history: Back never shows it again."""
    if new_token:
        add_never_cache_headers(response)
    return response


def settings_fallback(request: HttpRequest, **kwargs) -> str:
    return reverse("papers:settings")


def tokens_section(request: HtmxHttpRequest, **context) -> HttpResponse:
    """For htmx, the "API tokens" section alone, re-rendered in place."""
    response = TemplateResponse(request, "papers/settings.html#api-tokens", api_tokens_context(request, **context))
    return secret_response(response, context.get("new_token"))


@require_POST
@rate_limited("settings")
@member_required(settings_fallback)
def api_token_create(request: HtmxHttpRequest) -> HttpResponse:
    """Make a personal access token. Its secret is shown once: in this answer with htmx, else on the settings page
    this redirects to (kept in the session for that one render). Only its SHA-256 is stored."""
    form = ApiTokenForm(request.POST, user=request.user)
    issued = form.save() if form.is_valid() else None
    if issued is None:
        if request.htmx:  # htmx swaps 2xx answers only: the form with its errors, in place
            return tokens_section(request, token_form=form)
        return settings_page(request, token_form=form, status=400)
    token, secret = issued
    new_token = {"name": token.name, "scope": token.get_scope_display(), "secret": secret}
    if request.htmx:
        return tokens_section(request, new_token=new_token)
    request.session[NEW_TOKEN_KEY] = new_token
    return redirect(reverse("papers:settings") + "#api-tokens")


@require_POST
@rate_limited("settings")
@member_required(settings_fallback)
def api_token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the member's own live tokens: it stops working at once (another member's is a 404)."""
    token = get_object_or_404(request.user.api_tokens.live(), pk=token_id)
    token.revoke()
    message = f"The token “{token.name}” is revoked: it stopped working at once."
    if request.htmx:
        return tokens_section(request, message=message)
    messages.success(request, message)
    return redirect(reverse("papers:settings") + "#api-tokens")


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
