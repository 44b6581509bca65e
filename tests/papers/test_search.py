import pytest

from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [paper.title for paper in response.context["page"].items]


@pytest.fixture
def papers():
    return {
        "title": make_paper(title="Sparse attention for diffusion transformers", abstract="We study kernels."),
        "abstract": make_paper(title="Efficient kernels", abstract="Kernels that speed up diffusion sampling."),
        "author": make_paper(title="A survey of agents", authors=("Diffusion Smith", "Ann Other")),
        "keyword": make_paper(title="World models", topics=("video diffusion",), abstract="Predicting frames."),
        "other": make_paper(title="Protein folding at scale", abstract="Nothing about that."),
    }


def test_search_ranks_title_above_authors_and_keywords_above_abstract(client, papers):
    found = titles(client.get("/search/", {"q": "diffusion"}))
    assert found[0] == "Sparse attention for diffusion transformers"
    assert set(found[1:3]) == {"A survey of agents", "World models"}
    assert found[3] == "Efficient kernels"
    assert "Protein folding at scale" not in found


def test_search_finds_papers_by_author(client, papers):
    assert titles(client.get("/search/", {"q": "Ann Other"})) == ["A survey of agents"]


def test_every_word_must_match(client, papers):
    assert set(titles(client.get("/search/", {"q": "diffusion kernels"}))) == {
        "Sparse attention for diffusion transformers",
        "Efficient kernels",
    }
    assert titles(client.get("/search/", {"q": "diffusion protein"})) == []


def test_ties_go_to_the_paper_with_more_points(client):
    make_paper(title="Graph networks one", hf_upvotes=1)
    make_paper(title="Graph networks two", hf_upvotes=50)
    assert titles(client.get("/search/", {"q": "graph networks"})) == ["Graph networks two", "Graph networks one"]


@pytest.mark.parametrize(
    "query",
    [
        "2608.17271",
        " 2608.17271 ",
        "2608.17271v2",
        "arXiv:2608.17271v2",
        "arxiv.org/abs/2608.17271",
        "https://arxiv.org/abs/2608.17271",
        "http://arxiv.org/abs/2608.17271v2",
        "https://www.arxiv.org/abs/2608.17271",
        "www.arxiv.org/abs/2608.17271v2",
        "https://arxiv.org/pdf/2608.17271",
        "https://arxiv.org/pdf/2608.17271v2.pdf",
        "arxiv.org/pdf/2608.17271.pdf",
        "https://huggingface.co/papers/2608.17271",
        "huggingface.co/papers/2608.17271",
    ],
)
def test_an_arxiv_id_or_paper_url_opens_the_paper(client, query):
    paper = make_paper("2608.17271")
    make_paper(title="Cites 2608.17271", abstract="Builds on arxiv.org/abs/2608.17271.")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url() == "/papers/2608.17271/"


def test_an_old_style_id_url_opens_the_paper(client):
    paper = make_paper("hep-th/9901001")
    response = client.get("/search/", {"q": "https://arxiv.org/abs/hep-th/9901001v3"})
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url()


@pytest.mark.parametrize("query", ["2608.17271", "https://arxiv.org/abs/2608.17271v2"])
def test_htmx_search_for_an_arxiv_id_or_url_shows_the_paper_instead_of_redirecting(client, query):
    make_paper("2608.17271", title="By id")
    response = client.get("/search/", {"q": query}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert titles(response) == ["By id"]


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_the_url_of_a_paper_not_here_offers_to_submit_it(client, papers, headers):
    response = client.get("/search/", {"q": "https://arxiv.org/abs/2608.99999v2"}, headers=headers)
    assert response.status_code == 200
    assert titles(response) == []
    assert "The arXiv paper 2608.99999 is not on Paper Commons yet." in response.text
    assert '<a href="/submit/">submit it</a> (paste 2608.99999 there)' in response.text
    assert '<a href="https://arxiv.org/abs/2608.99999">read it on arXiv</a>' in response.text


def test_a_minus_word_leaves_out_papers_with_it_hyphenated_words_included(client):
    make_paper(title="SANA-Video: efficient diffusion transformers", hf_upvotes=50, abstract="Fast generation.")
    make_paper(title="Image diffusion at scale", abstract="Pictures.")
    make_paper(title="Diffusion for video", abstract="Frames.")
    assert titles(client.get("/search/", {"q": "diffusion -video"})) == ["Image diffusion at scale"]
    assert set(titles(client.get("/search/", {"q": "diffusion -sana-video"}))) == {
        "Image diffusion at scale",
        "Diffusion for video",
    }
    assert titles(client.get("/search/", {"q": "sana-video"})) == ["SANA-Video: efficient diffusion transformers"]


@pytest.mark.parametrize(
    ("word", "left_out"),
    [
        ("sparse", "Sparse attention for diffusion transformers"),  # in the title
        ("smith", "A survey of agents"),  # in the authors
        ("video", "World models"),  # in the keywords
        ("sampling", "Efficient kernels"),  # in the abstract
    ],
)
def test_a_minus_word_leaves_out_papers_having_it_in_title_authors_keywords_or_abstract(client, papers, word, left_out):
    everything = set(titles(client.get("/search/", {"q": "diffusion"})))
    assert set(titles(client.get("/search/", {"q": f"diffusion -{word}"}))) == everything - {left_out}
    assert left_out in everything


def test_only_minus_words_find_every_paper_without_them(client, papers):
    found = titles(client.get("/search/", {"q": "-diffusion -kernels"}))
    assert found == ["Protein folding at scale"]


def test_quotes_match_a_phrase_and_minus_quotes_leave_it_out(client):
    make_paper(title="Video diffusion models", hf_upvotes=2)
    make_paper(title="Diffusion models for video", hf_upvotes=1)
    assert titles(client.get("/search/", {"q": '"video diffusion"'})) == ["Video diffusion models"]
    assert titles(client.get("/search/", {"q": 'diffusion -"video diffusion"'})) == ["Diffusion models for video"]
    assert titles(client.get("/search/", {"q": "video diffusion"})) == [
        "Video diffusion models",
        "Diffusion models for video",
    ]


def test_no_results_says_so(client, papers):
    response = client.get("/search/", {"q": "quantum chromodynamics"})
    assert response.status_code == 200
    assert "No papers match “quantum chromodynamics”" in response.text


def test_the_empty_search_page_invites_a_query(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Type a few words to search all papers." in response.text


@pytest.mark.parametrize(
    "query", ["%", "_", "'", '"', "\\", "a" * 5000, "-", '"unterminated', "<script>alert(1)</script>", "∑ 数学", "!!!"]
)
def test_odd_queries_never_fail(client, papers, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


def test_search_is_paginated(client):
    for n in range(35):
        make_paper(title=f"Robot learning {n}", hf_upvotes=n)
    first = client.get("/search/", {"q": "robot"})
    assert len(titles(first)) == 30
    assert "Results 1–30 for “robot”, more on the next page." in first.text
    second = client.get("/search/", {"q": "robot", "page": 2})
    assert len(titles(second)) == 5
    assert "Results 31–35" in second.text


def test_htmx_search_returns_only_the_results(client, papers):
    response = client.get("/search/", {"q": "diffusion"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="search-results"')
    assert "<html" not in response.text
    assert "Sparse attention for diffusion transformers" in response.text
    assert "HX-Request" in response["Vary"]


def test_the_search_form_works_without_javascript(client, papers):
    text = client.get("/search/", {"q": "diffusion"}).text
    assert '<form class="search-form" role="search" method="get" action="/search/"' in text
    assert 'name="q" value="diffusion"' in text
    assert 'data-hx-get="/search/"' in text
    assert 'Use "quotes" for a phrase and -word to exclude. An arXiv id or link opens the paper.' in text
