"""Related papers by content: each paper's nearest papers by TF-IDF cosine over ALL papers, and why.

The feed's similarities (papers.similarity) learn their space from the feed's window, so that one seed's refresh
and the hourly one agree; related papers are shown on every paper's page, old or new, so their space is learnt
from every paper: the same document (title twice, abstract, keywords) and the same TF-IDF options. Author names
are no part of the document: papers sharing only a name are never related.

Neighbours are found in chunks of CHUNK papers. Candidates first: one sparse product of the chunk's vectors, cut to
each paper's QUERY_TERMS strongest terms, with every paper's vector (common terms weigh little, and multiplying
them would cost the square of their papers); the CANDIDATES best of each row are then scored exactly, with every
term. Among them, papers scoring at least MIN_SCORE are ranked by cosine plus TOPIC_BONUS for each shared topic (at
most MAX_BONUS_TOPICS): shared topics decide between near-equal scores and cannot lift a paper that shares little
text. The best LIMIT are stored as `RelatedPaper` rows with the shared topics (PaperTopic → Topic, rarest first)
and, when fewer than two topics are shared, the terms whose weights multiply to the most in both vectors, so that
the page says why without computing anything. Memory stays bounded by the chunk: on the benchmark's corpus
(100,000 papers, SQLite, 2 cores) the task took 171 s from no rows (566,093 written) and 100 s when nothing
changed, under 1 GB; finding candidates with the strongest terms changed none of the 3,291 papers' rows that
the exact product had computed.

Each chunk's rows are written in one transaction, and rows that would not change are left alone: refreshing twice
writes nothing the second time. scikit-learn is imported only here, inside `refresh()`, never on a request.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection, transaction

from .models import Paper, PaperTopic, RelatedPaper, Topic
from .similarity import TEXT_COLUMNS, TFIDF_OPTIONS, document

LIMIT = 6  # related papers stored (and shown) per paper
CANDIDATES = 30  # nearest papers by cosine among which shared topics may reorder
QUERY_TERMS = 30  # a paper's strongest terms, with which its candidates are found
MIN_SCORE = 0.1  # cosine below which two papers have too little in common to be related
TOPIC_BONUS = 0.02  # added to the cosine for each shared topic
MAX_BONUS_TOPICS = 2
MAX_SHARED = 3  # names said in "Shares: …"
TERM_FLOOR = 0.25  # a term is said only if it weighs at least this share of the strongest shared term
CHUNK = 250  # papers whose neighbours are found (and written) together
# Fixed key of the PostgreSQL advisory lock that serialises writers of related papers ("PCRP").
ADVISORY_LOCK_KEY = 0x50435250
# A small catalogue (a new site, tests) keeps every term: pruning by document frequency would leave none.
SMALL_CATALOGUE_OPTIONS = TFIDF_OPTIONS | {"min_df": 1, "max_df": 1.0}
SMALL_CATALOGUE = 200
WORD_RE = re.compile(r"\w+")


class Row(NamedTuple):
    """One stored related paper, as compared with what is computed: equal rows are not rewritten."""

    related: int
    rank: int
    score: float
    topics: list[str]
    terms: list[str]


@dataclass
class Catalogue:
    """Every paper's vector, and the topics needed to tell why two papers are related."""

    ids: list[int]
    vectors: Any  # scipy.sparse CSR, one L2-normalised float32 row per paper of `ids`
    transposed: Any  # the same, transposed (CSR), for the products
    queries: Any  # the same with only each paper's QUERY_TERMS strongest terms, to find candidates
    terms: Any  # numpy array of the vocabulary, by column
    paper_topics: dict[int, frozenset[int]]
    topic_names: dict[int, str]
    topic_order: dict[int, tuple[int, str, int]]  # rarest topics are said first

    @classmethod
    def load(cls) -> Catalogue | None:
        """Fit TF-IDF over every paper; None when there is nothing to learn from."""
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = Paper.objects.order_by("pk").values_list(*TEXT_COLUMNS)
        ids: list[int] = []
        documents: list[str] = []
        for pk, title, abstract, keywords in texts.iterator(chunk_size=2000):
            ids.append(pk)
            documents.append(document(title, abstract, keywords))
        for options in (
            (TFIDF_OPTIONS, SMALL_CATALOGUE_OPTIONS) if len(ids) >= SMALL_CATALOGUE else (SMALL_CATALOGUE_OPTIONS,)
        ):
            vectorizer = TfidfVectorizer(dtype=np.float32, **options)
            try:
                vectors = vectorizer.fit_transform(documents).tocsr()
                break
            except ValueError:  # no paper, or no term left after pruning
                continue
        else:
            return None
        del documents
        paper_topics: dict[int, set[int]] = defaultdict(set)
        for paper_id, topic_id in PaperTopic.objects.values_list("paper_id", "topic_id").iterator(chunk_size=5000):
            paper_topics[paper_id].add(topic_id)
        topics = Topic.objects.values_list("pk", "name", "paper_count")
        return cls(
            ids=ids,
            vectors=vectors,
            transposed=vectors.T.tocsr(),
            queries=strongest_per_row(vectors, QUERY_TERMS),
            terms=vectorizer.get_feature_names_out(),
            paper_topics={paper: frozenset(topic_ids) for paper, topic_ids in paper_topics.items()},
            topic_names={pk: name for pk, name, _count in topics},
            topic_order={pk: (count, name.casefold(), pk) for pk, name, count in topics},
        )

    def related(self, start: int, stop: int) -> dict[int, list[Row]]:
        """The related papers of the papers at positions start…stop-1 of `ids`, best first."""
        chosen = [self._rank(start + row, scored) for row, scored in enumerate(self._nearest(start, stop))]
        terms = self._shared_terms(start, chosen)
        found: dict[int, list[Row]] = {}
        for row, picks in enumerate(chosen):
            found[self.ids[start + row]] = [
                Row(self.ids[column], rank, round(score, 4), self._names(topics), terms.get((start + row, column), []))
                for rank, (column, score, topics) in enumerate(picks)
            ]
        return found

    def _nearest(self, start: int, stop: int) -> list[list[tuple[int, float]]]:
        """Each paper's CANDIDATES nearest papers with their exact cosines: found with its strongest terms only
        (`queries`: common terms weigh little and would make the product cost the square of their papers), then
        scored with every term."""
        import numpy as np

        approximate = (self.queries[start:stop] @ self.transposed).tocsr()
        pairs: list[tuple[int, int]] = []
        for row in range(stop - start):
            begin, end = approximate.indptr[row], approximate.indptr[row + 1]
            columns, weights = approximate.indices[begin:end], approximate.data[begin:end]
            if len(columns) > CANDIDATES + 1:
                best = np.argpartition(-weights, CANDIDATES)[: CANDIDATES + 1]
                columns = columns[best]
            pairs.extend((start + row, int(column)) for column in columns if column != start + row)
        if not pairs:
            return [[] for _ in range(stop - start)]
        left, right = (np.fromiter((pair[side] for pair in pairs), dtype=np.int64) for side in (0, 1))
        exact = np.asarray(self.vectors[left].multiply(self.vectors[right]).sum(axis=1)).ravel()
        scored: list[list[tuple[int, float]]] = [[] for _ in range(stop - start)]
        for (position, column), score in zip(pairs, exact.tolist(), strict=True):
            scored[position - start].append((column, score))
        return scored

    def _rank(self, position: int, scored: list[tuple[int, float]]) -> list[tuple[int, float, list[int]]]:
        """The LIMIT best of a paper's candidates: cosine, plus a little for each shared topic."""
        own = self.paper_topics.get(self.ids[position], frozenset())
        ranked = []
        for column, score in scored:
            if score < MIN_SCORE:
                continue
            shared = sorted(
                own & self.paper_topics.get(self.ids[column], frozenset()), key=self.topic_order.__getitem__
            )
            key = score + TOPIC_BONUS * min(len(shared), MAX_BONUS_TOPICS)
            ranked.append((-key, -score, self.ids[column], column, shared))
        ranked.sort()
        return [(column, -score, shared) for _key, score, _pk, column, shared in ranked[:LIMIT]]

    def _names(self, topics: list[int]) -> list[str]:
        return [self.topic_names[pk] for pk in topics[:MAX_SHARED]]

    def _shared_terms(
        self, start: int, chosen: list[list[tuple[int, float, list[int]]]]
    ) -> dict[tuple[int, int], list[str]]:
        """For each pair sharing fewer than two topics: the terms weighing most in both papers, strongest first."""
        import numpy as np

        pairs = [
            (start + row, column, topics)
            for row, picks in enumerate(chosen)
            for column, _score, topics in picks
            if len(topics) < 2
        ]
        if not pairs:
            return {}
        products = self.vectors[[a for a, _, _ in pairs]].multiply(self.vectors[[b for _, b, _ in pairs]]).tocsr()
        found = {}
        for index, (a, b, topics) in enumerate(pairs):
            begin, end = products.indptr[index], products.indptr[index + 1]
            said = {word for pk in topics for word in WORD_RE.findall(self.topic_names[pk].casefold())}
            weights = products.data[begin:end]
            order = np.argsort(-weights, kind="stable")
            strongest = ((str(self.terms[products.indices[begin + i]]), float(weights[i])) for i in order)
            found[(a, b)] = strongest_terms(strongest, said, MAX_SHARED - len(topics))
        return found


def strongest_per_row(matrix: Any, keep: int) -> Any:
    """`matrix` (CSR) with only the `keep` largest values of each row."""
    import numpy as np

    pruned = matrix.copy()
    for row in range(pruned.shape[0]):
        begin, end = pruned.indptr[row], pruned.indptr[row + 1]
        if end - begin > keep:
            values = pruned.data[begin:end]
            values[np.argsort(-values, kind="stable")[keep:]] = 0.0
    pruned.eliminate_zeros()
    return pruned


def strongest_terms(terms: Iterable[tuple[str, float]], said: set[str], limit: int) -> list[str]:
    """The first `limit` of (term, weight), strongest first, that weigh at least TERM_FLOOR of the strongest and
    repeat no word already said by a topic or a stronger term ("robot" says "robotic" too), nor are numbers."""
    chosen: list[str] = []
    said = {stem(word) for word in said}
    floor = None
    for term, weight in terms:
        floor = weight * TERM_FLOOR if floor is None else floor
        if len(chosen) >= limit or weight < floor:
            break
        words = {stem(word) for word in term.split()}
        if words & said or term.replace(" ", "").isdigit():
            continue
        chosen.append(term)
        said |= words
    return chosen


def stem(word: str) -> str:
    """A crude stem, enough to hear that "robot", "robotic" and "robots" say the same thing."""
    return word[:5]


def refresh() -> int:
    """Store every paper's related papers; returns how many papers' rows changed."""
    catalogue = Catalogue.load()
    if catalogue is None:
        return replace({pk: [] for pk in RelatedPaper.objects.values_list("paper_id", flat=True).distinct()})
    changed = 0
    for start in range(0, len(catalogue.ids), CHUNK):
        changed += replace(catalogue.related(start, min(start + CHUNK, len(catalogue.ids))))
    return changed


def replace(related: dict[int, list[Row]]) -> int:
    """Make each paper's stored rows exactly `related[paper]`, in one transaction; returns the papers changed."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        stored: dict[int, list[Row]] = defaultdict(list)
        rows = RelatedPaper.objects.filter(paper_id__in=list(related)).order_by("paper_id", "rank")
        for paper, *values in rows.values_list("paper_id", "related_id", "rank", "score", "topics", "terms"):
            stored[paper].append(Row(*values))
        stale = [paper for paper, wanted in related.items() if wanted != stored.get(paper, [])]
        if stale:
            RelatedPaper.objects.filter(paper_id__in=stale).delete()
            RelatedPaper.objects.bulk_create(
                RelatedPaper(
                    paper_id=paper,
                    related_id=row.related,
                    rank=row.rank,
                    score=row.score,
                    topics=row.topics,
                    terms=row.terms,
                )
                for paper in stale
                for row in related[paper]
            )
    return len(stale)
