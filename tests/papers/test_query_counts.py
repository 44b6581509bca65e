"""Every page runs a fixed number of queries, whatever the data: checked with 120+ papers."""

import datetime as dt

import pytest
from django.db import transaction

from papers import related_papers
from papers.models import HFUser, Listing, Paper
from tests.factories import make_organization, make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        papers = build_corpus()
        related_papers.refresh()
        yield papers
        transaction.set_rollback(True)


def build_corpus() -> list[Paper]:
    organization = make_organization("tencent", "Tencent")
    submitter = HFUser.objects.create(username="akhaliq", fullname="AK")
    papers = []
    for n in range(120):
        day = dt.date(2026, 8, 17) + dt.timedelta(days=n % 3)
        papers.append(
            make_paper(
                title=f"Diffusion study {n}",
                listed_on=day,
                hf_upvotes=n,
                position=n,
                authors=("Ada Lovelace", f"Coauthor {n}", f"Second {n}", f"Third {n}", f"Fourth {n}"),
                topics=("diffusion models", f"topic {n % 7}", f"niche {n}"),
                organization=organization,
                submitted_by=submitter,
                github_repo="https://github.com/example/repo",
                github_stars=n,
            )
        )
    # Some papers listed twice, as on Hugging Face.
    for paper in papers[:10]:
        Listing.objects.get_or_create(date=dt.date(2026, 8, 21), paper=paper)
    return papers


PAGES = {
    "/": 6,
    "/papers/date/2026-08-18/": 5,
    "/papers/date/2026-08-18/?sort=discussed&page=2": 5,
    "/papers/week/2026-W34/": 5,
    "/papers/month/2026-08/?sort=new": 5,
    "/papers/trending/": 3,
    "/papers/trending/?page=3": 3,
    "/authors/ada-lovelace/": 4,
    "/orgs/tencent/": 4,
    "/topics/diffusion-models/": 4,
    "/search/?q=diffusion+study": 3,
    "/search/?q=diffusion&page=2": 3,
    # Feeds: one more for the Site, until it is cached.
    "/papers/feed/": 4,
    "/topics/diffusion-models/feed/": 3,
    "/authors/ada-lovelace/feed/": 3,
    "/orgs/tencent/feed/": 3,
    "/about/ranking/": 0,
}


@pytest.mark.parametrize("url,queries", PAGES.items())
def test_pages_run_a_bounded_number_of_queries(client, corpus, django_assert_max_num_queries, url, queries):
    with django_assert_max_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_listing_pages_really_list_many_papers(client, corpus):
    assert len(client.get("/papers/trending/").context["page"].items) == 30
    assert len(client.get("/topics/diffusion-models/").context["page"].items) == 30


def test_the_paper_page_runs_a_bounded_number_of_queries(client, corpus, django_assert_max_num_queries):
    paper = Paper.objects.get(title="Diffusion study 5")
    with django_assert_max_num_queries(11):
        response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["related"]) == 6
