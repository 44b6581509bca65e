"""The spellings of a topic: each keyword Hugging Face used, pointing at the concept (`Topic`) it names.

`papers.topics` decides which concept a spelling belongs to (papers.topic_rules holds the rules);
the page of a spelling's slug redirects to its concept's page.
"""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Q

from .catalog import Topic


class TopicAliasQuerySet(models.QuerySet):
    def of_topics(self, topic_ids) -> Self:
        return self.filter(topic_id__in=topic_ids)

    def with_key(self, keys) -> Self:
        return self.filter(key__in=keys).order_by("-paper_count", "pk")

    def pinned(self) -> Self:
        return self.filter(decided_by_moderator=True)

    def spelling_topic(self, slug: str) -> Self:
        """The spellings of the topic whose canonical slug is `slug`, most used first, each with the topic."""
        return self.filter(topic__slug=slug).select_related("topic").order_by("-paper_count", "name")

    def others_of(self, topic: Topic) -> Self:
        """The spellings a topic page lists under "Also known as": all but the canonical one, most used first."""
        return self.filter(topic=topic).exclude(slug=topic.slug).order_by("-paper_count", "name")


class TopicAlias(models.Model):
    """One spelling of a topic ("GRPO", "Group Relative Policy Optimization"), with the papers that use it."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="aliases")
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, db_index=True, help_text="topic_rules.topic_key(name)")
    evidence_key = models.CharField(
        max_length=200, blank=True, db_index=True, help_text="Key of what this spelling's papers define it as"
    )
    paper_count = models.PositiveIntegerField(default=0, help_text="Papers whose keywords use this spelling")
    decided_by_moderator = models.BooleanField(
        default=False, help_text="A moderator placed this spelling: imports never move it"
    )

    objects = TopicAliasQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "topic aliases"
        indexes = [models.Index(fields=["topic", "paper_count"])]
        constraints = [models.CheckConstraint(condition=~Q(key=""), name="topicalias_key_not_empty")]

    def __str__(self) -> str:
        return f"{self.name} → {self.topic_id}"
