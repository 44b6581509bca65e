"""Sitemaps for crawlers: papers, listing days, topics and organisations, each URL with its real last change.

`/sitemap.xml` is an index of the sections (`/sitemap-papers.xml` and so on), each paginated at
`Sitemap.limit` URLs (50,000, the protocol's maximum) with `?p=2` and further. URLs are absolute,
with the scheme and host of the request (no sites framework).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse

from .models import Listing, Organization, Paper, Topic


class PaperSitemap(Sitemap):
    """Every paper's page; changed when an import or sync last changed the paper."""

    def items(self) -> QuerySet[Paper]:
        return Paper.objects.only("arxiv_id", "updated_at").order_by("pk")

    def lastmod(self, paper: Paper) -> dt.datetime:
        return paper.updated_at

    def get_latest_lastmod(self) -> dt.datetime | None:
        return Paper.objects.aggregate(latest=Max("updated_at"))["latest"]


class DaySitemap(Sitemap):
    """Every day with a listing; changed when one of its listings last changed (Hugging Face's counts)."""

    def items(self) -> QuerySet:
        return Listing.objects.values("date").annotate(lastmod=Max("updated_at")).order_by("date")

    def location(self, day: dict[str, Any]) -> str:
        return reverse("papers:day", args=[day["date"]])

    def lastmod(self, day: dict[str, Any]) -> dt.datetime:
        return day["lastmod"]

    def get_latest_lastmod(self) -> dt.datetime | None:
        return Listing.objects.aggregate(latest=Max("updated_at"))["latest"]


class PapersOfSitemap(Sitemap):
    """Pages listing the papers of a topic or an organisation: those with papers, changed when one of them last was."""

    model: type[Topic] | type[Organization]
    key: str  # the field of the page's address
    papers_field: str  # the paper's field that points to the model

    def items(self) -> QuerySet:
        return (
            self.model.objects.only(self.key)
            .annotate(lastmod=Max("papers__updated_at"))
            .filter(lastmod__isnull=False)
            .order_by("pk")
        )

    def lastmod(self, item: Topic | Organization) -> dt.datetime:
        return item.lastmod

    def get_latest_lastmod(self) -> dt.datetime | None:
        papers = Paper.objects.filter(**{f"{self.papers_field}__isnull": False})
        return papers.aggregate(latest=Max("updated_at"))["latest"]


class TopicSitemap(PapersOfSitemap):
    model, key, papers_field = Topic, "slug", "topics"


class OrganizationSitemap(PapersOfSitemap):
    model, key, papers_field = Organization, "handle", "organization"


SITEMAPS: dict[str, type[Sitemap]] = {
    "papers": PaperSitemap,
    "days": DaySitemap,
    "topics": TopicSitemap,
    "organizations": OrganizationSitemap,
}
