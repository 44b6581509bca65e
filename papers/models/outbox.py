"""Tasks waiting to be handed to Celery: written in the transaction of the change that needs them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """One task to queue (papers.outbox): deleted once the broker has taken it, kept while it cannot."""

    task = models.CharField(max_length=200, help_text="The task's registered name, e.g. papers.tasks.notify_new_papers")
    args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
