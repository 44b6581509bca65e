"""Rebuild the stored personal feeds (papers.feed.rebuild_timeline) of every member who has one to have, or of one."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef, Q
from tqdm import tqdm

from accounts.models import User
from papers import feed
from papers.models import Follow, PaperVote, SavedPaper, Timeline


class Command(BaseCommand):
    help = (
        "Rank and store anew the personal feed of every member who follows something, has upvoted or saved a "
        "paper, or has a stored feed already; or of one member (--member)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--member", metavar="USERNAME", help="only this member")

    def handle(self, *args: Any, member: str | None, verbosity: int, **options: Any) -> None:
        started = time.monotonic()
        if member:
            ids = list(User.objects.filter(username=member).values_list("pk", flat=True))
            if not ids:
                raise CommandError(f"No member {member}.")
        else:
            ids = list(
                User.objects.filter(
                    Q(Exists(Follow.objects.following().filter(user=OuterRef("pk"))))
                    | Q(Exists(PaperVote.objects.filter(user=OuterRef("pk"))))
                    | Q(Exists(SavedPaper.objects.filter(user=OuterRef("pk"))))
                    | Q(Exists(Timeline.objects.filter(user=OuterRef("pk"))))
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        entries = 0
        for pk in tqdm(ids, unit="member", disable=verbosity == 0, file=self.stderr):
            entries += feed.rebuild_timeline(User(pk=pk), create=True) or 0
        if verbosity:
            self.stdout.write(
                f"Feeds rebuilt: {len(ids)} member{'s' if len(ids) != 1 else ''}, {entries} papers "
                f"({time.monotonic() - started:.1f}s).",
                self.style.SUCCESS,
            )
