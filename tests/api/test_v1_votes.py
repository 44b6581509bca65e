"""Paper upvotes and saves in /api/v1/, the member's saved papers, and the search."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from papers.models import Paper, PaperVote, SavedPaper
from tests.api.calls import bearer, call, problem, with_csrf
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper("2608.15265", title="VibeWorlding", hf_upvotes=10)


@pytest.fixture
def ada(db):
    return make_user("ada")


@pytest.fixture
def token(ada):
    return bearer(ada)


def url(paper, what: str) -> str:
    return f"/api/v1/papers/{paper.arxiv_id}/{what}"


# Upvotes


def test_upvoting_is_idempotent_and_answers_with_the_recounted_counts(client, paper, ada, token):
    Paper.objects.filter(pk=paper.pk).update(upvote_count=7, points=17)  # stale: recounted from the votes
    for _ in range(2):
        response = call(client, "PUT", url(paper, "vote"), token=token)
        assert response.status_code == 200
        assert response.json() == {
            "arxiv_id": paper.arxiv_id,
            "url": f"http://testserver{paper.get_absolute_url()}",
            "counts": {"hf_upvotes": 10, "hf_comments": 0, "upvotes": 1, "comments": 0, "points": 11},
            "viewer": {"upvoted": True, "saved": False},
        }
    assert PaperVote.objects.filter(paper=paper, user=ada).count() == 1
    paper.refresh_from_db()
    assert (paper.upvote_count, paper.points) == (1, 11)


def test_taking_back_an_upvote(client, paper, ada, token):
    paper.upvote(ada)
    for _ in range(2):
        response = call(client, "DELETE", url(paper, "vote"), token=token)
        assert response.status_code == 200
        assert response.json()["counts"]["upvotes"] == 0 and response.json()["counts"]["points"] == 10
        assert response.json()["viewer"] == {"upvoted": False, "saved": False}
    assert not PaperVote.objects.exists()


def test_the_paper_shows_the_upvote_afterwards(client, paper, token):
    call(client, "PUT", url(paper, "vote"), token=token)
    shown = call(client, "GET", f"/api/v1/papers/{paper.arxiv_id}", token=token).json()
    assert shown["viewer"]["upvoted"] is True and shown["counts"]["upvotes"] == 1


@pytest.mark.parametrize(("method", "what"), [("PUT", "vote"), ("DELETE", "vote"), ("PUT", "save"), ("DELETE", "save")])
def test_anonymous_requests_and_read_only_tokens_cannot_vote_or_save(client, paper, ada, method, what):
    answer = problem(call(client, method, url(paper, what)), 401)
    assert answer["title"] == "Unauthorized"
    assert "only read" in problem(call(client, method, url(paper, what), token=bearer(ada, "read")), 403)["detail"]
    assert not PaperVote.objects.exists() and not SavedPaper.objects.exists()


def test_a_suspended_member_cannot_vote_but_still_saves_as_in_the_browser(client, paper, ada, token):
    ada.suspend("Spam")
    assert "suspended" in problem(call(client, "PUT", url(paper, "vote"), token=token), 403)["detail"]
    problem(call(client, "DELETE", url(paper, "vote"), token=token), 403)
    assert call(client, "PUT", url(paper, "save"), token=token).json()["viewer"]["saved"] is True
    assert not PaperVote.objects.exists() and SavedPaper.objects.filter(user=ada).exists()


def test_a_signed_in_browser_votes_and_saves_with_its_csrf_token_only(paper, ada):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    headers = with_csrf(browser)
    assert "CSRF" in problem(call(browser, "PUT", url(paper, "vote")), 403)["detail"]
    problem(call(browser, "PUT", url(paper, "save")), 403)
    assert not PaperVote.objects.exists() and not SavedPaper.objects.exists()
    assert call(browser, "PUT", url(paper, "vote"), headers=headers).json()["viewer"]["upvoted"] is True
    assert call(browser, "PUT", url(paper, "save"), headers=headers).json()["viewer"]["saved"] is True
    assert call(browser, "GET", "/api/v1/me/saved").json()["items"][0]["arxiv_id"] == paper.arxiv_id


def test_voting_and_saving_share_the_vote_rate_limit(client, paper, token, settings):
    settings.WRITE_RATE_LIMITS = settings.WRITE_RATE_LIMITS | {"vote": "2/60"}
    assert call(client, "PUT", url(paper, "vote"), token=token).status_code == 200
    assert call(client, "PUT", url(paper, "save"), token=token).status_code == 200
    response = call(client, "DELETE", url(paper, "vote"), token=token)
    assert "Too many vote requests" in problem(response, 429)["detail"]
    assert 1 <= int(response["Retry-After"]) <= 61
    assert PaperVote.objects.count() == 1


@pytest.mark.parametrize("arxiv_id", ["2608.99999", "a%00b", "nothing"])
def test_voting_on_an_unknown_paper_is_a_404_problem(client, token, arxiv_id):
    for method, what in [("PUT", "vote"), ("DELETE", "vote"), ("PUT", "save"), ("DELETE", "save")]:
        assert problem(call(client, method, f"/api/v1/papers/{arxiv_id}/{what}", token=token), 404)["detail"]


def test_a_paper_id_with_a_nul_character_names_no_paper(client):
    assert problem(call(client, "GET", "/api/v1/papers/2608.15265%00"), 404)["detail"] == "No paper 2608.15265\x00."


# Saves


def test_saving_is_idempotent_and_unsaving_takes_it_off(client, paper, ada, token):
    for _ in range(2):
        response = call(client, "PUT", url(paper, "save"), token=token)
        assert response.status_code == 200 and response.json()["viewer"] == {"upvoted": False, "saved": True}
    assert SavedPaper.objects.filter(user=ada).count() == 1
    for _ in range(2):
        response = call(client, "DELETE", url(paper, "save"), token=token)
        assert response.status_code == 200 and response.json()["viewer"]["saved"] is False
    assert not SavedPaper.objects.exists()


def save_at(user, paper, day: int) -> None:
    SavedPaper.objects.create(user=user, paper=paper, created_at=dt.datetime(2026, 8, day, tzinfo=dt.UTC))


def test_saved_papers_come_newest_save_first_a_page_at_a_time(client, ada, token):
    bob = make_user("bob")
    first, second, third = make_paper(title="First"), make_paper(title="Second"), make_paper(title="Third")
    save_at(ada, first, 1)
    save_at(ada, third, 2)
    save_at(ada, second, 3)
    save_at(bob, first, 9)  # another member's save of the same paper changes nothing in Ada's list
    save_at(bob, make_paper(title="Bob's"), 10)
    page = call(client, "GET", "/api/v1/me/saved?limit=2", token=token).json()
    assert [item["title"] for item in page["items"]] == ["Second", "Third"]
    assert page["items"][0]["saved_at"] == "2026-08-03T00:00:00Z" and page["items"][0]["viewer"]["saved"] is True
    rest = call(client, "GET", page["next"], token=token).json()
    assert [item["title"] for item in rest["items"]] == ["First"] and rest["next"] is None
    assert rest["items"][0]["saved_at"] == "2026-08-01T00:00:00Z"


def test_saved_papers_are_the_members_own(client, ada):
    problem(call(client, "GET", "/api/v1/me/saved"), 401)
    assert call(client, "GET", "/api/v1/me/saved", token=bearer(ada, "read")).json() == {"items": [], "next": None}
    problem(call(client, "GET", "/api/v1/me/saved?cursor=nonsense", token=bearer(ada, "read")), 400)
    problem(call(client, "GET", "/api/v1/me/saved?limit=0", token=bearer(ada, "read")), 422)


def saved_queries(client, token) -> int:
    call(client, "GET", "/api/v1/me/saved", token=token)  # the token's first use of the minute notes it
    with CaptureQueriesContext(connection) as queries:
        assert call(client, "GET", "/api/v1/me/saved", token=token).status_code == 200
    return len(queries)


def test_the_saved_list_takes_the_same_queries_for_3_papers_as_for_20(client, django_assert_max_num_queries):
    few, many = make_user("few"), make_user("many")
    for user, count in ((few, 3), (many, 20)):
        for n in range(count):
            save_at(user, make_paper(topics=("Robotics",)), 1 + n % 28)
    token = bearer(many)
    assert saved_queries(client, bearer(few)) == saved_queries(client, token)
    with django_assert_max_num_queries(5):  # the token, the papers, their authors and topics, the member's state
        call(client, "GET", "/api/v1/me/saved", token=token)


# Search


def test_search_finds_papers_best_match_first(client, ada, token):
    in_title = make_paper(title="Graph networks for molecules")
    in_abstract = make_paper(title="Something else", abstract="We use graph methods.", hf_upvotes=50)
    make_paper(title="Unrelated")
    in_title.upvote(ada)
    response = call(client, "GET", "/api/v1/papers/search?q=graph", token=token)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["arxiv_id"] for item in items] == [in_title.arxiv_id, in_abstract.arxiv_id]
    assert items[0]["viewer"] == {"upvoted": True, "saved": False} and items[0]["counts"]["upvotes"] == 1


def test_search_by_arxiv_id_finds_the_paper(client, paper):
    response = call(client, "GET", f"/api/v1/papers/search?q=https://arxiv.org/abs/{paper.arxiv_id}v2")
    assert [item["arxiv_id"] for item in response.json()["items"]] == [paper.arxiv_id]
    assert response.json()["items"][0]["viewer"] is None


def test_search_pages_follow_their_cursor(client):
    papers = [make_paper(title=f"Diffusion paper {n}", hf_upvotes=n) for n in range(5)]
    first = call(client, "GET", "/api/v1/papers/search?q=diffusion&limit=2").json()
    second = call(client, "GET", first["next"]).json()
    third = call(client, "GET", second["next"]).json()
    found = [item["arxiv_id"] for page in (first, second, third) for item in page["items"]]
    assert found == [paper.arxiv_id for paper in reversed(papers)] and third["next"] is None


@pytest.mark.parametrize("query", ["q=", "q=%20%20", "q=%00"])
def test_an_empty_search_finds_nothing(client, paper, query):
    assert call(client, "GET", f"/api/v1/papers/search?{query}").json() == {"items": [], "next": None}


def test_search_without_q_is_a_422_problem(client):
    assert problem(call(client, "GET", "/api/v1/papers/search"), 422)["errors"][0]["loc"] == ["query", "q"]


def test_search_is_not_taken_for_a_paper_id(client):
    """/papers/search is the search, not the paper "search"."""
    assert call(client, "GET", "/api/v1/papers/search?q=x").json() == {"items": [], "next": None}


def test_a_search_page_takes_the_same_queries_for_3_papers_as_for_20(client, django_assert_max_num_queries):
    for n in range(20):
        make_paper(title=f"{'Rare' if n < 3 else 'Common'} transformers {n}", topics=("NLP",))

    def queries(q: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(call(client, "GET", f"/api/v1/papers/search?q={q}&limit=30").json()["items"]) in (3, 17)
        return len(captured)

    assert queries("rare") == queries("common")
    with django_assert_max_num_queries(3):
        call(client, "GET", "/api/v1/papers/search?q=transformers")


# The schema


def test_the_openapi_schema_builds_and_documents_the_vote_routes(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    writes = {"200", "401", "403", "404", "422", "429"}  # 422: every operation that reads input documents it
    for path, method, statuses in [
        ("/api/v1/papers/{arxiv_id}/vote", "put", writes),
        ("/api/v1/papers/{arxiv_id}/vote", "delete", writes),
        ("/api/v1/papers/{arxiv_id}/save", "put", writes),
        ("/api/v1/papers/{arxiv_id}/save", "delete", writes),
        ("/api/v1/me/saved", "get", {"200", "400", "401", "422"}),
        ("/api/v1/papers/search", "get", {"200", "400", "401", "422"}),
    ]:
        operation = paths[path][method]
        assert set(operation["responses"]) == statuses, (method, path)
        assert operation["summary"] and operation["description"]
    assert list(paths).index("/api/v1/papers/search") < list(paths).index("/api/v1/papers/{arxiv_id}")
