"""The site's one Markdown renderer and HTML sanitiser.

Every place that shows user text (comments, the live preview, notifications, bios, feeds, emails) calls
`render_markdown` for HTML or `render_plain_excerpt` for plain text. Raw HTML in the source is escaped,
never passed through, and whatever the Markdown renderer and latex2mathml produce still goes through the
allow-list sanitiser `sanitize_html` as the last step, so a bug in a plugin cannot reach the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import nh3
from latex2mathml.converter import convert_to_element
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table as gfm_table
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin

from papers import mentions
from papers.mentions import text_token

LINK_REL = "nofollow ugc noopener"
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LANGUAGE_RE = re.compile(r"[a-z0-9+#-]{1,20}")
# Fuzzy links ("arxiv.org/abs/…") only for these endings: the default also takes every two-letter
# country code, which turns train.py, README.md and run.sh into links.
FUZZY_LINK_TLDS = ["com", "org", "net", "edu", "gov", "int", "io", "ai", "co", "dev", "app", "info"]
# latex2mathml takes 15-40 µs a character: past this budget a text's remaining formulas are shown as
# their source, so 10,000 characters of "$a$ $a$ …" or "$\mathbb{RRR…}$" cannot cost seconds.
MATH_BUDGET_CHARS = 3000
MATH_BUDGET_FORMULAS = 300
# markdown-it fills short table rows with empty cells, up to 65,536 of them: a 10,000-character table
# then takes over a second. Bigger tables than this stay text.
MAX_TABLE_CELLS = 2000
_DELIMITER_ROW_CHARACTERS = frozenset(" \t|:-")

HTML_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
        "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "span",
    }
)  # fmt: skip
# Exactly the elements latex2mathml 3.81 emits (its CONVERSION_MAP and converter), nothing more:
# no <maction> (statusline/toggle tricks), no <semantics>/<annotation-xml> (an HTML integration point).
MATHML_TAGS = frozenset(
    {
        "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "mstyle", "mpadded", "mphantom", "menclose",
        "msup", "msub", "msubsup", "mover", "munder", "munderover", "mfrac", "msqrt", "mroot",
        "mtable", "mtr", "mtd",
    }
)  # fmt: skip
ALLOWED_TAGS = HTML_TAGS | MATHML_TAGS
# Removed with their content when they appear in raw HTML given to `sanitize_html`.
CLEAN_CONTENT_TAGS = frozenset(
    {"script", "style", "template", "svg", "iframe", "noscript", "noembed", "noframes", "xmp", "textarea", "title"}
)

_LENGTH_RE = re.compile(r"([+-]?(?:\d{1,4}(?:\.\d{0,4})?|\.\d{1,4}))(em|ex|px|pt|mm|cm|in|%|width|height|depth)?")
_NAMED_SPACE_RE = re.compile(r"(?:negative)?(?:very){0,2}(?:thin|medium|thick)mathspace")
# A length may move or stretch a formula this far and no further (in em), so \raise, \rule and \hspace
# cannot lay a box over the rest of the page. Absolute units are converted at 16px = 1em.
_MAX_EM = 6.0
_EMS_PER_UNIT = {"em": 1, "ex": 0.5, "px": 1 / 16, "pt": 1 / 12, "mm": 0.24, "cm": 2.4, "in": 6, "%": 0.01}


def _one_of(allowed: str) -> Callable[[str], bool]:
    """A check for one of the space-separated values."""
    return frozenset(allowed.split()).__contains__


def _words(allowed: str) -> Callable[[str], bool]:
    """A check for a list of up to 20 of the space-separated values."""
    return lambda value: 0 < len(value.split()) <= 20 and set(value.split()) <= set(allowed.split())


def _lengths(value: str) -> bool:
    return 0 < len(value.split()) <= 20 and all(_is_small_length(part) for part in value.split())


def _is_small_length(value: str) -> bool:
    if _NAMED_SPACE_RE.fullmatch(value):
        return True
    if not (match := _LENGTH_RE.fullmatch(value)):
        return False
    return abs(float(match[1])) <= _MAX_EM / _EMS_PER_UNIT.get(match[2] or "em", 1)


_BOOLEAN = _one_of("true false")
# Presentational MathML attributes, allowed on every MathML element but <math>, each value checked.
# Left out on purpose: mathcolor/mathbackground (\color, \colorbox and \rule can paint over or hide text),
# mathsize (\Huge nests into huge text), and href/style/class/id (\href, \style, \class, \id).
MATHML_ATTRIBUTES: dict[str, Callable[[str], bool]] = {
    "stretchy": _BOOLEAN,
    "fence": _BOOLEAN,
    "separator": _BOOLEAN,
    "accent": _BOOLEAN,
    "accentunder": _BOOLEAN,
    "movablelimits": _BOOLEAN,
    "largeop": _BOOLEAN,
    "symmetric": _BOOLEAN,
    "displaystyle": _BOOLEAN,
    "form": _one_of("prefix infix postfix"),
    "scriptlevel": _one_of("0 1 2 +1 -1"),
    "mathvariant": _one_of(
        "normal bold italic bold-italic double-struck bold-fraktur script bold-script fraktur sans-serif"
        " bold-sans-serif sans-serif-italic sans-serif-bold-italic monospace"
    ),
    "notation": _words(
        "box roundedbox circle left right top bottom updiagonalstrike downdiagonalstrike verticalstrike"
        " horizontalstrike longdiv actuarial madruwb"
    ),
    "linebreak": _one_of("auto newline nobreak goodbreak badbreak"),
    "columnalign": _words("left center right"),
    "columnlines": _words("none solid dashed"),
    "rowlines": _words("none solid dashed"),
    "width": _lengths,
    "height": _lengths,
    "depth": _lengths,
    "lspace": _lengths,
    "rspace": _lengths,
    "voffset": _lengths,
    "minsize": _lengths,
    "maxsize": _lengths,
    "linethickness": _lengths,
    "rowspacing": _lengths,
    "columnspacing": _lengths,
}
# An excerpt lands in e-mail subjects and <meta> tags: control characters become spaces, and bidi
# overrides and isolates go (an unclosed U+202E would reverse whatever follows it).
_PLAIN_TEXT_TRANSLATION = {
    **dict.fromkeys([*range(0x20), 0x7F, *range(0x80, 0xA0)], " "),
    **dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)]),
}
_SCRIPT_SCHEME_RE = re.compile(r"(?:java|vb|live)script:", re.IGNORECASE)
_CHARACTER_REFERENCE_RE = re.compile(r"&#x([0-9a-fA-F]{1,6});")
# Browsers drop tabs and newlines inside URLs and read a backslash as a slash: "java\tscript:", "/\\evil".
_UNSAFE_URL_CHARACTER_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "math": {"display", "xmlns"},
    **{tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS - {"math"}},
}


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML, and the usernames (as stored) of the members it links with @mentions."""

    html: str
    mentions: tuple[str, ...]


def is_safe_url(url: str) -> bool:
    """An http(s)/mailto URL, or a relative one that cannot turn into another host or scheme."""
    if not url or url != url.strip() or _UNSAFE_URL_CHARACTER_RE.search(url):
        return False
    if scheme := re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url):
        return scheme[1].lower() in URL_SCHEMES
    if url.startswith("//"):
        return False
    # "java%09script:x" or "javascript&#58;x" is no scheme, but a colon before the path has no business here.
    return ":" not in re.split(r"[/?#]", url, maxsplit=1)[0]


def _allowed_value(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute_filter: the value to keep, or None to drop the attribute."""
    if _SCRIPT_SCHEME_RE.search(re.sub(r"[\s\x00-\x1f\\]", "", value)):  # even in a title or a query string
        return None
    if tag == "a":
        return value if attribute != "href" or is_safe_url(value) else None
    if attribute == "class":  # only on <code>
        kept = [name for name in value.split() if name == "math-error" or _is_language_class(name)]
        return " ".join(kept[:1]) or None
    if attribute == "align":
        return value if value in {"left", "center", "right"} else None
    if attribute == "start":
        return value if re.fullmatch(r"\d{1,6}", value) else None
    if attribute == "display":
        return value if value in {"block", "inline"} else None
    if attribute == "xmlns":
        return value if value == MATHML_NAMESPACE else None
    allowed = MATHML_ATTRIBUTES.get(attribute)
    return value if allowed is not None and allowed(value) else None


def _is_language_class(name: str) -> bool:
    return name.startswith("language-") and bool(LANGUAGE_RE.fullmatch(name.removeprefix("language-")))


def _allowed_relative_url(url: str) -> str | None:
    return url if is_safe_url(url) else None


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags and attributes; links get rel="nofollow ugc noopener"."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_allowed_value,
        strip_comments=True,
        link_rel=LINK_REL,
        generic_attribute_prefixes=set(),
        url_schemes=set(URL_SCHEMES),
        url_relative=_allowed_relative_url,
    )


def render_markdown(text: str) -> Rendered:
    """Render a member's Markdown to safe HTML, linking @mentions of existing members."""
    env: EnvType = {}
    tokens = _parser.parse(text, env)
    inlines = [token for token in tokens if token.type == "inline"]
    _shift_headings(tokens)
    _align_table_cells(tokens)
    for inline in inlines:
        inline.children = _images_as_links(inline.children or [])
    members = mentions.members_named(mentions.candidates(inlines))
    mentioned = mentions.link(inlines, members) if members else ()
    html = _parser.renderer.render(tokens, _parser.options, env)
    return Rendered(html=sanitize_html(html), mentions=mentioned)


def render_plain_excerpt(text: str, length: int = 200) -> str:
    """Plain text of the Markdown, whitespace collapsed, cut on a word with "…". Escape it where it lands."""
    parts: list[str] = []
    for token in _parser.parse(text):
        if token.type == "inline":
            parts.extend(_inline_text(token.children or []))
        elif token.type in {"fence", "code_block", "math_block"}:
            parts.append(token.content)
        parts.append(" ")
    plain = " ".join("".join(parts).translate(_PLAIN_TEXT_TRANSLATION).split())
    if len(plain) <= length:
        return plain
    cut = plain[: max(length - 1, 0)]
    if not plain[len(cut)].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def _inline_text(children: Iterable[Token]) -> Iterable[str]:
    for child in children:
        if child.type in {"text", "code_inline", "math_inline", "math_inline_double"}:
            yield child.content
        elif child.type in {"softbreak", "hardbreak"}:
            yield " "
        elif child.type == "image":
            yield from _inline_text(child.children or [])


# Parsing and rendering


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    assert md.linkify is not None  # "linkify": True above
    md.linkify.tlds(FUZZY_LINK_TLDS, False)
    md.block.ruler.at("table", _small_table, {"alt": ["paragraph", "reference"]})
    # "$5 and $10" stays money: no space inside the dollars, no digit right after the closing one.
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False, double_inline=True)
    md.validateLink = is_safe_url  # type: ignore[method-assign]  # markdown-it's documented hook
    md.add_render_rule("math_inline", _render_inline_math)
    md.add_render_rule("math_inline_double", _render_display_math)
    md.add_render_rule("math_block", _render_display_math)
    md.add_render_rule("fence", _render_fence)
    return md


def _small_table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's table rule, for tables of at most MAX_TABLE_CELLS cells (header columns × lines)."""
    if not silent and _is_big_table(state, start_line, end_line):
        return False
    return gfm_table(state, start_line, end_line, silent)


def _is_big_table(state: StateBlock, start_line: int, end_line: int) -> bool:
    delimiter_line = start_line + 1
    if delimiter_line >= end_line:
        return False
    delimiter = state.src[state.bMarks[delimiter_line] + state.tShift[delimiter_line] : state.eMarks[delimiter_line]]
    if "-" not in delimiter or not _DELIMITER_ROW_CHARACTERS.issuperset(delimiter):  # (a regex would backtrack)
        return False
    max_lines = MAX_TABLE_CELLS // (delimiter.strip("| \t").count("|") + 1)
    # Counting lines costs: a text of a thousand one-column "tables" in a row gets no more tables past this.
    budget = state.env.get("table_lines_budget", MAX_TABLE_CELLS * 4)
    line = start_line
    while line < end_line and not state.isEmpty(line):
        if line - start_line >= max_lines or budget <= 0:
            state.env["table_lines_budget"] = 0
            return True
        line += 1
        budget -= 1
    state.env["table_lines_budget"] = budget
    return False


def _render_fence(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    info = unescapeAll(token.info).strip()
    language = info.split(maxsplit=1)[0].lower() if info else ""
    attrs = f' class="language-{language}"' if LANGUAGE_RE.fullmatch(language) else ""
    return f"<pre><code{attrs}>{escapeHtml(token.content)}</code></pre>\n"


def _render_inline_math(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _math(tokens[idx].content, display=False, env=env)


def _render_display_math(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _math(tokens[idx].content, display=True, env=env) + "\n"


def _math(latex: str, *, display: bool, env: EnvType) -> str:
    """MathML for the LaTeX, or its source in <code class="math-error"> when it cannot be converted."""
    env["math_chars"] = env.get("math_chars", 0) + len(latex)
    env["math_formulas"] = env.get("math_formulas", 0) + 1
    mathml = None
    if env["math_chars"] <= MATH_BUDGET_CHARS and env["math_formulas"] <= MATH_BUDGET_FORMULAS:
        try:
            mathml = _serialize_mathml(convert_to_element(latex, display="block" if display else "inline"))
        except Exception:  # latex2mathml raises many kinds (and RecursionError) on bad input
            mathml = None
    if mathml is not None:
        return mathml
    error = f'<code class="math-error">{escapeHtml(latex.strip())}</code>'
    return f"<pre>{error}</pre>" if display else error


def _serialize_mathml(element: Element) -> str:
    """latex2mathml's tree as markup, every text and attribute value escaped.

    Not latex2mathml's own `convert()`: to keep the "&#x2211;" references it writes into texts, it unescapes
    its whole output, so "\\text{<script>…}" or "\\unicode{<img …>}" come out as live tags. Here those
    references become characters and everything is escaped after.
    """
    attrs = "".join(f' {name}="{escapeHtml(_characters(value))}"' for name, value in element.attrib.items())
    children = "".join(_serialize_mathml(child) + escapeHtml(_characters(child.tail or "")) for child in element)
    return f"<{element.tag}{attrs}>{escapeHtml(_characters(element.text or ''))}{children}</{element.tag}>"


def _characters(text: str) -> str:
    return _CHARACTER_REFERENCE_RE.sub(lambda match: _character(int(match[1], 16)), text)


def _character(code: int) -> str:
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _shift_headings(tokens: Iterable[Token]) -> None:
    """`#` is <h3>: comments sit under the page's <h2>. Deeper levels stop at <h6>."""
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


def _align_table_cells(tokens: Iterable[Token]) -> None:
    """markdown-it writes style="text-align:…"; the sanitiser allows no style, so say it with align."""
    for token in tokens:
        if token.type in {"th_open", "td_open"} and (style := token.attrs.pop("style", None)):
            align = str(style).removeprefix("text-align:")
            if align in {"left", "center", "right"}:
                token.attrs["align"] = align


def _images_as_links(children: list[Token]) -> list[Token]:
    """No images (no tracking pixels): a link to the image with its alt text; inside a link, the alt text."""
    result: list[Token] = []
    depth = 0
    for child in children:
        depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if child.type != "image":
            result.append(child)
            continue
        alt = "".join(_inline_text(child.children or [])) or "image"
        if depth:
            result.append(text_token(alt))
            continue
        attrs: dict[str, str | int | float] = {"href": str(child.attrs["src"])}
        if title := child.attrs.get("title"):
            attrs["title"] = str(title)
        result += [Token("link_open", "a", 1, attrs=attrs), text_token(alt), Token("link_close", "a", -1)]
    return result


_parser = _build_parser()
