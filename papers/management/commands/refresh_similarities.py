"""Recompute the similar papers of the personal feed's seeds (what the hourly task does), now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers import similarity
from papers.models import Paper


class Command(BaseCommand):
    help = (
        "Store the nearest papers of the feed's window for every seed (papers members upvoted, saved or asked to "
        "see less like), or only for the papers named by arXiv id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("arxiv_ids", nargs="*", metavar="ARXIV_ID", help="only these seed papers")

    def handle(self, *args: Any, arxiv_ids: list[str], verbosity: int, **options: Any) -> None:
        started = time.monotonic()
        seed_ids = None
        if arxiv_ids:
            found = dict(Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list("arxiv_id", "pk"))
            missing = [arxiv_id for arxiv_id in arxiv_ids if arxiv_id not in found]
            if missing:
                raise CommandError(f"No such paper: {', '.join(missing)}")
            seed_ids = list(found.values())
        changed = similarity.refresh(seed_ids)
        if verbosity:
            self.stdout.write(
                f"Similar papers refreshed: {changed} seed{'s' if changed != 1 else ''} changed "
                f"({time.monotonic() - started:.1f}s).",
                self.style.SUCCESS,
            )
