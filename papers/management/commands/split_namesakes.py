"""Give each person behind a name their own identity, for names that still have one (as migration 0008 leaves them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from papers import authors, ingest
from papers.caching import bump_pages_version


class Command(BaseCommand):
    help = (
        "Re-cluster the papers of each author name that has a single identity (papers.authors) and split off the "
        "other people found. Imports do this for new papers; run it once after migrating an existing database. "
        "Names corrected by moderators are left alone; running it again changes nothing."
    )

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        with transaction.atomic():
            ingest.lock_catalog()
            new = authors.split_namesakes()
            if new:
                transaction.on_commit(bump_pages_version)
        if verbosity:
            self.stdout.write(f"{len(new)} new author identities" + (f": {', '.join(new[:20])}" if new else ""))
