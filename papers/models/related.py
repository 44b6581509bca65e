"""A paper's related papers by content, computed for every paper by papers.related_papers and stored."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .catalog import Paper


class RelatedPaper(models.Model):
    """`related` is among the papers nearest to `paper` by content, at place `rank` (0 first), with why.

    The reasons are stored with the row (`topics`, then `terms` when fewer than two topics are shared), so that
    the paper page shows them from the one query that reads the rows.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="related_rows")
    related = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField(help_text="Cosine similarity of the two papers' TF-IDF vectors over all papers")
    topics = models.JSONField(default=list, blank=True, help_text="Names of topics both papers have")
    terms = models.JSONField(
        default=list, blank=True, help_text="The strongest TF-IDF terms both share, when fewer than two topics are"
    )

    class Meta:
        ordering = ["paper", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "rank"], name="relatedpaper_unique_rank"),
            models.UniqueConstraint(fields=["paper", "related"], name="relatedpaper_once"),
            models.CheckConstraint(condition=~Q(paper=models.F("related")), name="relatedpaper_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} → {self.related_id} #{self.rank} ({self.score:.2f})"

    @property
    def shares(self) -> list[str]:
        """What the two papers have in common, as the page says it: "Shares: reinforcement learning, GRPO"."""
        return [*self.topics, *self.terms]
