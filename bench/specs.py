"""The plan of a synthetic corpus shaped like Hugging Face Daily Papers: what each paper is, not yet rows.

Everything is derived from a seeded `random.Random`, so the same size and seed give the same
corpus. Papers get arXiv ids in a reserved range (`YYMM.9NNNN`, numbers real arXiv months never
reach), which is also how an existing synthetic corpus is recognised and reused.

Shape, after the recorded responses in tests/fixtures/hf: about 40 papers per weekday going back
in time from END_DAY, ~1% listed again on a later day; a median of ~8 authors (1 to ~200) drawn
from a pool with Zipf-like reuse; 60% of papers with 1 to 28 keywords from a Zipf-distributed
vocabulary; 60% with an organisation; upvotes with a median of ~8. Common words are in about as
many papers as in the recorded days, a little more (diffusion 19% against 14%, language 57% against
44%, agents 40% against 34%), so searches for them hit tens of thousands of rows at 100,000 papers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench.vocabulary import (
    ADJECTIVES,
    FIRST_NAMES,
    GENERIC_NOUNS,
    INITIALS,
    KEYWORD_HEAD,
    LAST_NAMES,
    METRICS,
    ORG_PREFIXES,
    ORG_SUFFIXES,
    RARE_WORDS,
    SENTENCE_TEMPLATES,
    SUMMARY_MODELS,
    SUMMARY_TEMPLATE,
    THEMES,
    TITLE_TEMPLATES,
    TOPIC_HEADS,
    TOPICAL_NOUNS,
    VERBINGS,
    VERBS,
)
from papers.models import topic_slug

END_DAY = dt.date(2026, 8, 21)
FIRST_NUMBER = 90_000
SYNTHETIC_ID_REGEX = r"^[0-9]{4}\.9[0-9]{4}$"
DEFAULT_SEED = 1


@dataclass(frozen=True)
class Pools:
    """How many authors, topics, organisations and submitters a corpus of `papers` draws from."""

    authors: int
    topics: int
    organizations: int
    submitters: int

    @classmethod
    def for_size(cls, papers: int) -> Pools:
        return cls(
            authors=min(150_000, max(200, papers * 3 // 2)),
            topics=min(5_000, max(100, papers // 20)),
            organizations=min(300, max(10, papers // 100)),
            submitters=min(5_000, max(20, papers // 20)),
        )


@dataclass(frozen=True)
class PaperSpec:
    """One synthetic paper, with its pool members given as indices (rank 0 is the most frequent)."""

    arxiv_id: str
    title: str
    abstract: str
    ai_summary: str
    ai_summary_model: str
    published_at: dt.datetime
    listed_on: dt.date
    relisted_on: dt.date | None
    hf_position: int
    relisted_position: int
    hf_upvotes: int
    hf_comments: int
    authors: tuple[int, ...]
    claimed_by: tuple[int | None, ...]
    topics: tuple[int, ...]
    organization: int | None
    submitter: int
    github_repo: str
    github_stars: int | None
    project_page: str


def zipf_weights(n: int, offset: float, exponent: float = 1.0) -> list[float]:
    """Cumulative weights of ranks 0..n-1 proportional to 1 / (rank + offset) ** exponent."""
    return list(itertools.accumulate(1 / (rank + offset) ** exponent for rank in range(n)))


def listing_days(papers: int, seed: int = DEFAULT_SEED) -> list[tuple[dt.date, int]]:
    """(day, number of papers) for consecutive weekdays ending on END_DAY, oldest first."""
    rng = random.Random(f"{seed}:days")
    days: list[tuple[dt.date, int]] = []
    day, left = END_DAY, papers
    while left > 0:
        if day.weekday() < 5:
            count = min(left, round(rng.triangular(20, 60, 40)))
            days.append((day, count))
            left -= count
        day -= dt.timedelta(days=1)
    return days[::-1]


def author_names(count: int, seed: int = DEFAULT_SEED) -> list[str]:
    """Distinct names like "Wei K. Zhang", most prolific first."""
    rng = random.Random(f"{seed}:authors")
    combinations = len(FIRST_NAMES) * len(INITIALS) * len(LAST_NAMES)
    names = []
    for n in rng.sample(range(combinations), count):
        n, first = divmod(n, len(FIRST_NAMES))
        last, initial = divmod(n, len(INITIALS))
        names.append(f"{FIRST_NAMES[first]}{INITIALS[initial]} {LAST_NAMES[last]}")
    return names


def topic_names(count: int, seed: int = DEFAULT_SEED) -> list[str]:
    """Distinct keywords, most frequent first: common phrases, then a long tail of combinations."""
    rng = random.Random(f"{seed}:topics")
    tail = [f"{a} {h}" for a in ADJECTIVES for h in TOPIC_HEADS]
    tail += [f"{a} {n} {h}" for a in ADJECTIVES[:40] for n in TOPICAL_NOUNS[:60] for h in TOPIC_HEADS[:4]]
    rng.shuffle(tail)
    names, slugs = [], set()
    for name in itertools.chain(KEYWORD_HEAD, tail):
        slug = topic_slug(name)
        if slug not in slugs:
            slugs.add(slug)
            names.append(name)
        if len(names) == count:
            return names
    raise ValueError(f"The vocabulary has fewer than {count} keywords.")


def organization_names(count: int) -> list[tuple[str, str]]:
    """(handle, name) pairs."""
    pairs = [(f"{p}-{s}".lower(), f"{p} {s}") for s in ORG_SUFFIXES for p in ORG_PREFIXES]
    if count > len(pairs):
        raise ValueError(f"There are fewer than {count} organisation names.")
    return pairs[:count]


def submitter_names(count: int, seed: int = DEFAULT_SEED) -> list[tuple[str, str]]:
    """(username, full name) pairs of Hugging Face users, the busiest submitter first."""
    rng = random.Random(f"{seed}:submitters")
    users = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        users.append((f"{first.lower()}{last.lower()}{n}", f"{first} {last}"))
    return users


def search_queries(papers: int, seed: int = DEFAULT_SEED) -> list[str]:
    """About twenty realistic queries: common words, pairs, rare words, author names, phrases."""
    names = author_names(Pools.for_size(papers).authors, seed)
    return [
        "diffusion",
        "language",
        "agents",
        "benchmark",
        "reinforcement learning",
        "language model",
        "diffusion models",
        "video generation",
        "multimodal reasoning",
        "efficient inference quantization",
        "vision language agents",
        "retrieval augmented generation",
        RARE_WORDS[0],
        f"{RARE_WORDS[1]} {GENERIC_NOUNS[0]}",
        names[0],
        names[len(names) // 50],
        names[0].split()[-1],
        '"reinforcement learning"',
        '"large language models"',
        '"flow matching" agents',
    ]


_SLOT_RE = re.compile(r"\{(\w+)\}")
_ARTICLE_RE = re.compile(r"\b([Aa]) ([aeiouAEIOU])")


def _compile(template: str) -> tuple[str, tuple[str, ...]]:
    """A template as a positional format string and the kinds of its slots, in order."""
    return _SLOT_RE.sub("{}", template), tuple(_SLOT_RE.findall(template))


_TITLES = [_compile(t) for t in TITLE_TEMPLATES]
_SENTENCES = [_compile(t) for t in SENTENCE_TEMPLATES]
_SUMMARY = _compile(SUMMARY_TEMPLATE)


class _Writer:
    """Title, abstract and AI summary of one paper at a time, about one or two themes.

    Theme phrases are where words like "diffusion", "language" or "agents" come from, so each
    is frequent (in 15-60% of papers) without being everywhere.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.generic_weights = zipf_weights(len(GENERIC_NOUNS), offset=8)
        self.topical_weights = zipf_weights(len(TOPICAL_NOUNS), offset=20)
        self.adj_weights = zipf_weights(len(ADJECTIVES), offset=20)
        self.themes = list(THEMES)
        self.theme_weights = list(itertools.accumulate(THEMES.values()))

    def paper(self) -> tuple[str, str, str]:
        rng = self.rng
        themes = rng.choices(self.themes, cum_weights=self.theme_weights, k=2)
        generic = itertools.cycle(rng.choices(GENERIC_NOUNS, cum_weights=self.generic_weights, k=48))
        topical = itertools.cycle(rng.choices(TOPICAL_NOUNS, cum_weights=self.topical_weights, k=16))
        adjectives = itertools.cycle(rng.choices(ADJECTIVES, cum_weights=self.adj_weights, k=32))
        letters = rng.choices("ABCDEFGHIKLMNOPRSTVWXZ", k=rng.randint(3, 6))
        acronym = "".join(letters) + rng.choice(["", "", "", "-R1", "-2", "-VL", "Bench"])
        slots: dict[str, Callable[[], str]] = {
            "noun": lambda: next(topical if rng.random() < 0.12 else generic),
            "Noun": lambda: next(topical if rng.random() < 0.35 else generic).capitalize(),
            "adj": adjectives.__next__,
            "Adj": lambda: next(adjectives).capitalize(),
            "phrase": lambda: themes[rng.random() < 0.3],
            "Phrase": lambda: themes[0].title(),
            "acronym": lambda: acronym,
            "verb": lambda: rng.choice(VERBS),
            "Verbing": lambda: rng.choice(VERBINGS),
            "metric": lambda: rng.choice(METRICS),
            "n": lambda: str(rng.randint(2, 12)),
            "k": lambda: str(rng.randint(5, 500)),
            "pct": lambda: str(rng.randint(2, 35)),
        }

        def fill(template: tuple[str, tuple[str, ...]]) -> str:
            text, kinds = template
            return text.format(*[slots[kind]() for kind in kinds])

        target = round(rng.triangular(700, 1800, 1500))
        sentences: list[str] = []
        length = 0
        while length < target - 60:
            sentence = fill(rng.choice(_SENTENCES))
            if rng.random() < 0.012:
                sentence = f"{sentence[:-1]} in {rng.choice(RARE_WORDS)}."
            sentences.append(sentence)
            length += len(sentence) + 1
        abstract = _ARTICLE_RE.sub(r"\1n \2", " ".join(sentences))
        summary = _ARTICLE_RE.sub(r"\1n \2", fill(_SUMMARY)) if rng.random() < 0.4 else ""
        return _ARTICLE_RE.sub(r"\1n \2", fill(rng.choice(_TITLES))), abstract, summary


def _distinct(draw: Callable[[int], list[int]], count: int) -> list[int]:
    """`count` distinct pool members (drawing again on repeats), in order of first draw."""
    chosen = list(dict.fromkeys(draw(count)))
    for _ in range(20):
        if len(chosen) >= count:
            break
        chosen = list(dict.fromkeys(chosen + draw(count - len(chosen))))
    return chosen[:count]


@dataclass(frozen=True)
class _Weights:
    """Cumulative draw weights of each pool, the most frequent member first."""

    pools: Pools
    authors: list[float]
    topics: list[float]
    organizations: list[float]
    submitters: list[float]

    @classmethod
    def for_pools(cls, pools: Pools) -> _Weights:
        return cls(
            pools=pools,
            authors=zipf_weights(pools.authors, offset=min(300, pools.authors / 10)),
            topics=zipf_weights(pools.topics, offset=3),
            organizations=zipf_weights(pools.organizations, offset=5),
            submitters=zipf_weights(pools.submitters, offset=1, exponent=0.9),
        )


def paper_specs(papers: int, seed: int = DEFAULT_SEED) -> Iterator[PaperSpec]:
    """The corpus, oldest day first: `papers` PaperSpecs, always the same for the same arguments."""
    rng = random.Random(f"{seed}:papers")
    writer = _Writer(rng)
    weights = _Weights.for_pools(Pools.for_size(papers))
    days = listing_days(papers, seed)
    day_index = {day: i for i, (day, _count) in enumerate(days)}
    numbers: dict[str, int] = {}

    for day, count in days:
        month = day.strftime("%y%m")
        upvotes = sorted((int(math.exp(rng.gauss(math.log(8), 1.0))) for _ in range(count)), reverse=True)
        for position, hf_upvotes in enumerate(upvotes):
            number = numbers.setdefault(month, FIRST_NUMBER)
            numbers[month] = number + 1
            yield _paper_spec(
                rng, writer, weights, f"{month}.{number}", days, day_index[day], position=position, upvotes=hf_upvotes
            )


def _paper_spec(
    rng: random.Random,
    writer: _Writer,
    weights: _Weights,
    arxiv_id: str,
    days: list[tuple[dt.date, int]],
    index: int,
    *,
    position: int,
    upvotes: int,
) -> PaperSpec:
    """The paper at `position` on `days[index]`: draws in a fixed order, so a seed always gives the same paper."""
    pools, day = weights.pools, days[index][0]
    authors = _draw_authors(rng, weights)
    n_topics = min(28, max(1, round(rng.gauss(12, 6)))) if rng.random() < 0.6 else 0
    topics = _distinct(lambda k: rng.choices(range(pools.topics), cum_weights=weights.topics, k=k), n_topics)
    relisted_on, relisted_position = None, 0
    if rng.random() < 0.01 and index + 1 < len(days):
        relisted_on, relisted_position = days[min(len(days) - 1, index + rng.randint(1, 10))]
    title, abstract, summary = writer.paper()
    has_github = rng.random() < 0.45
    return PaperSpec(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        ai_summary=summary,
        ai_summary_model=rng.choice(SUMMARY_MODELS) if summary else "",
        published_at=dt.datetime.combine(day - dt.timedelta(days=rng.randint(1, 4)), dt.time(), tzinfo=dt.UTC),
        listed_on=day,
        relisted_on=relisted_on,
        hf_position=position,
        relisted_position=relisted_position,
        hf_upvotes=upvotes,
        hf_comments=int(rng.expovariate(1.0)),
        authors=tuple(authors),
        claimed_by=tuple(rng.randrange(pools.submitters) if rng.random() < 0.03 else None for _ in authors),
        topics=tuple(topics),
        organization=(
            rng.choices(range(pools.organizations), cum_weights=weights.organizations)[0]
            if rng.random() < 0.6
            else None
        ),
        submitter=rng.choices(range(pools.submitters), cum_weights=weights.submitters)[0],
        github_repo=f"https://github.com/example/{arxiv_id.replace('.', '-')}" if has_github else "",
        github_stars=int(math.exp(rng.gauss(4, 1.5))) if has_github else None,
        project_page=f"https://example.org/{arxiv_id}/" if rng.random() < 0.35 else "",
    )


def _draw_authors(rng: random.Random, weights: _Weights) -> list[int]:
    """A median of ~8 authors, 1% of papers with 50 to 150."""
    n_authors = 1 + int(math.exp(rng.gauss(math.log(7), 0.75)))
    if rng.random() < 0.01:
        n_authors = rng.randint(50, 150)
    ranks = range(weights.pools.authors)
    return _distinct(
        lambda k: rng.choices(ranks, cum_weights=weights.authors, k=k), min(n_authors, weights.pools.authors)
    )
