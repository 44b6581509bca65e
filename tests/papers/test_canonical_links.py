"""Every listing page names its canonical address: absolute, built from the request, without its sort order."""

import datetime as dt
import re

import pytest

from tests.factories import make_organization, make_paper

pytestmark = pytest.mark.django_db


def canonical(response) -> str:
    assert response.status_code == 200
    (url,) = re.findall(r'<link rel="canonical" href="([^"]*)">', response.text)
    assert f'<meta property="og:url" content="{url}">' in response.text
    return url


@pytest.fixture
def listed(db):
    make_paper(topics=("robots",), authors=("Ada Lovelace",), organization=make_organization(),
               listed_on=dt.date(2026, 8, 18))  # fmt: skip


@pytest.mark.parametrize(
    "url,path",
    [
        ("/", "/papers/date/2026-08-18/"),
        ("/papers/", "/papers/date/2026-08-18/"),
        ("/papers/date/2026-08-18/?sort=new", "/papers/date/2026-08-18/"),
        ("/papers/week/2026-W34/?sort=discussed", "/papers/week/2026-W34/"),
        ("/papers/month/2026-08/", "/papers/month/2026-08/"),
        ("/papers/trending/", "/papers/trending/"),
        ("/topics/robots/?utm_source=x", "/topics/robots/"),
        ("/authors/ada-lovelace/", "/authors/ada-lovelace/"),
        ("/orgs/acme/", "/orgs/acme/"),
    ],
)
def test_each_listing_names_its_absolute_canonical_address(client, settings, listed, url, path):
    assert canonical(client.get(url)) == f"http://testserver{path}"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "papers.example.org"]
    assert (
        canonical(client.get(url, HTTP_HOST="papers.example.org", secure=True)) == f"https://papers.example.org{path}"
    )


def test_a_later_page_keeps_its_page_number_but_not_its_sort_order(client):
    for n in range(31):
        make_paper(title=f"Paper {n}", listed_on=dt.date(2026, 8, 18))
    assert canonical(client.get("/papers/date/2026-08-18/?sort=new&page=2")) == (
        "http://testserver/papers/date/2026-08-18/?page=2"
    )
    assert canonical(client.get("/papers/date/2026-08-18/?page=1")) == "http://testserver/papers/date/2026-08-18/"
