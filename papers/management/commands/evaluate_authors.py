"""Measure the author disambiguation (papers.authors) on recorded days, with the claimed accounts as ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers import authors, ingest

DEFAULT_DATA = Path(settings.BASE_DIR) / "tests" / "fixtures" / "hf"


def recorded_slots(paths: list[str]) -> list[authors.Slot]:
    """Every author slot of the recorded papers, each paper once (its first listing), in the order of import."""
    slots: list[authors.Slot] = []
    seen: set[str] = set()
    for path in ingest.collect_files(paths):
        for item in ingest.read_file(path).items:
            if item.arxiv_id in seen:
                continue
            seen.add(item.arxiv_id)
            slots += authors.slots_of_item(item)
    return slots


class Command(BaseCommand):
    help = (
        "Cluster the author slots of recorded Daily Papers responses with the claimed Hugging Face accounts held "
        "out, and print the pairwise precision and recall of 'same person' against those accounts: blocked by "
        "name (as the site is) and by first initial and surname (harder: more namesakes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", metavar="PATH", help=f"JSON files or folders (default: {DEFAULT_DATA})")
        parser.add_argument("--errors", action="store_true", help="list the pairs the clustering gets wrong")

    def handle(self, *args: Any, paths: list[str], errors: bool, **options: Any) -> None:
        try:
            slots = recorded_slots(paths or [str(DEFAULT_DATA)])
        except ingest.IngestError as error:
            raise CommandError(str(error)) from None
        papers = len({slot.paper for slot in slots})
        self.stdout.write(f"{papers} papers, {len(slots)} author slots, {sum(bool(s.account) for s in slots)} claimed")
        for blocking, block_of in (("name", authors.by_name), ("initial+surname", authors.by_initial_and_surname)):
            figures = authors.evaluate(slots, blocking, block_of)
            self.stdout.write(
                f"{blocking}: precision {figures.precision:.3f}, recall {figures.recall:.3f} "
                f"({figures.same_pairs} same-person pairs, {figures.different_pairs} different-person pairs, "
                f"{figures.labelled_slots} labelled slots)"
            )
            if errors:
                for line in figures.errors:
                    self.stdout.write(f"  {line}")
