"""Upvotes and comments. Every form posts without JavaScript; htmx swaps the changed fragment in place."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from .. import discussion, follows
from ..markdown import render_markdown
from ..models import COMMENT_MAX_LENGTH, Comment, Flag, Paper
from ..ratelimit import rate_limited
from .http import HtmxHttpRequest, check_can_write, form_key, local_path, member_required, posted_id, safe_next


def comment_page(request: HtmxHttpRequest, fallback: str) -> str:
    """The page a comment form or link was used on, to come back to: its `next`, else the page htmx is on, else
    `fallback`. Not the Referer: a comment's page opened from elsewhere (a notification) is where to come back to."""
    candidates = [request.POST.get("next"), request.GET.get("next")]
    if request.htmx:
        candidates.append(request.htmx.current_url_abs_path)
    return next((path for candidate in candidates if (path := local_path(request, candidate))), fallback)


def paper_page(request: HttpRequest, arxiv_id: str) -> str:
    """Where a paper's upvote comes back to: the page it was used on, else the paper's."""
    return safe_next(request, get_object_or_404(Paper, arxiv_id=arxiv_id).get_absolute_url())


def discussion_page(request: HttpRequest, arxiv_id: str) -> str:
    return f"{get_object_or_404(Paper, arxiv_id=arxiv_id).get_absolute_url()}#discussion"


def comment_url(request: HttpRequest, arxiv_id: str, comment_id: int) -> str:
    return own_comment(request, arxiv_id, comment_id).get_absolute_url()


def comment_anchor(request: HttpRequest, arxiv_id: str, comment_id: int) -> str:
    """Where a comment's upvote comes back to: the page it was used on, else the comment on its paper's page."""
    comment = own_comment(request, arxiv_id, comment_id)
    return safe_next(request, f"{comment.paper.get_absolute_url()}#comment-{comment.pk}")


def to_comment(page: str, comment: Comment) -> HttpResponseRedirect:
    """Back to `page`, at `comment`."""
    return HttpResponseRedirect(f"{page.partition('#')[0]}#comment-{comment.pk}")


@require_POST
@rate_limited("vote")
@member_required(paper_page)
def paper_upvote(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    back = safe_next(request, paper.get_absolute_url())
    check_can_write(request)
    if request.POST.get("action") == "remove":
        follows.remove_upvote(request.user, paper)
    else:
        follows.upvote(request.user, paper)
    if request.htmx:
        paper.is_upvoted = request.POST.get("action") != "remove"
        return TemplateResponse(request, "papers/includes/upvote_button.html", {"paper": paper, "return_to": back})
    return redirect(back)


def thread_context(request: HttpRequest, paper: Paper, root: Comment | None = None) -> dict:
    sort = request.GET.get("comments", "best")
    sort = sort if sort in Comment.SORTS else "best"
    return {
        "paper": paper,
        "thread": discussion.build_thread(paper, request.user, sort, root=root),
        "comment_sort": sort,
        "comment_sorts": Comment.SORTS,
        "comment_max_length": COMMENT_MAX_LENGTH,
    }


@require_http_methods(["GET", "POST"])
def comment_create(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    """The comment form posts here; opened (a reload after an error), the address shows the paper's discussion."""
    if request.method == "GET":
        return redirect(discussion_page(request, arxiv_id))
    return add_comment(request, arxiv_id)


@rate_limited("comment")
@member_required(discussion_page)
def add_comment(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    back = comment_page(request, paper.get_absolute_url())
    parent = None
    if request.POST.get("parent"):
        parent_id = posted_id(request.POST["parent"])
        parent = Comment.objects.filter(paper=paper, pk=parent_id).first() if parent_id is not None else None
        if parent is None:
            return form_page(request, paper, None, back, error="The comment you replied to is not on this paper.")
    body = request.POST.get("body", "")
    if "preview" in request.POST:
        return form_page(request, paper, parent, back, preview=True)
    try:
        comment = discussion.post_comment(paper, request.user, body, parent, form_key(request))
    except ValidationError as error:
        return form_page(request, paper, parent, back, error=error.messages[0])
    if request.htmx:
        context = {"node": discussion.Node(comment), "paper": paper, "parent": parent, "return_to": back}
        context |= {"comment_max_length": COMMENT_MAX_LENGTH, "update_counts": on_paper_page(request, paper)}
        return TemplateResponse(request, "papers/includes/comment_posted.html", context)
    return to_comment(back, comment)


def form_page(
    request: HtmxHttpRequest, paper: Paper, parent: Comment | None, back: str, error: str = "", preview: bool = False
) -> HttpResponse:
    """The comment form again, with the text kept, an error or a preview: a page, or the form for htmx."""
    body = request.POST.get("body", "")
    context = {
        "paper": paper,
        "parent": parent,
        "return_to": back,
        "body": body,
        "error": error,
        "preview_html": render_markdown(body).html if preview and body.strip() else "",
        "comment_max_length": COMMENT_MAX_LENGTH,
    }
    if request.htmx:
        response = TemplateResponse(request, "papers/comment_form_page.html#comment-form", context)
        return reswap(retarget(response, f"#comment-form-{parent.pk if parent else 'root'}"), "outerHTML")
    return TemplateResponse(request, "papers/comment_form_page.html", context, status=400 if error else 200)


@require_POST
@rate_limited("preview")
def comment_preview(request: HtmxHttpRequest) -> HttpResponse:
    """The live preview: the same renderer and sanitiser as a posted comment."""
    if not request.user.is_authenticated:  # the preview shows under a member's comment form only
        raise PermissionDenied("Sign in to preview a comment.")
    body = request.POST.get("body", "")[: COMMENT_MAX_LENGTH + 1]
    html = render_markdown(body).html if body.strip() else ""
    return TemplateResponse(request, "papers/includes/comment_preview.html", {"preview_html": html})


@require_GET
def comment_detail(request: HtmxHttpRequest, arxiv_id: str, comment_id: int) -> HttpResponse:
    comment = get_object_or_404(
        Comment.objects.select_related("paper", "parent__author"), pk=comment_id, paper__arxiv_id=arxiv_id
    )
    back = comment_page(request, request.path)  # its reply form, and its comments' links, come back here
    if request.htmx and request.GET.get("reply"):  # the reply form, opened under the comment
        context = {"paper": comment.paper, "parent": comment, "comment_max_length": COMMENT_MAX_LENGTH}
        context |= {"focus": comment, "return_to": back}
        return TemplateResponse(request, "papers/comment_detail.html#reply-form", context)
    context = thread_context(request, comment.paper, root=comment) | {"focus": comment, "return_to": back}
    return TemplateResponse(request, "papers/comment_detail.html", context)


def own_comment(request: HttpRequest, arxiv_id: str, comment_id: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("paper"), pk=comment_id, paper__arxiv_id=arxiv_id)


@require_http_methods(["GET", "POST"])
@rate_limited("comment")
@member_required(comment_url)
def comment_edit(request: HtmxHttpRequest, arxiv_id: str, comment_id: int) -> HttpResponse:
    comment = own_comment(request, arxiv_id, comment_id)
    if not comment.can_edit(request.user):
        raise PermissionDenied("Only the author can edit a comment, within 30 minutes of posting it.")
    back = comment_page(request, comment.paper.get_absolute_url())
    error = ""
    if request.method == "POST" and "preview" not in request.POST:
        try:
            discussion.edit_comment(comment, request.user, request.POST.get("body", ""))
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            if request.htmx:
                return comment_fragment(request, comment, back)
            return to_comment(back, comment)
    body = request.POST.get("body", comment.body)
    context = {
        "return_to": back,
        "comment": comment,
        "paper": comment.paper,
        "body": body,
        "error": error,
        "preview_html": render_markdown(body).html if "preview" in request.POST and body.strip() else "",
        "comment_max_length": COMMENT_MAX_LENGTH,
    }
    template = "papers/comment_edit.html" + ("#edit-form" if request.htmx else "")
    return TemplateResponse(request, template, context, status=400 if error and not request.htmx else 200)


def on_paper_page(request: HtmxHttpRequest, paper: Paper) -> bool:
    """Whether an htmx request comes from the paper's own page, the one that shows its comment counts."""
    return urlsplit(request.htmx.current_url_abs_path or "").path == paper.get_absolute_url()


def comment_fragment(request: HttpRequest, comment: Comment, back: str, update_counts: bool = False) -> HttpResponse:
    """One comment (without its replies, which stay in place) for htmx swaps on the page `back`; with the paper's
    recounted comment counts out of band when `update_counts`."""
    comment.refresh_from_db()
    if update_counts:
        comment.paper.refresh_from_db(fields=["comment_count"])
    node = discussion.Node(comment, is_upvoted=comment.votes.filter(user=request.user.pk).exists())
    context = {"node": node, "comment": comment, "paper": comment.paper, "update_counts": update_counts}
    context["return_to"] = back
    return TemplateResponse(request, "papers/includes/comment_body.html", context)


@require_POST
@member_required(comment_url)
def comment_delete(request: HtmxHttpRequest, arxiv_id: str, comment_id: int) -> HttpResponse:
    comment = own_comment(request, arxiv_id, comment_id)
    discussion.delete_comment(comment, request.user)
    back = comment_page(request, comment.paper.get_absolute_url())
    if request.htmx:
        return comment_fragment(request, comment, back, update_counts=on_paper_page(request, comment.paper))
    return to_comment(back, comment)


@require_POST
@rate_limited("vote")
@member_required(comment_anchor)
def comment_upvote(request: HtmxHttpRequest, arxiv_id: str, comment_id: int) -> HttpResponse:
    comment = own_comment(request, arxiv_id, comment_id)
    back = safe_next(request, f"{comment.paper.get_absolute_url()}#comment-{comment.pk}")
    if request.POST.get("action") == "remove":
        discussion.remove_comment_upvote(comment, request.user)
    else:
        discussion.upvote_comment(comment, request.user)
    if request.htmx:
        comment.refresh_from_db()
        node = discussion.Node(comment, is_upvoted=request.POST.get("action") != "remove")
        return TemplateResponse(request, "papers/includes/comment_vote.html", {"node": node, "comment": comment})
    return redirect(back)


@require_http_methods(["GET", "POST"])
@rate_limited("flag")
@member_required(comment_url)
def comment_flag(request: HtmxHttpRequest, arxiv_id: str, comment_id: int) -> HttpResponse:
    comment = own_comment(request, arxiv_id, comment_id)
    if comment.is_removed:
        raise PermissionDenied("This comment is gone already.")
    back = comment_page(request, comment.paper.get_absolute_url())
    error = ""
    if request.method == "POST":
        try:
            discussion.flag_comment(comment, request.user, request.POST.get("reason", ""), request.POST.get("note", ""))
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, "Thanks for the flag: a moderator will look at the comment.")
            return to_comment(back, comment)
    context = {"comment": comment, "paper": comment.paper, "reasons": Flag.Reason.choices, "error": error}
    context["return_to"] = back
    return TemplateResponse(request, "papers/comment_flag.html", context, status=400 if error else 200)
