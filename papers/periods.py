"""The listing periods: a day, an ISO week and a month of Daily Papers.

A period's HTML listing (papers.views.listings) and its Atom feed (papers.atom) both start from here, so the feed
lists the page's papers in the page's default order, and both refuse the same periods.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404
from django.utils.formats import date_format

from . import ingest
from .caching import pages_version
from .models import Listing, Paper


def cached_latest_day() -> dt.date | None:
    """The latest listing day, kept in the page cache under the pages version (only an import lists a new day)."""
    key = f"pages:{pages_version()}:latest-day"
    return cache.get_or_set(
        key, Listing.objects.latest_day, settings.PAGE_CACHE_SECONDS or settings.MEMBER_PAGE_SECONDS
    )


EYEBROWS = {"day": "Daily Papers", "week": "Papers of the week", "month": "Papers of the month"}


@dataclass(frozen=True)
class ListingPeriod:
    """One day, ISO week or month of listings, whether or not papers were listed in it."""

    name: str  # "day", "week" or "month"
    first: dt.date  # the day, the Monday of the ISO week, the first of the month (what the URL converters give)

    @property
    def last(self) -> dt.date:
        if self.name == "week":
            return self.first + dt.timedelta(days=6)
        if self.name == "month":
            return self.first.replace(day=calendar.monthrange(self.first.year, self.first.month)[1])
        return self.first

    @property
    def title(self) -> str:
        """What its page's heading says: "August 18, 2026", "Week 34 of 2026: Aug 17 – Aug 23", "August 2026"."""
        if self.name == "week":
            week = f"Week {date_format(self.first, 'W')} of {date_format(self.first, 'o')}"
            return f"{week}: {date_format(self.first, 'M j')} – {date_format(self.last, 'M j')}"
        return date_format(self.first, "F Y" if self.name == "month" else "F j, Y")

    @property
    def eyebrow(self) -> str:
        """What kind of listing it is: "Daily Papers", "Papers of the week", "Papers of the month"."""
        return EYEBROWS[self.name]

    @property
    def long_title(self) -> str:
        """Its title after its kind ("Daily Papers, August 18, 2026"), where nothing around says the kind."""
        return f"{self.eyebrow}, {self.title}"

    def start_of(self, day: dt.date | None) -> dt.date | None:
        """The first day of the period of this length that holds `day`."""
        if day is None or self.name == "day":
            return day
        return day - dt.timedelta(days=day.weekday()) if self.name == "week" else day.replace(day=1)

    def neighbours(self) -> tuple[dt.date | None, dt.date | None]:
        """The first days of the nearest periods before and after this one with papers (None where there is none).

        Kept in the page cache under the pages version: only an import lists papers on other days."""

        def find() -> tuple[dt.date | None, dt.date | None]:
            before, after = Listing.objects.day_before(self.first), Listing.objects.day_after(self.last)
            return self.start_of(before), self.start_of(after)

        key = f"pages:{pages_version()}:neighbours:{self.name}:{self.first}"
        return cache.get_or_set(key, find, settings.PAGE_CACHE_SECONDS or settings.MEMBER_PAGE_SECONDS)

    def refuse_future(self) -> None:
        """404 for a period that begins after today, unless papers are listed in it.

        Hugging Face's listing days, like ours, are UTC dates (papers.ingest.utc_today), whatever the site's time zone.
        """
        if self.first > ingest.utc_today() and not Paper.objects.listed_between(self.first, self.last).exists():
            raise Http404("No papers are listed after today.")

    def papers(self, sort: str = "top") -> QuerySet[Paper]:
        """Its papers in its listing's order (one of Paper.SORTS): a day's "top" breaks ties by Hugging Face's own
        order of the day, which a week or a month does not have."""
        if self.name == "day":
            return Paper.objects.listed_on(self.first).ranked_for_day(sort)
        return Paper.objects.listed_between(self.first, self.last).sorted_by(sort)
