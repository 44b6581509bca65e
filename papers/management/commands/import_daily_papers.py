"""Import recorded Hugging Face daily_papers responses: all files validated first, then one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers import ingest


class Command(BaseCommand):
    help = (
        "Import recorded responses of Hugging Face's GET /api/daily_papers (JSON files, or folders of *.json). "
        "Every file is read and validated before anything is written; then all are written in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="a JSON file or a folder of *.json files")
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="listing date of items without paper.submittedOnDailyAt (default: a date in the file name)",
        )

    def handle(self, *args: Any, paths: list[str], date: str | dt.date | None, verbosity: int, **options: Any) -> None:
        try:
            day = ingest.parse_day(date) if date else None
        except ValueError as error:
            raise CommandError(f"--date: {error}") from None
        try:
            batches = [ingest.read_file(path, day=day) for path in ingest.collect_files(paths)]
        except ingest.IngestError as error:
            raise CommandError(str(error)) from None
        result = ingest.write_batches(batches)
        if verbosity:
            for warning in result.warnings:
                self.stderr.write(f"warning: {warning}", self.style.WARNING)
            for summary in result.sources:
                self.stdout.write(str(summary))
            result.total.source = f"Total ({len(result.sources)} files)"
            self.stdout.write(str(result.total), self.style.SUCCESS)
