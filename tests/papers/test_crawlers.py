"""What crawlers ask for: /robots.txt, /sitemap.xml and its sections, /favicon.ico."""

import datetime as dt
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.robotparser import RobotFileParser

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from papers import sitemaps
from papers.models import Listing, Paper
from tests.factories import make_organization, make_paper, make_topic

pytestmark = pytest.mark.django_db

HOST = "papers.example.org"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def public_host(settings):
    settings.ALLOWED_HOSTS = [HOST, "testserver"]


def get(client, url, **params):
    """A GET over HTTPS to the public host, as a crawler sends it."""
    return client.get(url, params, headers={"host": HOST}, secure=True)


def locations(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return [loc.text for loc in ET.fromstring(response.content).iterfind(".//sm:loc", NS)]


def lastmods(response) -> dict[str, str]:
    root = ET.fromstring(response.content)
    return {url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS) for url in root}


@pytest.fixture
def catalog():
    """Papers on two days, with topics and organisations; one topic and one organisation without papers."""
    acme = make_organization("acme", "Acme Research")
    make_organization("empty-org", "No papers")
    make_topic("Unused topic")
    first = make_paper("2608.00001", listed_on=dt.date(2026, 8, 17), topics=("Diffusion",), organization=acme)
    second = make_paper("2608.00002", listed_on=dt.date(2026, 8, 18), topics=("Diffusion", "Agents"))
    old = make_paper("hep-th/9901001", listed_on=dt.date(2026, 8, 18))
    Paper.objects.filter(pk=first.pk).update(updated_at=dt.datetime(2026, 8, 19, 9, tzinfo=dt.UTC))
    Paper.objects.filter(pk=second.pk).update(updated_at=dt.datetime(2026, 8, 21, 9, tzinfo=dt.UTC))
    Paper.objects.filter(pk=old.pk).update(updated_at=dt.datetime(2026, 8, 20, 9, tzinfo=dt.UTC))
    Listing.objects.filter(date=dt.date(2026, 8, 17)).update(updated_at=dt.datetime(2026, 8, 17, 12, tzinfo=dt.UTC))
    Listing.objects.filter(date=dt.date(2026, 8, 18)).update(updated_at=dt.datetime(2026, 8, 18, 12, tzinfo=dt.UTC))
    Listing.objects.filter(paper=old).update(updated_at=dt.datetime(2026, 8, 19, 23, tzinfo=dt.UTC))


# --- robots.txt ---------------------------------------------------------------------------------


def test_robots_txt_allows_public_pages_and_keeps_crawlers_off_private_ones(client, public_host):
    response = get(client, "/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    robots = RobotFileParser()
    robots.parse(response.text.splitlines())
    for path in ["/", "/papers/", "/papers/2608.15265/", "/papers/date/2026-08-18/", "/topics/diffusion/",
                 "/orgs/acme/", "/authors/ada-lovelace/", "/moderation/", "/search/", "/about/ranking/"]:  # fmt: skip
        assert robots.can_fetch("AnyBot", f"https://{HOST}{path}"), path
    for path in ["/accounts/login/", "/settings/", "/settings/following/", "/feed/", "/feeds/secret-token/",
                 "/notifications/", "/saved/", "/moderation/queue/", "/search/?q=diffusion", "/welcome/",
                 "/submit/", "/unsubscribe/token/"]:  # fmt: skip
        assert not robots.can_fetch("AnyBot", f"https://{HOST}{path}"), path


def test_robots_txt_points_to_the_sitemap_with_the_requests_address(client, public_host):
    assert "Sitemap: https://papers.example.org/sitemap.xml\n" in get(client, "/robots.txt").text
    assert "Sitemap: http://testserver/sitemap.xml\n" in client.get("/robots.txt").text


# --- sitemap.xml --------------------------------------------------------------------------------


def test_the_sitemap_index_lists_every_section_with_absolute_urls_and_real_dates(client, public_host, catalog):
    response = get(client, "/sitemap.xml")
    assert locations(response) == [
        f"https://{HOST}/sitemap-papers.xml",
        f"https://{HOST}/sitemap-days.xml",
        f"https://{HOST}/sitemap-topics.xml",
        f"https://{HOST}/sitemap-organizations.xml",
    ]
    assert [value[:10] for value in lastmods(response).values()] == [
        "2026-08-21",  # the paper changed last
        "2026-08-19",  # the listing changed last
        "2026-08-21",  # the last change of a paper with a topic
        "2026-08-19",  # the last change of a paper of an organisation
    ]


def test_each_section_lists_its_pages_with_absolute_urls_and_last_changes(client, public_host, catalog):
    assert lastmods(get(client, "/sitemap-papers.xml")) == {
        f"https://{HOST}/papers/2608.00001/": "2026-08-19",
        f"https://{HOST}/papers/2608.00002/": "2026-08-21",
        f"https://{HOST}/papers/hep-th/9901001/": "2026-08-20",
    }
    assert lastmods(get(client, "/sitemap-days.xml")) == {
        f"https://{HOST}/papers/date/2026-08-17/": "2026-08-17",
        f"https://{HOST}/papers/date/2026-08-18/": "2026-08-19",
    }
    assert lastmods(get(client, "/sitemap-topics.xml")) == {
        f"https://{HOST}/topics/diffusion/": "2026-08-21",
        f"https://{HOST}/topics/agents/": "2026-08-21",
    }
    assert lastmods(get(client, "/sitemap-organizations.xml")) == {f"https://{HOST}/orgs/acme/": "2026-08-19"}


def test_the_sitemap_index_pages_a_section_past_its_limit(client, public_host, monkeypatch):
    monkeypatch.setattr(sitemaps.PaperSitemap, "limit", 2)
    papers = [make_paper() for _ in range(5)]
    index = locations(get(client, "/sitemap.xml"))
    section = f"https://{HOST}/sitemap-papers.xml"
    assert index[:3] == [section, f"{section}?p=2", f"{section}?p=3"]
    assert index[3] == f"https://{HOST}/sitemap-days.xml"

    pages = [locations(get(client, "/sitemap-papers.xml", **({"p": n} if n > 1 else {}))) for n in (1, 2, 3)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(url for page in pages for url in page) == sorted(
        f"https://{HOST}{paper.get_absolute_url()}" for paper in papers
    )
    assert get(client, "/sitemap-papers.xml", p=4).status_code == 404
    assert get(client, "/sitemap-papers.xml", p="x").status_code == 404


def test_an_unknown_section_is_not_found(client):
    assert client.get("/sitemap-authors.xml").status_code == 404


def test_an_empty_site_has_an_empty_sitemap(client):
    assert len(locations(client.get("/sitemap.xml"))) == 4
    assert locations(client.get("/sitemap-papers.xml")) == []


def test_the_sitemaps_run_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for n in range(40):
        make_paper(topics=(f"Topic {n % 7}", "Shared"), organization=make_organization(f"org{n % 5}"))
    with django_assert_max_num_queries(8):  # a count and a last change per section
        assert len(locations(client.get("/sitemap.xml"))) == 4
    for section, count in [("papers", 40), ("days", 1), ("topics", 8), ("organizations", 5)]:
        with django_assert_max_num_queries(2):  # a count and the page
            assert len(locations(client.get(f"/sitemap-{section}.xml"))) == count, section


# --- favicon.ico --------------------------------------------------------------------------------


def test_favicon_ico_is_a_real_icon_cached_for_a_week(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert "max-age=604800" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert response.content == (Path(django_settings.BASE_DIR) / "static" / "favicon.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", response.content)
    assert (reserved, kind) == (0, 1)  # an icon resource
    sizes = {struct.unpack_from("<BB", response.content, 6 + 16 * n) for n in range(count)}
    assert {(16, 16), (32, 32), (48, 48)} <= sizes


# --- All three: anonymous GETs, cheap and cached ------------------------------------------------


@pytest.mark.parametrize("url", ["/robots.txt", "/sitemap.xml", "/sitemap-papers.xml", "/favicon.ico"])
def test_crawler_files_answer_only_gets(client, url):
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("url", ["/robots.txt", "/sitemap.xml", "/sitemap-papers.xml", "/sitemap-topics.xml"])
def test_crawler_files_come_from_the_page_cache(client, settings, catalog, url, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    cache.clear()
