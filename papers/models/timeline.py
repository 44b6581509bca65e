"""Each member's personal feed, stored: the ranked candidates papers.feed computes, one row per paper.

A page of the feed reads one slice of a member's rows in rank order (an index serves it), instead of ranking
every paper of the window again. papers.feed writes the rows: all of a member's at once when something that
decides their ranking changes, or the points of one paper in every timeline that has it.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone

from .catalog import Paper


class Timeline(models.Model):
    """That a member's feed is stored, and the half-life (in days) it was ranked with.

    Its row is locked while the member's entries are rewritten, so that two rewrites never interleave. A member
    without one has never had their feed built: the first read builds it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="timeline"
    )
    half_life = models.PositiveSmallIntegerField()
    built_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Timeline of {self.user_id}, built {self.built_at:%Y-%m-%d %H:%M}"


class TimelineEntryQuerySet(models.QuerySet):
    def of(self, user, since: dt.date) -> Self:
        """The member's entries listed from `since` on (the feed's window), best first."""
        return self.filter(user=user, last_listed_on__gte=since).ranked()

    def ranked(self) -> Self:
        """Best first: the higher rank, then more points, then the later listing, then the newer paper."""
        return self.order_by("-rank", "-points", "-last_listed_on", "-paper_id")

    def ranked_after(self, entry: TimelineEntry) -> Self:
        """The entries that rank after `entry`."""
        return self.filter(_after(entry))

    def ranked_up_to(self, entry: TimelineEntry) -> Self:
        """The entries that rank before `entry`, and `entry`."""
        return self.exclude(_after(entry))


def _after(entry: TimelineEntry) -> models.Q:
    """Ranking after `entry` (TimelineEntryQuerySet.ranked), as a condition on the columns."""
    rank, points, day = entry.rank, entry.points, entry.last_listed_on
    return (
        models.Q(rank__lt=rank)
        | models.Q(rank=rank, points__lt=points)
        | models.Q(rank=rank, points=points, last_listed_on__lt=day)
        | models.Q(rank=rank, points=points, last_listed_on=day, paper_id__lt=entry.paper_id)
    )


class TimelineEntry(models.Model):
    """One paper of a member's feed, with what ranks it and why it is there (papers.feed.Candidate, stored).

    `rank` orders the feed whatever its latest day: log2 of the score before decay, plus the listing day's
    ordinal over the member's half-life (papers.feed.rank_value).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    rank = models.FloatField()
    relevance = models.FloatField(help_text="The sum of the reasons' weights, less the penalty of “less like this”")
    points = models.IntegerField()
    last_listed_on = models.DateField()
    reasons = models.JSONField(default=list, help_text="papers.feed.Reason fields, strongest first")
    despite_mute = models.TextField(blank=True)

    objects = TimelineEntryQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="timelineentry_once_per_paper")]
        indexes = [
            models.Index(fields=["user", "-rank", "-points", "-last_listed_on", "-paper"], name="timelineentry_ranked")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.paper_id} ({self.rank:.4f})"
