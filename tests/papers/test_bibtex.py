"""BibTeX (the paper page's Cite box, /papers/<id>/bibtex/, /saved/bibtex/) that LaTeX tools read as meant.

Checked with real implementations: pybtex parses each entry as BibTeX does (fields, names split into persons,
BibTeX's change.case$), pylatexenc turns the LaTeX back into text to compare with the title, and pybtex's plain
style formats the entries into a .bbl, the file LaTeX then compiles.
"""

import io
import re

import pytest
from pybtex.bibtex.utils import change_case
from pybtex.database.input.bibtex import Parser
from pybtex.plugin import find_plugin
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from papers import follows
from papers.bibtex import bibtex_entry, latex_text
from papers.models import Authorship, Paper
from tests.factories import make_paper

NASTY_TITLES = [
    "DumpsterCluster: From Dumpster Diving to Serving LLaMA-70B on $60 GPUs",
    "N_0-VTLA: Scaling Vision-Tactile-Language-Action Model",
    "CoRe^2: Collect, Reflect and Refine",
    "$\\mathcal{O}(n^2)$ attention is 100% enough & #1 on ~all benchmarks",
    "100% of {LLMs} & you",
    "An unpaired { brace",
    "A closing } before an opening {",
    "C:\\Users\\paper ends with a backslash \\",
    "\\textbf{Bold} claims",
    "<think> tags | pipes > arrows",
    "Dashes -- and --- stay hyphens, ``quotes'' stay, ?` and !` and ,, too",
    "Ünïcödé stays UTF-8: 深度学习 for the émigré",
    "A title\n  broken over   lines\tby arXiv",
    "Closing the entry early}, author = {Mallory}}\n@misc{evil, title = {x}",
    "% not a comment",
]

NAMES = [
    # name, (first and middle names, von part, last name, Jr part) as BibTeX splits it
    ("Yansong Ning", (["Yansong"], [], ["Ning"], [])),
    ("Hai Helen Li", (["Hai", "Helen"], [], ["Li"], [])),
    ("José Núñez", (["José"], [], ["Núñez"], [])),
    ("Ludwig van Beethoven", (["Ludwig"], ["van"], ["Beethoven"], [])),
    ("Hal Daumé III", (["Hal"], [], ["Daumé"], ["III"])),
    ("Martin Luther King Jr.", (["Martin", "Luther"], [], ["King"], ["Jr."])),
    ("Kai-Wei Chang", (["Kai-Wei"], [], ["Chang"], [])),
    ("NeoteAI Team", ([], [], ["{NeoteAI Team}"], [])),
    ("Guide Labs Team", ([], [], ["{Guide Labs Team}"], [])),
    ("Mind Lab", ([], [], ["{Mind Lab}"], [])),
    ("Xiaohongshu Inc", ([], [], ["{Xiaohongshu Inc}"], [])),
    ("The Human Connectome Project", ([], [], ["{The Human Connectome Project}"], [])),
    ("Allen Institute Group", ([], [], ["{Allen Institute Group}"], [])),
    ("OpenFold Consortium", ([], [], ["{OpenFold Consortium}"], [])),
    ("R&D Team", ([], [], [r"{R\&D Team}"], [])),
    ("Qwen", ([], [], ["{Qwen}"], [])),
    ("Tom and Jerry", ([], [], ["{Tom and Jerry}"], [])),
    ("Smith, John", ([], [], ["{Smith, John}"], [])),
]


def latex_to_text_converter() -> LatexNodes2Text:
    """pylatexenc, with LaTeX's own meaning of the text symbols it lacks or maps elsewhere: these are the
    characters LaTeX prints for them (tuenc.def: \\textasciicircum is U+005E, not U+02C6)."""
    context = get_default_latex_context_db()
    symbols = {"textasciicircum": "^", "textless": "<", "textgreater": ">", "textbar": "|"}
    symbols |= {"textbraceleft": "{", "textbraceright": "}"}
    context.add_context_category(
        "latex-text-symbols", prepend=True, macros=[MacroTextSpec(name, text) for name, text in symbols.items()]
    )
    return LatexNodes2Text(latex_context=context)


TO_TEXT = latex_to_text_converter()


def one_line(text: str) -> str:
    return " ".join(text.split())


def parse_string(text: str):
    """pybtex.database.parse_string(text, "bibtex") without its plugin look-up, which costs 50 ms a call."""
    return Parser().parse_string(text)


def parse_entry(text: str):
    """The one entry in `text`, read by pybtex as BibTeX reads it."""
    entries = parse_string(text).entries
    assert len(entries) == 1, text
    return next(iter(entries.values()))


def parts(person) -> tuple[list[str], list[str], list[str], list[str]]:
    return (person.first_names + person.middle_names, person.prelast_names, person.last_names, person.lineage_names)


def full_name(person) -> str:
    first, von, last, jr = parts(person)
    return TO_TEXT.latex_to_text(" ".join(first + von + last + jr))


def check_entry(paper: Paper, names: list[str], text: str) -> None:
    """The entry parses into the paper's fields, its title reads back as the title and keeps its capitals,
    and there is one person per author, whose name reads back as the author's."""
    entry = parse_entry(text)
    assert entry.type == "misc"
    assert entry.fields["eprint"] == paper.arxiv_id
    assert entry.fields["archivePrefix"] == "arXiv"
    assert entry.fields["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
    assert entry.fields["year"] == str(paper.published_at.year)
    title = entry.fields["title"]
    assert TO_TEXT.latex_to_text(title) == one_line(paper.title)
    for mode in "ltu":  # lower, title and upper case, as styles apply them with BibTeX's change.case$
        assert change_case(title, mode) == title, (mode, title)
    persons = entry.persons.get("author", [])
    assert [full_name(person) for person in persons] == [one_line(name) for name in names]


def format_bbl(bibliography_text: str) -> str:
    """The .bbl that pybtex's plain style writes for the entries: the file LaTeX then compiles."""
    bibliography = parse_string(bibliography_text)
    formatted = find_plugin("pybtex.style.formatting", "plain")().format_bibliography(bibliography)
    output = io.StringIO()
    find_plugin("pybtex.backends", "latex")().write_to_stream(formatted, output)
    return output.getvalue()


# --- Escaping rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,latex",
    [
        ("$60 GPUs", r"\$60 GPUs"),
        ("N_0-VTLA", r"N\_0-VTLA"),
        ("CoRe^2", r"CoRe\textasciicircum{}2"),
        ("R&D", r"R\&D"),
        ("100%", r"100\%"),
        ("C#", r"C\#"),
        ("~x", r"\textasciitilde{}x"),
        ("a\\b", r"a\textbackslash{}b"),
        ("<a|b>", r"\textless{}a\textbar{}b\textgreater{}"),
        ("{LLMs} {a {b}}", r"\{LLMs\} \{a \{b\}\}"),
        ("a { b", r"a \textbraceleft{} b"),
        ("} a {", r"\textbraceright{} a \textbraceleft{}"),
        ("a--b---c", "a-{}-b-{}-{}-c"),
        ("``q'' ,,low ?` !`", "`{}`q'{}' ,{},low ?{}` !{}`"),
        ("it's `cat'", "it's `cat'"),
        ("Fürelise 深度学习", "Fürelise 深度学习"),
        ("a\n  b\tc ", "a b c"),
    ],
)
def test_plain_text_becomes_latex_that_prints_it(text, latex):
    assert latex_text(text) == latex


@pytest.mark.django_db
def test_a_title_is_one_brace_group_that_never_starts_with_a_command(client):
    make_paper("2608.00050", title="$60 GPUs", authors=("Ann Author",))
    make_paper("2608.00051", title="On $60 GPUs", authors=("Ann Author",))
    assert r"title = {{{}\$60 GPUs}}," in client.get("/papers/2608.00050/bibtex/").text
    assert r"title = {{On \$60 GPUs}}," in client.get("/papers/2608.00051/bibtex/").text


# --- Read back by pybtex and pylatexenc -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("title", NASTY_TITLES)
def test_nasty_titles_parse_and_read_back_as_the_title(client, title):
    paper = make_paper("2608.00042", title=title, authors=("Ann Author", "NeoteAI Team"))
    response = client.get("/papers/2608.00042/bibtex/")
    assert response.status_code == 200
    check_entry(paper, ["Ann Author", "NeoteAI Team"], response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("name,expected", NAMES, ids=[name for name, _ in NAMES])
def test_bibtex_splits_each_author_into_the_right_person(name, expected):
    paper = make_paper(title="A paper", authors=(name, "Ada Lovelace"))
    entry = parse_entry(bibtex_entry(paper, [name, "Ada Lovelace"]))
    person, ada = entry.persons["author"]
    assert parts(person) == expected
    assert full_name(person) == name
    assert parts(ada) == (["Ada"], [], ["Lovelace"], [])


@pytest.mark.django_db
def test_group_authors_give_the_citation_key_their_first_word_and_suffixes_are_skipped():
    assert bibtex_entry(make_paper(title="Open models", authors=("NeoteAI Team",)), ["NeoteAI Team"]).startswith(
        "@misc{neoteai2026open,"
    )
    assert bibtex_entry(make_paper(title="Open models", authors=("Hal Daumé III",)), ["Hal Daumé III"]).startswith(
        "@misc{daume2026open,"
    )


def archive_entries() -> list[tuple[Paper, list[str], str]]:
    names: dict[int, list[str]] = {}
    for paper_id, name in Authorship.objects.order_by("paper", "position").values_list("paper_id", "author__name"):
        names.setdefault(paper_id, []).append(name)
    papers = Paper.objects.order_by("arxiv_id")
    return [(paper, names.get(paper.pk, []), bibtex_entry(paper, names.get(paper.pk, []))) for paper in papers]


@pytest.mark.django_db
def test_every_paper_of_the_recorded_archive_parses_and_reads_back(archive):
    entries = archive_entries()
    assert len(entries) > 300
    titles = " ".join(paper.title for paper, _, _ in entries)
    assert all(char in titles for char in "$_^'öü")  # the archive's own awkward titles are among them
    for paper, names, text in entries:
        check_entry(paper, names, text)


@pytest.mark.django_db
def test_the_archives_group_authors_stay_whole_and_its_people_are_split(archive):
    wholes, daume = set(), None
    for _, names, text in archive_entries():
        for name, person in zip(names, parse_entry(text).persons.get("author", []), strict=True):
            first, von, last, jr = parts(person)
            if not (first or von or jr) and len(last) == 1:
                wholes.add(name)
            if name == "Hal Daumé III":
                daume = parts(person)
    assert wholes == {
        "Aniri",
        "DiffusionGemma Team",
        "DreamX Team",
        "Fudan TEAI Team",
        "Guide Labs Team",
        "Mind Lab",
        "NeoteAI Team",
        "Sentry",
        "Simon",
        "Xiaohongshu Inc",
        "Xingyu",
        "Yang",
    }
    assert daume == (["Hal"], [], ["Daumé"], ["III"])


# --- Formatted into a .bbl --------------------------------------------------------------------------


# pybtex's formatter drops empty groups: `-{}-` becomes `--` (a dash), `\textless{} x` becomes `\textless  x`
# (LaTeX swallows the spaces after a command), so the .bbl of such titles prints other characters, where
# BibTeX copies the field as it is. Their entries are read back above.
LOST_IN_FORMATTING = re.compile(r"\\|--|``|''|,,|[?!]`|[\^~<>|{}]\s")


@pytest.mark.django_db
def test_the_archive_and_the_nasty_titles_format_into_a_bbl_that_reads_back(archive):
    for n, title in enumerate(NASTY_TITLES):
        make_paper(f"2612.9{n:04d}", title=title, authors=("Ann Author", f"Someone {n}"))
    # Keyed by arXiv id: some papers share a citation key (the saved papers' file tells them apart).
    entries = {
        paper.arxiv_id: (paper, re.sub(r"^@misc\{[^,]*,", f"@misc{{{paper.arxiv_id},", text))
        for paper, _, text in archive_entries()
    }
    bbl = format_bbl("\n".join(text for _, text in entries.values()))
    assert bbl.startswith("\\begin{thebibliography}") and bbl.rstrip().endswith("\\end{thebibliography}")
    items = dict(re.findall(r"\\bibitem\[\d+\]\{([^}]*)\}\n(.*?)(?=\n\n)", bbl, re.DOTALL))
    assert items.keys() == entries.keys()
    for key, (paper, _) in entries.items():
        authors, title, *_ = items[key].split("\\newblock ")  # a @misc: authors, title, year, URL
        if not LOST_IN_FORMATTING.search(paper.title):
            assert TO_TEXT.latex_to_text(title).strip() in {one_line(paper.title), one_line(paper.title) + "."}, key


# --- The saved papers' file ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_saved_papers_file_parses_whole_with_nasty_titles(member_client, member):
    for n, title in enumerate(NASTY_TITLES):
        follows.save_paper(
            member, make_paper(f"2608.{n + 1:05d}", title=title, authors=("NeoteAI Team", "Hal Daumé III"))
        )
    text = member_client.get("/saved/bibtex/").content.decode()
    entries = parse_string(text).entries
    assert sorted(entry.fields["eprint"] for entry in entries.values()) == [
        f"2608.{n + 1:05d}" for n in range(len(NASTY_TITLES))
    ]
    titles = {entry.fields["eprint"]: TO_TEXT.latex_to_text(entry.fields["title"]) for entry in entries.values()}
    assert titles == {f"2608.{n + 1:05d}": one_line(title) for n, title in enumerate(NASTY_TITLES)}
    for entry in entries.values():
        assert [parts(person) for person in entry.persons["author"]] == [
            ([], [], ["{NeoteAI Team}"], []),
            (["Hal"], [], ["Daumé"], ["III"]),
        ]
