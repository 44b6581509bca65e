"""Hand Celery the tasks that waited in the outbox (what the task run each minute by beat does), now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from papers import outbox
from papers.models import OutboxMessage


class Command(BaseCommand):
    help = "Queue the tasks written while the Celery broker was away, and say how many are still waiting."

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        sent = outbox.relay_waiting(older_than=dt.timedelta(0))
        waiting = OutboxMessage.objects.count()
        if verbosity:
            self.stdout.write(f"Relayed {sent} task(s); {waiting} still waiting.")
