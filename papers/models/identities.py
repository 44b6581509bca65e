"""Author identities: a person behind a name, numbered among the namesakes as DBLP numbers homonyms.

Which papers of a name are one person is decided by evidence (papers.authors); this module keeps the result: the
rows, their addresses, and the namesake counts the addresses depend on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Self, cast

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .catalog import Authorship, HFUser, PaperTopic
from .values import cached_reverse


class AuthorQuerySet(models.QuerySet):
    def live(self) -> Self:
        """Identities that were not merged into another."""
        return self.filter(merged_into=None)

    def named(self, slug: str) -> Self:
        """The live identities of one name, in number order."""
        return self.live().filter(slug=slug).order_by("number")

    def by_key(self, key: str) -> Author:
        """The identity an address names: `slug/number` (merged ones too, to redirect), or a slug with one person.

        Raises Author.DoesNotExist for an unknown key, and for a bare slug shared by namesakes (say which one).
        """
        slug, _, number = key.partition("/")
        if number:
            return cast(Author, self.get(slug=slug, number=int(number)))
        people = list(self.named(slug)[:2])
        if len(people) != 1:
            raise Author.DoesNotExist(f"{len(people)} people are named {slug}.")
        return cast(Author, people[0])

    def refresh_namesakes(self) -> int:
        """Recount, for each identity, the live identities of its name (itself included); only changed rows."""
        live = Author.objects.filter(slug=OuterRef("slug"), merged_into=None).order_by().values("slug")
        count = Coalesce(Subquery(live.annotate(n=Count("*")).values("n")), 1)
        changed = self.alias(current=count).exclude(namesakes=models.F("current"))
        return changed.update(namesakes=count)


class Author(models.Model):
    """A person who writes papers: a name (slug) and a number among the identities of that name.

    The name's page is /authors/<slug>/ (the person, or with namesakes a page listing each); every identity also
    has /authors/<slug>/<number>/, which never changes. An identity merged into another keeps its row so that its
    address answers with a permanent redirect (`merged_into`).
    """

    slug = models.SlugField(max_length=200, allow_unicode=True, help_text="The name's slug, shared by namesakes")
    number = models.PositiveIntegerField(default=1, help_text="1, 2, … among the identities of this name")
    name = models.CharField(max_length=300)
    hf_user = models.ForeignKey(HFUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    namesakes = models.PositiveIntegerField(
        default=1, help_text="Live identities with this slug (itself included), recounted when identities change"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )

    objects = AuthorQuerySet.as_manager()

    # Set by `describe()` for the page that lists namesakes.
    paper_count: int
    main_organization: str
    coauthors: list[Author]
    topics: list[str]

    class Meta:
        ordering = ["name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "number"], name="author_unique_slug_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="author_number_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return cached_reverse("papers:author", self.key)

    @property
    def key(self) -> str:
        """What its addresses say: the slug alone, or with namesakes `slug/number` (follow, mute and feed too)."""
        return f"{self.slug}/{self.number}" if self.namesakes > 1 else self.slug

    @property
    def numbered_key(self) -> str:
        return f"{self.slug}/{self.number}"

    @property
    def name_url(self) -> str:
        """The name's page: with namesakes, the page that lists each of them."""
        return cached_reverse("papers:author", self.slug)


PROFILE_COAUTHORS = 3
PROFILE_TOPICS = 4


def describe(people: list[Author]) -> list[Author]:
    """Each person with what tells namesakes apart: `paper_count`, `main_organization` (name, or ""), `coauthors`
    (their most frequent co-authors) and `topics` (their most frequent topics); three queries for all of them."""
    ids = [person.pk for person in people]
    papers: dict[int, set[int]] = defaultdict(set)
    orgs: dict[int, Counter[str]] = defaultdict(Counter)
    rows = Authorship.objects.filter(author_id__in=ids).values_list(
        "author_id", "paper_id", "paper__organization__name"
    )
    for author_id, paper_id, organization in rows:
        papers[author_id].add(paper_id)
        if organization:
            orgs[author_id][organization] += 1
    coauthors: dict[int, Counter[Author]] = defaultdict(Counter)
    others = Authorship.objects.filter(paper__authorships__author_id__in=ids).exclude(author_id__in=ids)
    others = others.select_related("author").annotate(person=models.F("paper__authorships__author_id"))
    for row in others.only("author__slug", "author__name", "author__number", "author__namesakes").order_by(
        "position", "pk"
    ):
        coauthors[row.person][row.author] += 1
    topics: dict[int, Counter[str]] = defaultdict(Counter)
    named = PaperTopic.objects.filter(paper__authorships__author_id__in=ids)
    for author_id, name in named.values_list("paper__authorships__author_id", "topic__name"):
        topics[author_id][name] += 1
    for person in people:  # attributes for the templates
        person.paper_count = len(papers[person.pk])
        person.main_organization = orgs[person.pk].most_common(1)[0][0] if orgs[person.pk] else ""
        person.coauthors = [author for author, _ in coauthors[person.pk].most_common(PROFILE_COAUTHORS)]
        person.topics = [name for name, _ in topics[person.pk].most_common(PROFILE_TOPICS)]
    return people
