import datetime as dt

import pytest

from papers.models import HFUser
from tests.factories import make_organization, make_paper

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [paper.title for paper in response.context["page"].items]


def published(day: int) -> dt.datetime:
    return dt.datetime(2026, 8, day, tzinfo=dt.UTC)


def test_an_author_page_lists_their_papers_newest_first(client):
    make_paper(title="Older", authors=("Ada Lovelace",), published_at=published(1))
    make_paper(title="Newer", authors=("Bob", "Ada Lovelace"), published_at=published(9))
    make_paper(title="Not hers", authors=("Bob",))
    response = client.get("/authors/ada-lovelace/")
    assert response.status_code == 200
    assert titles(response) == ["Newer", "Older"]
    assert "<h1>Ada Lovelace</h1>" in response.text


def test_an_author_linked_to_hugging_face_links_there(client):
    paper = make_paper(authors=("Ada Lovelace",))
    author = paper.authors.get()
    author.hf_user = HFUser.objects.create(username="ada")
    author.save()
    assert 'href="https://huggingface.co/ada"' in client.get("/authors/ada-lovelace/").text


def test_non_ascii_author_names_have_pages(client):
    make_paper(title="Unicode", authors=("李明", "José Núñez"))
    assert titles(client.get("/authors/李明/")) == ["Unicode"]
    assert titles(client.get("/authors/josé-núñez/")) == ["Unicode"]


def test_an_organisation_page_lists_its_papers_newest_first(client):
    tencent = make_organization("tencent", "Tencent")
    make_paper(title="First", organization=tencent, published_at=published(1))
    make_paper(title="Second", organization=tencent, published_at=published(2))
    make_paper(title="Elsewhere")
    response = client.get("/orgs/tencent/")
    assert titles(response) == ["Second", "First"]
    assert "Tencent" in response.text
    assert 'href="https://huggingface.co/tencent"' in response.text


def test_a_topic_page_lists_its_papers_newest_first(client):
    make_paper(title="Early", topics=("diffusion models",), published_at=published(1))
    make_paper(title="Late", topics=("video", "diffusion models"), published_at=published(5))
    make_paper(title="Off topic", topics=("video",))
    response = client.get("/topics/diffusion-models/")
    assert titles(response) == ["Late", "Early"]
    assert "<h1>diffusion models</h1>" in response.text


@pytest.mark.parametrize(
    "url,feed",
    [
        ("/authors/ada-lovelace/", "/authors/ada-lovelace/feed/"),
        ("/orgs/acme/", "/orgs/acme/feed/"),
        ("/topics/robots/", "/topics/robots/feed/"),
    ],
)
def test_each_page_advertises_its_feed(client, url, feed):
    make_paper(authors=("Ada Lovelace",), topics=("robots",), organization=make_organization())
    text = client.get(url).text
    assert '<link rel="alternate" type="application/atom+xml"' in text
    assert f'href="{feed}"' in text


def test_every_page_advertises_the_daily_feed(client):
    make_paper()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Paper Commons: Daily Papers" href="/papers/feed/">'
        in (client.get("/").text)
    )


@pytest.mark.parametrize("url", ["/authors/nobody/", "/orgs/nobody/", "/topics/nothing/"])
def test_unknown_authors_organisations_and_topics_are_not_found(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_browse_pages_are_paginated(client):
    for n in range(31):
        make_paper(topics=("robots",), published_at=published(1) + dt.timedelta(minutes=n))
    assert len(titles(client.get("/topics/robots/"))) == 30
    assert len(titles(client.get("/topics/robots/?page=2"))) == 1


def test_the_about_ranking_page_states_the_formulas(client):
    text = client.get("/about/ranking/").text
    assert "hotness = log₁₀(max(points, 1)) + (listed − 2020-01-01) ÷ 2 days" in text
    assert "points = Hugging Face upvotes + Paper Commons upvotes" in text


def test_an_unknown_address_gets_the_friendly_not_found_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
