"""Send the daily and weekly digests that are due, each member and period once (what the hourly task does)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers import digests


class Command(BaseCommand):
    help = (
        "Send the digests due now, or at --now: daily ones for yesterday, weekly ones on Mondays for last week, "
        "from DIGEST_HOUR_UTC. A member and period already recorded is never sent again. "
        "--dry-run shows who would get what and records and sends nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", metavar="ISO-DATETIME", help="act as if it were this moment (UTC unless zoned)")
        parser.add_argument("--dry-run", action="store_true", help="build the digests, record and send nothing")

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        now = parse_moment(options["now"]) if options["now"] else None
        outcomes = digests.send_digests(now, dry_run=options["dry_run"])
        if verbosity > 1 or options["dry_run"]:
            for outcome in outcomes:
                papers = f" ({outcome.papers} paper{'s' if outcome.papers != 1 else ''})" if outcome.papers else ""
                self.stdout.write(f"@{outcome.member.username}: {outcome.period}: {outcome.result}{papers}")
        if verbosity:
            counts = Counter(outcome.result for outcome in outcomes)
            summary = ", ".join(f"{count} {result}" for result, count in sorted(counts.items())) or "nothing due"
            self.stdout.write(f"Digests: {summary}", self.style.ERROR if counts["failed"] else self.style.SUCCESS)


def parse_moment(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)  # naive means UTC (papers.digests.send_digests)
    except ValueError:
        raise CommandError(f"--now {value!r} is not an ISO date and time, like 2026-08-24T07:00") from None
