"""Discussion on papers: posting, editing, deleting, voting on and flagging comments, and threads.

Each operation is one transaction that changes the rows, recounts the counters that
depend on them from source rows, and queues its emails after commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import caching, outbox
from .markdown import render_markdown
from .models import (
    COMMENT_MAX_DEPTH,
    COMMENT_MAX_LENGTH,
    Comment,
    CommentVote,
    Flag,
    Notification,
    Paper,
    Submission,
    insert_once,
)


def clean_body(body: str) -> str:
    body = body.replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise ValidationError("Write something first.", code="empty")
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            f"Comments are limited to {COMMENT_MAX_LENGTH:,} characters; this one has {len(body):,}.", code="long"
        )
    return body


def post_comment(
    paper: Paper, author: User, body: str, parent: Comment | None = None, form_key: uuid.UUID | None = None
) -> Comment:
    """Add a comment (or a reply to `parent`), recount the paper's comments and notify who should know.

    A form sent again with the same `form_key` returns the comment the first sending made, and adds nothing:
    the paper's row lock orders the two, so the second finds the first's comment."""
    if not author.can_write:
        raise PermissionDenied("Suspended members cannot comment.")
    body = clean_body(body)
    if parent is not None and (parent.paper_id != paper.pk or parent.is_removed):
        raise ValidationError("You can only reply to a comment that is still here.", code="parent")
    rendered = render_markdown(body)
    with transaction.atomic():
        locked = Paper.objects.lock(paper.pk)
        if form_key and (sent := Comment.objects.filter(author=author, form_key=form_key).first()):
            return sent
        comment = Comment.objects.create(
            paper=paper,
            author=author,
            parent=parent,
            depth=parent.depth + 1 if parent else 0,
            body=body,
            body_html=rendered.html,
            form_key=form_key,
        )
        comment.refresh_scores()
        locked.recount_comments()
        paper.comment_count = locked.comment_count
        notifications = notify(comment, rendered.mentions)
        emailed = [n.pk for n in notifications if n.kind in (Notification.Kind.REPLY, Notification.Kind.MENTION)]
        for pk in emailed:  # queued by name: papers.tasks builds on this module
            outbox.queue("papers.tasks.send_notification_email", pk)
        outbox.queue("papers.tasks.rebuild_timelines_of_followers", author.pk)  # a reason in their feeds
    return comment


def edit_comment(comment: Comment, editor: User, body: str) -> Comment:
    if not comment.can_edit(editor):
        raise PermissionDenied("Comments can be edited by their author for 30 minutes.")
    body = clean_body(body)
    comment.body = body
    comment.body_html = render_markdown(body).html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def delete_comment(comment: Comment, by: User) -> None:
    """Soft delete: the text goes, the comment keeps its place so that replies stay in the thread."""
    if not comment.can_delete(by):
        raise PermissionDenied("Only the author can delete a comment.")
    remove_comment_text(comment)


def remove_comment_text(comment: Comment) -> None:
    with transaction.atomic():
        locked = Paper.objects.lock(comment.paper_id)
        Comment.objects.filter(pk=comment.pk).update(deleted_at=timezone.now(), body="", body_html="")
        comment.refresh_from_db()
        comment.refresh_scores()
        locked.recount_comments()
        if comment.author_id:  # a reason no more in their followers' feeds
            outbox.queue("papers.tasks.rebuild_timelines_of_followers", comment.author_id)


def upvote_comment(comment: Comment, user: User) -> None:
    if not user.can_write:
        raise PermissionDenied("Suspended members cannot vote.")
    if comment.author_id == user.pk:
        raise PermissionDenied("You cannot upvote your own comment.")
    if comment.is_removed:
        raise PermissionDenied("This comment is gone.")
    with transaction.atomic():
        _lock_comment_and_author(comment)
        insert_once(CommentVote, comment=comment, user=user)
        _recount_comment_votes(comment)


def remove_comment_upvote(comment: Comment, user: User) -> None:
    with transaction.atomic():
        _lock_comment_and_author(comment)
        CommentVote.objects.filter(comment=comment, user=user).delete()
        _recount_comment_votes(comment)


def _lock_comment_and_author(comment: Comment) -> None:
    """Lock the comment, then its author (always in this order), so recounts run one at a time."""
    Comment.objects.select_for_update(no_key=True).filter(pk=comment.pk).values_list("pk").first()
    if comment.author_id:
        User.objects.select_for_update(no_key=True).filter(pk=comment.author_id).values_list("pk").first()


def _recount_comment_votes(comment: Comment) -> None:
    comment.refresh_scores()
    if comment.author_id:
        recount_karma(comment.author_id)


def recount_karma(user_id: int) -> None:
    """Karma: upvotes received on one's comments, recounted from the vote rows."""
    karma = CommentVote.objects.filter(comment__author_id=user_id).count()
    User.objects.filter(pk=user_id).update(karma=karma)


def flag_comment(comment: Comment, user: User, reason: str, note: str = "") -> bool:
    """Flag once per member; True if this flag is new."""
    if not user.can_write:
        raise PermissionDenied("Suspended members cannot flag.")
    if comment.author_id == user.pk:
        raise PermissionDenied("You cannot flag your own comment.")
    if comment.is_removed:
        raise PermissionDenied("This comment is gone already.")
    if reason not in Flag.Reason.values:
        raise ValidationError("Choose a reason.", code="reason")
    with transaction.atomic():
        _lock_comment_and_author(comment)
        note = note.replace("\x00", "").strip()[:500]
        created = insert_once(Flag, comment=comment, user=user, reason=reason, note=note)
        comment.refresh_scores()
    return created


def notify(comment: Comment, mentions: tuple[str, ...]) -> list[Notification]:
    """Tell the parent's author, the members mentioned, and those who took part in the paper's discussion.

    One notification per member and comment, in that order of precedence; never to the author.
    """
    kinds: dict[int, str] = {}
    if comment.parent and comment.parent.author_id:
        kinds[comment.parent.author_id] = Notification.Kind.REPLY
    for user_id in User.objects.filter(username__in=mentions, is_active=True).values_list("pk", flat=True):
        kinds.setdefault(user_id, Notification.Kind.MENTION)
    participants = set(
        Comment.objects.filter(paper=comment.paper_id, author__isnull=False)
        .exclude(pk=comment.pk)
        .values_list("author_id", flat=True)
        .distinct()
    )
    submitter = Submission.objects.filter(paper=comment.paper_id).values_list("user_id", flat=True).first()
    if submitter:
        participants.add(submitter)
    for user_id in participants:
        kinds.setdefault(user_id, Notification.Kind.PAPER_COMMENT)
    if comment.author_id is not None:
        kinds.pop(comment.author_id, None)
    active = set(User.objects.present().filter(pk__in=kinds).values_list("pk", flat=True))
    rows = [
        Notification(
            recipient_id=user_id, kind=kind, actor_id=comment.author_id, paper_id=comment.paper_id, comment=comment
        )
        for user_id, kind in kinds.items()
        if user_id in active
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # Those told see the comment at once on pages they had, as its author does.
    told = [row.recipient_id for row in rows] + ([comment.author_id] if comment.author_id else [])
    transaction.on_commit(lambda: caching.mark_members_changed(told))
    return list(Notification.objects.filter(comment=comment))


@dataclass
class Node:
    comment: Comment
    children: list[Node] = field(default_factory=list)
    is_upvoted: bool = False
    is_flagged: bool = False
    continues: bool = False  # deeper replies continue on the comment's own page


def thread_fingerprint(paper: Paper) -> list[tuple]:
    """What a paper's thread shows of each comment that changes: votes, edits, deletions, hiding (one query)."""
    columns = ("pk", "upvote_count", "confidence", "edited_at", "deleted_at", "hidden_at", "author_id")
    return list(Comment.objects.filter(paper=paper).order_by("pk").values_list(*columns))


def build_thread(
    paper: Paper, viewer, sort: str = "best", root: Comment | None = None, max_depth: int = COMMENT_MAX_DEPTH
) -> list[Node]:
    """The paper's comments as a tree, in three queries whatever its size.

    Siblings sort by Wilson confidence ("best") or newest first; below `max_depth` levels (counted from
    `root` when given) replies continue on their comment's own page (the Markdown copy of a paper, which has
    no width to run out of, goes deeper).
    """
    comments = list(Comment.objects.filter(paper=paper).select_related("author").order_by("created_at", "pk"))
    for comment in comments:
        comment.paper = paper  # the links of each comment name its paper: no query per comment
    upvoted: set[int] = set()
    flagged: set[int] = set()
    if viewer.is_authenticated:
        upvoted = set(
            CommentVote.objects.filter(user=viewer, comment__paper=paper).values_list("comment_id", flat=True)
        )
        flagged = set(Flag.objects.filter(user=viewer, comment__paper=paper).values_list("comment_id", flat=True))
    nodes = {c.pk: Node(c, is_upvoted=c.pk in upvoted, is_flagged=c.pk in flagged) for c in comments}
    roots: list[Node] = []
    for comment in comments:
        node = nodes[comment.pk]
        if root is not None and comment.pk == root.pk:
            roots.append(node)
        elif comment.parent_id in nodes:
            nodes[comment.parent_id].children.append(node)
        elif root is None:
            roots.append(node)

    def key(node: Node):
        if sort == "new":
            return (-node.comment.created_at.timestamp(), -node.comment.pk)
        return (-node.comment.confidence, node.comment.created_at.timestamp(), node.comment.pk)

    def arrange(siblings: list[Node], depth: int) -> None:
        siblings.sort(key=key)
        for node in siblings:
            if depth + 1 >= max_depth and node.children:
                node.continues = True
                node.children = []
            else:
                arrange(node.children, depth + 1)

    arrange(roots, 0)
    return roots
