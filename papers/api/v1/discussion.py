"""Comments: a paper's thread, one comment with its replies, posting, editing, deleting, upvoting and flagging.

Each route does what the site's comment forms do (papers.views.discussion), through the same functions of
`papers.discussion`: the same rules, the same messages, the same rate limits ("comment", "vote", "flag").
A write and the reading of its answer are one transaction, so an answer that cannot be made undoes the write.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.errors import ValidationError as InvalidRequest

from papers import discussion
from papers.models import Comment, Flag, Paper

from ..auth import member, require_can_write, throttle, viewer
from ..problems import Problem, responses
from .papers import ArxivId, find_paper
from .schemas import CommentOut, Text, ThreadCommentOut, ThreadOut, api_comment_url, comment_out, thread_out

router = Router(tags=["Comments"])

MAX_ID = 2**63 - 1  # the largest database id: a bigger number is a 422, not a database error
CommentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The comment's id.")]
# Idempotency keys become the comment form's one-time key (`Comment.form_key`, a UUID): a key that is a UUID is
# used as it is, any other string is turned into one (UUID 5 in this namespace), so that clients may send either.
IDEMPOTENCY_NAMESPACE = uuid.UUID("2f1c55a4-5d8e-4c55-9a53-0c3b8ad0f1e7")


class ThreadQuery(Schema):
    sort: Literal["best", "new"] = Field(
        "best", description="best: as the site's Best (upvotes against open flags); new: newest first."
    )


class CommentIn(Schema):
    body: Text = Field(description="Markdown, up to 10,000 characters (after trimming).")
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="The id of the comment this replies to.")


class CommentEditIn(Schema):
    body: Text = Field(description="The new Markdown, up to 10,000 characters (after trimming).")


class FlagIn(Schema):
    reason: Flag.Reason = Field(description="Why: off_topic, spam, unkind or other.")
    note: Text = Field("", description="Anything the moderators should know (the first 500 characters are kept).")


def paper_of_thread(arxiv_id: str) -> Paper:
    """The paper with what its thread shows of it, or a 404 problem."""
    return find_paper(arxiv_id, Paper.objects.only("pk", "arxiv_id", "comment_count"))


def find_comment(request: HttpRequest, comment_id: int) -> Comment:
    """The comment with its paper, its author and the member's upvote and flag (`is_upvoted`, `is_flagged`), or a
    404 problem."""
    comment = (
        Comment.objects.with_viewer_state(request.user)
        .select_related("paper", "author")
        .defer(*(f"paper__{name}" for name in Paper.NOT_IN_ROWS))
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise Problem(404, f"No comment {comment_id}.")
    return comment


def one_comment(request: HttpRequest, comment_id: int) -> dict:
    """CommentOut of the comment as it is now, read and checked inside the write's transaction: an answer that
    cannot be made undoes the write instead of failing after it."""
    comment = find_comment(request, comment_id)
    return CommentOut.model_validate(
        comment_out(request, comment, upvoted=comment.is_upvoted, flagged=comment.is_flagged)
    ).model_dump()


def invalid(field: str, error: ValidationError) -> NoReturn:
    """The site's message about a body field as a 422 problem whose `errors` name the field as pydantic's do."""
    raise InvalidRequest([{"loc": ["body", "data", field], "msg": error.messages[0], "type": error.code or "invalid"}])


def idempotency_key(value: str | None) -> uuid.UUID | None:
    """The `Comment.form_key` an Idempotency-Key stands for (see IDEMPOTENCY_NAMESPACE), or None without one."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid5(IDEMPOTENCY_NAMESPACE, value)


@router.get(
    "/papers/{arxiv_id}/comments",
    response={200: ThreadOut, **responses(401, 404, 422)},
    auth=viewer,
    summary="Get a paper's discussion",
)
def get_thread(request: HttpRequest, arxiv_id: ArxivId, query: Query[ThreadQuery]):
    """The paper's comments as its page shows them: a tree of comments whose `replies` are sorted as asked; a
    comment its author deleted, or a moderator hid, keeps its place (and its replies) with no text. Below six
    levels, a comment says `continues`: its deeper replies are in GET /api/v1/comments/{id}. The whole thread
    in one answer, read in a fixed number of queries.

    No Last-Modified: upvotes and your own state change the answer without changing any date (the ETag does)."""
    paper = paper_of_thread(arxiv_id)
    nodes = discussion.build_thread(paper, request.user, query.sort)
    return {
        "paper": paper.arxiv_id,
        "sort": query.sort,
        "comment_count": paper.comment_count,
        "comments": thread_out(request, nodes),
    }


@router.get(
    "/comments/{comment_id}",
    response={200: ThreadCommentOut, **responses(401, 404, 422)},
    auth=viewer,
    summary="Get a comment and its replies",
    url_name="comment",
)
def get_comment(request: HttpRequest, query: Query[ThreadQuery], comment_id: CommentId):
    """One comment and its replies, six levels deep from it, as its page on the site shows them."""
    comment = find_comment(request, comment_id)
    nodes = discussion.build_thread(comment.paper, request.user, query.sort, root=comment)
    return thread_out(request, nodes)[0]


@router.post(
    "/papers/{arxiv_id}/comments",
    response={200: CommentOut, 201: CommentOut, **responses(400, 401, 403, 404, 422, 429)},
    auth=member,
    summary="Post a comment or a reply",
)
def post_comment(
    request: HttpRequest,
    arxiv_id: ArxivId,
    data: CommentIn,
    response: HttpResponse,
    key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=200,
        description="Any string unique to this comment (a UUID, say). Sending the same request again with the "
        "same key (a retry after a timeout) makes no second comment: the answer is the first one, with 200.",
    ),
):
    """Comment on the paper, or reply to one of its comments (`parent`). 201 with the comment, and its address
    in `Location`. The paper's comment count is recounted, and the parent's author, the members mentioned
    (@username) and those taking part in the discussion are notified, as on the site.

    With an `Idempotency-Key`, a request sent again answers 200 with the comment the first one made."""
    throttle(request, "comment")
    paper = paper_of_thread(arxiv_id)
    form_key = idempotency_key(key)
    with transaction.atomic():
        # A request sent again is answered with its comment as it is now, before anything else is looked at. Two
        # first sendings at once make one comment too (`post_comment` orders them by the paper's lock), and
        # both are answered with it, as 201.
        comment = form_key and Comment.objects.filter(author=request.user, form_key=form_key).first()
        status = 200
        if not comment:
            status = 201
            parent = None
            if data.parent is not None:
                parent = Comment.objects.filter(paper=paper, pk=data.parent).first()
                if parent is None:
                    invalid(
                        "parent", ValidationError("The comment you replied to is not on this paper.", code="parent")
                    )
            try:
                comment = discussion.post_comment(paper, request.user, data.body, parent, form_key)
            except ValidationError as error:
                invalid("parent" if error.code == "parent" else "body", error)
        response["Location"] = api_comment_url(request, comment)
        return Status(status, one_comment(request, comment.pk))


@router.patch(
    "/comments/{comment_id}",
    response={200: CommentOut, **responses(400, 401, 403, 404, 409, 422, 429)},
    auth=member,
    summary="Edit a comment",
)
def edit_comment(request: HttpRequest, data: CommentEditIn, comment_id: CommentId):
    """Replace the text of your comment: its author may, for 30 minutes after posting it (403 for anyone else;
    409 once the 30 minutes are over or the comment is deleted or hidden)."""
    require_can_write(request)
    throttle(request, "comment")
    comment = find_comment(request, comment_id)
    with transaction.atomic():
        try:
            discussion.edit_comment(comment, request.user, data.body)
        except PermissionDenied as refusal:
            if comment.author_id != request.user.pk:
                raise Problem(403, "Only the author can edit a comment, within 30 minutes of posting it.") from None
            raise Problem(409, str(refusal)) from None
        except ValidationError as error:
            invalid("body", error)
        return one_comment(request, comment.pk)


@router.delete(
    "/comments/{comment_id}",
    response={204: None, **responses(401, 403, 404, 422, 429)},
    auth=member,
    summary="Delete a comment",
)
def delete_comment(request: HttpRequest, comment_id: CommentId):
    """Delete your comment: its text goes, its place stays for its replies ("[deleted]"), and the paper's comment
    count is recounted. Only its author may (403); deleting it again changes nothing (204)."""
    throttle(request, "comment")
    comment = find_comment(request, comment_id)
    if comment.is_deleted and comment.author_id == request.user.pk:
        return Status(204, None)
    discussion.delete_comment(comment, request.user)
    return Status(204, None)


@router.put(
    "/comments/{comment_id}/vote",
    response={200: CommentOut, **responses(401, 403, 404, 422, 429)},
    auth=member,
    summary="Upvote a comment",
)
def upvote_comment(request: HttpRequest, comment_id: CommentId):
    """Upvote someone else's comment (once: again changes nothing). Its upvotes, and its author's karma, are
    recounted from the votes. Not your own comment, nor a deleted or hidden one (403)."""
    throttle(request, "vote")
    comment = find_comment(request, comment_id)
    with transaction.atomic():
        discussion.upvote_comment(comment, request.user)
        return one_comment(request, comment.pk)


@router.delete(
    "/comments/{comment_id}/vote",
    response={200: CommentOut, **responses(401, 403, 404, 422, 429)},
    auth=member,
    summary="Take back an upvote of a comment",
)
def remove_comment_upvote(request: HttpRequest, comment_id: CommentId):
    """Take back your upvote (without one, nothing changes); the upvotes and karma are recounted."""
    throttle(request, "vote")
    comment = find_comment(request, comment_id)
    with transaction.atomic():
        discussion.remove_comment_upvote(comment, request.user)
        return one_comment(request, comment.pk)


@router.post(
    "/comments/{comment_id}/flag",
    response={200: CommentOut, 201: CommentOut, **responses(400, 401, 403, 404, 422, 429)},
    auth=member,
    summary="Flag a comment for the moderators",
)
def flag_comment(request: HttpRequest, data: FlagIn, comment_id: CommentId):
    """Ask the moderators to look at someone else's comment, saying why. 201 for a new flag; a member flags a
    comment once, so flagging it again answers 200 and keeps the first reason. Not your own comment, nor one
    already deleted or hidden (403)."""
    throttle(request, "flag")
    comment = find_comment(request, comment_id)
    with transaction.atomic():
        try:
            created = discussion.flag_comment(comment, request.user, data.reason.value, data.note)
        except ValidationError as error:
            invalid("reason", error)
        return Status(201 if created else 200, one_comment(request, comment.pk))
