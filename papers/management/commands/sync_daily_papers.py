"""Fetch days of Hugging Face Daily Papers and write each day in its own transaction."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from papers import ingest


class Command(BaseCommand):
    help = (
        "Sync Hugging Face Daily Papers (GET /api/daily_papers) for yesterday and today (UTC), "
        "one day (--date) or a range (--since, --until). A failing day is reported and the others still run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="sync this one day")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="sync every day from this one")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="last day of --since (default: today)")

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        days = self.days(options["date"], options["since"], options["until"])
        show_bar = len(days) > 1 and verbosity > 0 and sys.stderr.isatty()
        bar = tqdm(days, unit="day", file=sys.stderr, disable=not show_bar)
        total = ingest.Summary(f"Total ({len(days)} days)")
        failed: dict[dt.date, str] = {}
        for day, result, error in ingest.sync_days(bar):
            with tqdm.external_write_mode(file=sys.stderr):
                if error is not None:
                    failed[day] = error
                    if verbosity:
                        self.stderr.write(f"{day}: failed: {error}", self.style.ERROR)
                    continue
                assert result is not None
                total.items += result.total.items
                total.papers += result.total.papers
                total.listings += result.total.listings
                if verbosity:
                    for warning in result.warnings:
                        self.stderr.write(f"warning: {warning}", self.style.WARNING)
                    result.total.source = str(day)
                    self.stdout.write(str(result.total))
        if verbosity:
            self.stdout.write(str(total), self.style.SUCCESS if not failed else None)
        if failed:
            causes = "; ".join(f"{day} ({error})" for day, error in failed.items())
            raise CommandError(f"{len(failed)} of {len(days)} days failed: {causes}")

    def days(self, date: str | None, since: str | None, until: str | None) -> list[dt.date]:
        if date and (since or until):
            raise CommandError("use either --date or --since/--until, not both")
        if until and not since:
            raise CommandError("--until needs --since")
        today = ingest.utc_today()
        try:
            if date:
                first = last = ingest.parse_day(date)
            elif since:
                first, last = ingest.parse_day(since), ingest.parse_day(until) if until else today
            else:
                return ingest.default_sync_days(today)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if last < first:
            raise CommandError(f"--until {last} is before --since {first}")
        if last > today:
            raise CommandError(f"{last} is in the future (today is {today} UTC)")
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
