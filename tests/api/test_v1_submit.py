"""POST /api/v1/papers: members bring a paper from arXiv, as /submit/ does; arXiv is served from recorded responses
(the `responses` library, no network), as in tests/papers/test_submit.py."""

import datetime as dt

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from papers import caching, ingest
from papers.models import Listing, Paper, Submission
from tests.api.calls import bearer, call, problem, with_csrf
from tests.factories import make_paper, make_user
from tests.support.arxiv import HEAT_BATH, MALFORMED_ID, NO_RESULTS, OLD_STYLE, TWO_IDS, serve
from tests.support.database import dump_database

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 8, 20)
URL = "/api/v1/papers"
ACCEPTED = "Enter an arXiv id such as 2608.15265 or hep-th/9901001"
HEAT_BATH_TITLE = "Heat-bath random walks with Markov bases"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(ingest, "utc_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def ada(db):
    return make_user("ada")


@pytest.fixture
def token(ada):
    return bearer(ada)


def submit(client, reference, token=None, **kwargs):
    return call(client, "POST", URL, {"arxiv": reference}, token=token, **kwargs)


# A new paper


def test_a_new_paper_is_fetched_from_arxiv_listed_today_and_answered_with_201(
    client, ada, token, arxiv_api, django_capture_on_commit_callbacks
):
    make_paper(listed_on=TODAY, position=3)
    version = caching.pages_version()
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, "https://arxiv.org/abs/1605.08386v1", token)
    assert response.status_code == 201, response.content
    assert response["Location"] == "http://testserver/api/v1/papers/1605.08386"
    body = response.json()
    assert body["created"] is True
    assert body["detail"] == f"Thanks! “{HEAT_BATH_TITLE}” is listed today."
    assert body["arxiv_id"] == "1605.08386" and body["title"] == HEAT_BATH_TITLE
    assert body["abstract"].startswith("Graphs on lattice points are studied")
    assert [author["name"] for author in body["authors"]] == ["Caprice Stanley", "Tobias Windisch"]
    assert body["url"] == "http://testserver/papers/1605.08386/"
    assert (body["first_listed_on"], body["last_listed_on"]) == (str(TODAY), str(TODAY))
    assert body["counts"] == {"hf_upvotes": 0, "hf_comments": 0, "upvotes": 0, "comments": 0, "points": 0}
    assert body["viewer"] == {"upvoted": False, "saved": False}
    assert len(arxiv_api.calls) == 1
    paper = Paper.objects.get(arxiv_id="1605.08386")
    assert Submission.objects.get(paper=paper).user == ada
    assert Listing.objects.get(paper=paper).hf_position == 4
    assert caching.pages_version() == version + 1
    shown = call(client, "GET", response["Location"], token=token).json()
    assert shown == {key: value for key, value in body.items() if key not in ("created", "detail")}


def test_the_submitted_paper_is_listed_in_the_members_submissions(client, token, arxiv_api):
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    submit(client, "1605.08386", token)
    listed = call(client, "GET", "/api/v1/members/ada/submissions").json()
    assert [item["arxiv_id"] for item in listed["items"]] == ["1605.08386"]


def test_an_old_style_paper_is_submitted(client, token, arxiv_api):
    serve(arxiv_api, "astro-ph/0601001", OLD_STYLE)
    response = submit(client, "arxiv.org/abs/astro-ph/0601001v2", token)
    assert response.status_code == 201
    assert response.json()["arxiv_id"] == "astro-ph/0601001" and len(response.json()["authors"]) == 4
    assert response["Location"] == "http://testserver/api/v1/papers/astro-ph/0601001"


def test_a_paper_with_many_authors_is_written_and_answered_in_a_fixed_number_of_queries(client, token, arxiv_api):
    """The paper (2 authors) and the other one (34 authors) take the same queries: none per author."""
    call(client, "GET", "/api/v1/me", token=token)  # the token's first use of the minute notes it
    counts = []
    for arxiv_id, recording in (("1605.08386", HEAT_BATH), ("1707.08567", TWO_IDS)):
        serve(arxiv_api, arxiv_id, recording)
        with CaptureQueriesContext(connection) as queries:
            response = submit(client, arxiv_id, token)
        assert response.status_code == 201
        counts.append(len(queries))
    assert len(response.json()["authors"]) == 34
    assert counts[0] == counts[1] <= 30


# A paper already here


@pytest.mark.parametrize(
    "reference",
    [
        "2608.15265",
        "arXiv:2608.15265v2",
        "https://arxiv.org/pdf/2608.15265v1.pdf",
        "https://huggingface.co/papers/2608.15265",
    ],
)
def test_a_known_paper_answers_200_with_the_paper_and_says_so(client, token, arxiv_api, reference):
    paper = make_paper("2608.15265", title="Known already", hf_upvotes=3)
    before = dump_database()
    response = submit(client, reference, token)
    assert response.status_code == 200
    assert "Location" not in response
    body = response.json()
    assert body["created"] is False
    assert body["detail"] == "Already here: “Known already” was on the site before."
    assert body["arxiv_id"] == paper.arxiv_id and body["counts"]["hf_upvotes"] == 3
    assert not arxiv_api.calls and dump_database() == before


def test_a_paper_another_member_brought_stays_theirs(client, token, arxiv_api):
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    bob = make_user("bob")
    assert submit(client, "1605.08386", bearer(bob)).status_code == 201
    again = submit(client, "1605.08386", token)
    assert again.status_code == 200 and again.json()["created"] is False
    assert Submission.objects.get().user == bob and len(arxiv_api.calls) == 1


# What is refused, and why


@pytest.mark.parametrize(
    "reference",
    [
        "",
        "   ",
        "attention is all you need",
        "2608.152",
        "https://example.com/abs/2608.15265",
        "hep-th/990100",
        "2608.15265" + " " * 300 + "x",
        "\x00",
    ],
)
def test_anything_but_an_arxiv_id_or_address_is_a_422_saying_what_is_accepted(client, token, arxiv_api, reference):
    before = dump_database()
    answer = problem(submit(client, reference, token), 422)
    assert ACCEPTED in answer["detail"] or "Null characters" in answer["detail"]
    assert answer["errors"][0]["loc"] == ["body", "data", "arxiv"]
    assert not arxiv_api.calls and dump_database() == before


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        ({}, None),
        ({"arxiv": 2608.15265}, None),
        ({"arxiv": None}, None),
        (None, '{"arxiv": "\\ud800"}'),
    ],
)
def test_a_body_without_a_reference_is_a_422(client, token, arxiv_api, body, raw):
    problem(call(client, "POST", URL, body, token=token, raw=raw), 422)
    assert not arxiv_api.calls and not Paper.objects.exists()


@pytest.mark.parametrize(
    ("recording", "status"),
    [(NO_RESULTS, None), (MALFORMED_ID, None), (MALFORMED_ID, 200)],
    ids=["no-entries", "http-400", "error-entry"],
)
def test_an_id_arxiv_does_not_know_is_a_422_with_the_sites_message(client, token, arxiv_api, recording, status):
    serve(arxiv_api, "0000.0000", recording, status=status)
    before = dump_database()
    answer = problem(submit(client, "0000.0000", token), 422)
    assert answer["detail"] == "data.arxiv: arXiv has no paper 0000.0000. Check the id and try again."
    assert answer["errors"] == [
        {
            "loc": ["body", "data", "arxiv"],
            "msg": "arXiv has no paper 0000.0000. Check the id and try again.",
            "type": "unknown",
        }
    ]
    assert dump_database() == before


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.exceptions.ConnectionError("Name or service not known")},
        {"body": requests.exceptions.ConnectTimeout("connect timed out")},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": "oops", "status": 503},
        {"body": "<html>Down for maintenance</html>", "status": 200},
    ],
    ids=["connection-error", "connect-timeout", "read-timeout", "server-errors", "not-atom"],
)
def test_arxiv_not_answering_is_a_503_with_retry_after_and_writes_nothing(client, token, arxiv_api, failure):
    serve(arxiv_api, "1605.08386", **failure)
    before = dump_database()
    response = submit(client, "1605.08386", token)
    assert problem(response, 503)["detail"] == "arXiv did not answer, try again in a minute."
    assert response["Retry-After"] == "60"
    assert dump_database() == before


def test_a_rate_limited_arxiv_is_asked_again(client, token, arxiv_api):
    serve(arxiv_api, "1605.08386", body="Rate exceeded.", status=429, headers={"Retry-After": "1"})
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    assert submit(client, "1605.08386", token).status_code == 201
    assert [answer.response.status_code for answer in arxiv_api.calls] == [429, 200]


# Who may submit


def test_anonymous_requests_and_read_only_tokens_cannot_submit(client, ada, arxiv_api):
    make_paper("2608.15265")
    before = dump_database()
    problem(submit(client, "2608.15265"), 401)
    assert "only read" in problem(submit(client, "2608.15265", bearer(ada, "read")), 403)["detail"]
    problem(submit(client, "2608.15265", "pc_not-a-token"), 401)
    assert not arxiv_api.calls and dump_database() == before


def test_a_suspended_member_cannot_submit(client, ada, token, arxiv_api):
    ada.suspend("Spam")
    before = dump_database()
    problem(submit(client, "1605.08386", token), 403)
    assert not arxiv_api.calls and dump_database() == before


def test_a_signed_in_browser_submits_with_its_csrf_token_only(ada, arxiv_api):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    headers = with_csrf(browser)
    assert "CSRF" in problem(submit(browser, "1605.08386"), 403)["detail"]
    assert not arxiv_api.calls and not Paper.objects.exists()
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    response = submit(browser, "1605.08386", headers=headers)
    assert response.status_code == 201 and Submission.objects.get().user == ada


def test_submissions_share_the_sites_rate_limit(client, ada, token, settings, arxiv_api):
    settings.WRITE_RATE_LIMITS = settings.WRITE_RATE_LIMITS | {"submit": "3/3600"}
    make_paper("2608.15265")
    browser = Client()
    browser.force_login(ada)
    assert browser.post("/submit/", {"reference": "2608.15265"}).status_code == 302  # the page counts too
    assert [submit(client, "2608.15265", token).status_code for _ in range(2)] == [200, 200]
    response = submit(client, "2608.15265", token)
    assert "Too many submit requests" in problem(response, 429)["detail"]
    assert 1 <= int(response["Retry-After"]) <= 3601
    assert submit(client, "2608.15265", bearer(make_user("bob"))).status_code == 200  # per member


def test_a_body_that_is_not_json_is_a_400(client, token, arxiv_api):
    problem(call(client, "POST", URL, token=token, raw="not json"), 400)
    assert not arxiv_api.calls and not Paper.objects.exists()


def test_the_schema_documents_the_submission(client):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/v1/papers"]["post"]
    assert set(operation["responses"]) == {"200", "201", "400", "401", "403", "422", "429", "503"}
    assert operation["summary"] and operation["description"]
    assert "get" in client.get("/api/openapi.json").json()["paths"]["/api/v1/papers"]
