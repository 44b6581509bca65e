"""A synthetic corpus shaped like Hugging Face Daily Papers, for benchmarks.

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

import collections
import datetime as dt
import functools
import itertools
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, connections, transaction
from django.db.models import Count, Max, Min

from papers.models import (
    Author,
    Authorship,
    HFUser,
    Listing,
    Organization,
    Paper,
    PaperTopic,
    Topic,
    author_slug,
    topic_slug,
)

END_DAY = dt.date(2026, 8, 21)
FIRST_NUMBER = 90_000
SYNTHETIC_ID_REGEX = r"^[0-9]{4}\.9[0-9]{4}$"
DEFAULT_SEED = 1
THUMBNAIL_URL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png"


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    """
Wei Jing Yu Xin Hao Yang Lei Jun Min Hui Chen Tao Bo Jie Lin Yan Ming Qi Zhen Rui Kai Xiao Feng Yi Hyun
Ji Soo Sung Hiroshi Yuki Takashi Kenji Aiko Haruto Priya Rahul Arjun Ananya Vikram Sanjay Deepak Amit
Neha Rohan Ishaan Kavya John Michael David James Robert William Thomas Daniel Matthew Andrew Sarah Emily
Laura Anna Maria Julia Sophie Emma Olivia Lucas Leon Felix Jonas Paul Max Elena Sofia Giulia Marco Luca
Matteo Alessandro Pierre Nicolas Julien Camille Antoine Mathieu Ivan Dmitry Alexey Sergey Olga Natalia
Ahmed Omar Ali Fatima Yusuf Mehmet Emre Ayse Carlos Diego Juan Pablo Lucia Ana Miguel Rafael Tiago Joao
Pedro Sven Lars Erik Ingrid Anders Mikko Jan Piotr Katarzyna Tomas Eva Noah Ethan Chloe Grace Hannah
Kevin
"""
)
LAST_NAMES = _words(
    """
Zhang Wang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng Liang Xie Song
Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lu Ding Shen
Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura
Kobayashi Sato Sharma Gupta Singh Kumar Patel Reddy Iyer Nair Rao Mehta Joshi Shah Smith Johnson Brown
Jones Miller Davis Wilson Anderson Taylor Moore Martin Thompson White Harris Clark Lewis Walker Hall
Allen Young King Wright Scott Green Baker Adams Nelson Carter Mitchell Roberts Turner Phillips Campbell
Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell
Kelly Howard Ward Cox Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schulz Koch
Richter Klein Wolf Rossi Russo Ferrari Esposito Bianchi Romano Colombo Bernard Dubois Durand Lefebvre
Moreau Laurent Simon Michel Garcia Rodriguez Martinez Lopez Gonzalez Hernandez Perez Sanchez Ramirez
Torres Flores Silva Santos Oliveira Costa Pereira Ivanov Petrov Smirnov Popov Kuznetsov Novak Kowalski
Nowak Jensen Hansen Nielsen Larsen Andersen Johansson Karlsson Nilsson Virtanen Korhonen Yilmaz Kaya
Demir Hassan Hussein Ibrahim Khan Ahmed
"""
)
INITIALS = [""] + [f" {letter}." for letter in "ABCDEFGHJKLMNPRSTVWXYZ"]

# Title and abstract vocabulary. The first words of each list are the most frequent.
# Themes of abstracts and titles, with weights: where "diffusion", "language", "agents" and
# "reinforcement" come from, so that each is in about as many papers as in the recorded days.
THEMES = {
    "large language models": 6,
    "vision-language models": 3,
    "multimodal large language models": 4,
    "language model agents": 4,
    "reinforcement learning": 3,
    "reasoning models": 4,
    "diffusion models": 3,
    "text-to-image generation": 3,
    "code generation": 3,
    "mathematical reasoning": 3,
    "retrieval-augmented generation": 3,
    "video generation": 2,
    "video diffusion models": 1,
    "mixture of experts": 2,
    "world models": 2,
    "embodied agents": 2,
    "preference optimization": 2,
    "flow matching": 2,
    "3D reconstruction": 2,
    "robot manipulation": 2,
    "video understanding": 2,
    "image editing": 2,
    "tool-using agents": 2,
    "speech recognition": 1,
    "autonomous driving": 1,
    "long-context modeling": 1,
    "small language models": 1,
    "diffusion transformers": 1,
    "graph neural networks": 1,
    "protein structure prediction": 1,
    "web agents": 1,
    "time series forecasting": 1,
    "medical image segmentation": 1,
    "recommender systems": 1,
}
# The most frequent keywords, in order; the rest of the vocabulary is a long tail of combinations.
KEYWORD_HEAD = [
    "state-of-the-art performance",
    "fine-tuning",
    "large language models",
    "zero-shot generalization",
    "foundation models",
    "supervised fine-tuning",
    "reinforcement learning",
    "multimodal large language models",
    "chain-of-thought",
    "vision-language models",
    "diffusion models",
    "LLM agents",
    "GRPO",
    "flow matching",
    "mixture of experts",
    "retrieval-augmented generation",
    "text-to-image generation",
    "in-context learning",
    "knowledge distillation",
    "LoRA",
    "world models",
    "video generation",
    "preference optimization",
    "embodied agents",
    "3D reconstruction",
    "code generation",
    "mathematical reasoning",
    "sparse attention",
    "variational autoencoder",
    "cross-attention",
]
ADJECTIVES = _words(
    """
efficient scalable robust unified adaptive novel simple effective lightweight interpretable sparse dense
latent autoregressive contrastive self-supervised zero-shot few-shot open-source long-horizon
fine-grained controllable compositional causal probabilistic differentiable modular recurrent parallel
distributed federated continual online offline hybrid dynamic spatial temporal semantic structured
implicit explicit generative hierarchical visual textual cross-lingual low-resource
high-resolution real-time training-free data-efficient memory-efficient verifiable faithful grounded
aligned safe private secure uncertainty-aware reward-guided physics-informed task-agnostic
general-purpose domain-specific open-ended agentic multilingual multimodal
"""
)
# Most noun slots take a generic word; a few take a topical one, so each topic word stays rarer.
GENERIC_NOUNS = _words(
    """
model method approach framework performance results data training tasks experiments baselines accuracy
efficiency analysis setting problem quality capabilities architecture parameters features objective
loss inference scale robustness generalization study design pipeline module components models methods
datasets evaluation improvements trade-off limitations behavior signals supervision
strategy mechanism representations outputs inputs predictions errors gains insights properties
"""
)
TOPICAL_NOUNS = _words(
    """
video image reasoning vision code alignment attention reward policy context prompt memory planning tool
search safety speech robot audio scene motion generation feedback instruction preference transformer
embedding tokens decoding sampling pretraining hallucination grounding perception geometry graph
mathematics editing synthesis dialogue translation summarization retrieval detection segmentation
navigation manipulation trajectory environment simulation exploration imitation demonstration skills
actions observations tracking rendering captioning recommendation forecasting protein molecule music
distillation compression sparsity experts adapters curriculum calibration uncertainty verification
interpretability fairness privacy denoising tokenization routing caching layers neurons circuits probes
latency hardware kernels pruning quantization watermarking
"""
)
VERBS = _words(
    """
improves enables reduces outperforms accelerates stabilizes unifies extends simplifies generalizes
matches surpasses mitigates recovers leverages combines exploits captures preserves aligns
"""
)
VERBINGS = _words(
    """
Scaling Rethinking Revisiting Unlocking Bridging Learning Training Aligning Teaching Grounding Steering
Compressing Distilling Benchmarking Evaluating Understanding Improving Accelerating Democratizing Taming
"""
)
METRICS = _words(
    """
accuracy F1 BLEU FID CLIPScore pass@1 win-rate success-rate NDCG@10 mAP PSNR SSIM perplexity throughput
"""
)
# Rare words: each appears in roughly one abstract in a thousand.
RARE_WORDS = _words(
    """
bathymetry palimpsest zeolite holonomic tessellation cartography phonotactics lichen isotopic hydrology
seismograph glaciology archaeology viticulture ornithology stenography calligraphy numismatics heraldry
"""
)
TOPIC_HEADS = _words(
    """
models learning estimation alignment attention transformers tokenization distillation quantization
decoding planning memory segmentation detection editing synthesis understanding evaluation optimization
adaptation navigation manipulation reconstruction representation pretraining fine-tuning inference
sampling compression pruning tracking captioning control matching calibration modeling prediction
classification localization completion rendering
"""
)
ORG_PREFIXES = _words(
    """
Northwind Bluefin Redwood Silverline Greenfield Ironbridge Lakeside Brightpath Deepwater Highland
Stonegate Clearview Summit Horizon Meridian Polaris Aurora Cascade Evergreen Granite Harbor Keystone
Lighthouse Maple Nimbus Orion Pioneer Quantum Riverside Sequoia Skyline Solstice Tidewater Vanguard
Zenith Atlas Beacon Cedar Delta Ember Falcon Glacier Helix Indigo Juniper Kestrel Lumen Monarch Nova
"""
)
ORG_SUFFIXES = ["AI", "Research", "Labs", "University", "Institute", "Intelligence", "Group"]
SUMMARY_MODELS = ["Qwen/Qwen3-32B", "meta-llama/Llama-3.3-70B-Instruct"]

TITLE_TEMPLATES = [
    "{acronym}: {Adj} {Noun} {Noun} for {Adj} {Noun}",
    "{Verbing} {Adj} {Noun} with {Noun} {Noun}",
    "Towards {Adj} {Phrase} via {Noun} {Noun}",
    "{Noun} {Noun} Is All You Need for {Phrase}",
    "When {Noun} Meets {Noun}: {Adj} {Noun} for {Phrase}",
    "{acronym}: {Verbing} {Phrase} through {Adj} {Noun}",
    "{Adj} {Noun} {Noun} in {Phrase}",
    "On the {Noun} of {Adj} {Phrase}",
    "{acronym}: A {Adj} Benchmark for {Phrase}",
    "{Verbing} {Phrase} at Scale",
    "{acronym}: {Verbing} {Adj} {Phrase} with {Adj} {Noun} and {Noun} {Noun}",
    "{Adj} {Noun} Makes {Phrase} Better at {Adj} {Noun} {Noun}",
    "Do {Phrase} Really Need {Adj} {Noun}? A Study of {Noun} {Noun} in {Adj} {Noun}",
    "{acronym}: Learning {Adj} {Noun} {Noun} from {Adj} {Noun} for {Phrase}",
]
SENTENCE_TEMPLATES = [
    "Recent advances in {phrase} have shown remarkable {noun} in {noun} and {noun}.",
    "However, existing {noun} methods remain {adj} and struggle with {adj} {noun} {noun}.",
    "We introduce {acronym}, a {adj} {noun} framework that {verb} {phrase} with {adj} {noun}.",
    "Our approach {verb} {noun} {noun} by combining {adj} {noun} with {adj} {noun}.",
    "Specifically, we design a {adj} {noun} module that {verb} the {noun} of {phrase}.",
    "We further propose a {adj} {noun} objective based on {noun} {noun} and {noun}.",
    "Experiments on {n} benchmarks show that {acronym} {verb} strong baselines by {pct}% in {metric}.",
    "Compared with prior {phrase}, our model {verb} {noun} while using {n}x fewer {noun}.",
    "We release the code, the {noun} and a {adj} dataset of {k}K {noun} examples.",
    "Extensive ablations reveal that {adj} {noun} is critical for {adj} {noun} {noun}.",
    "These results suggest that {phrase} can benefit from {adj} {noun} {noun}.",
    "In particular, {acronym} achieves {pct}% {metric} on {adj} {noun} tasks.",
    "We analyse why {adj} {noun} fails and show how {noun} {noun} {verb} {noun}.",
    "To this end, we train {phrase} with {adj} {noun} feedback and {adj} {noun}.",
    "Our findings highlight the role of {noun} in {adj} {phrase}.",
]
SUMMARY_TEMPLATE = "{acronym} {verb} {phrase} using {adj} {noun} {noun}, achieving better {metric} on {noun} tasks."


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


@dataclass(frozen=True)
class CorpusResult:
    papers: int
    generated: bool
    seconds: float


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


def paper_specs(papers: int, seed: int = DEFAULT_SEED) -> Iterator[PaperSpec]:
    """The corpus, oldest day first: `papers` PaperSpecs, always the same for the same arguments."""
    rng = random.Random(f"{seed}:papers")
    writer = _Writer(rng)
    pools = Pools.for_size(papers)
    author_ranks = range(pools.authors)
    author_weights = zipf_weights(pools.authors, offset=min(300, pools.authors / 10))
    topic_ranks = range(pools.topics)
    topic_weights = zipf_weights(pools.topics, offset=3)
    org_weights = zipf_weights(pools.organizations, offset=5)
    submitter_weights = zipf_weights(pools.submitters, offset=1, exponent=0.9)
    days = listing_days(papers, seed)
    day_index = {day: i for i, (day, _count) in enumerate(days)}
    numbers: dict[str, int] = {}

    for day, count in days:
        month = day.strftime("%y%m")
        upvotes = sorted((int(math.exp(rng.gauss(math.log(8), 1.0))) for _ in range(count)), reverse=True)
        for position, hf_upvotes in enumerate(upvotes):
            number = numbers.setdefault(month, FIRST_NUMBER)
            numbers[month] = number + 1
            arxiv_id = f"{month}.{number}"
            n_authors = 1 + int(math.exp(rng.gauss(math.log(7), 0.75)))
            if rng.random() < 0.01:
                n_authors = rng.randint(50, 150)
            authors = _distinct(
                lambda k: rng.choices(author_ranks, cum_weights=author_weights, k=k), min(n_authors, pools.authors)
            )
            n_topics = min(28, max(1, round(rng.gauss(12, 6)))) if rng.random() < 0.6 else 0
            topics = _distinct(lambda k: rng.choices(topic_ranks, cum_weights=topic_weights, k=k), n_topics)
            relisted_on = None
            if rng.random() < 0.01 and day_index[day] + 1 < len(days):
                later = min(len(days) - 1, day_index[day] + rng.randint(1, 10))
                relisted_on = days[later][0]
            title, abstract, summary = writer.paper()
            has_github = rng.random() < 0.45
            yield PaperSpec(
                arxiv_id=arxiv_id,
                title=title,
                abstract=abstract,
                ai_summary=summary,
                ai_summary_model=rng.choice(SUMMARY_MODELS) if summary else "",
                published_at=dt.datetime.combine(day - dt.timedelta(days=rng.randint(1, 4)), dt.time(), tzinfo=dt.UTC),
                listed_on=day,
                relisted_on=relisted_on,
                hf_position=position,
                relisted_position=days[day_index[relisted_on]][1] if relisted_on else 0,
                hf_upvotes=hf_upvotes,
                hf_comments=int(rng.expovariate(1.0)),
                authors=tuple(authors),
                claimed_by=tuple(rng.randrange(pools.submitters) if rng.random() < 0.03 else None for _ in authors),
                topics=tuple(topics),
                organization=(
                    rng.choices(range(pools.organizations), cum_weights=org_weights)[0] if rng.random() < 0.6 else None
                ),
                submitter=rng.choices(range(pools.submitters), cum_weights=submitter_weights)[0],
                github_repo=f"https://github.com/example/{arxiv_id.replace('.', '-')}" if has_github else "",
                github_stars=int(math.exp(rng.gauss(4, 1.5))) if has_github else None,
                project_page=f"https://example.org/{arxiv_id}/" if rng.random() < 0.35 else "",
            )


def synthetic_papers():
    return Paper.objects.filter(arxiv_id__regex=SYNTHETIC_ID_REGEX)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ensure_rows(model, key: str, rows: list, batch_size: int) -> list[int]:
    """Insert the rows that are missing (by the unique `key`) and return every row's id, in order."""
    model.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    keys = [getattr(row, key) for row in rows]
    ids: dict[str, int] = {}
    for chunk in _chunks(keys, 10_000):
        ids.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return [ids[k] for k in keys]


def _paper(spec: PaperSpec, *, authors: list[str], topics: list[str], orgs: list[int], users: list[int]) -> Paper:
    paper = Paper(
        arxiv_id=spec.arxiv_id,
        title=spec.title,
        abstract=spec.abstract,
        published_at=spec.published_at,
        author_count=len(spec.authors),
        authors_text=", ".join(authors[i] for i in spec.authors),
        keywords=[topics[i] for i in spec.topics],
        ai_summary=spec.ai_summary,
        ai_summary_model=spec.ai_summary_model,
        organization_id=orgs[spec.organization] if spec.organization is not None else None,
        submitted_by_id=users[spec.submitter],
        thumbnail_url=THUMBNAIL_URL.format(arxiv_id=spec.arxiv_id),
        github_repo=spec.github_repo,
        github_stars=spec.github_stars,
        project_page=spec.project_page,
        hf_upvotes=spec.hf_upvotes,
        hf_comments=spec.hf_comments,
        first_listed_on=spec.listed_on,
        last_listed_on=spec.relisted_on or spec.listed_on,
    )
    paper.refresh_sort_keys()
    return paper


def generate_corpus(
    papers: int,
    *,
    seed: int = DEFAULT_SEED,
    batch_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> None:
    """Insert the synthetic corpus of `papers` papers (the pools are shared with earlier runs).

    Papers go in with bulk_create, `batch_size` papers (and their authorships, topics and listings)
    per transaction, then the search vectors are computed and the planner statistics refreshed.
    """
    log = log or (lambda message: None)
    pools = Pools.for_size(papers)
    started = time.monotonic()
    names = author_names(pools.authors, seed)
    topics = topic_names(pools.topics, seed)
    with transaction.atomic():
        author_ids = _ensure_rows(Author, "slug", [Author(slug=author_slug(n), name=n) for n in names], batch_size)
        topic_ids = _ensure_rows(Topic, "slug", [Topic(slug=topic_slug(n), name=n) for n in topics], batch_size)
        org_ids = _ensure_rows(
            Organization,
            "handle",
            [
                Organization(
                    handle=handle,
                    name=name,
                    avatar_url=f"https://cdn-avatars.huggingface.co/v1/production/uploads/{handle}.png",
                )
                for handle, name in organization_names(pools.organizations)
            ],
            batch_size,
        )
        user_ids = _ensure_rows(
            HFUser,
            "username",
            [
                HFUser(username=username, fullname=fullname, avatar_url=f"/avatars/{username}.svg")
                for username, fullname in submitter_names(pools.submitters, seed)
            ],
            batch_size,
        )
    log(
        f"Pools: {len(author_ids):,} authors, {len(topic_ids):,} topics, {len(org_ids)} organisations, "
        f"{len(user_ids):,} submitters ({time.monotonic() - started:.1f}s)"
    )

    started = time.monotonic()
    batches = itertools.batched(paper_specs(papers, seed), batch_size)
    lock, stop = threading.Lock(), threading.Event()

    def insert_batches() -> None:
        while not stop.is_set():
            with lock:  # The plan is one sequential stream; only drawing from it is serialised.
                chunk = next(batches, None)
            if chunk is None:
                return
            rows = [_paper(spec, authors=names, topics=topics, orgs=org_ids, users=user_ids) for spec in chunk]
            with transaction.atomic():
                Paper.objects.bulk_create(rows, batch_size=batch_size)
                Authorship.objects.bulk_create(
                    _authorships(chunk, rows, author_ids, user_ids), batch_size=batch_size * 4
                )
                PaperTopic.objects.bulk_create(_paper_topics(chunk, rows, topic_ids), batch_size=batch_size * 4)
                Listing.objects.bulk_create(_listings(chunk, rows), batch_size=batch_size)
            if progress:
                progress(len(chunk))

    workers = _workers()
    _in_threads([insert_batches] * workers, stop)
    log(f"Papers, authorships, topics and listings: {time.monotonic() - started:.1f}s ({workers} connections)")

    started = time.monotonic()
    ids = synthetic_papers().aggregate(first=Min("pk"), last=Max("pk"))
    bounds = [ids["first"] + (ids["last"] + 1 - ids["first"]) * n // workers for n in range(workers + 1)]
    _in_threads(
        [
            functools.partial(synthetic_papers().filter(pk__gte=low, pk__lt=high).refresh_search_vectors)
            for low, high in itertools.pairwise(bounds)
        ]
    )
    log(f"Search vectors: {time.monotonic() - started:.1f}s")
    started = time.monotonic()
    Topic.objects.filter(pk__in=topic_ids).refresh_paper_counts()
    log(f"Topic paper counts: {time.monotonic() - started:.1f}s")
    started = time.monotonic()
    analyze()
    log(f"ANALYZE: {time.monotonic() - started:.1f}s")


def _workers() -> int:
    """Two connections on PostgreSQL, so that Python builds a batch while the server writes another."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return 2
    return 1


def _in_threads(functions: list[Callable[[], object]], stop: threading.Event | None = None) -> None:
    """Call the functions in threads, each with its own database connection (inline if only one).

    On an error or an interrupt, `stop` is set so that the other threads can end early.
    """
    if len(functions) == 1:
        functions[0]()
        return
    stop = stop or threading.Event()

    def call(function: Callable[[], object]) -> None:
        try:
            function()
        except BaseException:
            stop.set()
            raise
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(functions)) as pool:
        futures = [pool.submit(call, function) for function in functions]
        try:
            for future in futures:
                future.result()
        except BaseException:
            stop.set()
            raise


def _authorships(specs: Iterable[PaperSpec], rows: list[Paper], author_ids: list[int], user_ids: list[int]):
    for spec, paper in zip(specs, rows, strict=True):
        for position, (author, claimed_by) in enumerate(zip(spec.authors, spec.claimed_by, strict=True)):
            yield Authorship(
                paper_id=paper.pk,
                author_id=author_ids[author],
                position=position,
                hf_user_id=user_ids[claimed_by] if claimed_by is not None else None,
            )


def _paper_topics(specs: Iterable[PaperSpec], rows: list[Paper], topic_ids: list[int]):
    for spec, paper in zip(specs, rows, strict=True):
        for position, topic in enumerate(spec.topics):
            yield PaperTopic(paper_id=paper.pk, topic_id=topic_ids[topic], position=position)


def _listings(specs: Iterable[PaperSpec], rows: list[Paper]):
    for spec, paper in zip(specs, rows, strict=True):
        listed = [(spec.listed_on, spec.hf_position)]
        if spec.relisted_on:
            listed.append((spec.relisted_on, spec.relisted_position))
        for day, position in listed:
            yield Listing(
                date=day,
                paper_id=paper.pk,
                submitter_id=paper.submitted_by_id,
                submitter_organization_id=paper.organization_id,
                hf_upvotes=spec.hf_upvotes,
                hf_comments=spec.hf_comments,
                hf_position=position,
            )


def analyze() -> None:
    """Fresh planner statistics (and, outside a transaction, a VACUUM for the visibility map)."""
    if connection.vendor == "postgresql":
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        tables = [m._meta.db_table for m in (Paper, Authorship, PaperTopic, Listing, Author, Topic)]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def delete_corpus() -> None:
    """Delete the synthetic papers (with their authorships, topics and listings); the pools stay."""
    ids = list(synthetic_papers().values_list("pk", flat=True))
    for chunk in _chunks(ids, 5_000):
        with transaction.atomic():
            for model in (Authorship, PaperTopic, Listing):
                model.objects.filter(paper_id__in=chunk).delete()
            Paper.objects.filter(pk__in=chunk).delete()


def ensure_corpus(
    papers: int,
    *,
    seed: int = DEFAULT_SEED,
    batch_size: int = 5_000,
    regenerate: bool = False,
    progress: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> CorpusResult:
    """Reuse a complete synthetic corpus of `papers` papers, or (re)generate it."""
    log = log or (lambda message: None)
    existing = synthetic_papers().count()
    if existing == papers and not regenerate:
        if connection.vendor == "postgresql":
            stale = synthetic_papers().filter(search_vector=None)
            if stale.exists():
                log("Filling missing search vectors…")
                stale.refresh_search_vectors()
                analyze()
        return CorpusResult(papers=papers, generated=False, seconds=0.0)
    started = time.monotonic()
    if existing:
        log(f"Deleting the existing synthetic corpus of {existing:,} papers…")
        delete_corpus()
    generate_corpus(papers, seed=seed, batch_size=batch_size, progress=progress, log=log)
    return CorpusResult(papers=papers, generated=True, seconds=time.monotonic() - started)


# --- Members: follows, votes, saves and comments, for the personal feed ------------------------------

MEMBER_PREFIX = "synthetic-"
# The member whose `/feed/` the benchmark measures: 50 follows and some upvotes and saves.
FEED_READER = "synthetic-reader"
READER_FOLLOWS = {"topic": 20, "author": 15, "organization": 5, "member": 10}
READER_UPVOTES, READER_SAVES = 30, 10
FEED_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class MembersResult:
    members: int
    generated: bool
    seconds: float


def members_for_size(papers: int) -> int:
    """10,000 members for 100,000 papers: one for every ten papers, at least 30."""
    return max(30, papers // 10)


def synthetic_members():
    from accounts.models import User

    return User.objects.filter(username__startswith=MEMBER_PREFIX)


def ensure_members(
    papers: int,
    *,
    seed: int = DEFAULT_SEED,
    regenerate: bool = False,
    log: Callable[[str], None] | None = None,
) -> MembersResult:
    """Reuse the synthetic members of a corpus of `papers` papers, or (re)generate them.

    They are complete when there are as many as expected, the feed reader follows 50 things, and their
    votes are on the current papers (regenerating the papers deletes the votes).
    """
    from papers.models import Follow, PaperVote

    log = log or (lambda message: None)
    count = members_for_size(papers)
    reader = synthetic_members().filter(username=FEED_READER).first()
    complete = (
        reader is not None
        and synthetic_members().count() == count
        and Follow.objects.following().filter(user=reader).count() == sum(READER_FOLLOWS.values())
        and PaperVote.objects.filter(user=reader).count() == READER_UPVOTES
    )
    if complete and not regenerate:
        return MembersResult(members=count, generated=False, seconds=0.0)
    started = time.monotonic()
    generate_members(count, seed=seed, log=log)
    return MembersResult(members=count, generated=True, seconds=time.monotonic() - started)


def generate_members(count: int, *, seed: int = DEFAULT_SEED, log: Callable[[str], None] | None = None) -> None:
    """`count` members (the feed reader among them) who follow, mute, upvote, save and comment, in bulk.

    Half of each member's upvotes and saves go to papers of the feed's window (members are active now),
    weighted by their points; the rest anywhere in the corpus. The papers' counters are recounted after.
    """
    from accounts.models import User
    from papers.models import Comment, Follow, PaperVote, SavedPaper

    log = log or (lambda message: None)
    rng = random.Random(f"{seed}:members")
    started = time.monotonic()
    if synthetic_members().exists():
        log("Deleting the existing synthetic members…")
        synthetic_members().delete()

    users = [
        User(
            username=FEED_READER if n == 0 else f"{MEMBER_PREFIX}{n:05d}",
            email=f"member{n}@example.org",
            password="!",  # unusable: these members never log in with a password
            upvotes_public=n > 0 and rng.random() < 0.3,
            recency=User.Recency.SOME if n == 0 else rng.choice([1, 2, 2, 2, 3]),
        )
        for n in range(count)
    ]
    User.objects.bulk_create(users, batch_size=5_000)
    reader_id = synthetic_members().get(username=FEED_READER).pk
    others = list(synthetic_members().exclude(pk=reader_id).order_by("username").values_list("pk", flat=True))

    latest = Listing.objects.filter(paper__in=synthetic_papers().values("pk")).aggregate(day=Max("date"))["day"]
    all_ids = list(synthetic_papers().values_list("pk", flat=True))
    recent = list(synthetic_papers().filter(last_listed_on__gte=latest - FEED_WINDOW).values_list("pk", "points"))
    recent_ids = [pk for pk, _points in recent]
    recent_weights = list(itertools.accumulate(1 + points for _pk, points in recent))
    pools = Pools.for_size(len(all_ids))
    topic_ids = _pool_ids(Topic, "slug", [topic_slug(n) for n in topic_names(pools.topics, seed)])
    author_ids = _pool_ids(Author, "slug", [author_slug(n) for n in author_names(pools.authors, seed)])
    org_ids = _pool_ids(Organization, "handle", [h for h, _n in organization_names(pools.organizations)])
    topic_weights = zipf_weights(len(topic_ids), offset=3)
    author_weights = zipf_weights(len(author_ids), offset=min(300, len(author_ids) / 10))

    def papers_for(k: int) -> set[int]:
        chosen = set(rng.choices(recent_ids, cum_weights=recent_weights, k=(k + 1) // 2))
        return chosen | set(rng.sample(all_ids, min(k // 2, len(all_ids))))

    now = dt.datetime.combine(latest, dt.time(12), tzinfo=dt.UTC)
    votes, saves, follows, comments = [], [], [], []
    for member in others:
        for paper in papers_for(int(rng.expovariate(1 / 20))):
            votes.append(PaperVote(user_id=member, paper_id=paper, created_at=now - _ago(rng)))
        for paper in papers_for(int(rng.expovariate(1 / 5))):
            saves.append(SavedPaper(user_id=member, paper_id=paper, created_at=now - _ago(rng)))
        for _ in range(int(rng.expovariate(1 / 6))):
            kind = rng.choice(["topic", "topic", "author", "author", "organization", "member"])
            target = {
                "topic": lambda: rng.choices(topic_ids, cum_weights=topic_weights)[0],
                "author": lambda: rng.choices(author_ids, cum_weights=author_weights)[0],
                "organization": lambda: rng.choice(org_ids),
                "member": lambda: rng.choice(others),
            }[kind]()
            if kind != "member" or target != member:
                mode = Follow.Mode.MUTE if rng.random() < 0.1 else Follow.Mode.FOLLOW
                follows.append(Follow(user_id=member, target=kind, mode=mode, **{f"{kind}_id": target}))
        if rng.random() < 0.05:
            for paper in rng.sample(recent_ids, min(3, len(recent_ids))):
                comments.append(Comment(paper_id=paper, author_id=member, body="Nice.", body_html="<p>Nice.</p>"))

    # The reader: 20 topics (a few of the biggest), 15 prolific authors, 5 organisations, the 10 busiest voters
    # (whose upvotes are public); a muted topic and author; recent upvotes and saves as seeds.
    busiest = collections.Counter(vote.user_id for vote in votes)
    voters = sorted(others, key=lambda pk: (-busiest[pk], pk))[: READER_FOLLOWS["member"]]
    User.objects.filter(pk__in=voters).update(upvotes_public=True)
    reader_targets = {
        "topic": topic_ids[:5] + rng.sample(topic_ids[5:-1][:195], READER_FOLLOWS["topic"] - 5),
        "author": rng.sample(author_ids[:300], READER_FOLLOWS["author"]),
        "organization": org_ids[: READER_FOLLOWS["organization"]],
        "member": voters,
    }
    for kind, ids in reader_targets.items():
        follows += [Follow(user_id=reader_id, target=kind, **{f"{kind}_id": pk}) for pk in ids]
    follows.append(Follow(user_id=reader_id, target="topic", mode=Follow.Mode.MUTE, topic_id=topic_ids[-1]))
    follows.append(Follow(user_id=reader_id, target="author", mode=Follow.Mode.MUTE, author_id=author_ids[-1]))
    reader_votes = rng.sample(recent_ids, min(READER_UPVOTES * 2 // 3, len(recent_ids)))
    reader_votes += rng.sample(sorted(set(all_ids) - set(reader_votes)), READER_UPVOTES - len(reader_votes))
    votes += [PaperVote(user_id=reader_id, paper_id=pk, created_at=now - _ago(rng)) for pk in reader_votes]
    reader_saves = rng.sample(sorted(set(recent_ids) - set(reader_votes)), min(READER_SAVES, len(recent_ids) // 2))
    saves += [SavedPaper(user_id=reader_id, paper_id=pk, created_at=now - _ago(rng)) for pk in reader_saves]

    with transaction.atomic():
        for model, rows in ((PaperVote, votes), (SavedPaper, saves), (Follow, follows), (Comment, comments)):
            model.objects.bulk_create(rows, batch_size=10_000, ignore_conflicts=model is not Comment)
    log(
        f"Members: {count:,} with {len(votes):,} upvotes, {len(saves):,} saves, {len(follows):,} follows and mutes, "
        f"{len(comments):,} comments ({time.monotonic() - started:.1f}s)"
    )
    started = time.monotonic()
    recount_papers()
    log(f"Paper counters recounted ({time.monotonic() - started:.1f}s)")
    started = time.monotonic()
    from papers import similarity

    similarity.refresh([*reader_votes, *reader_saves])
    log(f"Similar papers of the reader's seeds ({time.monotonic() - started:.1f}s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (User, PaperVote, SavedPaper, Follow, Comment, Paper):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _ago(rng: random.Random) -> dt.timedelta:
    return dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60))


def _pool_ids(model, key: str, values: list[str]) -> list[int]:
    """The ids of a pool's rows, in the pool's order (most frequent first)."""
    ids: dict[str, int] = {}
    for chunk in _chunks(values, 10_000):
        ids.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return [ids[value] for value in values if value in ids]


def recount_papers() -> int:
    """Recount the synthetic papers' upvotes and comments from their rows, with the sort keys; returns the changed."""
    from papers.models import Comment, PaperVote

    votes = dict(
        PaperVote.objects.filter(paper__in=synthetic_papers().values("pk")).values_list("paper").annotate(n=Count("*"))
    )
    comments = dict(
        Comment.objects.visible()
        .filter(paper__in=synthetic_papers().values("pk"))
        .values_list("paper")
        .annotate(n=Count("*"))
    )
    changed = []
    for paper in synthetic_papers().only(
        "pk", "hf_upvotes", "upvote_count", "comment_count", "first_listed_on", "published_at"
    ):
        upvotes, discussion = votes.get(paper.pk, 0), comments.get(paper.pk, 0)
        if (paper.upvote_count, paper.comment_count) != (upvotes, discussion):
            paper.upvote_count, paper.comment_count = upvotes, discussion
            paper.refresh_sort_keys()
            changed.append(paper)
    # Small batches: each is one UPDATE with a CASE per column, whose cost grows with the square of its size.
    for chunk in _chunks(changed, 500):
        Paper.objects.bulk_update(chunk, ["upvote_count", "comment_count", "points", "hotness"])
    return len(changed)
