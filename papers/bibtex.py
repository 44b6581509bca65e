"""BibTeX entries for papers, in the form arXiv itself suggests (@misc with eprint).

Titles and names are plain text (what the site shows), written as LaTeX text that prints the same characters:

- LaTeX's special characters become their text commands (`$` → `\\$`, `^` → `\\textasciicircum{}`, `<` →
  `\\textless{}`, …); braces become `\\{ \\}` when they pair up, and `\\textbraceleft{}` / `\\textbraceright{}`
  when they don't, because BibTeX counts `\\{` as a brace: an unpaired one would end the field or the file.
- TeX's ligatures (`--`, ``` `` ```, `''`, `,,`, ``!` ?` ``) are broken with `{}`, so `--` stays two hyphens.
- Runs of whitespace (titles from arXiv carry line breaks) become one space.
- The whole title is one brace group, so styles keep its capitals. A group that starts with a command
  (`{\\$60 …}`) would be a BibTeX "special character", whose letters styles do change: such a title starts
  with an empty group (`{{}\\$60 …}`).
- Names: a person's name stays "First von Last" (BibTeX splits it); a suffix (Jr., III) is moved to
  "von Last, Jr, First"; a name that is not a person's ("NeoteAI Team", "Mind Lab", a single word, or one
  BibTeX would misread: with a comma or the word "and") is one brace group, which BibTeX keeps whole.
- Non-ASCII text (accents, CJK) stays UTF-8, as on the site: biber and bibtexu/bibtex8 read UTF-8, LaTeX
  reads UTF-8 by default, and LuaLaTeX or XeLaTeX print any script; pdfLaTeX prints accented Latin letters
  (CJK needs a package such as CJKutf8 there). Turning `é` into `{\\'e}` would cover only the Latin letters.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Paper

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_PAIRED_BRACES = str.maketrans(_SPECIAL | {"{": r"\{", "}": r"\}"})
_UNPAIRED_BRACES = str.maketrans(_SPECIAL | {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"})
# Between the two characters of a TeX ligature: -- --- `` '' ,, !` ?`
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=,)(?=,)|(?<=[!?])(?=`)")

# Words that make a name an organisation's or a group's rather than a person's.
_GROUP_WORDS = {
    "team",
    "teams",
    "lab",
    "labs",
    "laboratory",
    "laboratories",
    "group",
    "consortium",
    "project",
    "collaboration",
    "community",
    "contributors",
    "committee",
    "initiative",
    "institute",
    "university",
    "foundation",
    "inc",
    "ltd",
    "llc",
    "corp",
    "corporation",
    "company",
}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def _braces_pair(text: str) -> bool:
    depth = 0
    for char in text:
        if char in "{}":
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def latex_text(text: str) -> str:
    """Plain `text` as LaTeX that prints it, safe inside a BibTeX field."""
    text = " ".join(text.split())
    text = text.translate(_PAIRED_BRACES if _braces_pair(text) else _UNPAIRED_BRACES)
    return _LIGATURE.sub("{}", text)


def _group(latex: str) -> str:
    """One brace group that BibTeX keeps as it is (never a "special character", which begins `{\\`)."""
    return "{{}" + latex + "}" if latex.startswith("\\") else "{" + latex + "}"


def is_group_name(name: str) -> bool:
    """A team, lab, company or one-word name: not "First Last" (nor a name BibTeX would split at "," or "and")."""
    words = name.split()
    return (
        len(words) < 2
        or "," in name
        or any(word.lower() == "and" for word in words)
        or any(word.lower().strip(".") in _GROUP_WORDS for word in words)
    )


def bibtex_name(name: str) -> str:
    """One author for BibTeX's `author` field."""
    if is_group_name(name):
        return _group(latex_text(name))
    words = latex_text(name).split()
    if words[-1].lower() in _SUFFIXES and len(words) > 2:
        *rest, suffix = words
        split = len(rest) - 1  # the last name, with the lower-case "von" words before it
        while split > 1 and rest[split - 1][:1].islower():
            split -= 1
        return f"{' '.join(rest[split:])}, {suffix}, {' '.join(rest[:split])}"
    return " ".join(words)


def _surname(name: str) -> str:
    """The word a citation key starts with: a person's last name (not "III"), a group's first word."""
    words = name.split() or [""]
    if is_group_name(name):
        return words[0]
    return next((word for word in reversed(words) if word.lower() not in _SUFFIXES), words[-1])


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded).lower()


def citation_key(paper: Paper, names: list[str]) -> str:
    """`lastnameYEARfirstword`, e.g. ning2026vibeworlding; falls back to the arXiv id."""
    last = _ascii_word(_surname(names[0])) if names else ""
    year = str(paper.published_at.year) if paper.published_at else ""
    words = [_ascii_word(word) for word in paper.title.split()]
    first = next((word for word in words if len(word) > 3), next((w for w in words if w), ""))
    key = f"{last}{year}{first}"
    return key or "arxiv" + _ascii_word(paper.arxiv_id)


def bibtex_entry(paper: Paper, names: list[str]) -> str:
    """The entry for `paper` by the authors `names`, in order."""
    fields = [
        ("title", _group(latex_text(paper.title))),
        ("author", " and ".join(bibtex_name(name) for name in names if name.strip())),
        ("year", str(paper.published_at.year) if paper.published_at else ""),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("url", paper.arxiv_url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{citation_key(paper, names)},\n{body}\n}}\n"
