"""The rules that make topics concepts, as pure functions (no database): used by the import
(`papers.topics`), by the migration that converted the old one-spelling topics, and by the tests.

- `topic_key(name)`: spellings with the same key are one topic. The key ignores case, punctuation,
  hyphens and spaces ("Vision-Language Models", "vision language model") and the plural of the last
  word, the head of an English noun phrase ("agent harnesses" → "agent harness"; "LLMs" → "LLM"). A
  keyword that defines its own acronym ("vision-language model (VLM)") has the key of its long form.
- `abbreviates(short, long)`: whether an acronym can stand for a phrase: every content word of the
  phrase gives the acronym its next letters, from the word's start ("GRPO" = Group Relative Policy
  Optimization, "3DGS" = 3D Gaussian Splatting, "NeRF" = Neural Radiance Fields, "MoE" = Mixture of
  Experts, "T2I" = text-to-image). Small words (of, for, the…) and the second half of a hyphenated
  word may give nothing.
- `definitions(text)`: the acronyms a text defines, "Group Relative Policy Optimization (GRPO)": the
  shortest run of words before the parenthesis that the acronym abbreviates.
- `plan_concepts(papers)`: the whole catalogue's grouping at once, for the migration and the tests.

Evidence that an acronym and a phrase are one topic (`papers.topics` applies it at import):
1. A paper carrying one of the two keywords defines the acronym as the phrase in its title, abstract or
   keywords (the first such definition found for a spelling is kept as its `evidence_key`).
2. Or they co-occur: the acronym abbreviates the phrase, they share at least COOCCURRENCE_MIN_PAPERS
   papers, and more than half of the papers of the rarer one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

COOCCURRENCE_MIN_PAPERS = 2
KEY_MAX_LENGTH = 200

_WORD_RE = re.compile(r"[^\W_]+|[+#]")
_ACRONYM_PLURAL_RE = re.compile(r"[A-Z0-9][A-Za-z0-9]*[A-Z]s")
# "(GRPO)", "(GRPO; Shao et al.)", "(LLMs)": a short form in parentheses.
_DEFINED_RE = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9\-]{1,14})\s*(?:[;,][^()]{0,80})?\)")
_TRAILING_DEFINITION_RE = re.compile(r"^(.*\S)\s*\(\s*([A-Za-z0-9][A-Za-z0-9\-]{1,14})\s*\)\s*$")
_SMALL_WORDS = frozenset({"a", "an", "and", "by", "for", "from", "in", "of", "on", "the", "to", "via", "with"})
_DIGIT_WORDS = {"2": "to", "4": "for"}  # T2I = text-to-image, "X4Y"
_DEFINITION_MAX_WORDS = 10

# Singular forms the suffix rules below get wrong, and words that only look plural.
_IRREGULAR = {
    "analyses": "analysis",
    "axes": "axis",
    "bases": "basis",
    "biases": "bias",
    "aliases": "alias",
    "caches": "cache",
    "children": "child",
    "criteria": "criterion",
    "diagnoses": "diagnosis",
    "hypotheses": "hypothesis",
    "indices": "index",
    "lenses": "lens",
    "matrices": "matrix",
    "men": "man",
    "mice": "mouse",
    "movies": "movie",
    "niches": "niche",
    "people": "person",
    "phenomena": "phenomenon",
    "statuses": "status",
    "syntheses": "synthesis",
    "theses": "thesis",
    "vertices": "vertex",
    "women": "woman",
}
_INVARIANT = frozenset(
    {"alias", "atlas", "bias", "canvas", "chaos", "gas", "lens", "news", "series", "species", "physics", "ethics"}
)
_NOT_PLURAL_ENDINGS = ("ss", "us", "is", "'s")
_ES_ENDINGS = ("sses", "shes", "ches", "xes", "zzes")


def singular(word: str) -> str:
    """The singular of one English word, when it is a plural; else the word.

    Acronym plurals ("LLMs", "NeRFs") drop their s. Mixed-case names (DeepSeek) and words of three
    letters or fewer are left alone. A deliberately small rule set: a wrong singular only matters when
    it makes two different words collide, and the precision check in the tests looks for that.
    """
    if _ACRONYM_PLURAL_RE.fullmatch(word):
        return word[:-1]
    lower = word.lower()
    if len(lower) <= 3 or any(c.isupper() for c in word[1:]) or not lower.isalpha():
        return word
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower in _INVARIANT or lower.endswith(_NOT_PLURAL_ENDINGS) or not lower.endswith("s"):
        return lower
    if lower.endswith("ies") and len(lower) > 4:
        return lower[:-3] + "y"
    if lower.endswith(_ES_ENDINGS):
        return lower[:-2]
    return lower[:-1]


def words_of(name: str) -> list[str]:
    return _WORD_RE.findall(unicodedata.normalize("NFKC", name))


def topic_key(name: str) -> str:
    """The normalised key of a spelling: lower case, no punctuation or spaces, last word singular."""
    name = unicodedata.normalize("NFKC", name)
    if match := _TRAILING_DEFINITION_RE.match(name):
        long, short = match.groups()
        if abbreviates(short, long):
            name = long
    words = words_of(name)
    if not words:
        return ""
    words[-1] = singular(words[-1])
    return "".join(words).lower()[:KEY_MAX_LENGTH]


def is_acronym(name: str) -> bool:
    """One word of 2 to 15 letters and digits with at least two capitals, or a capital and a digit (3DGS, MoE, T2I)."""
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-]{1,14}", name):
        return False
    capitals = sum(c.isupper() for c in name)
    return capitals >= 2 or (capitals >= 1 and any(c.isdigit() for c in name))


def _long_words(long: str) -> tuple[tuple[str, bool], ...]:
    """The phrase's words, lower case, each with whether it may give no letter (small word, hyphen's second half)."""
    result = []
    for part in unicodedata.normalize("NFKC", long).split():
        pieces = [piece for piece in re.split(r"[-‐–/]", part) if piece]
        for index, piece in enumerate(pieces):
            word = "".join(_WORD_RE.findall(piece)).lower()
            if word:
                result.append((word, index > 0 or word in _SMALL_WORDS))
    return tuple(result)


def abbreviates(short: str, long: str) -> bool:
    """Whether the acronym `short` stands for the phrase `long` (see the module's docstring)."""
    if not is_acronym(short):
        return False
    letters = "".join(_WORD_RE.findall(singular(short))).lower()
    words = _long_words(long)
    if sum(word not in _SMALL_WORDS for word, _ in words) < 2 or len(words) > 12:
        return False
    return _match(letters, words)


@functools.lru_cache(maxsize=4096)
def _match(letters: str, words: tuple[tuple[str, bool], ...]) -> bool:
    if not words:
        return not letters
    (word, optional), rest = words[0], words[1:]
    if optional and _match(letters, rest):
        return True
    if letters and _DIGIT_WORDS.get(letters[0]) == word and _match(letters[1:], rest):
        return True
    longest = 0
    while longest < min(len(word), len(letters)) and word[longest] == letters[longest]:
        longest += 1
    return any(_match(letters[size:], rest) for size in range(longest, 0, -1))


def definitions(text: str) -> set[tuple[str, str]]:
    """(acronym key, phrase key) for each "Phrase Words (ACRONYM)" in the text."""
    found = set()
    for match in _DEFINED_RE.finditer(text):
        short = match.group(1)
        if not is_acronym(short):
            continue
        before = text[: match.start()].split()[-_DEFINITION_MAX_WORDS:]
        for size in range(2, len(before) + 1):
            phrase = " ".join(before[-size:])
            if re.search(r"[.;:!?]$", before[-size]) and size > 1:
                break  # a phrase does not run across a sentence
            if abbreviates(short, phrase):
                found.add((topic_key(short), topic_key(phrase)))
                break
    return found


def evidence_for(name: str, texts: Iterable[str]) -> str:
    """The key of what the texts define this spelling as (or define as this acronym); "" if none."""
    key = topic_key(name)
    for text in texts:
        for short, long in sorted(definitions(text)):
            if short == key and long != key:
                return long
            if long == key and short != key:
                return short
    return ""


def paper_text(title: str, abstract: str, keywords: Sequence[str]) -> str:
    """What a paper says about its acronyms: title, abstract and keywords ("vision-language model (VLM)")."""
    return "\n".join([title, abstract, *keywords])


def pick_name(counts: dict[str, int], current: str = "") -> str:
    """The canonical spelling: the most used (papers per spelling), the current one on a tie, then the first."""
    return min(counts, key=lambda name: (-counts[name], name != current, list(counts).index(name)))


# The whole catalogue at once (the migration, and the tests' check of the import)


@dataclass
class Spelling:
    slug: str
    name: str
    key: str
    papers: set[int] = field(default_factory=set)
    evidence_key: str = ""


def cooccur(shared: int, first: int, second: int) -> bool:
    """Enough shared papers to call an acronym and a phrase one topic (see the module's docstring)."""
    return shared >= COOCCURRENCE_MIN_PAPERS and 2 * shared > min(first, second)


def related_by_name(first: Iterable[str], second: Iterable[str]) -> bool:
    """Whether a spelling of one group abbreviates a spelling of the other."""
    second = list(second)
    return any(abbreviates(a, b) or abbreviates(b, a) for a in first for b in second)


def plan_concepts(papers: Iterable[tuple[int, str, str, Sequence[str]]], slug_of) -> list[list[Spelling]]:
    """Group every spelling of the catalogue into concepts. `papers`: (id, title, abstract, keywords)."""
    spellings: dict[str, Spelling] = {}
    texts: dict[int, str] = {}
    for pk, title, abstract, keywords in papers:
        texts[pk] = paper_text(title, abstract, keywords)
        for keyword in keywords:
            slug = slug_of(keyword)
            if slug:
                spellings.setdefault(slug, Spelling(slug, keyword, topic_key(keyword))).papers.add(pk)
    for spelling in spellings.values():
        spelling.evidence_key = evidence_for(spelling.name, (texts[pk] for pk in sorted(spelling.papers)))
    parent = {slug: slug for slug in spellings}

    def find(slug: str) -> str:
        while parent[slug] != slug:
            parent[slug] = parent[parent[slug]]
            slug = parent[slug]
        return slug

    by_key: dict[str, list[str]] = defaultdict(list)
    for spelling in spellings.values():
        by_key[spelling.key].append(spelling.slug)
    for spelling in spellings.values():
        for other in (*by_key[spelling.key], *by_key.get(spelling.evidence_key, ())):
            parent[find(other)] = find(spelling.slug)
    _join_cooccurring(spellings, find, parent)
    groups: dict[str, list[Spelling]] = defaultdict(list)
    for slug, spelling in spellings.items():
        groups[find(slug)].append(spelling)
    return list(groups.values())


def _join_cooccurring(spellings: dict[str, Spelling], find, parent: dict[str, str]) -> None:
    members: dict[str, set[str]] = defaultdict(set)
    for slug in spellings:
        members[find(slug)].add(slug)
    papers = {root: set().union(*(spellings[s].papers for s in slugs)) for root, slugs in members.items()}
    pairs: Counter[tuple[str, str]] = Counter()
    by_paper: dict[int, set[str]] = defaultdict(set)
    for root, pks in papers.items():
        for pk in pks:
            by_paper[pk].add(root)
    for roots in by_paper.values():
        for a in roots:
            for b in roots:
                if a < b:
                    pairs[a, b] += 1
    for (a, b), shared in sorted(pairs.items()):
        if cooccur(shared, len(papers[a]), len(papers[b])) and related_by_name(
            (spellings[s].name for s in members[a]), [spellings[s].name for s in members[b]]
        ):
            parent[find(b)] = find(a)
