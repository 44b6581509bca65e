"""Similar papers for the personal feed: TF-IDF over titles, abstracts and keywords, with scikit-learn.

scikit-learn (with SciPy and NumPy) takes seconds to load: this module imports none of them, so queueing a refresh
costs nothing; `preload()` imports them when a process that will compute starts (a Celery worker, or the web
server itself when tasks run in-process), so that no request waits for them.

The vocabulary and its inverse document frequencies are learnt from the papers of the feed's window
(`Paper.objects.in_feed_window()`: the papers the feed can show): word 1- and 2-grams, English stop words left
out, sublinear term frequencies, terms found in at least 2 papers and in at most half of them; the
title counts twice. Each seed (a paper someone upvoted or saved, or asked to see less like) is placed
in that space, and its NEIGHBOURS nearest papers of the window by cosine similarity are stored as
`PaperSimilarity` rows, replacing that seed's rows in one transaction. Rows that would not change are
left alone, so running the refresh twice writes nothing the second time.

Learning from the window alone makes a seed's neighbours depend on nothing but the seed and the window:
the refresh of one seed (after an upvote or a save) and the hourly refresh of every seed agree exactly.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from . import outbox
from .models import FeedSignal, Paper, PaperSimilarity, PaperVote, SavedPaper

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer


def preload() -> None:
    """Import what computing similarities needs (several seconds the first time in a process)."""
    import numpy  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401


NEIGHBOURS = 20
MIN_SCORE = 0.01  # cosine similarity below which a paper is not a neighbour at all
SEEDS_PER_TRANSACTION = 500
# Fixed key of the PostgreSQL advisory lock that serialises writers of similarities ("PCSI").
ADVISORY_LOCK_KEY = 0x50435349
TFIDF_OPTIONS: dict[str, Any] = {
    "ngram_range": (1, 2),
    "sublinear_tf": True,
    "stop_words": "english",
    "min_df": 2,
    "max_df": 0.5,
}
# For a window too small to prune terms by document frequency (a new site, tests): keep every term.
SMALL_WINDOW_OPTIONS = TFIDF_OPTIONS | {"min_df": 1, "max_df": 1.0}
TEXT_COLUMNS = ("pk", "title", "abstract", "keywords")

Text = tuple[int, str, str, list]  # TEXT_COLUMNS of one paper


def document(title: str, abstract: str, keywords: list) -> str:
    """The text a paper is known by: its title (twice, so that it weighs more), abstract and keywords."""
    return "\n".join([title, title, abstract, ", ".join(str(keyword) for keyword in keywords)])


def seeds():
    """The ids of every paper that is some member's seed, or that a member asked to see less like."""
    less = FeedSignal.objects.filter(kind=FeedSignal.Kind.LESS_LIKE_THIS).values("paper_id")
    return PaperVote.objects.values("paper_id").union(SavedPaper.objects.values("paper_id"), less)


@dataclass
class Space:
    """The TF-IDF space of the window's papers: a fitted vectorizer, and the papers' ids and vectors."""

    vectorizer: TfidfVectorizer
    ids: list[int]
    vectors: Any  # scipy.sparse matrix, one L2-normalised row per paper of `ids`

    @classmethod
    def fit(cls, papers: Sequence[Text]) -> Space | None:
        """Learn the space from `papers`; None when there is nothing to learn from."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        documents = [document(title, abstract, keywords) for _pk, title, abstract, keywords in papers]
        for options in (TFIDF_OPTIONS, SMALL_WINDOW_OPTIONS):
            vectorizer = TfidfVectorizer(**options)
            try:
                vectors = vectorizer.fit_transform(documents)
            except ValueError:  # no term left after pruning, or no paper at all
                continue
            return cls(vectorizer, [pk for pk, *_ in papers], vectors)
        return None

    def nearest(self, papers: Sequence[Text], limit: int = NEIGHBOURS) -> dict[int, list[tuple[int, float]]]:
        """Each paper's `limit` nearest papers of the space (never itself): {id: [(id, score), …]}, best first."""
        if not papers:
            return {}
        import numpy as np

        queries = self.vectorizer.transform(
            [document(title, abstract, keywords) for _pk, title, abstract, keywords in papers]
        )
        scores = (queries @ self.vectors.T).toarray()
        position = {pk: column for column, pk in enumerate(self.ids)}
        ids = np.array(self.ids)
        found = {}
        for row, (pk, *_) in enumerate(papers):
            if pk in position:
                scores[row, position[pk]] = 0.0
            best = np.argsort(-scores[row], kind="stable")[:limit]
            found[pk] = sorted(
                (
                    (int(ids[column]), round(float(scores[row, column]), 4))
                    for column in best
                    if scores[row, column] >= MIN_SCORE
                ),
                key=lambda pair: (-pair[1], pair[0]),
            )
        return found


def refresh_new_seed(paper_id: int) -> None:
    """Once the transaction commits, compute the neighbours of a paper that has just become a seed (an upvote, a
    save, a "less like this"), unless it has them already: the hourly refresh of every seed keeps those fresh."""
    if not PaperSimilarity.objects.filter(paper_id=paper_id).exists():
        outbox.queue("papers.tasks.refresh_similarities", paper_id)  # by name: papers.tasks builds on this module


def refresh(seed_ids: Iterable[int] | None = None) -> int:
    """Store the nearest papers of the given seeds, or of every seed (forgetting papers no longer seeds).

    Returns how many seeds' rows changed.
    """
    if seed_ids is None:
        PaperSimilarity.objects.exclude(paper_id__in=seeds()).delete()
        ids = sorted(seeds().values_list("paper_id", flat=True))
    else:
        ids = sorted(set(seed_ids))
    if not ids:
        return 0
    space = Space.fit(list(Paper.objects.in_feed_window().order_by("pk").values_list(*TEXT_COLUMNS)))
    changed = 0
    for chunk in itertools.batched(ids, SEEDS_PER_TRANSACTION):
        texts = list(Paper.objects.filter(pk__in=chunk).order_by("pk").values_list(*TEXT_COLUMNS))
        changed += replace(space.nearest(texts) if space else {pk: [] for pk, *_ in texts})
    return changed


def replace(neighbours: dict[int, list[tuple[int, float]]]) -> int:
    """Make each seed's stored rows exactly its `neighbours`, in one transaction; returns the seeds changed."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        stored: dict[int, dict[int, float]] = defaultdict(dict)
        rows = PaperSimilarity.objects.filter(paper_id__in=list(neighbours)).values_list(
            "paper_id", "similar_id", "score"
        )
        for seed, similar, score in rows:
            stored[seed][similar] = score
        stale = [seed for seed, pairs in neighbours.items() if dict(pairs) != stored.get(seed, {})]
        if stale:
            PaperSimilarity.objects.filter(paper_id__in=stale).delete()
            PaperSimilarity.objects.bulk_create(
                PaperSimilarity(paper_id=seed, similar_id=similar, score=score)
                for seed in stale
                for similar, score in neighbours[seed]
            )
            # The stored feeds of these seeds' members (papers.tasks builds on this module: queued by name).
            outbox.queue("papers.tasks.rebuild_timelines_of_seeds", stale)
    return len(stale)
