"""Moderation pages: the public log, the flag queue, and one page per comment and member with its actions.

Every action is a plain form POST that redirects back with a message; a missing or too short
reason re-renders the page with the error. Only moderators see anything but the public log.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User

from .. import moderation
from ..models import Comment
from ..paging import paginate
from .http import HtmxHttpRequest, local_path, member_required


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown in the public moderation log)",
        max_length=moderation.REASON_MAX_LENGTH,
        error_messages={"required": "Give a reason; it is shown in the public moderation log."},
    )

    def clean_reason(self) -> str:
        return moderation.clean_reason(self.cleaned_data["reason"])


def reason_forms(*actions: str, failed: str = "", form: ReasonForm | None = None) -> dict:
    """Context for the pages' reason forms: one per action, the one that failed with its text and errors."""
    by_action = {action: ReasonForm() for action in actions}
    if failed:
        by_action[failed] = form
    return {
        "forms": by_action,
        "failed": failed,
        "reason_min": moderation.REASON_MIN_LENGTH,
        "reason_max": moderation.REASON_MAX_LENGTH,
    }


def back_to(request: HtmxHttpRequest, fallback: str) -> str:
    """The form's `next` when it is on this site, else `fallback`.

    Not the Referer, unlike `safe_next`: after a refused reason the page is the action's own,
    POST-only URL, and going back there would answer 405.
    """
    return local_path(request, request.POST.get("next")) or fallback


def moderation_page(request: HtmxHttpRequest, **kwargs) -> str:
    """Where a visitor comes back to after logging in: the page asked for, or after an action its form's `next`."""
    return request.get_full_path() if request.method == "GET" else back_to(request, reverse("papers:moderation-queue"))


def moderators_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the login page, members who are not moderators get a 403."""

    @member_required(moderation_page)
    @wraps(view)
    def wrapped(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_moderator:
            raise PermissionDenied("Only moderators can see this page or do this.")
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
def log(request: HtmxHttpRequest) -> HttpResponse:
    page = paginate(request, moderation.public_log())
    return TemplateResponse(request, "papers/moderation_log.html", {"page": page, "nav": "moderation"})


@require_GET
@moderators_only
def queue(request: HtmxHttpRequest) -> HttpResponse:
    page = paginate(request, moderation.flag_queue())
    context = {"page": page, "nav": "moderation"} | reason_forms("hide", "dismiss")
    return TemplateResponse(request, "papers/moderation_queue.html", context)


def comment_page(request: HtmxHttpRequest, comment: Comment, failed: str = "", form=None) -> HttpResponse:
    flags = list(
        comment.flags.select_related("user", "resolved_by").order_by(F("resolved_at").desc(nulls_first=True), "-pk")
    )
    context = {
        "comment": comment,
        "paper": comment.paper,
        "flags": flags,
        "open_flags": [flag for flag in flags if flag.resolved_at is None],
        "history": moderation.comment_history(comment),
    } | reason_forms("hide", "restore", "dismiss", failed=failed, form=form)
    return TemplateResponse(request, "papers/moderation_comment.html", context, status=400 if failed else 200)


@require_GET
@moderators_only
def comment_detail(request: HtmxHttpRequest, comment_id: int) -> HttpResponse:
    return comment_page(request, get_object_or_404(Comment.objects.select_related("paper", "author"), pk=comment_id))


COMMENT_ACTIONS = {
    "hide": (moderation.hide_comment, "The comment is hidden.", "Nothing changed: the comment was already hidden."),
    "restore": (
        moderation.restore_comment,
        "The comment is shown again.",
        "Nothing changed: the comment was not hidden.",
    ),
    "dismiss": (
        moderation.dismiss_flags,
        "The flags are dismissed.",
        "Nothing changed: the comment had no open flags.",
    ),
}


@require_POST
@moderators_only
def comment_action(request: HtmxHttpRequest, comment_id: int, action: str) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper", "author"), pk=comment_id)
    operation, done, unchanged = COMMENT_ACTIONS[action]
    form = ReasonForm(request.POST)
    moderation.check_not_own_comment(comment, request.user)  # before the reason: no form to fix here
    if not form.is_valid():
        return comment_page(request, comment, failed=action, form=form)
    changed = operation(comment, request.user, form.cleaned_data["reason"])
    if changed:
        messages.success(request, done)
    else:
        messages.info(request, unchanged)
    return redirect(back_to(request, reverse("papers:moderation-comment", args=[comment.pk])))


def member_page(request: HtmxHttpRequest, member: User, failed: str = "", form=None) -> HttpResponse:
    context = {
        "member": member,
        "can_suspend": moderation.can_be_suspended_by(member, request.user) and not member.is_deleted,
        "comment_total": Comment.objects.filter(author=member).visible().count(),
        "hidden_total": Comment.objects.filter(author=member).hidden().count(),
        "history": moderation.member_history(member)[:50],
    } | reason_forms("suspend", "unsuspend", failed=failed, form=form)
    return TemplateResponse(request, "papers/moderation_user.html", context, status=400 if failed else 200)


@require_GET
@moderators_only
def member_detail(request: HtmxHttpRequest, username: str) -> HttpResponse:
    return member_page(request, get_object_or_404(User, username=username))


MEMBER_ACTIONS = {
    "suspend": (
        moderation.suspend_member,
        "The member is suspended.",
        "Nothing changed: the member was already suspended.",
    ),
    "unsuspend": (
        moderation.unsuspend_member,
        "The suspension is lifted.",
        "Nothing changed: the member was not suspended.",
    ),
}


@require_POST
@moderators_only
def member_action(request: HtmxHttpRequest, username: str, action: str) -> HttpResponse:
    member = get_object_or_404(User, username=username)
    operation, done, unchanged = MEMBER_ACTIONS[action]
    form = ReasonForm(request.POST)
    moderation.check_not_own_account(member, request.user)  # before the reason: no form to fix here
    if not form.is_valid():
        return member_page(request, member, failed=action, form=form)
    try:
        changed = operation(member, request.user, form.cleaned_data["reason"])
    except ValidationError as error:
        form.add_error("reason", error)
        return member_page(request, member, failed=action, form=form)
    if changed:
        messages.success(request, done)
    else:
        messages.info(request, unchanged)
    return redirect(back_to(request, reverse("papers:moderation-member", args=[member.username])))
