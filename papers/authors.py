"""Authors are people: which papers of one name are by the same person.

Hugging Face gives us names, and for the few authors who claimed a paper, an account. Like DBLP (which numbers
homonyms) and Semantic Scholar's S2AND (which clusters a name's papers by evidence), an author identity
(`papers.models.Author`) gathers the papers of one name whose evidence points to one person, strongest first:

1. a claimed Hugging Face account: the same account is the same person; two different accounts never are;
2. shared co-authors (other names on both papers);
3. the same organisation (`Paper.organization`);
4. close topics (Hugging Face's keywords) and text (content words of title and abstract).

This module's first half is pure: it works on plain `Slot` records, so the import (`papers.author_identities`), the
re-clustering command and the evaluation (`evaluate_authors`) run exactly the same code. Papers arrive one at a time
and each slot joins the person its evidence points to (`choose`) or starts a new one: identities stay stable as
papers arrive, and decisions already written (by the import or by moderators) are never revisited here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Min, Q

from papers.models import Author, Authorship, HFUser, Paper, topic_slug

if TYPE_CHECKING:
    from papers.ingest.schema import DailyItem

# --- Thresholds (measured with `manage.py evaluate_authors` on the recorded days; see the README) --------------

# One shared co-author is enough: on the recorded days, two different people of the same name never share a
# co-author, while one person's papers usually share several (their group).
COAUTHOR_WEIGHT = 1.0
# Co-authors beyond two add nothing: a huge consortium paper must not outweigh everything else.
COAUTHOR_CAP = 2
# The same organisation alone does not make one person (a large lab has namesakes: two "Hao Li" at one lab
# is common), but together with close topics or text it does.
ORGANIZATION_WEIGHT = 0.6
# Keyword overlap (Jaccard of the keyword sets): papers of one person share their subject's vocabulary.
TOPIC_WEIGHT = 1.0
# Content-word overlap of title and abstract (Jaccard), worth twice a keyword overlap as the sets are larger
# and their Jaccard values smaller.
TEXT_WEIGHT = 2.0
# A slot joins a person when its evidence with one of the person's papers reaches this: one shared co-author,
# or the same organisation and a real topical overlap; never topics alone unless they are very close.
JOIN_SCORE = 1.0

# Words of title and abstract too common to tell subjects apart.
_STOP_TEXT = """
about above after again against also among based before being below between both cannot could during
each further have having into itself more most other over same should such than that their them then
there these they this those through under until very were what when where which while with within
without would your paper propose proposed approach method methods model models results show shows
task tasks using used use new performance existing data work state art novel framework achieve
achieves extensive experiments demonstrate significantly however while large
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
WORD_RE = re.compile(r"[a-z][a-z0-9-]{3,}")


@dataclass(frozen=True)
class Slot:
    """One author slot of one paper, as the evidence sees it (natural keys only, no database ids)."""

    paper: str  # arXiv id
    name_key: str  # the block: the name's slug (or, in the harder evaluation, first initial + surname)
    position: int = 0
    account: str = ""  # the claimed Hugging Face username, "" when none
    coauthors: frozenset[str] = frozenset()  # the other authors' name slugs
    organization: str = ""  # Hugging Face handle of the paper's organisation
    topics: frozenset[str] = frozenset()  # keyword slugs
    words: frozenset[str] = frozenset()  # content words of title and abstract


def content_words(*texts: str) -> frozenset[str]:
    """The words of `texts` that say what a paper is about: lower case, 4+ characters, no stop words."""
    return frozenset(word for text in texts for word in WORD_RE.findall(text.lower()) if word not in STOP_WORDS)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def conflicts(a: Slot, b: Slot) -> bool:
    """Never the same person: two slots of one paper, or two different claimed accounts."""
    return a.paper == b.paper or bool(a.account and b.account and a.account != b.account)


def evidence(a: Slot, b: Slot) -> float:
    """How strongly two slots of one name are one person, without accounts (0: nothing in common)."""
    shared = min(len(a.coauthors & b.coauthors), COAUTHOR_CAP)
    same_org = bool(a.organization) and a.organization == b.organization
    return (
        COAUTHOR_WEIGHT * shared
        + ORGANIZATION_WEIGHT * same_org
        + TOPIC_WEIGHT * jaccard(a.topics, b.topics)
        + TEXT_WEIGHT * jaccard(a.words, b.words)
    )


def choose(slot: Slot, people: Sequence[Sequence[Slot]]) -> int | None:
    """The index in `people` (each a person's slots) of the person `slot` is, or None for a new person.

    The same claimed account decides first; otherwise the person with the strongest evidence with any one of their
    papers (single linkage), if it reaches JOIN_SCORE, among those with no conflicting slot.
    """
    candidates = [
        (index, person) for index, person in enumerate(people) if not any(conflicts(slot, other) for other in person)
    ]
    if slot.account:
        for index, person in candidates:
            if any(other.account == slot.account for other in person):
                return index
    best, best_score = None, JOIN_SCORE
    for index, person in candidates:
        score = max((evidence(slot, other) for other in person), default=0.0)
        if score >= best_score and (best is None or score > best_score):
            best, best_score = index, score
    return best


def cluster(slots: Iterable[Slot]) -> list[list[Slot]]:
    """People of each block, in the order the slots come (the order papers arrived): each slot joins or starts one."""
    people: dict[str, list[list[Slot]]] = defaultdict(list)
    for slot in slots:
        block = people[slot.name_key]
        index = choose(slot, block)
        if index is None:
            block.append([slot])
        else:
            block[index].append(slot)
    return [person for block in people.values() for person in block]


def slots_of_item(item: DailyItem) -> list[Slot]:
    """The slots of one imported Daily Papers item."""
    return slots_of_paper(
        item.arxiv_id,
        [author.slug for author in item.authors],
        [author.username or "" for author in item.authors],
        item.organization.handle if item.organization else "",
        [topic_slug(keyword) for keyword in item.keywords],
        f"{item.title} {item.abstract}",
    )


def slots_of_paper(
    paper: str,
    names: Sequence[str],
    accounts: Sequence[str],
    organization: str,
    keywords: Iterable[str],
    text: str,
) -> list[Slot]:
    """The slots of one paper: `names` are the byline's name slugs, `accounts` the claimed usernames ("" if none)."""
    topics = frozenset(keywords)
    words = content_words(text)
    everyone = frozenset(names)
    return [
        Slot(
            paper=paper,
            name_key=name,
            position=position,
            account=account,
            coauthors=everyone - {name},
            organization=organization,
            topics=topics,
            words=words,
        )
        for position, (name, account) in enumerate(zip(names, accounts, strict=True))
    ]


# --- Evaluation ----------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Pairwise precision and recall of "same person" over the labelled pairs of a clustering."""

    blocking: str
    labelled_slots: int = 0
    same_pairs: int = 0  # labelled pairs that are one person (same account)
    different_pairs: int = 0  # labelled pairs in one block that are two people (different accounts)
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.same_pairs if self.same_pairs else 1.0


def by_name(slot: Slot) -> str:
    """The blocking the site uses: a name's slug."""
    return slot.name_key


def by_initial_and_surname(slot: Slot) -> str:
    """The harder blocking of S2AND-style evaluations: "hao-li" and "hui-li" both become "h-li"."""
    parts = slot.name_key.split("-")
    return f"{parts[0][:1]}-{parts[-1]}" if len(parts) > 1 else slot.name_key


def evaluate(slots: Sequence[Slot], blocking: str, block_of: Callable[[Slot], str]) -> Figures:
    """Cluster `slots` with their accounts held out and blocks from `block_of`, then compare with the accounts.

    Ground truth: two slots with the same account are one person; two slots of one block with different accounts
    are two. Slots without an account take part in the clustering but not in the pairs.
    """
    hidden = [_without_account(slot, block_of(slot)) for slot in slots]
    account_of = {(slot.paper, slot.position): slot.account for slot in slots}
    person_of: dict[tuple[str, int], int] = {}
    for index, person in enumerate(cluster(hidden)):
        for slot in person:
            person_of[(slot.paper, slot.position)] = index
    labelled = [slot for slot in hidden if account_of[(slot.paper, slot.position)]]
    figures = Figures(blocking, labelled_slots=len(labelled))
    for i, a in enumerate(labelled):
        for b in labelled[i + 1 :]:
            if a.name_key != b.name_key:
                continue
            key_a, key_b = (a.paper, a.position), (b.paper, b.position)
            same = account_of[key_a] == account_of[key_b]
            predicted = person_of[key_a] == person_of[key_b]
            figures.same_pairs += same
            figures.different_pairs += not same
            figures.true_positive += same and predicted
            figures.false_positive += predicted and not same
            figures.false_negative += same and not predicted
            if same != predicted:
                kind = "split" if same else "merged"
                figures.errors.append(
                    f"{kind}: {a.name_key}: {a.paper} ({account_of[key_a]}) / {b.paper} ({account_of[key_b]})"
                )
    return figures


def _without_account(slot: Slot, name_key: str) -> Slot:
    return Slot(
        paper=slot.paper,
        name_key=name_key,
        position=slot.position,
        coauthors=slot.coauthors,
        organization=slot.organization,
        topics=slot.topics,
        words=slot.words,
    )


# --- The database side: identities for the slots of papers being written -------------------------------------------

IN_CHUNK = 2000  # values per `__in` lookup (SQLite and PostgreSQL cap query parameters)


@dataclass
class _Person:
    """An identity as the resolver sees it: its row's id (negative until created), and its papers' slots."""

    id: int
    slug: str
    name: str
    number: int
    hf_user_id: int | None
    slots: list[Slot] = field(default_factory=list)
    changed: bool = False  # an existing identity whose hf_user the run set


class IdentityResolver:
    """Puts the author slots of the papers being written on identities, as `choose` decides.

    Built for the name slugs of a run: it loads the live identities of those names with the slots of their papers,
    then each paper's byline (`byline`) keeps the identities its stored byline had for the same names (so a
    re-import changes nothing and moderators' decisions stay) and puts its other slots on the person their evidence
    points to, or on a new one. New identities get placeholder (negative) ids until `save()` creates them.
    """

    def __init__(self, slugs: Iterable[str]) -> None:
        slugs = sorted(set(slugs))
        self.people: dict[str, list[_Person]] = defaultdict(list)
        self.slug_of: dict[int, str] = {}
        self.last_number: dict[str, int] = {}
        self.assigned: dict[str, list[tuple[str, int]]] = {}  # arXiv id → (slug, identity) of bylines set this run
        self.new: list[_Person] = []
        for chunk in _chunks(slugs):
            self.last_number.update(
                Author.objects.filter(slug__in=chunk).values("slug").annotate(n=Max("number")).values_list("slug", "n")
            )
            rows = Author.objects.live().filter(slug__in=chunk).order_by("slug", "number")
            for pk, slug, name, number, hf_user_id in rows.values_list("pk", "slug", "name", "number", "hf_user_id"):
                self.people[slug].append(_Person(pk, slug, name, number, hf_user_id))
                self.slug_of[pk] = slug
        self._load_slots()

    def _load_slots(self) -> None:
        """The slots of every paper of the loaded identities, built as for an imported item."""
        person_of = {person.id: person for people in self.people.values() for person in people}
        rows = []
        for chunk in _chunks(list(person_of)):
            rows += Authorship.objects.filter(author_id__in=chunk).values_list("paper_id", "author_id", "position")
        paper_ids = sorted({paper_id for paper_id, _, _ in rows})
        papers, bylines = {}, defaultdict(list)
        for chunk in _chunks(paper_ids):
            fields = ("pk", "arxiv_id", "organization__handle", "keywords", "title", "abstract")
            papers.update((row[0], row) for row in Paper.objects.filter(pk__in=chunk).values_list(*fields))
            byline = Authorship.objects.filter(paper_id__in=chunk).order_by("position")
            for paper_id, slug, account in byline.values_list("paper_id", "author__slug", "hf_user__username"):
                bylines[paper_id].append((slug, account or ""))
        for paper_id, author_id, position in sorted(rows):
            _, arxiv_id, handle, keywords, title, abstract = papers[paper_id]
            names, accounts = zip(*bylines[paper_id], strict=True)
            slots = slots_of_paper(
                arxiv_id, names, accounts, handle or "", map(topic_slug, keywords or ()), f"{title} {abstract}"
            )
            person_of[author_id].slots.append(slots[position])

    def byline(
        self, slots: Sequence[Slot], names: Sequence[str], hf_user_ids: Sequence[int | None], previous: Sequence[int]
    ) -> list[int]:
        """Identity ids for one paper's slots; `previous` are the identities of its stored byline, in order."""
        paper = slots[0].paper if slots else ""
        earlier = self.assigned.get(paper) or [(self.slug_of.get(pk, ""), pk) for pk in previous]
        unused = list(earlier)
        ids = []
        for slot, name, hf_user_id in zip(slots, names, hf_user_ids, strict=True):
            kept = next((pair for pair in unused if pair[0] == slot.name_key), None)
            if kept is not None:
                unused.remove(kept)
                ids.append(kept[1])
                continue
            ids.append(self._place(slot, name, hf_user_id))
        self.assigned[paper] = [(slot.name_key, pk) for slot, pk in zip(slots, ids, strict=True)]
        return ids

    def _place(self, slot: Slot, name: str, hf_user_id: int | None) -> int:
        people = self.people[slot.name_key]
        index = choose(slot, [person.slots for person in people])
        if index is None:  # an identity without papers yet (made to be followed) is the name's first person
            index = next((i for i, person in enumerate(people) if not person.slots), None)
        if index is None:
            number = self.last_number.get(slot.name_key, 0) + 1
            self.last_number[slot.name_key] = number
            person = _Person(-(len(self.new) + 1), slot.name_key, name, number, hf_user_id)
            people.append(person)
            self.new.append(person)
        else:
            person = people[index]
        person.slots.append(slot)
        if hf_user_id and person.hf_user_id is None:
            person.hf_user_id, person.changed = hf_user_id, person.id > 0
        return person.id

    def save(self) -> dict[int, int]:
        """Create the new identities, store claimed accounts, recount namesakes; return placeholder → id."""
        created = Author.objects.bulk_create(
            Author(slug=p.slug, name=p.name, number=p.number, hf_user_id=p.hf_user_id) for p in self.new
        )
        if any(row.pk is None for row in created):  # backends that return no ids from bulk inserts
            for row in created:
                row.pk = Author.objects.get(slug=row.slug, number=row.number).pk
        ids = {person.id: row.pk for person, row in zip(self.new, created, strict=True)}
        for person, row in zip(self.new, created, strict=True):
            person.id = row.pk
            self.slug_of[row.pk] = person.slug
        changed = [
            Author(pk=p.id, hf_user_id=p.hf_user_id) for people in self.people.values() for p in people if p.changed
        ]
        Author.objects.bulk_update(changed, ["hf_user_id"])
        for chunk in _chunks(sorted({person.slug for person in self.new})):
            Author.objects.filter(slug__in=chunk).refresh_namesakes()
        self.new = []
        return ids


def split_namesakes() -> list[str]:
    """Re-cluster the names that still have one identity holding several papers (as migration 0008 leaves every
    name), and give each further person found an identity of their own; return the keys of the new identities.

    The person of the earliest paper keeps the existing identity, with its follows. Names a moderator corrected
    (pinned authorships, merged identities) are left alone. Running it again finds nothing more to split.
    """
    live = Author.objects.live().values("slug").annotate(n=Count("*")).filter(n=1).values("slug")
    touched = Q(authorships__pinned=True) | Q(merged_into__isnull=False) | Q(merged_from__isnull=False)
    slugs = set(
        Author.objects.filter(slug__in=live)
        .annotate(slot_count=Count("authorships"))
        .filter(slot_count__gt=1)
        .values_list("slug", flat=True)
    ) - set(Author.objects.filter(touched).values_list("slug", flat=True))
    resolver = IdentityResolver(slugs)
    order = {arxiv_id: rank for rank, arxiv_id in enumerate(_import_order(resolver))}
    new_keys = []
    for slug, (person,) in sorted(resolver.people.items()):
        groups = cluster(sorted(person.slots, key=lambda slot: (order[slot.paper], slot.position)))
        for number, group in enumerate(groups[1:], start=resolver.last_number[slug] + 1):
            accounts = [slot.account for slot in group if slot.account]
            new = Author.objects.create(
                slug=slug,
                name=person.name,
                number=number,
                hf_user=HFUser.objects.filter(username=accounts[0]).first() if accounts else None,
            )
            where = Q.create([Q(paper__arxiv_id=slot.paper, position=slot.position) for slot in group], connector=Q.OR)
            Authorship.objects.filter(where, author_id=person.id).update(author=new)
            new_keys.append(new.numbered_key)
        if len(groups) > 1:
            accounts = [slot.account for slot in groups[0] if slot.account]
            keeps = HFUser.objects.filter(username=accounts[0]).first() if accounts else None
            Author.objects.filter(pk=person.id).update(hf_user=keeps)
            Author.objects.filter(slug=slug).refresh_namesakes()
    return new_keys


def _import_order(resolver: IdentityResolver) -> list[str]:
    """The arXiv ids of the resolver's papers in the order an import of the recorded days would meet them."""
    papers = {slot.paper for people in resolver.people.values() for person in people for slot in person.slots}
    rows = []
    for chunk in _chunks(sorted(papers)):
        listed = Paper.objects.filter(arxiv_id__in=chunk).annotate(position=Min("listings__hf_position"))
        rows += listed.values_list("first_listed_on", "position", "arxiv_id")
    return [arxiv_id for _, _, arxiv_id in sorted(rows, key=lambda row: (row[0] or dt.date.min, row[1] or 0, row[2]))]


def _chunks(values: Sequence) -> Iterable[Sequence]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]
