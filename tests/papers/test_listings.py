import datetime as dt
import re

import pytest
from django.utils import timezone

from papers import ingest
from papers.models import Listing, Paper
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db

AUG_18 = dt.date(2026, 8, 18)


def titles(response) -> list[str]:
    return [paper.title for paper in response.context["page"].items]


def test_home_shows_the_latest_day_with_a_canonical_link(client):
    make_paper(title="Older", listed_on=dt.date(2026, 8, 17))
    make_paper(title="Newest", listed_on=AUG_18)
    response = client.get("/")
    assert response.status_code == 200
    assert titles(response) == ["Newest"]
    assert '<link rel="canonical" href="http://testserver/papers/date/2026-08-18/">' in response.text
    assert "Daily Papers, August 18, 2026" in response.text


def test_home_without_any_papers_explains_how_to_load_them(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No papers yet" in response.text
    assert "sync_daily_papers" in response.text


def test_papers_path_serves_the_home_page_like_hugging_face(client):
    make_paper(title="Only")
    assert titles(client.get("/papers/")) == ["Only"]


def test_a_day_is_ordered_by_points_then_by_hugging_faces_own_order(client):
    make_paper(title="Five", hf_upvotes=5, position=2)
    make_paper(title="Ten", hf_upvotes=10, position=0)
    make_paper(title="Five first", hf_upvotes=5, position=1)
    make_paper(title="Other day", hf_upvotes=99, listed_on=dt.date(2026, 8, 17))
    assert titles(client.get("/papers/date/2026-08-18/")) == ["Ten", "Five first", "Five"]


def test_local_upvotes_count_towards_a_days_order(client):
    make_paper(title="Hugging Face favourite", hf_upvotes=10, position=0)
    local = make_paper(title="Local favourite", hf_upvotes=8, position=1)
    local.upvote_count = 5
    local.refresh_sort_keys()
    local.save()
    assert titles(client.get("/papers/date/2026-08-18/")) == ["Local favourite", "Hugging Face favourite"]


def test_a_day_can_be_sorted_by_newest_and_by_most_discussed(client):
    make_paper(title="Old and quiet", published_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC), hf_comments=0)
    make_paper(title="New", published_at=dt.datetime(2026, 8, 16, tzinfo=dt.UTC), hf_comments=1)
    make_paper(title="Talked about", published_at=dt.datetime(2026, 8, 10, tzinfo=dt.UTC), hf_comments=7)
    assert titles(client.get("/papers/date/2026-08-18/?sort=new")) == ["New", "Talked about", "Old and quiet"]
    assert titles(client.get("/papers/date/2026-08-18/?sort=discussed")) == ["Talked about", "New", "Old and quiet"]


def test_an_unknown_sort_falls_back_to_top(client):
    make_paper(title="Low", hf_upvotes=1)
    make_paper(title="High", hf_upvotes=9)
    response = client.get("/papers/date/2026-08-18/?sort=<script>")
    assert titles(response) == ["High", "Low"]
    assert "<script>" not in response.text


def test_previous_and_next_day_links_skip_days_without_papers(client):
    make_paper(listed_on=dt.date(2026, 8, 14))
    make_paper(listed_on=AUG_18)
    make_paper(listed_on=dt.date(2026, 8, 20))
    response = client.get("/papers/date/2026-08-18/")
    assert response.context["previous_period"] == dt.date(2026, 8, 14)
    assert response.context["next_period"] == dt.date(2026, 8, 20)
    assert 'href="/papers/date/2026-08-14/"' in response.text
    assert 'href="/papers/date/2026-08-20/"' in response.text


def test_a_day_without_papers_says_so_and_links_to_its_neighbours(client):
    make_paper(listed_on=dt.date(2026, 8, 14))
    make_paper(listed_on=dt.date(2026, 8, 20))
    response = client.get("/papers/date/2026-08-16/")
    assert response.status_code == 200
    assert "No papers were listed on this day." in response.text
    assert 'href="/papers/date/2026-08-14/"' in response.text
    assert 'href="/papers/date/2026-08-20/"' in response.text


@pytest.mark.parametrize(
    "url",
    ["/papers/date/2026-02-30/", "/papers/date/2026-8-1/", "/papers/week/2026-W54/", "/papers/week/2026-W00/",
     "/papers/month/2026-13/", "/papers/month/2026-00/"],
)  # fmt: skip
def test_impossible_dates_are_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.fixture
def today_is_aug_18(monkeypatch):
    monkeypatch.setattr(ingest, "utc_today", lambda: AUG_18)


@pytest.mark.parametrize(
    "url", ["/papers/date/2026-08-19/", "/papers/week/2026-W35/", "/papers/month/2026-09/", "/papers/date/2027-01-01/"]
)
def test_periods_beginning_after_today_are_not_found(client, today_is_aug_18, url):
    make_paper(listed_on=AUG_18)
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404


@pytest.mark.parametrize(
    "url", ["/papers/date/2026-08-18/", "/papers/week/2026-W34/", "/papers/month/2026-08/", "/papers/date/2026-08-16/"]
)
def test_periods_beginning_today_or_before_are_shown_even_without_papers(client, today_is_aug_18, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("url", "listed_on"),
    [
        ("/papers/date/2026-08-19/", dt.date(2026, 8, 19)),
        ("/papers/week/2026-W35/", dt.date(2026, 8, 30)),
        ("/papers/month/2026-09/", dt.date(2026, 9, 1)),
    ],
)
def test_a_period_after_today_with_papers_is_shown(client, today_is_aug_18, url, listed_on):
    make_paper(title="Early", listed_on=listed_on)
    response = client.get(url)
    assert response.status_code == 200
    assert titles(response) == ["Early"]


def test_a_day_far_in_the_future_is_not_found_by_the_real_clock(client):
    assert client.get("/papers/date/2999-01-01/").status_code == 404
    assert client.get("/papers/week/2999-W01/").status_code == 404
    assert client.get("/papers/month/2999-01/").status_code == 404


def test_today_is_the_utc_date_whatever_the_sites_time_zone(client, settings, monkeypatch):
    """At 00:30 UTC on Aug 18 it is still Aug 17 in Los Angeles, and already Aug 19 at 23:30 UTC in Kiribati:
    the listing days are UTC dates, so Aug 18 is shown and Aug 19 is not found either way."""
    for zone, moment in [
        ("America/Los_Angeles", dt.datetime(2026, 8, 18, 0, 30, tzinfo=dt.UTC)),
        ("Pacific/Kiritimati", dt.datetime(2026, 8, 18, 23, 30, tzinfo=dt.UTC)),
    ]:
        settings.TIME_ZONE = zone
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        assert client.get("/papers/date/2026-08-18/").status_code == 200, zone
        assert client.get("/papers/date/2026-08-19/").status_code == 404, zone


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/papers/2608.17271v2/", "/papers/2608.17271/"),
        ("/papers/2608.17271v12/", "/papers/2608.17271/"),
        ("/papers/hep-th/9901001v3/", "/papers/hep-th/9901001/"),
        ("/papers/math.GT/0309136v1/", "/papers/math.GT/0309136/"),
    ],
)
def test_a_versioned_paper_address_redirects_permanently_to_the_paper(client, url, canonical):
    make_paper(canonical.removeprefix("/papers/").removesuffix("/"), title="Versioned")
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"] == canonical
    assert "Versioned" in client.get(response["Location"]).text


def test_urls_without_trailing_slash_redirect_like_hugging_faces(client):
    response = client.get("/papers/date/2026-08-18")
    assert response.status_code == 301
    assert response["Location"] == "/papers/date/2026-08-18/"


def test_a_week_lists_papers_from_monday_to_sunday_once_each(client):
    relisted = make_paper(title="Twice", hf_upvotes=3, listed_on=dt.date(2026, 8, 17))
    Listing.objects.create(date=dt.date(2026, 8, 19), paper=relisted)
    make_paper(title="Sunday", hf_upvotes=2, listed_on=dt.date(2026, 8, 23))
    make_paper(title="Previous Sunday", listed_on=dt.date(2026, 8, 16))
    make_paper(title="Next Monday", listed_on=dt.date(2026, 8, 24))
    response = client.get("/papers/week/2026-W34/")
    assert titles(response) == ["Twice", "Sunday"]
    assert "Week 34 of 2026: Aug 17 – Aug 23" in response.text
    assert 'href="/papers/week/2026-W33/"' in response.text
    assert 'href="/papers/week/2026-W35/"' in response.text


def test_a_month_lists_its_papers_and_links_to_neighbouring_months(client):
    make_paper(title="August", listed_on=dt.date(2026, 8, 31))
    make_paper(title="July", listed_on=dt.date(2026, 7, 1))
    make_paper(title="October", listed_on=dt.date(2026, 10, 1))
    response = client.get("/papers/month/2026-08/")
    assert titles(response) == ["August"]
    assert "August 2026" in response.text
    assert 'href="/papers/month/2026-07/"' in response.text
    assert 'href="/papers/month/2026-10/"' in response.text


def test_period_tabs_link_the_day_to_its_week_and_month(client):
    make_paper()
    response = client.get("/papers/date/2026-08-18/")
    assert 'href="/papers/week/2026-W34/"' in response.text
    assert 'href="/papers/month/2026-08/"' in response.text


def test_trending_weighs_points_against_age(client):
    make_paper(title="Today, 10 points", hf_upvotes=10, listed_on=dt.date(2026, 8, 18))
    make_paper(title="Three days ago, 100 points", hf_upvotes=100, listed_on=dt.date(2026, 8, 15))
    make_paper(title="Yesterday, 100 points", hf_upvotes=100, listed_on=dt.date(2026, 8, 17))
    make_paper(title="Never listed", hf_upvotes=1000, listed_on=None)
    response = client.get("/papers/trending/")
    assert titles(response) == ["Yesterday, 100 points", "Today, 10 points", "Three days ago, 100 points"]
    assert 'href="/about/ranking/"' in response.text


def test_hotness_follows_the_published_formula():
    paper = make_paper(hf_upvotes=100, listed_on=dt.date(2020, 1, 3))
    assert paper.points == 100
    assert paper.hotness == pytest.approx(2 + 1)  # log10(100) + two days / two days


def test_listings_are_paginated_without_counting(client):
    for n in range(35):
        make_paper(title=f"Paper {n:02d}", hf_upvotes=100 - n)
    first = client.get("/papers/date/2026-08-18/")
    assert len(first.context["page"].items) == 30
    assert 'href="?page=2"' in first.text
    second = client.get("/papers/date/2026-08-18/?page=2")
    assert titles(second) == [f"Paper {n:02d}" for n in range(30, 35)]
    assert '<ol class="paper-list" start="31">' in second.text
    assert client.get("/papers/date/2026-08-18/?page=3").status_code == 404
    assert client.get("/papers/date/2026-08-18/?page=abc").status_code == 404
    assert client.get("/papers/date/2026-08-18/?page=0").status_code == 404


def test_pagination_keeps_the_sort(client):
    for _ in range(31):
        make_paper()
    response = client.get("/papers/date/2026-08-18/?sort=new")
    assert 'href="?sort=new&amp;page=2"' in response.text


def test_htmx_requests_get_only_the_listing_fragment(client):
    make_paper(title="Fragment paper")
    response = client.get("/papers/date/2026-08-18/?sort=new", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="listing"')
    assert "Fragment paper" in response.text
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restores_get_the_whole_page(client):
    make_paper()
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = client.get("/papers/date/2026-08-18/", headers=headers)
    assert "<html" in response.text


def test_the_full_page_varies_on_htmx_too(client):
    make_paper()
    assert "HX-Request" in client.get("/")["Vary"]


@pytest.mark.parametrize("url", ["/", "/papers/date/2026-08-18/", "/papers/trending/", "/search/?q=x"])
def test_listing_pages_do_not_accept_posts(client, url):
    make_paper()
    assert client.post(url).status_code == 405


def test_rows_show_title_authors_organisation_topics_counts_code_and_submitter(client):
    from papers.models import HFUser
    from tests.factories import make_organization

    submitter = HFUser.objects.create(username="akhaliq", fullname="AK")
    make_paper(
        title="A paper with everything",
        authors=("Ann One", "Bob Two", "Cy Three", "Di Four", "Ed Five"),
        topics=("diffusion models", "video generation"),
        organization=make_organization("tencent", "Tencent"),
        hf_upvotes=39,
        hf_comments=2,
        github_repo="https://github.com/usail-hkust/VibeWorlding-Gym",
        github_stars=1234,
        submitted_by=submitter,
        thumbnail_url="https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.15265.png",
    )
    text = client.get("/").text
    assert "A paper with everything" in text
    assert ">Ann One</a>, <a" in text and ">Cy Three</a>, +2" in text
    assert "Di Four" not in text
    assert "5 authors" in text
    assert 'href="/orgs/tencent/"' in text
    assert 'href="/topics/diffusion-models/"' in text
    assert '<span class="upvote__count">39</span>' in text
    assert '0<span class="visually-hidden"> comments here</span></a>' in text
    assert '2<span class="visually-hidden"> on Hugging Face</span>' in text
    assert "https://github.com/usail-hkust/VibeWorlding-Gym" in text and "1,234" in text
    assert "Submitted by" in text and 'href="https://huggingface.co/akhaliq"' in text
    assert "social-thumbnails/papers/2608.15265.png" in text


def row_comment_counts(text: str) -> tuple[str, str]:
    """What a row says of its comments, as a screen reader reads it: the link here, then Hugging Face's."""
    stats = text[text.index('class="paper-row__stats"') :]
    stats = stats[: stats.index("</article>")]
    link = re.search(r'<a class="stat stat--comments" href="([^"]+)">(.*?)</a>', stats, re.S)
    hf = re.search(r'<span class="stat stat--hf-comments">(.*?)</span></span>', stats, re.S)
    return (
        f"{link.group(1)} {visible_to_screen_readers(link.group(2))}" if link else "",
        visible_to_screen_readers(hf.group(1) + "</span>") if hf else "",
    )


def visible_to_screen_readers(html: str) -> str:
    html = re.sub(r'<span aria-hidden="true">.*?</span>|<svg.*?</svg>', "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_a_rows_comment_count_is_the_sites_with_hugging_faces_apart(client):
    paper = make_paper(title="Talked about", hf_comments=1)
    make_comment(paper, make_user("ada"), "One")
    make_comment(paper, make_user("bob"), "Two")
    here, hugging_face = row_comment_counts(client.get("/").text)
    assert here == f"/papers/{paper.arxiv_id}/#discussion 2 comments here"
    assert hugging_face == ", 1 on Hugging Face"
    assert "on HF" in client.get("/").text  # what sighted readers see beside the count


def test_a_row_without_comments_on_hugging_face_shows_only_the_sites(client):
    paper = make_paper(title="Quiet", hf_comments=0)
    make_comment(paper, make_user("ada"), "One")
    assert row_comment_counts(client.get("/").text) == (f"/papers/{paper.arxiv_id}/#discussion 1 comment here", "")


def test_most_discussed_adds_the_two_counts_the_rows_show(client):
    make_paper(title="Here", hf_comments=0, comment_count=3)
    make_paper(title="There", hf_comments=2, comment_count=0)
    make_paper(title="Both", hf_comments=2, comment_count=2)
    make_paper(title="Neither", hf_comments=0, comment_count=0)
    assert titles(client.get("/papers/date/2026-08-18/?sort=discussed")) == ["Both", "Here", "There", "Neither"]
    assert "Comments here plus comments on Hugging Face" in client.get("/about/ranking/").text


def test_points_are_stored_apart_from_hugging_face_counts():
    paper = make_paper(hf_upvotes=7)
    Paper.objects.filter(pk=paper.pk).update(upvote_count=2)
    paper.refresh_from_db()
    paper.refresh_sort_keys()
    assert (paper.hf_upvotes, paper.upvote_count, paper.points) == (7, 2, 9)


@pytest.mark.parametrize(
    "name,value",
    [("papers:detail", "2608.15265"), ("papers:detail", "hep-th/9901001"), ("papers:author", "josé-núñez"),
     ("papers:author", "李明"), ("papers:topic", "c-and-more"), ("papers:organization", "Tsinghua")],
)  # fmt: skip
def test_cached_reverse_matches_django_reverse(name, value):
    from django.urls import reverse

    from papers.models import cached_reverse

    assert cached_reverse(name, value) == reverse(name, args=[value])
