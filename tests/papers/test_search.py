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


def test_an_arxiv_id_opens_the_paper(client):
    paper = make_paper("2608.15265")
    for query in ["2608.15265", "arXiv:2608.15265v2", " 2608.15265 "]:
        response = client.get("/search/", {"q": query})
        if query.strip() == "2608.15265":
            assert response.status_code == 302
            assert response["Location"] == paper.get_absolute_url()
        else:
            assert titles(response) == [paper.title]


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


def test_htmx_search_for_an_arxiv_id_shows_the_paper_instead_of_redirecting(client):
    make_paper("2608.15265", title="By id")
    response = client.get("/search/", {"q": "2608.15265"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "By id" in response.text


def test_the_search_form_works_without_javascript(client, papers):
    text = client.get("/search/", {"q": "diffusion"}).text
    assert '<form class="search-form" role="search" method="get" action="/search/"' in text
    assert 'name="q" value="diffusion"' in text
    assert 'data-hx-get="/search/"' in text
