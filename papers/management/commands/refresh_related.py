"""Recompute every paper's related papers by content (what the task queued after each import does), now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from papers import related_papers


class Command(BaseCommand):
    help = (
        "Store the nearest papers by content (TF-IDF over titles, abstracts and keywords of all papers) of every "
        "paper, with the topics and terms they share; rows that would not change are left alone."
    )

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        started = time.monotonic()
        changed = related_papers.refresh()
        if verbosity:
            self.stdout.write(
                f"Related papers refreshed: {changed} paper{'s' if changed != 1 else ''} changed "
                f"({time.monotonic() - started:.1f}s).",
                self.style.SUCCESS,
            )
