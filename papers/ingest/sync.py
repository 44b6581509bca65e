"""Fetch days from Hugging Face (papers.hf), validate each whole and write it in its own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import requests
from django.core.cache import cache
from django.utils import timezone

from papers import hf
from papers.ingest.schema import IngestError
from papers.ingest.validate import validate_items
from papers.ingest.write import ImportResult, write_batches

# When a day was last synced from Hugging Face (ISO time), for the readiness check: losing it only makes the
# check say "unknown" until the next sync.
LAST_SYNC_KEY = "sync:last-success"


class SyncedDay(NamedTuple):
    """One day of a sync: its result, or why it failed (a tuple, so `for day, result, error in ...` works)."""

    day: dt.date
    result: ImportResult | None
    error: str | None


def utc_today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def default_sync_days(today: dt.date | None = None) -> list[dt.date]:
    """Yesterday and today (UTC): today's list still grows, yesterday's counts still move."""
    today = today or utc_today()
    return [today - dt.timedelta(days=1), today]


def sync_day(day: dt.date, session: requests.Session | None = None) -> ImportResult:
    """Fetch one day from Hugging Face, validate it whole, write it in one transaction."""
    items = hf.fetch_daily_papers(day, session=session)
    return write_batches([validate_items(items, hf.source_name(day), day)])


def sync_days(days: Iterable[dt.date], session: requests.Session | None = None) -> Iterator[SyncedDay]:
    """Sync day by day; a failing day yields its error and the next days still run."""
    session = session or hf.make_session()
    for day in days:
        try:
            result = sync_day(day, session)
            cache.set(LAST_SYNC_KEY, timezone.now().isoformat(), timeout=None)
            yield SyncedDay(day, result, None)
        except (hf.HFError, IngestError) as error:
            yield SyncedDay(day, None, str(error))
