"""The one Markdown renderer and sanitiser: what it renders, whom it mentions, and what it never lets through."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from papers.markdown import Rendered, render_markdown, render_plain_excerpt, sanitize_html
from papers.mentions import profile_url
from tests.factories import make_user
from tests.papers.xss_payloads import PAYLOADS

pytestmark = pytest.mark.django_db


def names(text: str) -> set[str]:
    return set(text.split())


# The allow-list, written out here again on purpose: widening the one in papers/markdown.py must fail a test.
HTML_TAGS = names(
    "p br hr strong em del s code pre blockquote ul ol li a h3 h4 h5 h6 table thead tbody tr th td sup sub span"
)
MATHML_TAGS = names(
    "math mrow mi mn mo mtext mspace mstyle mpadded mphantom menclose msup msub msubsup mover munder munderover"
    " mfrac msqrt mroot mtable mtr mtd"
)
MATHML_ATTRIBUTES = names(
    "stretchy fence separator accent accentunder movablelimits largeop symmetric displaystyle form scriptlevel"
    " mathvariant notation linebreak columnalign columnlines rowlines width height depth lspace rspace voffset"
    " minsize maxsize linethickness rowspacing columnspacing"
)
ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "math": {"display", "xmlns"},
    **dict.fromkeys(MATHML_TAGS - {"math"}, MATHML_ATTRIBUTES),
}
FORBIDDEN_ATTRIBUTE = re.compile(r"on.*|style|hx-.*|data-.*|id|name|xlink:.*|srcdoc|formaction|action|src")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def is_allowed_href(href: str) -> bool:
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", href):
        return href.split(":", 1)[0].lower() in {"http", "https", "mailto"}
    return not href.startswith("//") and "\\" not in href and ":" not in re.split(r"[/?#]", href)[0]


def assert_safe(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag in HTML_TAGS | MATHML_TAGS, f"<{tag}> in {html!r}"
        for name, value in attrs:
            assert not FORBIDDEN_ATTRIBUTE.fullmatch(name), f"{name} on <{tag}> in {html!r}"
            assert name in ATTRIBUTES.get(tag, set()), f"{name} on <{tag}> in {html!r}"
            assert value is not None, f"valueless {name} on <{tag}> in {html!r}"
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            assert "javascript:" not in compact and "vbscript:" not in compact, f"{name}={value!r} in {html!r}"
            if name == "href":
                assert is_allowed_href(value), f"href={value!r} in {html!r}"
            if name == "rel":
                assert value == "nofollow ugc noopener"
            if name == "class":
                assert re.fullmatch(r"language-[a-z0-9+#-]{1,20}|math-error", value), f"class={value!r}"
    assert sanitize_html(html) == html, "sanitize_html is not idempotent on its own output"


def links(html: str) -> list[dict[str, str | None]]:
    return [dict(attrs) for tag, attrs in elements(html) if tag == "a"]


# Features


def test_paragraphs_and_emphasis_render():
    html = render_markdown("Hello *world* and **bold**.\n\nSecond paragraph.").html
    assert html == "<p>Hello <em>world</em> and <strong>bold</strong>.</p>\n<p>Second paragraph.</p>\n"


def test_render_markdown_returns_a_frozen_rendered():
    rendered = render_markdown("hi")
    assert rendered == Rendered(html="<p>hi</p>\n", mentions=())
    with pytest.raises(AttributeError):
        rendered.html = "<script>"  # type: ignore[misc]


def test_raw_html_is_escaped_not_passed_through():
    html = render_markdown('<b>bold</b> <div class="x">block</div>').html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>" not in html and "<div" not in html


def test_fenced_code_with_a_language_gets_a_language_class():
    html = render_markdown("```Python\nprint('<hi>')\n```").html
    assert html == "<pre><code class=\"language-python\">print('&lt;hi&gt;')\n</code></pre>\n"


def test_fenced_code_with_c_plus_plus_and_c_sharp_keeps_the_language():
    assert 'class="language-c++"' in render_markdown("```c++\nx\n```").html
    assert 'class="language-c#"' in render_markdown("```c#\nx\n```").html


def test_fenced_code_with_an_odd_language_gets_no_class():
    for info in ('x" onclick="alert(1)', "a" * 21, "py{}", "<script>"):
        html = render_markdown(f"```{info}\ncode\n```").html
        assert html == "<pre><code>code\n</code></pre>\n", info


def test_fenced_code_without_language_and_indented_code_render_as_pre_code():
    assert render_markdown("```\na < b\n```").html == "<pre><code>a &lt; b\n</code></pre>\n"
    assert render_markdown("    indented\n").html == "<pre><code>indented\n</code></pre>\n"


def test_tables_render_with_alignment():
    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |").html
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert '<th align="left">a</th>' in html
    assert '<td align="center">2</td>' in html
    assert '<td align="right">3</td>' in html
    assert "style" not in html


def test_strikethrough_renders():
    assert render_markdown("~~gone~~").html == "<p><s>gone</s></p>\n"


def test_blockquotes_and_lists_render():
    html = render_markdown("> quoted\n\n- one\n- two\n\n3. three\n4. four").html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">\n<li>three</li>' in html


def test_bare_urls_are_linkified():
    html = render_markdown("See https://arxiv.org/abs/2608.15265 and www.example.com today").html
    assert links(html) == [
        {"href": "https://arxiv.org/abs/2608.15265", "rel": "nofollow ugc noopener"},
        {"href": "http://www.example.com", "rel": "nofollow ugc noopener"},
    ]


def test_file_names_are_not_linkified():
    assert links(render_markdown("Run train.py, then read README.md and run.sh").html) == []


def test_every_link_gets_nofollow_ugc_noopener():
    html = render_markdown(
        "[a](https://a.example) <https://b.example> https://c.example ![d](https://d.example/d.png) a@b.com"
    ).html
    assert len(links(html)) == 5
    assert all(link["rel"] == "nofollow ugc noopener" for link in links(html))


def test_relative_links_stay():
    assert links(render_markdown("[paper](/papers/2608.15265/)").html)[0]["href"] == "/papers/2608.15265/"


@pytest.mark.parametrize(
    "markdown",
    [
        "[x](javascript:alert(1))",
        "[x](data:text/html,hi)",
        "[x](vbscript:msgbox(1))",
        "[x](//evil.example/)",
        "[x](ftp://files.example/)",
        "[x](&#106;avascript:alert(1))",
    ],
)
def test_unsafe_links_are_not_links(markdown):
    assert links(render_markdown(markdown).html) == []


def test_headings_are_shifted_by_two_levels_and_capped_at_h6():
    html = render_markdown("# one\n## two\n### three\n#### four\n###### six").html
    assert html == "<h3>one</h3>\n<h4>two</h4>\n<h5>three</h5>\n<h6>four</h6>\n<h6>six</h6>\n"


def test_images_render_as_links_to_the_image():
    html = render_markdown('![a *chart*](https://example.com/chart.png "Figure 1")').html
    assert "<img" not in html
    assert links(html) == [
        {"href": "https://example.com/chart.png", "title": "Figure 1", "rel": "nofollow ugc noopener"}
    ]
    assert ">a chart</a>" in html


def test_image_inside_a_link_renders_as_its_alt_text():
    html = render_markdown("[![badge](https://example.com/b.svg)](https://example.com/)").html
    assert html == '<p><a href="https://example.com/" rel="nofollow ugc noopener">badge</a></p>\n'


def test_inline_math_renders_mathml():
    html = render_markdown(r"Energy $E = mc^2$ and $\frac{a}{b}$.").html
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert "<mi>E</mi>" in html
    assert "<msup><mi>c</mi><mn>2</mn></msup>" in html
    assert "<mfrac>" in html


def test_display_math_renders_block_mathml():
    html = render_markdown("$$\n\\sum_{i=1}^n x_i^2\n$$").html
    assert html.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    assert "<msubsup>" in html and "<mi>x</mi>" in html


def test_display_math_inside_a_paragraph_renders_block_mathml():
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in render_markdown("a $$x$$ b").html


def test_common_latex_renders_without_errors():
    for latex in [
        r"\sqrt[3]{x}",
        r"\int_0^1 f(x)\,dx",
        r"\hat{x} \bar{y} \vec{v}",
        r"\begin{pmatrix}a&b\\c&d\end{pmatrix}",
        r"\begin{cases}a & b\\c&d\end{cases}",
        r"\mathbb{R} \mathcal{L} \text{ if } \operatorname{sin}",
        r"\left( \binom{n}{k} \right) \not= \boxed{x} \overbrace{abc}",
        r"\xrightarrow{a} \lim_{x\to 0} \tfrac12 \quad \phantom{x}",
    ]:
        html = render_markdown(f"${latex}$").html
        assert "<math" in html and "math-error" not in html, latex
        assert_safe(html)


def test_dollar_amounts_stay_text():
    assert render_markdown("It costs $5 and $10 today").html == "<p>It costs $5 and $10 today</p>\n"


def test_invalid_latex_renders_escaped_source_as_math_error():
    assert render_markdown(r"bad $<b>^1^2$ math").html == (
        '<p>bad <code class="math-error">&lt;b&gt;^1^2</code> math</p>\n'
    )
    assert render_markdown("$$\n\\frac{\n$$").html == '<pre><code class="math-error">\\frac{</code></pre>\n'


def test_latex_href_style_class_and_colour_are_dropped():
    html = render_markdown(
        r"$\href{https://a.example}{x} \style{color:red}{y} \class{big}{z} \color{white}{w} \colorbox{red}{v}$"
    ).html
    assert "<math" in html
    assert {name for _, attrs in elements(html) for name, _ in attrs} == {"xmlns", "display"}


def test_latex_text_is_escaped_not_markup():
    """latex2mathml's own convert() unescapes its output: \\text{<b>} would come out as a live <b> tag."""
    html = render_markdown(r"$\text{<b>bold</b> & co}$ $\unicode{<i>x</i>}$").html
    assert "<mtext>&lt;b&gt;bold&lt;/b&gt;&nbsp;&amp;&nbsp;co</mtext>" in html
    assert "<mi>&amp;#x&lt;i&gt;x&lt;/i&gt;;</mi>" in html


def test_huge_latex_lengths_are_dropped_and_small_ones_kept():
    assert "width" not in render_markdown(r"$\rule{1000em}{1000em}$").html
    assert "voffset" not in render_markdown(r"$\raise{-500em}{x}$").html
    assert '<mpadded voffset="2pt"' in render_markdown(r"$\raise{2pt}{x}$").html
    assert '<mspace width="1em"></mspace>' in render_markdown(r"$a \quad b$").html


def test_math_past_the_budget_renders_as_source():
    html = render_markdown(" ".join(["$x$"] * 400)).html
    assert html.count("<math") == 300
    assert html.count('<code class="math-error">x</code>') == 100


# Mentions


def test_mention_of_an_active_member_links_to_their_profile():
    make_user("ada")
    rendered = render_markdown("Thanks @ada, nice find.")
    assert rendered.html == '<p>Thanks <a href="/users/ada/" rel="nofollow ugc noopener">@ada</a>, nice find.</p>\n'
    assert rendered.mentions == ("ada",)


def test_profile_url_points_at_the_member_page():
    assert profile_url("ada") == "/users/ada/"


def test_mention_of_an_unknown_name_stays_text():
    rendered = render_markdown("Thanks @nobody")
    assert rendered == Rendered(html="<p>Thanks @nobody</p>\n", mentions=())


def test_mention_of_a_deleted_or_inactive_member_stays_text():
    deleted = make_user("gone")
    deleted.deleted_at = timezone.now()
    deleted.save()
    make_user("asleep", is_active=False)
    rendered = render_markdown("@gone @asleep")
    assert rendered == Rendered(html="<p>@gone @asleep</p>\n", mentions=())


def test_anonymized_member_cannot_be_mentioned_by_the_new_name():
    member = make_user("left")
    member.anonymize()
    assert render_markdown(f"@{member.username} @left").mentions == ()


def test_mentions_in_code_and_link_text_stay_text():
    make_user("ada")
    rendered = render_markdown("`@ada`\n\n```\n@ada\n```\n\n    @ada\n\n[@ada](https://example.com) $@ada$")
    assert rendered.mentions == ()
    assert "/users/" not in rendered.html


def test_email_addresses_and_urls_are_not_mentions():
    make_user("b")
    make_user("ada")
    rendered = render_markdown("Write to a@b.com or see https://example.com/@ada or x.@ada")
    assert rendered.mentions == ()


def test_mentions_match_case_insensitively_and_keep_what_was_typed():
    make_user("Ada_Lovelace")
    rendered = render_markdown("cc @ada_lovelace")
    assert '<a href="/users/Ada_Lovelace/" rel="nofollow ugc noopener">@ada_lovelace</a>' in rendered.html
    assert rendered.mentions == ("Ada_Lovelace",)


def test_mentions_are_deduplicated_in_stored_case_and_order():
    make_user("alan")
    make_user("Grace")
    rendered = render_markdown("@grace @alan @GRACE @alan and **@Grace**")
    assert rendered.mentions == ("Grace", "alan")
    assert rendered.html.count('href="/users/Grace/"') == 3


def test_mention_before_a_full_stop_links_the_name():
    make_user("ada")
    make_user("j.doe")
    rendered = render_markdown("Thanks @ada. Also @j.doe.")
    assert rendered.mentions == ("ada", "j.doe")
    assert '<a href="/users/ada/" rel="nofollow ugc noopener">@ada</a>.' in rendered.html
    assert '<a href="/users/j.doe/" rel="nofollow ugc noopener">@j.doe</a>.' in rendered.html


def test_a_mention_in_any_case_links_the_one_member():
    make_user("Sam")
    rendered = render_markdown("@SAM and @sam")
    assert rendered.mentions == ("Sam",)
    assert rendered.html.count('href="/users/Sam/"') == 2


def test_mentions_take_one_query(django_assert_num_queries):
    for name in ("ada", "alan", "grace"):
        make_user(name)
    with django_assert_num_queries(1):
        rendered = render_markdown("@ada @alan @grace @nobody @ada")
    assert rendered.mentions == ("ada", "alan", "grace")


def test_text_without_mentions_takes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        render_markdown("No one here, a@b.com, `@code`")


# Excerpts


def test_excerpt_is_plain_text_with_whitespace_collapsed():
    text = (
        "# Title\n\nSome **bold** text,\n`code` and [a link](https://x.example) ![alt](https://x/y.png)\n\n> <b>q</b>"
    )
    assert render_plain_excerpt(text) == "Title Some bold text, code and a link alt <b>q</b>"


def test_excerpt_is_cut_on_a_word_with_an_ellipsis():
    excerpt = render_plain_excerpt("word " * 100, length=23)
    assert excerpt == "word word word word…"
    assert len(excerpt) <= 23


def test_excerpt_cuts_a_single_long_word():
    assert render_plain_excerpt("x" * 50, length=10) == "xxxxxxxxx…"


def test_excerpt_of_short_text_is_whole():
    assert render_plain_excerpt("Short *note*.") == "Short note."


def test_excerpt_drops_bidi_overrides_and_control_characters():
    assert render_plain_excerpt("Download \u202egnp.exe\x07 now") == "Download gnp.exe now"


# The sanitiser on its own


def test_sanitize_html_keeps_allowed_markup():
    html = '<p><a href="https://a.example" title="t">a</a> <code class="language-py">x</code></p>'
    assert sanitize_html(html) == (
        '<p><a href="https://a.example" title="t" rel="nofollow ugc noopener">a</a> '
        '<code class="language-py">x</code></p>'
    )


def test_sanitize_html_keeps_only_language_and_math_error_classes():
    assert sanitize_html('<code class="htmx-indicator">x</code>') == "<code>x</code>"
    assert sanitize_html('<code class="math-error">x</code>') == '<code class="math-error">x</code>'
    assert sanitize_html('<span class="language-py">x</span>') == "<span>x</span>"


def test_sanitize_html_drops_script_and_style_with_their_content():
    assert sanitize_html("a<script>alert(1)</script><style>p{}</style>b") == "ab"


# The XSS corpus


def test_the_xss_corpus_is_large_and_well_formed():
    names = [name for name, _ in PAYLOADS]
    print(f"\n{len(PAYLOADS)} XSS payloads in tests/papers/xss_payloads.py")
    assert len(PAYLOADS) >= 120
    assert len(set(names)) == len(names)
    assert all(isinstance(markdown, str) and markdown for _, markdown in PAYLOADS)


@pytest.mark.parametrize("markdown", [markdown for _, markdown in PAYLOADS], ids=[name for name, _ in PAYLOADS])
def test_rendered_payload_is_safe(markdown):
    make_user("a")
    assert_safe(render_markdown(markdown).html)


@pytest.mark.parametrize("html", [markdown for _, markdown in PAYLOADS], ids=[name for name, _ in PAYLOADS])
def test_sanitized_payload_is_safe(html):
    assert_safe(sanitize_html(html))


# Pathological input


PATHOLOGICAL = {
    "deep blockquote": ">" * 10_000,
    "nested blockquote lines": "\n".join(">" * i + " x" for i in range(1, 140)),
    "5000 stars": "*" * 5_000 + "a" * 10 + "*" * 5_000,
    "alternating emphasis": "*a _b " * 1_666,
    "brackets": "[" * 5_000 + "]" * 5_000,
    "unclosed links": "[a](" * 2_500,
    "backticks": "`" * 10_000,
    "huge table": "|" + "a|" * 50 + "\n|" + "-|" * 50 + "\n" + ("|" + "x|" * 50 + "\n") * 95,
    "table filled in": "|" + "a|" * 1_500 + "\n|" + "-|" * 1_500 + "\n" + "|x\n" * 1_000,
    "table just under the limit": "|a|b|\n|-|-|\n" + "|x|y|\n" * 990,
    "one-column table starts": "|a\n|-\n" * 2_500,
    "setext headings": "a\n-\n" * 2_500,
    "many small tables": "|a|\n|-|\n|x|\n\n" * 800,
    "long dash line under a header": "|a|\n" + "-" * 9_990 + "x",
    "many dollars": "$" * 10_000,
    "many formulas": "$a$ " * 2_500,
    "one long formula": "$" + "a" * 9_998 + "$",
    "deep latex braces": "$" + "{" * 4_990 + "x" + "}" * 4_990 + "$",
    "long formulas": ("$\\mathbb{" + "R" * 2_980 + "}$ ") * 3,
    "long display formulas": ("$$\n" + "a^{b}_{c}" * 330 + "\n$$\n") * 3,
    "deep lists": "".join("  " * i + "- x\n" for i in range(500)),
    "many mentions": "@a " * 3_333,
    "many distinct mentions": " ".join(f"@user{i}" for i in range(1_400)),
    "many links": "[a](http://x) " * 700,
    "many bare urls": "http://a.com " * 770,
    "many emails": "a@b.com " * 1_250,
    "many headings": "# x\n" * 2_500,
    "angle brackets": "<" * 10_000,
    "html tags": "<div>" * 2_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_renders_quickly(text):
    """~200 ms is the aim for 10,000 characters (the worst here take ~150 ms); the bound allows for a busy machine."""
    make_user("a")
    text = text[:10_000]
    best = min(_seconds(render_markdown, text) for _ in range(3))
    assert best < 0.4
    assert min(_seconds(render_plain_excerpt, text) for _ in range(3)) < 0.4
    assert min(_seconds(sanitize_html, text) for _ in range(3)) < 0.4
    assert_safe(render_markdown(text).html)


def _seconds(function, text: str) -> float:
    start = time.perf_counter()
    function(text)
    return time.perf_counter() - start
