"""What members add to the mirror: votes, comments, flags, notifications, submissions and moderation.

Every counter here (`Paper.upvote_count`, `Paper.comment_count`, `Comment.upvote_count`,
`Comment.flag_count`, `User.karma`) is recounted from its source rows in the same
transaction as the change, never incremented, so counts heal themselves. One vote,
one flag and one notification per member and target are enforced by the database.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Self

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from .catalog import Paper

# Lobsters' comment confidence: the lower bound of the Wilson score interval at 80%.
WILSON_Z = 1.281551565545
COMMENT_MAX_LENGTH = 10_000
COMMENT_EDIT_WINDOW = dt.timedelta(minutes=30)
COMMENT_MAX_DEPTH = 6  # deeper replies continue on the comment's own page


def wilson_lower_bound(ups: int, downs: int) -> float:
    n = ups + downs
    if n == 0:
        return 0.0
    z = WILSON_Z
    p = ups / n
    bound = (p + z * z / (2 * n) - z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)) / (1 + z * z / n)
    return min(max(bound, 0.0), 1.0)


class PaperVote(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="papervote_once_per_member")]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} ▲ {self.paper.arxiv_id}"


class CommentQuerySet(models.QuerySet):
    def visible(self) -> Self:
        """Comments that count: neither deleted by their author nor hidden by a moderator."""
        return self.filter(deleted_at=None, hidden_at=None)

    def hidden(self) -> Self:
        """Comments a moderator hid (deleted or not)."""
        return self.filter(hidden_at__isnull=False)

    def with_viewer_state(self, user) -> Self:
        if not user.is_authenticated:
            return self.annotate(is_upvoted=models.Value(False), is_flagged=models.Value(False))
        return self.annotate(
            is_upvoted=Exists(CommentVote.objects.filter(comment=OuterRef("pk"), user=user)),
            is_flagged=Exists(Flag.objects.filter(comment=OuterRef("pk"), user=user)),
        )


class Comment(models.Model):
    SORTS = {"best": "Best", "new": "Newest"}

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(max_length=COMMENT_MAX_LENGTH, help_text="Markdown, as written")
    body_html = models.TextField(blank=True, help_text="Rendered and sanitised")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    upvote_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0, help_text="Open flags (dismissed ones no longer count)")
    confidence = models.FloatField(default=0)
    # The comment form's one-time key: the same form sent twice (a double click, a retry after a timeout,
    # the back button) makes one comment, and the second request is answered with it.
    form_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["paper", "created_at"]), models.Index(fields=["author", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "form_key"], condition=Q(form_key__isnull=False), name="comment_once_per_form"
            )
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.paper_id}"

    def get_absolute_url(self) -> str:
        return reverse("papers:comment", args=[self.paper.arxiv_id, self.pk])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_removed(self) -> bool:
        return self.is_deleted or self.is_hidden

    @property
    def is_editable(self) -> bool:
        """Still inside the edit window, and not removed."""
        return not self.is_removed and timezone.now() - self.created_at <= COMMENT_EDIT_WINDOW

    def can_edit(self, user) -> bool:
        return user.is_authenticated and user.pk == self.author_id and user.can_write and self.is_editable

    def can_delete(self, user) -> bool:
        return user.is_authenticated and user.pk == self.author_id and not self.is_deleted

    def refresh_scores(self) -> None:
        """Recount votes and flags from their rows, and the Wilson confidence from those."""
        counts = Comment.objects.filter(pk=self.pk).aggregate(
            ups=Count("votes", distinct=True),
            flags=Count("flags", filter=Q(flags__resolved_at=None), distinct=True),
        )
        self.upvote_count, self.flag_count = counts["ups"], counts["flags"]
        self.confidence = 0.0 if self.is_removed else wilson_lower_bound(self.upvote_count + 1, self.flag_count)
        Comment.objects.filter(pk=self.pk).update(
            upvote_count=self.upvote_count, flag_count=self.flag_count, confidence=self.confidence
        )


class CommentVote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "comment"], name="commentvote_once_per_member")]

    def __str__(self) -> str:
        return f"{self.user} ▲ comment {self.comment_id}"


class Flag(models.Model):
    class Reason(models.TextChoices):
        OFF_TOPIC = "off_topic", "Off-topic"
        SPAM = "spam", "Spam"
        UNKIND = "unkind", "Unkind"
        OTHER = "other", "Other"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "comment"], name="flag_once_per_member")]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} flagged comment {self.comment_id}: {self.reason}"


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> Self:
        return self.filter(read_at=None)

    def mark_read(self) -> int:
        return self.unread().update(read_at=timezone.now())


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", "Reply to your comment"
        MENTION = "mention", "Mention"
        PAPER_COMMENT = "paper_comment", "New comment on a paper you follow the discussion of"
        NEW_PAPER = "new_paper", "New paper by an author you follow"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "comment"], name="notification_once_per_comment"),
            models.UniqueConstraint(
                fields=["recipient", "paper"], condition=Q(kind="new_paper"), name="notification_once_per_new_paper"
            ),
            models.CheckConstraint(
                condition=Q(kind="new_paper") | Q(comment__isnull=False), name="notification_comment_unless_new_paper"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}"


class Submission(models.Model):
    """A paper a member brought to the site from arXiv."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="submission")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} submitted by {self.user}"


class ModerationAction(models.Model):
    """One line of the public moderation log."""

    class Action(models.TextChoices):
        HIDE_COMMENT = "hide_comment", "Hid a comment"
        RESTORE_COMMENT = "restore_comment", "Restored a comment"
        DISMISS_FLAGS = "dismiss_flags", "Dismissed flags"
        SUSPEND_USER = "suspend_user", "Suspended a member"
        UNSUSPEND_USER = "unsuspend_user", "Lifted a suspension"
        MERGE_TOPICS = "merge_topics", "Merged topics"
        SPLIT_TOPIC = "split_topic", "Split a topic"
        RENAME_TOPIC = "rename_topic", "Renamed a topic"
        MERGE_AUTHORS = "merge_authors", "Merged authors"
        SPLIT_AUTHOR = "split_author", "Split an author"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic = models.ForeignKey("Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey("Author", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What a catalogue correction did, for the log to show after its rows are gone (names, slugs, paper ids).
    details = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.moderator}"


def insert_once(model: type[models.Model], **fields) -> bool:
    """Insert a row unless it exists (a vote, follow, flag, save or feed signal); the unique constraint, not a
    prior read, decides. True if new."""
    try:
        with transaction.atomic():
            model._default_manager.create(**fields)
    except IntegrityError:
        return False
    return True
