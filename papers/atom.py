"""Atom feeds: the daily listing; each day, ISO week and month; trending; any search; the papers of each topic, author
and organisation; and each member's private feed.

A feed of a listing page lists that page's papers in its default order, from the same queryset (papers.periods,
Paper.objects.trending, Paper.objects.search): a feed never ranks papers its own way."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from accounts.models import User

from .feed import top_items
from .models import Author, Authorship, Listing, Organization, Paper, Topic, TopicAlias, normalize_whitespace
from .models.values import SEARCH_MAX_LENGTH
from .periods import ListingPeriod

FEED_ITEMS = 50
DAILY_FEED_DAYS = 3
PRIVATE_FEED_DAYS = 14
# What an entry shows beyond a listing row's columns (Paper.NOT_IN_ROWS): its summary, authors and categories.
#
# An entry's id is its link, the paper's address on the host the feed was asked from (Django's default guid):
# the same for every request to that host, and an address that opens the paper.


class AuthorsAtom1Feed(Atom1Feed):
    """Atom with an `<author>` element for each of an entry's `authors`, in order (Atom1Feed writes one)."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        for name in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


def with_authors(papers: list[Paper]) -> list[Paper]:
    """`papers`, each with its authorships and their authors loaded, in order: one query for all of them."""
    authorships = Authorship.objects.select_related("author").only("paper_id", "position", "author__name")
    prefetch_related_objects(papers, Prefetch("authorships", queryset=authorships))
    return papers


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


class PaperFeed(Feed):
    feed_type = AuthorsAtom1Feed

    def papers(self, obj) -> QuerySet[Paper]:
        raise NotImplementedError

    def items(self, obj=None) -> list[Paper]:
        return with_authors(list(self.papers(obj).select_related("organization")[:FEED_ITEMS]))

    def item_title(self, paper: Paper) -> str:
        return paper.title

    def item_description(self, paper: Paper) -> str:
        """HTML (Atom's summary type="html"), so the mirrored text is escaped, never trusted as markup."""
        return format_html_join("", "<p>{}</p>", ((text,) for text in (paper.ai_summary, paper.abstract) if text))

    def item_extra_kwargs(self, paper: Paper) -> dict:
        return {"authors": [authorship.author.name for authorship in paper.authorships.all()]}

    def item_pubdate(self, paper: Paper) -> dt.datetime | None:
        """Its arXiv publication, or else the first Daily Papers day that listed it."""
        if paper.published_at:
            return paper.published_at
        return day_start(paper.first_listed_on) if paper.first_listed_on else None

    def item_updateddate(self, paper: Paper) -> dt.datetime:
        """The later of its arXiv publication and its last Daily Papers day; when it has neither, when it came
        here (never the last import, which touches every paper it lists)."""
        dates = [paper.published_at, paper.last_listed_on and day_start(paper.last_listed_on)]
        return max(filter(None, dates), default=paper.created_at)

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


class PeriodFeed(PaperFeed):
    """The papers of one day, ISO week or month (`name`), best first as on its page; 404 where its page is."""

    def __init__(self, name: str) -> None:
        self.name = name

    def get_object(self, request, first: dt.date) -> ListingPeriod:
        period = ListingPeriod(self.name, first)
        period.refuse_future()
        return period

    def title(self, period: ListingPeriod) -> str:
        return f"{settings.SITE_NAME}: {period.long_title}"

    def subtitle(self, period: ListingPeriod) -> str:
        return f"The papers of {period.title}, best first."

    def link(self, period: ListingPeriod) -> str:
        return reverse(f"papers:{period.name}", args=[period.first])

    def papers(self, period: ListingPeriod) -> QuerySet[Paper]:
        return period.papers()


class TrendingFeed(PaperFeed):
    title = f"{settings.SITE_NAME}: Trending papers"
    subtitle = "Papers by upvotes with time decay: ten times the upvotes buys two days of age."

    def link(self) -> str:
        return reverse("papers:trending")

    def papers(self, obj) -> QuerySet[Paper]:
        return Paper.objects.trending()


# What XML 1.0 cannot carry (control characters, U+FFFE, U+FFFF): Django refuses to write some of them, and a
# feed reader any of them, so a query in a feed's title leaves them out.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def search_query(request: HttpRequest) -> str:
    """The words of ?q=, as Paper.objects.search reads them; "" for none."""
    return normalize_whitespace(NOT_XML.sub(" ", request.GET.get("q", "")))[:SEARCH_MAX_LENGTH]


def search_feed_url(query: str) -> str:
    return f"{reverse('papers:search-feed')}?{urlencode({'q': query})}"


class SearchFeed(PaperFeed):
    """The papers that match ?q=, best first as on /search/: a feed of a search to follow.

    Like the search pages, kept out of search engines: each query is an address of its own.
    """

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not search_query(request):
            return HttpResponseBadRequest(
                "Say what to search for: /search/feed/?q=words", content_type="text/plain; charset=utf-8"
            )
        response = super().__call__(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request) -> str:
        return search_query(request)

    def title(self, query: str) -> str:
        return f"{settings.SITE_NAME}: search for “{query}”"

    def subtitle(self, query: str) -> str:
        return f"The papers that match “{query}”, best first."

    def link(self, query: str) -> str:
        return f"{reverse('papers:search')}?{urlencode({'q': query})}"

    def feed_url(self, query: str) -> str:
        """The feed's own address with its query (Django's default, the request's path, has none)."""
        return search_feed_url(query)

    def papers(self, query: str) -> QuerySet[Paper]:
        return Paper.objects.search(query)


class PapersOfFeed(PaperFeed):
    """The newest papers of one topic, author or organisation, found by the key in its address."""

    model: type[Topic] | type[Author] | type[Organization]
    key: str  # the field named in the URL pattern
    phrase: str  # "papers on", "papers by", "papers from"

    def get_object(self, request, **kwargs) -> Topic | Author | Organization:
        return get_object_or_404(self.model, **{self.key: kwargs[self.key]})

    def title(self, obj: Topic | Author | Organization) -> str:
        return f"{settings.SITE_NAME}: {self.phrase} {obj.name}"

    def link(self, obj: Topic | Author | Organization) -> str:
        return obj.get_absolute_url()

    def papers(self, obj: Topic | Author | Organization) -> QuerySet[Paper]:
        return obj.papers.newest_first()


class TopicFeed(PapersOfFeed):
    model, key, phrase = Topic, "slug", "papers on"

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """The feed of another spelling of a topic redirects to the topic's feed for good (301)."""
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            alias = get_object_or_404(TopicAlias.objects.select_related("topic"), slug=kwargs["slug"])
            return redirect("papers:topic-feed", alias.topic.slug, permanent=True)


class AuthorFeed(PapersOfFeed):
    model, key, phrase = Author, "key", "papers by"

    def get_object(self, request, **kwargs) -> Author:
        """The person the address names (`slug` alone when the name has one person, else `slug/number`)."""
        try:
            return Author.objects.live().by_key(kwargs["key"])
        except Author.DoesNotExist:
            raise Http404("No such author.") from None


class OrganizationFeed(PapersOfFeed):
    model, key, phrase = Organization, "handle", "papers from"


class PrivateFeed(PaperFeed):
    """A member's personal feed (papers.feed) at a secret address, for feed readers; anyone with the address reads it.

    Never cached: it is per member, and the address changes when the member asks for a new one.
    """

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request, token: str) -> User:
        return get_object_or_404(User.objects.present(), feed_token=token)

    def title(self, member: User) -> str:
        return f"{settings.SITE_NAME}: papers for @{member.username}"

    def subtitle(self, member: User) -> str:
        return f"The papers picked for @{member.username} over the last {PRIVATE_FEED_DAYS} listing days, best first."

    def link(self, member: User) -> str:
        return reverse("papers:feed")

    def items(self, member: User) -> list[Paper]:
        """The feed's papers, each with `why`: its reasons as text (and why it shows despite a mute)."""
        latest = Listing.objects.latest_day()
        if latest is None:
            return []
        picked = top_items(member, since=latest - dt.timedelta(days=PRIVATE_FEED_DAYS - 1), limit=FEED_ITEMS)
        for item in picked:
            item.paper.why = [*(reason.label for reason in item.reasons), *filter(None, [item.despite_mute])]
        return with_authors([item.paper for item in picked])

    def item_description(self, paper: Paper) -> str:
        return format_html("<p>Why: {}</p>{}", "; ".join(paper.why), super().item_description(paper))
