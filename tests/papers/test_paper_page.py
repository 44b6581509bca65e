import datetime as dt

import pytest

from papers import related_papers
from papers.models import HFUser, Listing
from tests.factories import make_organization, make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    paper = make_paper(
        "2608.15265",
        title="VibeWorlding: Can Multimodal Agents Construct 3D Open Worlds End-to-End?",
        authors=("Yansong Ning", "Ada Lovelace", "José Núñez"),
        topics=("multimodal agents", "3D world generation"),
        abstract="Constructing an interactive 3D open world from a user query is important.",
        ai_summary="A unified framework benchmarks and trains multimodal agents.",
        ai_summary_model="thinkingmachines/Inkling-Small",
        organization=make_organization("tencent", "Tencent"),
        github_repo="https://github.com/usail-hkust/VibeWorlding-Gym",
        github_stars=24,
        project_page="https://huggingface.co/collections/usail-hkust/vibeworlder",
        hf_upvotes=39,
        hf_comments=1,
        published_at=dt.datetime(2026, 8, 15, tzinfo=dt.UTC),
    )
    submitter = HFUser.objects.create(username="yasNing", fullname="Yansong NING")
    Listing.objects.filter(paper=paper).update(submitter=submitter)
    Listing.objects.create(date=dt.date(2026, 8, 20), paper=paper)
    return paper


def test_the_paper_page_shows_everything_we_know(client, paper):
    response = client.get("/papers/2608.15265/")
    assert response.status_code == 200
    text = response.text
    assert '<h1 id="paper-title">VibeWorlding: Can Multimodal Agents' in text
    assert text.index("Yansong Ning") < text.index("Ada Lovelace") < text.index("José Núñez")
    assert "A unified framework benchmarks" in text and "thinkingmachines/Inkling-Small" in text
    assert "Constructing an interactive 3D open world" in text
    for link in [
        "https://arxiv.org/abs/2608.15265",
        "https://arxiv.org/pdf/2608.15265",
        "https://huggingface.co/papers/2608.15265",
        "https://github.com/usail-hkust/VibeWorlding-Gym",
        "https://huggingface.co/collections/usail-hkust/vibeworlder",
        "/topics/multimodal-agents/",
        "/orgs/tencent/",
        "/authors/jos%C3%A9-n%C3%BA%C3%B1ez/",
    ]:
        assert f'href="{link}"' in text, link
    assert 'href="/papers/date/2026-08-18/"' in text and 'href="/papers/date/2026-08-20/"' in text
    assert "Yansong NING" in text


def test_the_paper_page_has_description_open_graph_and_citation_tags(client, paper):
    text = client.get("/papers/2608.15265/").text
    assert '<meta name="description" content="A unified framework benchmarks' in text
    assert '<meta property="og:title" content="VibeWorlding: Can Multimodal Agents' in text
    assert '<meta property="og:image" content="https://cdn-thumbnails' in text or "og:image" not in text
    assert '<meta name="citation_title" content="VibeWorlding' in text
    assert text.count('<meta name="citation_author"') == 3
    assert '<meta name="citation_publication_date" content="2026/08/15">' in text
    assert '<meta name="citation_arxiv_id" content="2608.15265">' in text
    assert '<meta name="citation_pdf_url" content="https://arxiv.org/pdf/2608.15265">' in text


def test_the_paper_page_offers_bibtex_to_copy_and_to_download(client, paper):
    text = client.get("/papers/2608.15265/").text
    assert "@misc{ning2026vibeworlding," in text
    assert "author = {Yansong Ning and Ada Lovelace and José Núñez}" in text
    assert 'href="/papers/2608.15265/bibtex/" download' in text
    response = client.get("/papers/2608.15265/bibtex/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert response["Content-Disposition"] == 'attachment; filename="2608.15265.bib"'
    body = response.content.decode()
    assert body.startswith("@misc{ning2026vibeworlding,\n")
    assert "  eprint = {2608.15265},\n" in body and "  archivePrefix = {arXiv}," in body
    assert "  year = {2026}," in body


def test_bibtex_escapes_special_characters_in_titles(client):
    make_paper("2608.00042", title="100% of {LLMs} & you", authors=("Ann Author",))
    body = client.get("/papers/2608.00042/bibtex/").content.decode()
    assert r"title = {{100\% of \{LLMs\} \& you}}" in body


@pytest.fixture
def related_world(paper):
    """Papers about multimodal agents building 3D worlds, one sharing only author names, and unrelated ones."""
    near = make_paper(
        title="Multimodal agents that build open 3D worlds",
        abstract="Agents construct interactive 3D open worlds from a user query.",
        authors=("Someone Else",),
        topics=("multimodal agents",),
    )
    names_only = make_paper(
        title="Protein folding with diffusion", abstract="Structures of proteins.", authors=("Ada Lovelace",)
    )
    for n in range(3):
        make_paper(title=f"Bread baking {n}", abstract="Sourdough at home.", authors=("Nobody",))
    related_papers.refresh()
    return near, names_only


def test_related_papers_share_content_and_say_what(client, paper, related_world):
    near, names_only = related_world
    response = client.get("/papers/2608.15265/")
    related = response.context["related"]
    assert related[0] == near
    assert names_only not in related  # a shared author name alone relates nothing
    assert all(other.shares for other in related)
    assert related[0].shares[0] == "multimodal agents"
    html = response.text
    why = html[html.index('class="related-item__why"') :]
    assert why.startswith(
        'class="related-item__why"><span class="related-item__label">Shares:</span> multimodal agents, '
    )
    assert 'href="/about/ranking/#related"' in html


def test_the_paper_page_with_htmx_is_the_same_page(client, paper, related_world):
    response = client.get("/papers/2608.15265/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Related papers" in response.text
    assert "Shares:" in response.text


def test_a_paper_without_related_papers_shows_no_related_section(client, paper):
    related_papers.refresh()
    assert "Related papers" not in client.get("/papers/2608.15265/").text


def test_members_upvote_and_save_related_papers_from_the_paper_page(member_client, member, paper, related_world):
    near, _ = related_world
    page = "/papers/2608.15265/"
    html = member_client.get(page).text
    related_part = html[html.index('id="related-heading"') :]
    assert f'action="/papers/{near.arxiv_id}/upvote/"' in related_part
    assert f'action="/papers/{near.arxiv_id}/save/"' in related_part
    response = member_client.post(f"/papers/{near.arxiv_id}/upvote/", {"next": page})
    assert response.status_code == 302 and response["Location"] == page  # without JavaScript: back to the page
    html = member_client.get(page).text
    related_part = html[html.index('id="related-heading"') :]
    assert 'aria-pressed="true"' in related_part
    response = member_client.post(
        f"/papers/{near.arxiv_id}/upvote/", {"next": page, "action": "remove"}, headers={"HX-Request": "true"}
    )
    assert 'aria-pressed="false"' in response.text and "<html" not in response.text  # with htmx: the button
    assert not near.votes.filter(user=member).exists()


def test_anonymous_visitors_are_asked_to_log_in_to_upvote_related_papers(client, paper, related_world):
    near, _ = related_world
    html = client.get("/papers/2608.15265/").text
    related_part = html[html.index('id="related-heading"') :]
    assert "log in to upvote “Multimodal agents that build open 3D worlds”" in related_part


def test_an_unknown_paper_gets_a_friendly_not_found_page(client):
    response = client.get("/papers/2608.99999/")
    assert response.status_code == 404
    assert "We don't have arXiv:2608.99999 yet" in response.text
    assert 'href="https://arxiv.org/abs/2608.99999"' in response.text


def test_malformed_paper_ids_are_not_found(client):
    assert client.get("/papers/not-an-id/").status_code == 404
    assert client.get("/papers/2608.1/").status_code == 404


def test_old_style_arxiv_ids_have_pages(client):
    make_paper("hep-th/9901001", title="An old-style paper")
    response = client.get("/papers/hep-th/9901001/")
    assert response.status_code == 200
    assert "An old-style paper" in response.text
    assert client.get("/papers/hep-th/9901001/bibtex/")["Content-Disposition"].endswith('"hep-th_9901001.bib"')


def test_authors_linked_to_hugging_face_keep_the_link(client, paper):
    hf_user = HFUser.objects.get(username="yasNing")
    paper.authorships.filter(position=0).update(hf_user=hf_user)
    assert 'href="https://huggingface.co/yasNing"' in client.get("/papers/2608.15265/").text


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_the_paper_page_runs_a_bounded_number_of_queries(client, member, paper, django_assert_max_num_queries, headers):
    for n in range(30):
        make_paper(
            title=f"Multimodal agents construct 3D worlds, take {n}",
            topics=("multimodal agents",),
            authors=("Ada Lovelace", f"Author {n}"),
        )
    related_papers.refresh()
    assert paper.related_rows.count() == related_papers.LIMIT
    with django_assert_max_num_queries(11):
        assert client.get("/papers/2608.15265/", headers=headers).status_code == 200
    client.force_login(member)
    with django_assert_max_num_queries(14):
        assert client.get("/papers/2608.15265/", headers=headers).status_code == 200


def test_the_paper_page_counts_its_comments_apart_from_hugging_faces(client, paper):
    text = client.get("/papers/2608.15265/").text
    assert '<span class="stat" id="comment-stat">0 comments here</span>' in text
    assert "Hugging Face: 39 upvotes, 1 comment" in text
    assert 'Discussion <span class="muted" id="discussion-count">(0)</span>' in text
    assert "Also 1 comment on" in text
