"""What a member follows and mutes, saves, and tells the personal feed; and the similarities it uses."""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .catalog import Organization, Paper, Topic
from .identities import Author


class FollowQuerySet(models.QuerySet):
    def following(self) -> Self:
        return self.filter(mode=Follow.Mode.FOLLOW)

    def muting(self) -> Self:
        return self.filter(mode=Follow.Mode.MUTE)


class Follow(models.Model):
    """One member's stance on one topic, author, organisation or member: follow, or mute."""

    class Target(models.TextChoices):
        TOPIC = "topic", "Topic"
        AUTHOR = "author", "Author"
        ORGANIZATION = "organization", "Organisation"
        MEMBER = "member", "Member"

    class Mode(models.TextChoices):
        FOLLOW = "follow", "Follow"
        MUTE = "mute", "Mute"

    TARGET_FIELDS: dict[str, str] = {
        Target.TOPIC: "topic",
        Target.AUTHOR: "author",
        Target.ORGANIZATION: "organization",
        Target.MEMBER: "member",
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    target = models.CharField(max_length=20, choices=Target.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.FOLLOW)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="follows")
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.CASCADE, related_name="follows")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target="topic", topic__isnull=False, author=None, organization=None, member=None)
                    | Q(target="author", author__isnull=False, topic=None, organization=None, member=None)
                    | Q(target="organization", organization__isnull=False, topic=None, author=None, member=None)
                    | Q(target="member", member__isnull=False, topic=None, author=None, organization=None)
                ),
                name="follow_exactly_one_target",
            ),
            models.CheckConstraint(condition=~Q(user=models.F("member")), name="follow_not_oneself"),
            *(
                models.UniqueConstraint(
                    fields=["user", field], condition=Q(**{f"{field}__isnull": False}), name=f"follow_once_per_{field}"
                )
                for field in ("topic", "author", "organization", "member")
            ),
        ]
        indexes = [models.Index(fields=["user", "mode"])]

    def __str__(self) -> str:
        return f"{self.user} {self.mode}s {self.target} {self.target_object}"

    @property
    def target_object(self):
        return getattr(self, self.TARGET_FIELDS[self.target])


class SavedPaper(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_papers")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="saves")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="saved_once_per_member")]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} saved {self.paper.arxiv_id}"


class FeedSignal(models.Model):
    """What a member told the feed about one paper: show less like it, or stop using it as a seed."""

    class Kind(models.TextChoices):
        LESS_LIKE_THIS = "less", "Less like this"
        NOT_A_SEED = "not_seed", "Stop suggesting papers similar to this one"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_signals")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper", "kind"], name="feedsignal_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.paper_id}"


class PaperSimilarity(models.Model):
    """`similar` is among the papers closest to `paper` by TF-IDF of title, abstract and keywords."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="similarities")
    similar = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "similar"], name="similarity_once"),
            models.CheckConstraint(condition=~Q(paper=models.F("similar")), name="similarity_not_itself"),
        ]
        indexes = [models.Index(fields=["paper", "-score"])]

    def __str__(self) -> str:
        return f"{self.paper_id} ~ {self.similar_id} ({self.score:.2f})"


class DigestDelivery(models.Model):
    """One digest email for one member and period: the row is written before sending, once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    frequency = models.CharField(max_length=10)
    period_start = models.DateField()
    papers = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "frequency", "period_start"], name="digest_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.frequency} digest of {self.period_start} for {self.user}"
