import pytest
from django.core.cache import cache
from django.test import Client

from papers.models import Paper, PaperVote
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper("2608.15265", title="VibeWorlding", hf_upvotes=10)


def upvote_url(paper) -> str:
    return f"/papers/{paper.arxiv_id}/upvote/"


def test_upvoting_without_javascript_counts_and_goes_back(member_client, member, paper):
    response = member_client.post(upvote_url(paper), {"next": "/papers/date/2026-08-18/"})
    assert response.status_code == 302
    assert response["Location"] == "/papers/date/2026-08-18/"
    paper.refresh_from_db()
    assert (paper.upvote_count, paper.hf_upvotes, paper.points) == (1, 10, 11)
    assert PaperVote.objects.filter(paper=paper, user=member).count() == 1


def test_upvoting_with_htmx_returns_the_pressed_button(member_client, paper, htmx):
    response = member_client.post(upvote_url(paper), {"next": "/"}, headers=htmx)
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.text
    assert '<span class="upvote__count">11</span>' in response.text
    assert 'name="action" value="remove"' in response.text
    assert "<html" not in response.text


def test_removing_an_upvote(member_client, member, paper, htmx):
    paper.upvote(member)
    response = member_client.post(upvote_url(paper), {"action": "remove"}, headers=htmx)
    assert 'aria-pressed="false"' in response.text
    paper.refresh_from_db()
    assert (paper.upvote_count, paper.points) == (0, 10)


def test_upvoting_twice_leaves_one_vote(member_client, paper):
    member_client.post(upvote_url(paper))
    member_client.post(upvote_url(paper))
    paper.refresh_from_db()
    assert paper.upvote_count == 1
    assert PaperVote.objects.count() == 1


def test_an_anonymous_click_leads_to_login_and_back(client, paper):
    response = client.post(upvote_url(paper), {"next": "/papers/date/2026-08-18/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/papers/date/2026-08-18/"
    assert PaperVote.objects.count() == 0


def test_an_anonymous_htmx_click_redirects_the_browser_to_login(client, paper, htmx):
    response = client.post(upvote_url(paper), {"next": "/"}, headers=htmx)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F"


def test_anonymous_visitors_see_a_login_link_not_a_form(client, paper):
    text = client.get("/").text
    assert 'class="upvote upvote--anonymous" href="/accounts/login/?next=/"' in text
    assert 'action="/papers/2608.15265/upvote/"' not in text


def test_members_see_the_button_pressed_on_every_listing(member_client, member, paper):
    paper.upvote(member)
    for url in [
        "/",
        "/papers/date/2026-08-18/",
        "/papers/trending/",
        "/search/?q=vibeworlding",
        paper.get_absolute_url(),
    ]:
        assert 'aria-pressed="true"' in member_client.get(url).text, url


def test_a_next_pointing_off_site_is_ignored(member_client, paper):
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        response = member_client.post(upvote_url(paper), {"next": target})
        assert response["Location"] == paper.get_absolute_url(), target


def test_get_does_not_vote(member_client, paper):
    assert member_client.get(upvote_url(paper)).status_code == 405
    assert PaperVote.objects.count() == 0


def test_csrf_is_enforced_with_and_without_htmx(member, paper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(upvote_url(paper)).status_code == 403
    assert client.post(upvote_url(paper), headers={"HX-Request": "true"}).status_code == 403
    assert PaperVote.objects.count() == 0
    client.get(paper.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(upvote_url(paper), headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert PaperVote.objects.count() == 1


def test_the_page_carries_the_csrf_header_for_htmx(member_client, paper):
    assert 'data-hx-headers=\'{"X-CSRFToken": "' in member_client.get("/").text


def test_suspended_members_cannot_vote(member_client, member, paper):
    member.suspend("spam")
    response = member_client.post(upvote_url(paper))
    assert response.status_code == 403
    assert "suspended" in response.text
    assert PaperVote.objects.count() == 0


def test_an_unknown_paper_is_not_found(member_client):
    assert member_client.post("/papers/2608.99999/upvote/").status_code == 404


def test_counts_are_recounted_from_the_votes(member, other_member, paper):
    Paper.objects.filter(pk=paper.pk).update(upvote_count=57, points=67)  # a drifted counter
    paper.upvote(member)
    paper.upvote(other_member)
    paper.refresh_from_db()
    assert (paper.upvote_count, paper.points) == (2, 12)


def test_local_votes_move_a_paper_up_its_day(member, other_member, client):
    make_paper(title="Hugging Face's favourite", hf_upvotes=5, position=0)
    local = make_paper(title="Ours", hf_upvotes=4, position=1)
    local.upvote(member)
    local.upvote(other_member)
    titles = [p.title for p in client.get("/").context["page"].items]
    assert titles == ["Ours", "Hugging Face's favourite"]


def test_votes_are_rate_limited(member_client, settings):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "vote": "3/60"}
    cache.clear()
    papers = [make_paper() for _ in range(4)]
    statuses = [member_client.post(upvote_url(p)).status_code for p in papers]
    assert statuses == [302, 302, 302, 429]
    response = member_client.post(upvote_url(papers[0]))
    assert "You are doing that too often" in response.text
    assert int(response["Retry-After"]) > 0


def test_the_viewers_votes_on_a_page_come_back_in_one_query(member, django_assert_max_num_queries, client):
    papers = [make_paper(hf_upvotes=n) for n in range(40)]
    for paper in papers[::2]:
        paper.upvote(member)
    client.force_login(member)  # the daily listing: with upvotes, `/` is the member's feed
    client.get("/papers/")  # warm the row cache
    # session, member, moderator?, unread notifications, latest day, its neighbours (2), papers, the member's votes
    with django_assert_max_num_queries(9):
        text = client.get("/papers/").text
    assert text.count('aria-pressed="true"') == 15  # the voted half of the first page of 30


def test_members_can_vote_on_many_papers(member):
    for _ in range(3):
        paper = make_paper()
        paper.upvote(member)
    assert member.paper_votes.count() == 3
    assert make_user().paper_votes.count() == 0


def test_refusals_to_htmx_requests_show_in_the_pages_alert_region(member_client, member, paper, settings, htmx):
    member.suspend("spam")
    response = member_client.post(upvote_url(paper), headers=htmx)
    assert (response.status_code, response["HX-Retarget"], response["HX-Reswap"]) == (
        403,
        "#live-messages",
        "innerHTML",
    )
    assert "suspended" in response.text and "<html" not in response.text
    member.unsuspend()
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "vote": "1/60"}
    cache.clear()
    member_client.post(upvote_url(paper), headers=htmx)
    response = member_client.post(upvote_url(paper), headers=htmx)
    assert (response.status_code, response["HX-Retarget"]) == (429, "#live-messages")
    assert "too often" in response.text and "<html" not in response.text
