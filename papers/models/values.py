"""The catalog's values, apart from its models: arXiv identifiers and pasted references, slugs, search terms,
the hotness formula and cached URL reversing. Pure functions: no database.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import re
from urllib.parse import quote, urlsplit

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.text import slugify

HF_BASE_URL = "https://huggingface.co"

# arXiv identifiers: new style 2405.15738 (4 or 5 digits after the dot since
# 2015) and old style hep-th/9901001 or math.GT/0309136.
ARXIV_NEW_ID = r"\d{4}\.\d{4,5}"
ARXIV_OLD_ID = r"[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID_RE = re.compile(rf"^(?:{ARXIV_NEW_ID}|{ARXIV_OLD_ID})$")
_ARXIV_PREFIX_RE = re.compile(r"^arxiv:", re.IGNORECASE)
_ARXIV_VERSION_RE = re.compile(r"v\d+$")
# Where a pasted arXiv reference may point (`parse_arxiv_reference`).
MAX_REFERENCE_LENGTH = 300
ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
ARXIV_PAGES = {"abs", "pdf", "html"}
HF_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}

# Trending: ten times the points buys HOTNESS_WINDOW of age (see "About ranking").
HOTNESS_WINDOW = dt.timedelta(days=2)
HOTNESS_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

SEARCH_CONFIG = "english"
# On PostgreSQL, a query matching more papers than this is ranked among its best-voted matches only.
SEARCH_MAX_RANKED = 500
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 8
# A search term: an optional "-" (leave out), then a "quoted phrase" (the closing quote optional) or a word.
_SEARCH_TERM_RE = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
_WORD_CHARACTER_RE = re.compile(r"\w")


def normalize_arxiv_id(value: str) -> str | None:
    """Return the canonical arXiv id (no "arXiv:" prefix, no version), or None if invalid."""
    value = _ARXIV_PREFIX_RE.sub("", value.strip())
    value = _ARXIV_VERSION_RE.sub("", value)
    return value if ARXIV_ID_RE.match(value) else None


def parse_arxiv_reference(text: str) -> str | None:
    """The canonical arXiv id in an id (`2608.15265v2`, `arXiv:hep-th/9901001`) or an arXiv or
    Hugging Face paper URL (abs, pdf, html pages; scheme optional); None for anything else."""
    text = text.strip()
    if not text or len(text) > MAX_REFERENCE_LENGTH:
        return None
    if arxiv_id := normalize_arxiv_id(text):
        return arxiv_id
    if "://" not in text:
        text = f"https://{text}"
    try:
        url = urlsplit(text)
        host = url.hostname or ""
    except ValueError:
        return None
    if url.scheme not in ("http", "https"):
        return None
    page, _, rest = url.path.strip("/").partition("/")
    if host in ARXIV_HOSTS and page in ARXIV_PAGES:
        return normalize_arxiv_id(rest.removesuffix(".pdf") if page == "pdf" else rest)
    if host in HF_HOSTS and page == "papers":
        return normalize_arxiv_id(rest)
    return None


def normalize_whitespace(value: str) -> str:
    """Runs of whitespace to one space, ends trimmed, NUL characters (which no database text column takes) gone."""
    return " ".join(value.replace("\x00", " ").split())


def search_terms(query: str) -> list[tuple[str, bool]]:
    """The terms of a search as (text, excluded): words and "quoted phrases", each excluded when it
    starts with "-" (`-video`, `-"video diffusion"`), as PostgreSQL's websearch_to_tsquery reads them.

    A hyphen inside a word is part of it (`sana-video`); terms without a letter or digit are dropped,
    and only the first SEARCH_MAX_WORDS are kept.
    """
    terms = []
    for match in _SEARCH_TERM_RE.finditer(query):
        minus, phrase, word = match.groups()
        text = " ".join(phrase.split()) if phrase is not None else word.lstrip("-").strip("'")
        if _WORD_CHARACTER_RE.search(text):
            terms.append((text, bool(minus)))
    return terms[:SEARCH_MAX_WORDS]


def topic_slug(name: str) -> str:
    return slugify(normalize_whitespace(name), allow_unicode=True)[:120]


def author_slug(name: str) -> str:
    """The slug of an author's page; names with no letters or digits get a stable one from their hash."""
    return slugify(normalize_whitespace(name), allow_unicode=True)[:200] or (
        "author-" + hashlib.sha1(name.encode()).hexdigest()[:12]
    )


def hotness(points: int, listed_at: dt.datetime) -> float:
    """log10 of the points plus the age bonus: ten times the points buys HOTNESS_WINDOW."""
    order = math.log10(max(points, 1))
    age_bonus = (listed_at - HOTNESS_EPOCH).total_seconds() / HOTNESS_WINDOW.total_seconds()
    return round(order + age_bonus, 7)


_URL_PLACEHOLDER = "0000.00000"  # matches every converter the papers URLs use


@functools.cache
def _url_template(name: str) -> str:
    return reverse(name, args=[_URL_PLACEHOLDER])


def cached_reverse(name: str, value: str) -> str:
    """`reverse(name, args=[value])` for URLs with one argument, without resolving the pattern every time.

    Listing pages link hundreds of authors and topics; reversing each costs more than the database.
    """
    return _url_template(name).replace(_URL_PLACEHOLDER, quote(value, safe=RFC3986_SUBDELIMS + "/~:@"), 1)


def absolute_hf_url(url: str) -> str:
    """Hugging Face sends some avatar URLs relative to its host."""
    if url.startswith("/"):
        return HF_BASE_URL + url
    return url
