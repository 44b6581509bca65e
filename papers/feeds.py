"""Atom feeds: the daily listing, and the papers of each topic, author and organisation."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html_join

from .models import Author, Listing, Organization, Paper, Topic

FEED_ITEMS = 50
DAILY_FEED_DAYS = 3


class PaperFeed(Feed):
    feed_type = Atom1Feed

    def papers(self, obj) -> QuerySet[Paper]:
        raise NotImplementedError

    def items(self, obj=None) -> list[Paper]:
        return list(self.papers(obj).select_related("organization")[:FEED_ITEMS])

    def item_title(self, paper: Paper) -> str:
        return paper.title

    def item_description(self, paper: Paper) -> str:
        """HTML (Atom's summary type="html"), so the mirrored text is escaped, never trusted as markup."""
        return format_html_join("", "<p>{}</p>", ((text,) for text in (paper.ai_summary, paper.abstract) if text))

    def item_author_name(self, paper: Paper) -> str:
        return paper.authors_text

    def item_pubdate(self, paper: Paper) -> dt.datetime | None:
        if paper.last_listed_on:
            return dt.datetime.combine(paper.last_listed_on, dt.time(), tzinfo=dt.UTC)
        return paper.published_at

    def item_updateddate(self, paper: Paper) -> dt.datetime:
        return paper.updated_at

    def item_guid(self, paper: Paper) -> str:
        return f"{settings.SITE_URL}{paper.get_absolute_url()}"

    def item_categories(self, paper: Paper) -> list[str]:
        return list(paper.keywords)


class DailyFeed(PaperFeed):
    title = f"{settings.SITE_NAME}: Daily Papers"
    description = "Papers of the latest Daily Papers days, best first."
    subtitle = description

    def link(self) -> str:
        return reverse("papers:home")

    def papers(self, obj) -> QuerySet[Paper]:
        days = list(Listing.objects.values_list("date", flat=True).distinct().order_by("-date")[:DAILY_FEED_DAYS])
        return Paper.objects.filter(last_listed_on__in=days).order_by("-last_listed_on", "-points", "-pk")


class TopicFeed(PaperFeed):
    def get_object(self, request, slug: str) -> Topic:
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic: Topic) -> str:
        return f"{settings.SITE_NAME}: papers on {topic.name}"

    def link(self, topic: Topic) -> str:
        return topic.get_absolute_url()

    def papers(self, topic: Topic) -> QuerySet[Paper]:
        return topic.papers.newest_first()


class AuthorFeed(PaperFeed):
    def get_object(self, request, slug: str) -> Author:
        return get_object_or_404(Author, slug=slug)

    def title(self, author: Author) -> str:
        return f"{settings.SITE_NAME}: papers by {author.name}"

    def link(self, author: Author) -> str:
        return author.get_absolute_url()

    def papers(self, author: Author) -> QuerySet[Paper]:
        return author.papers.newest_first()


class OrganizationFeed(PaperFeed):
    def get_object(self, request, handle: str) -> Organization:
        return get_object_or_404(Organization, handle=handle)

    def title(self, organization: Organization) -> str:
        return f"{settings.SITE_NAME}: papers from {organization.name}"

    def link(self, organization: Organization) -> str:
        return organization.get_absolute_url()

    def papers(self, organization: Organization) -> QuerySet[Paper]:
        return organization.papers.newest_first()
