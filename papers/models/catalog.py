"""Papers mirrored from Hugging Face Daily Papers, and what hangs off them.

Mirrored counters from Hugging Face (`hf_upvotes`, `hf_comments`) are kept apart
from the site's own (`upvote_count`, `comment_count`). The sort keys `points` and
`hotness` are stored and indexed; `Paper.refresh_sort_keys()` derives them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Self, cast

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db import IntegrityError, connections, models, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

if TYPE_CHECKING:
    from .identities import Author
from .values import (
    ARXIV_ID_RE,
    HF_BASE_URL,
    HOTNESS_EPOCH,
    SEARCH_CONFIG,
    SEARCH_MAX_LENGTH,
    SEARCH_MAX_RANKED,
    cached_reverse,
    hotness,
    normalize_whitespace,
    parse_arxiv_reference,
    search_terms,
)


class HFUser(models.Model):
    """A Hugging Face account: a Daily Papers submitter or an author who claimed a paper."""

    username = models.CharField(max_length=100, unique=True)
    fullname = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    hf_id = models.CharField(max_length=24, blank=True)

    class Meta:
        verbose_name = "Hugging Face user"

    def __str__(self) -> str:
        return self.username

    @property
    def shown_name(self) -> str:
        return self.fullname or self.username

    @property
    def hf_url(self) -> str:
        return f"{HF_BASE_URL}/{self.username}"


class Organization(models.Model):
    handle = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    avatar_url = models.URLField(max_length=500, blank=True)
    hf_id = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return cached_reverse("papers:organization", self.handle)

    @property
    def hf_url(self) -> str:
        return f"{HF_BASE_URL}/{self.handle}"


class TopicQuerySet(models.QuerySet):
    def refresh_paper_counts(self) -> int:
        """Recount each topic's papers from the PaperTopic rows."""
        count = PaperTopic.objects.filter(topic=OuterRef("pk")).order_by().values("topic").annotate(n=Count("*"))
        return self.update(paper_count=Coalesce(Subquery(count.values("n")), 0))


class Topic(models.Model):
    """A concept shared across papers: the spellings of Hugging Face's `ai_keywords` that name it are its
    `aliases` (papers.topics); `slug` and `name` are those of its canonical spelling."""

    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    name = models.CharField(max_length=200)
    paper_count = models.PositiveIntegerField(default=0, help_text="Recounted from PaperTopic rows on each import")
    name_decided_by_moderator = models.BooleanField(default=False, help_text="Imports keep a moderator's name")

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return cached_reverse("papers:topic", self.slug)


class PaperQuerySet(models.QuerySet):
    def for_rows(self) -> Self:
        """The columns a listing row shows; `papers.rows.with_rows` adds authors and topics where needed."""
        return self.defer(*Paper.NOT_IN_ROWS).select_related("organization", "submitted_by", "submission__user")

    def listed_on(self, day: dt.date) -> Self:
        return self.filter(listings__date=day)

    def listed_between(self, first: dt.date, last: dt.date) -> Self:
        return self.filter(Exists(Listing.objects.filter(paper=OuterRef("pk"), date__range=(first, last))))

    def sorted_by(self, sort: str) -> Self:
        """Order by one of Paper.SORTS: top (points), newest (arXiv date) or discussed (comments)."""
        if sort == "new":
            return self.order_by("-published_at", "-pk")
        if sort == "discussed":
            return self.alias(discussion=F("hf_comments") + F("comment_count")).order_by(
                "-discussion", "-points", "-pk"
            )
        return self.order_by("-points", "-published_at", "-pk")

    def ranked_for_day(self, sort: str) -> Self:
        """Like sorted_by, with Hugging Face's own order of the day breaking ties on "top"."""
        if sort == "top":
            return self.order_by("-points", "listings__hf_position")
        return self.sorted_by(sort)

    def refresh_search_vectors(self) -> int:
        """Recompute the full-text vectors (PostgreSQL only; SQLite searches the columns directly)."""
        if connections[self.db].vendor != "postgresql":
            return 0
        return self.update(
            search_vector=SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("authors_text", weight="B", config=SEARCH_CONFIG)
            + SearchVector(Cast("keywords", TextField()), weight="B", config=SEARCH_CONFIG)
            + SearchVector("abstract", weight="C", config=SEARCH_CONFIG)
        )

    def search(self, query: str) -> Self:
        """Papers matching `query`, best first: every word and "quoted phrase" must match, none of the
        -words and -"phrases"; an arXiv id or an arXiv or Hugging Face paper URL finds that paper.

        PostgreSQL ranks with full-text search (title above authors and keywords
        above abstract); elsewhere each term must appear in one of those columns
        and the score weighs where it was found the same way.
        """
        query = normalize_whitespace(query)[:SEARCH_MAX_LENGTH]
        if arxiv_id := parse_arxiv_reference(query):
            return self.filter(arxiv_id=arxiv_id)
        if connections[self.db].vendor == "postgresql":
            # websearch_to_tsquery reads the same syntax; the parser indexes "sana-video" with its parts
            # "sana" and "video", so -video leaves it out too.
            ts_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
            matches = self.filter(search_vector=ts_query)
            # Ranking reads each match's whole vector: bound the work by ranking the best-voted matches.
            candidates = matches.order_by("-points", "-pk").values("pk")[:SEARCH_MAX_RANKED]
            return (
                self.filter(pk__in=Subquery(candidates))
                .annotate(rank=SearchRank(F("search_vector"), ts_query, normalization=Value(1)))
                .order_by("-rank", "-points", "-pk")
            )
        terms = search_terms(query)
        if not terms:
            return self.none()
        fields = {"title": 8, "authors_text": 4, "keywords_text": 4, "abstract": 1}
        queryset = self.alias(keywords_text=Cast("keywords", TextField()))
        score: Expression = Value(0)
        for text, excluded in terms:
            found = Q.create([(f"{field}__icontains", text) for field in fields], connector=Q.OR)
            if excluded:
                queryset = queryset.exclude(found)
                continue
            queryset = queryset.filter(found)
            for field, weight in fields.items():
                score += Case(When(**{f"{field}__icontains": text}, then=Value(weight)), default=Value(0))
        return queryset.annotate(rank=Cast(score, IntegerField())).order_by("-rank", "-points", "-pk")

    def in_feed_window(self, since: dt.date | None = None, until: dt.date | None = None) -> Self:
        """Papers the personal feed can show: last listed in `Listing.objects.feed_window(since, until)`."""
        span = Listing.objects.feed_window(since, until)
        return self.none() if span is None else self.filter(last_listed_on__range=span)

    def submitted_by(self, user) -> Self:
        """The papers `user` submitted, newest submission first."""
        return self.filter(submission__user=user).order_by("-submission__created_at")

    def upvoted_by(self, user) -> Self:
        """The papers `user` upvoted, newest upvote first."""
        return self.filter(votes__user=user).order_by("-votes__created_at", "-pk")

    def lock(self, pk: int) -> Paper:
        """The paper `pk`, its row locked until the transaction ends, so that recounts of it run one at a time."""
        return cast(Paper, self.select_for_update(no_key=True).defer(*Paper.NOT_IN_ROWS).get(pk=pk))

    def trending(self) -> Self:
        return self.exclude(last_listed_on=None).order_by("-hotness", "-pk")

    def newest_first(self) -> Self:
        return self.order_by("-published_at", "-pk")


class Paper(models.Model):
    SORTS = {"top": "Top", "new": "Newest", "discussed": "Most discussed"}
    ROW_AUTHORS = 3
    ROW_TOPICS = 5
    NOT_IN_ROWS = ("search_vector", "abstract", "keywords", "media_urls", "authors_text", "ai_summary")

    arxiv_id = models.CharField(max_length=40, unique=True)
    title = models.TextField()
    abstract = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="arXiv publication (v1)")
    authors: models.ManyToManyField[Author, Authorship] = models.ManyToManyField(
        "Author", through="Authorship", related_name="papers"
    )
    author_count = models.PositiveIntegerField(default=0)
    authors_text = models.TextField(blank=True, help_text="Visible author names, for search")
    topics = models.ManyToManyField(Topic, through="PaperTopic", related_name="papers")
    keywords = models.JSONField(default=list, blank=True, help_text="ai_keywords as sent by Hugging Face")
    ai_summary = models.TextField(blank=True)
    ai_summary_model = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="papers"
    )
    submitted_by = models.ForeignKey(HFUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    thumbnail_url = models.URLField(max_length=500, blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    github_repo = models.URLField(max_length=500, blank=True)
    github_stars = models.PositiveIntegerField(null=True, blank=True)
    project_page = models.URLField(max_length=500, blank=True)
    hf_discussion_id = models.CharField(max_length=24, blank=True)

    # Mirrored from Hugging Face at the last sync.
    hf_upvotes = models.PositiveIntegerField(default=0)
    hf_comments = models.PositiveIntegerField(default=0)
    # The site's own, recomputed from source rows.
    upvote_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    # Stored sort keys.
    points = models.IntegerField(default=0, db_index=True)
    hotness = models.FloatField(default=0, db_index=True)
    first_listed_on = models.DateField(null=True, blank=True)
    last_listed_on = models.DateField(null=True, blank=True, db_index=True)

    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PaperQuerySet.as_manager()
    shares: list[str]  # on the papers `related()` returns: what each shares with this one

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(arxiv_id__regex=ARXIV_ID_RE.pattern), name="paper_arxiv_id_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title}"

    def get_absolute_url(self) -> str:
        return cached_reverse("papers:detail", self.arxiv_id)

    def refresh_sort_keys(self) -> None:
        """Derive points and hotness from the counters and the first listing date."""
        self.points = self.hf_upvotes + self.upvote_count
        if self.first_listed_on:
            listed_at = dt.datetime.combine(self.first_listed_on, dt.time(), tzinfo=dt.UTC)
        else:
            listed_at = self.published_at or HOTNESS_EPOCH
        self.hotness = hotness(self.points, listed_at)

    def upvote(self, user) -> bool:
        """Idempotent: a member's second upvote changes nothing (the unique constraint decides).

        True if the vote is new. Writes rows only: `papers.follows.upvote` also queues the similarity refresh.
        """
        created = False
        with transaction.atomic():
            locked = Paper.objects.lock(self.pk)
            try:
                with transaction.atomic():
                    self.votes.create(user=user)
                created = True
            except IntegrityError:
                pass
            locked.recount_upvotes()
        self._copy_counts(locked)
        return created

    def remove_upvote(self, user) -> bool:
        """Idempotent; True if there was a vote to take back."""
        with transaction.atomic():
            locked = Paper.objects.lock(self.pk)
            deleted, _ = self.votes.filter(user=user).delete()
            locked.recount_upvotes()
        self._copy_counts(locked)
        return deleted > 0

    def recount_upvotes(self) -> None:
        """The site's upvotes recounted from the vote rows, and the sort keys that depend on them."""
        self.upvote_count = self.votes.count()
        self.refresh_sort_keys()
        self.save(update_fields=["upvote_count", "points", "hotness"])

    def recount_comments(self) -> None:
        self.comment_count = self.comments.visible().count()
        self.save(update_fields=["comment_count"])

    def _copy_counts(self, other: Paper) -> None:
        self.upvote_count, self.points, self.hotness = other.upvote_count, other.points, other.hotness

    def related(self) -> list[Paper]:
        """The papers nearest to this one by content, best first, each with `shares`: why it is related.

        Computed for every paper and stored by papers.related_papers; one query reads them with their rows' columns.
        """
        rows = self.related_rows.order_by("rank").select_related(
            "related__organization", "related__submitted_by", "related__submission__user"
        )
        papers = []
        for row in rows.defer(*(f"related__{name}" for name in Paper.NOT_IN_ROWS)):
            row.related.shares = row.shares
            papers.append(row.related)  # `papers.rows.with_rows` renders them
        return papers

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def hf_url(self) -> str:
        return f"{HF_BASE_URL}/papers/{self.arxiv_id}"

    @property
    def member_submitter(self):
        """The member who brought this paper from arXiv, if one did (and is still a member)."""
        submission = getattr(self, "submission", None)
        user = submission.user if submission else None
        return user if user and not user.is_deleted else None

    @property
    def hidden_author_count(self) -> int:
        """Authors not shown in a listing row (the row shows the first ROW_AUTHORS)."""
        return max(self.author_count - self.ROW_AUTHORS, 0)


class Authorship(models.Model):
    """An author's place on a paper. Hidden authors are never stored."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey("Author", on_delete=models.CASCADE, related_name="authorships")
    position = models.PositiveSmallIntegerField()
    hf_user = models.ForeignKey(HFUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A moderator put this slot on its identity (papers.author_identities): re-clustering never moves it.
    pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["paper", "position"], name="authorship_unique_position")]
        indexes = [models.Index(fields=["author", "paper"])]

    def __str__(self) -> str:
        return f"{self.author} on {self.paper.arxiv_id}"


class PaperTopic(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="paper_topics")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="paper_topics")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["paper", "topic"], name="papertopic_unique")]
        indexes = [models.Index(fields=["topic", "paper"])]

    def __str__(self) -> str:
        return f"{self.topic} on {self.paper.arxiv_id}"


class ListingQuerySet(models.QuerySet):
    def days(self) -> models.QuerySet[Any, dt.date]:
        return self.values_list("date", flat=True).distinct().order_by("date")

    def latest_day(self) -> dt.date | None:
        return self.aggregate(day=models.Max("date"))["day"]

    def day_before(self, day: dt.date) -> dt.date | None:
        return self.filter(date__lt=day).aggregate(day=models.Max("date"))["day"]

    def day_after(self, day: dt.date) -> dt.date | None:
        return self.filter(date__gt=day).aggregate(day=models.Min("date"))["day"]

    def between(self, first: dt.date, last: dt.date) -> Self:
        return self.filter(date__range=(first, last))

    def last_of_each_paper(self, first: dt.date, last: dt.date) -> Self:
        """The listings between `first` and `last`, a paper relisted in them once: on its last day there."""
        if first == last:
            return self.between(first, last)
        later = Listing.objects.filter(paper=OuterRef("paper"), date__gt=OuterRef("date"), date__lte=last)
        return self.between(first, last).filter(~Exists(later))

    def latest_of_each_paper(self) -> Self:
        """Each paper's latest listing (the day its `last_listed_on` names)."""
        return self.filter(date=F("paper__last_listed_on"))

    def submitted_by(self, username: str) -> Self:
        """The listings a Hugging Face user submitted to Daily Papers."""
        return self.filter(submitter__username=username)

    def in_hf_order(self) -> Self:
        """Newest day first, each day in Hugging Face's own order."""
        return self.order_by("-date", "hf_position", "pk")

    def by_hotness(self) -> Self:
        """The papers' trending order (`Paper.hotness`, stored and indexed), newest listing first on a tie."""
        return self.order_by("-paper__hotness", "-paper_id", "-date")

    def feed_window(self, since: dt.date | None = None, until: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
        """(first, last) listing days of the personal feed's candidates: the FEED_WINDOW_DAYS days that end on the
        latest listing day, or on `until` when earlier (a digest's period), and start no earlier than `since`."""
        last = self.latest_day()
        if last is None:
            return None
        if until is not None:
            last = min(last, until)
        first = last - dt.timedelta(days=settings.FEED_WINDOW_DAYS - 1)
        if since is not None:
            first = max(first, since)
        return first, last


class Listing(models.Model):
    """A paper's appearance on one Daily Papers day, with Hugging Face's counts at sync time."""

    date = models.DateField()
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="listings")
    submitter = models.ForeignKey(HFUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="listings")
    submitter_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hf_upvotes = models.PositiveIntegerField(default=0)
    hf_comments = models.PositiveIntegerField(default=0)
    hf_position = models.PositiveIntegerField(default=0, help_text="Place in Hugging Face's list for the day")
    # The daily item exactly as Hugging Face sent it (hidden authors taken out: they are never stored), so that
    # /api/daily_papers answers with Hugging Face's own JSON, fields we do not model included. Null for listings
    # made before it was kept and for papers members submitted: papers.api.hf builds their items from the columns.
    hf_item = models.JSONField(null=True, blank=True, help_text="The daily_papers item as received")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["date", "hf_position"]
        constraints = [models.UniqueConstraint(fields=["date", "paper"], name="listing_unique_day_paper")]
        indexes = [models.Index(fields=["paper", "date"])]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} on {self.date}"
