"""Moderation: hiding and restoring comments, dismissing flags, suspending members, and the public log.

Each operation is one transaction that changes the rows, recounts what depends on them
from source rows, and writes exactly one `ModerationAction` with the moderator's reason.
Operations are idempotent: when there is nothing to change (the comment is already hidden,
the member already suspended, no flag is open) they change nothing, log nothing and
return False. The conditional UPDATE or the locked row decides, never an earlier read.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User

from . import outbox
from .caching import bump_pages_version
from .models import Comment, Flag, ModerationAction, Paper

REASON_MIN_LENGTH = 3
REASON_MAX_LENGTH = 300  # Comment.hidden_reason and User.suspension_reason hold 300 characters

_PAPER_HEAVY = tuple(f"comment__paper__{name}" for name in Paper.NOT_IN_ROWS)


def clean_reason(reason: str) -> str:
    """A reason is required for every action: stripped, 3 to 300 characters."""
    reason = (reason or "").replace("\x00", "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError(
            f"Give a reason of at least {REASON_MIN_LENGTH} characters; it is shown in the public moderation log.",
            code="short",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            f"Keep the reason under {REASON_MAX_LENGTH} characters; this one has {len(reason)}.", code="long"
        )
    return reason


def check_moderator(user: User) -> None:
    if not (user.is_authenticated and user.is_moderator):
        raise PermissionDenied("Only moderators can do this.")


OWN_COMMENT = "Another moderator must decide on your own comment."
OWN_ACCOUNT = "Another moderator must decide on your own account."


def check_not_own_comment(comment: Comment, moderator: User) -> None:
    """A moderator's own comment goes to another moderator: nobody judges their own case."""
    if comment.author_id is not None and comment.author_id == moderator.pk:
        raise PermissionDenied(OWN_COMMENT)


def check_not_own_account(member: User, moderator: User) -> None:
    """A moderator neither suspends themselves nor lifts their own suspension: another moderator decides."""
    if member.pk == moderator.pk:
        raise PermissionDenied(OWN_ACCOUNT)


def can_be_suspended_by(member: User, moderator: User) -> bool:
    """Moderators suspend members, never themselves, another moderator or staff."""
    return member.pk != moderator.pk and not (member.is_moderator or member.is_staff or member.is_superuser)


def hide_comment(comment: Comment, moderator: User, reason: str) -> bool:
    """Hide a comment from everyone but moderators, resolving its open flags. False if it was hidden already."""
    check_moderator(moderator)
    check_not_own_comment(comment, moderator)
    reason = clean_reason(reason)
    now = timezone.now()
    with transaction.atomic():
        locked = Paper.objects.lock(comment.paper_id)
        if not Comment.objects.filter(pk=comment.pk, hidden_at=None).update(hidden_at=now, hidden_reason=reason):
            return False
        _resolve_open_flags(comment, moderator, now)
        _recount(comment, locked)
        log_action(moderator, ModerationAction.Action.HIDE_COMMENT, reason, comment=comment)
        _commenters_followers(comment)
    return True


def restore_comment(comment: Comment, moderator: User, reason: str) -> bool:
    """Show a hidden comment again. False if it was not hidden."""
    check_moderator(moderator)
    check_not_own_comment(comment, moderator)
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = Paper.objects.lock(comment.paper_id)
        if not Comment.objects.filter(pk=comment.pk, hidden_at__isnull=False).update(hidden_at=None, hidden_reason=""):
            return False
        _recount(comment, locked)
        log_action(moderator, ModerationAction.Action.RESTORE_COMMENT, reason, comment=comment)
        _commenters_followers(comment)
    return True


def _commenters_followers(comment: Comment) -> None:
    """A comment hidden or shown again is a reason gone or back in the feeds of its author's followers."""
    if comment.author_id:  # queued by name: papers.tasks builds on this module
        outbox.queue("papers.tasks.rebuild_timelines_of_followers", comment.author_id)


def dismiss_flags(comment: Comment, moderator: User, reason: str) -> bool:
    """Resolve a comment's open flags and leave it as it is. False if no flag was open."""
    check_moderator(moderator)
    check_not_own_comment(comment, moderator)
    reason = clean_reason(reason)
    with transaction.atomic():
        if not _resolve_open_flags(comment, moderator, timezone.now()):
            return False
        comment.refresh_scores()  # dismissed flags no longer weigh on its place in the thread
        log_action(moderator, ModerationAction.Action.DISMISS_FLAGS, reason, comment=comment)
    return True


def suspend_member(member: User, moderator: User, reason: str) -> bool:
    """Suspend a member: they can read but no longer vote, comment, flag or submit. False if already suspended."""
    check_moderator(moderator)
    check_not_own_account(member, moderator)
    if not can_be_suspended_by(member, moderator):
        raise PermissionDenied("Moderators cannot suspend another moderator or staff; ask an administrator.")
    if member.is_deleted:
        raise ValidationError("This account is deleted.", code="deleted")
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        if locked.is_suspended:
            return False
        locked.suspend(reason)
        member.suspended_at, member.suspension_reason = locked.suspended_at, locked.suspension_reason
        log_action(moderator, ModerationAction.Action.SUSPEND_USER, reason, user=member)
    return True


def unsuspend_member(member: User, moderator: User, reason: str) -> bool:
    """Lift a suspension. False if the member was not suspended."""
    check_moderator(moderator)
    check_not_own_account(member, moderator)
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        if not locked.is_suspended:
            return False
        locked.unsuspend()
        member.suspended_at, member.suspension_reason = None, ""
        log_action(moderator, ModerationAction.Action.UNSUSPEND_USER, reason, user=member)
    return True


def _resolve_open_flags(comment: Comment, moderator: User, when) -> int:
    return Flag.objects.filter(comment=comment, resolved_at=None).update(resolved_at=when, resolved_by=moderator)


def _recount(comment: Comment, locked_paper: Paper) -> None:
    """The comment's confidence (zero while hidden) and the paper's visible comments; cached pages go stale."""
    comment.refresh_from_db(fields=["hidden_at", "hidden_reason", "deleted_at"])
    comment.refresh_scores()
    locked_paper.recount_comments()
    comment.paper.comment_count = locked_paper.comment_count
    transaction.on_commit(bump_pages_version)  # anonymous visitors must not see a hidden text from the cache


def log_action(moderator: User, action: str, reason: str, **about: Any) -> None:
    """One line of the public log; `about` names what it is about: comment, user, topic, author, details."""
    ModerationAction.objects.create(moderator=moderator, action=action, reason=reason, **about)


def public_log() -> QuerySet[ModerationAction]:
    """The moderation log, newest first."""
    return _with_targets(ModerationAction.objects.all())


def flag_queue() -> QuerySet[Comment]:
    """Comments with open flags, the most flagged first (then the longest waiting), each with its open flags."""
    open_flags = Flag.objects.filter(resolved_at=None).select_related("user").order_by("created_at", "pk")
    return (
        Comment.objects.annotate(
            open_flag_count=Count("flags", filter=Q(flags__resolved_at=None)),
            first_flagged_at=Min("flags__created_at", filter=Q(flags__resolved_at=None)),
        )
        .filter(open_flag_count__gt=0)
        .select_related("paper", "author")
        .defer(*(f"paper__{name}" for name in Paper.NOT_IN_ROWS))
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("-open_flag_count", "first_flagged_at", "pk")
    )


def comment_history(comment: Comment) -> QuerySet[ModerationAction]:
    return _with_targets(ModerationAction.objects.filter(comment=comment))


def member_history(member: User) -> QuerySet[ModerationAction]:
    """Actions on the member and on their comments."""
    return _with_targets(ModerationAction.objects.filter(Q(user=member) | Q(comment__author=member)))


def _with_targets(actions: QuerySet[ModerationAction]) -> QuerySet[ModerationAction]:
    """Log lines with who and what they are about in one query, never the comments' text (the log does not show it)."""
    return (
        actions.select_related("moderator", "user", "comment__paper", "topic", "author")
        .defer("comment__body", "comment__body_html", *_PAPER_HEAVY)
        .order_by("-created_at", "-pk")
    )
