"""BibTeX entries for papers, in the form arXiv itself suggests (@misc with eprint)."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Paper

_SPECIAL = str.maketrans({"{": r"\{", "}": r"\}", "\\": r"\textbackslash{}", "%": r"\%", "&": r"\&", "#": r"\#"})


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded).lower()


def citation_key(paper: Paper, names: list[str]) -> str:
    """`lastnameYEARfirstword`, e.g. ning2026vibeworlding; falls back to the arXiv id."""
    last = _ascii_word(names[0].split()[-1]) if names else ""
    year = str(paper.published_at.year) if paper.published_at else ""
    words = [_ascii_word(word) for word in paper.title.split()]
    first = next((word for word in words if len(word) > 3), next((w for w in words if w), ""))
    key = f"{last}{year}{first}"
    return key or "arxiv" + _ascii_word(paper.arxiv_id)


def bibtex_entry(paper: Paper, names: list[str]) -> str:
    """The entry for `paper` by the authors `names`, in order."""
    authors = " and ".join(names)
    fields = [
        ("title", "{" + paper.title.translate(_SPECIAL) + "}"),
        ("author", authors.translate(_SPECIAL)),
        ("year", str(paper.published_at.year) if paper.published_at else ""),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("url", paper.arxiv_url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{citation_key(paper, names)},\n{body}\n}}\n"
