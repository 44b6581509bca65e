"""Members in /api/v1/: a public profile and its lists, and your own profile and preferences (PATCH /api/v1/me)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from papers import follows
from papers.discussion import delete_comment
from papers.models import Comment, PaperVote, Submission
from tests.api.calls import bearer, call, problem, with_csrf
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(db):
    return make_user("ada")


@pytest.fixture
def bob(db):
    return make_user(
        "bob",
        display_name="Bob B.",
        bio="I study *graphs*.\n\n<script>alert(1)</script>",
        links=["https://bob.example", "https://github.com/bob"],
        date_joined=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )


@pytest.fixture
def token(ada):
    return bearer(ada)


# A profile


def test_a_profile_says_what_the_profile_page_says(client, bob, ada):
    paper = make_paper(title="A paper")
    make_comment(paper, bob, "First")
    make_comment(paper, bob, "Second")
    delete_comment(make_comment(paper, bob, "Gone"), bob)
    Submission.objects.create(paper=make_paper(), user=bob)
    User.objects.filter(pk=bob.pk).update(karma=7)
    response = call(client, "GET", "/api/v1/members/bob")
    assert response.status_code == 200
    body = response.json()
    bio_html = body.pop("bio_html")
    assert body == {
        "username": "bob",
        "display_name": "Bob B.",
        "name": "Bob B.",
        "url": "http://testserver/users/bob/",
        "bio": "I study *graphs*.\n\n<script>alert(1)</script>",
        "links": ["https://bob.example", "https://github.com/bob"],
        "karma": 7,
        "joined": "2026-03-01T00:00:00Z",
        "suspended": False,
        "upvotes_public": False,
        "counts": {"comments": 2, "submissions": 1, "upvotes": None},
        "comments_url": "http://testserver/api/v1/members/bob/comments",
        "submissions_url": "http://testserver/api/v1/members/bob/submissions",
        "upvotes_url": None,
        "viewer": None,
    }
    assert "<em>graphs</em>" in bio_html and "<script" not in bio_html
    assert response["Access-Control-Allow-Origin"] == "*" and response["ETag"]
    page = client.get("/users/bob/").text
    assert "7 karma" in page and "2 comments" in page and "joined March 2026" in page


def test_a_profile_without_a_bio_or_display_name(client, ada):
    body = call(client, "GET", "/api/v1/members/ada").json()
    assert (body["name"], body["display_name"], body["bio"], body["bio_html"], body["links"]) == ("ada", "", "", "", [])


def test_upvoted_papers_are_counted_and_listed_only_when_public_or_to_themself(client, bob, ada, token):
    paper = make_paper()
    paper.upvote(bob)
    shown = call(client, "GET", "/api/v1/members/bob", token=token).json()
    assert shown["counts"]["upvotes"] is None and shown["upvotes_url"] is None
    assert "private" in problem(call(client, "GET", "/api/v1/members/bob/upvotes", token=token), 404)["detail"]
    problem(call(client, "GET", "/api/v1/members/bob/upvotes"), 404)
    own = bearer(bob, "read")
    assert call(client, "GET", "/api/v1/members/bob", token=own).json()["counts"]["upvotes"] == 1
    assert len(call(client, "GET", "/api/v1/members/bob/upvotes", token=own).json()["items"]) == 1
    User.objects.filter(pk=bob.pk).update(upvotes_public=True)
    shown = call(client, "GET", "/api/v1/members/bob").json()
    assert shown["upvotes_public"] is True and shown["counts"]["upvotes"] == 1
    assert shown["upvotes_url"] == "http://testserver/api/v1/members/bob/upvotes"
    assert call(client, "GET", shown["upvotes_url"]).json()["items"][0]["arxiv_id"] == paper.arxiv_id


def test_the_viewer_sees_whether_it_is_them_and_whether_they_follow(client, ada, bob, token):
    assert call(client, "GET", "/api/v1/members/bob", token=token).json()["viewer"] == {"you": False, "mode": None}
    follows.follow(ada, bob)
    assert call(client, "GET", "/api/v1/members/bob", token=token).json()["viewer"] == {"you": False, "mode": "follow"}
    assert call(client, "GET", "/api/v1/members/ada", token=token).json()["viewer"] == {"you": True, "mode": None}


def test_a_suspended_member_s_profile_says_so(client, bob):
    bob.suspend("Spam")
    assert call(client, "GET", "/api/v1/members/bob").json()["suspended"] is True


@pytest.mark.parametrize("what", ["", "/comments", "/submissions", "/upvotes"])
def test_deleted_deactivated_and_unknown_members_are_404s_as_their_pages_are(client, bob, what):
    User.objects.filter(pk=bob.pk).update(upvotes_public=True)
    gone = make_user("gone", upvotes_public=True)
    gone.anonymize()
    make_user("resting", is_active=False, upvotes_public=True)
    for username in (gone.username, "resting", "nobody", "bo%00b", "BOB"):
        problem(call(client, "GET", f"/api/v1/members/{username}{what}"), 404)
        assert client.get(f"/users/{username}/").status_code == 404
    assert call(client, "GET", f"/api/v1/members/bob{what}").status_code == 200


# A member's comments


def test_a_members_comments_come_newest_first_visible_only_a_page_at_a_time(client, bob, ada, token):
    paper = make_paper(title="The paper")
    comments = [make_comment(paper, bob, f"Comment {n}") for n in range(5)]
    for n, comment in enumerate(comments):
        Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - dt.timedelta(hours=10 - n))
    delete_comment(comments[4], bob)
    Comment.objects.filter(pk=comments[3].pk).update(hidden_at=timezone.now())
    make_comment(paper, ada, "Not Bob's")
    first = call(client, "GET", "/api/v1/members/bob/comments?limit=2", token=token).json()
    assert [item["body"] for item in first["items"]] == ["Comment 2", "Comment 1"]
    item = first["items"][0]
    assert item["paper"] == paper.arxiv_id and item["paper_title"] == "The paper"
    assert item["paper_url"] == f"http://testserver{paper.get_absolute_url()}"
    assert (
        item["author"]["username"] == "bob" and item["state"] == "visible" and "<p>Comment 2</p>" in item["body_html"]
    )
    assert item["viewer"] == {"upvoted": False, "flagged": False, "can_edit": False, "can_delete": False}
    rest = call(client, "GET", first["next"], token=token).json()
    assert [item["body"] for item in rest["items"]] == ["Comment 0"] and rest["next"] is None
    assert call(client, "GET", "/api/v1/members/bob/comments").json()["items"][0]["viewer"] is None


def test_a_members_lists_refuse_altered_cursors_and_bad_limits(client, bob):
    for what in ("comments", "submissions"):
        problem(call(client, "GET", f"/api/v1/members/bob/{what}?cursor=nonsense"), 400)
        problem(call(client, "GET", f"/api/v1/members/bob/{what}?limit=0"), 422)
        problem(call(client, "GET", f"/api/v1/members/bob/{what}?limit=101"), 422)


def comment_page_queries(client, username: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert call(client, "GET", f"/api/v1/members/{username}/comments?limit=50").status_code == 200
    return len(queries)


def test_a_comment_page_takes_the_same_queries_for_3_comments_as_for_30(client, django_assert_max_num_queries):
    few, many = make_user("few"), make_user("many")
    for user, count in ((few, 3), (many, 30)):
        for n in range(count):
            make_comment(make_paper(), user, f"Comment {n}")
    assert comment_page_queries(client, "few") == comment_page_queries(client, "many")
    with django_assert_max_num_queries(2):  # the member, the comments with their papers
        call(client, "GET", "/api/v1/members/many/comments")


# Submitted and upvoted papers


def test_submitted_papers_come_last_submitted_first(client, bob):
    papers = [make_paper(title=f"Paper {n}") for n in range(3)]
    for n, paper in enumerate(papers):
        Submission.objects.create(paper=paper, user=bob, created_at=dt.datetime(2026, 8, 1 + n, tzinfo=dt.UTC))
    Submission.objects.create(paper=make_paper(title="Someone else's"), user=make_user())
    first = call(client, "GET", "/api/v1/members/bob/submissions?limit=2").json()
    rest = call(client, "GET", first["next"]).json()
    assert [item["title"] for item in first["items"] + rest["items"]] == ["Paper 2", "Paper 1", "Paper 0"]
    assert rest["next"] is None


def test_upvoted_papers_come_last_upvoted_first_whoever_else_upvoted_them(client, bob, ada, token):
    User.objects.filter(pk=bob.pk).update(upvotes_public=True)
    papers = [make_paper(title=f"Paper {n}") for n in range(3)]
    for n, paper in enumerate(papers):
        PaperVote.objects.create(paper=paper, user=bob, created_at=dt.datetime(2026, 8, 3 - n, tzinfo=dt.UTC))
        PaperVote.objects.create(paper=paper, user=ada, created_at=dt.datetime(2026, 8, 9, tzinfo=dt.UTC))
    page = call(client, "GET", "/api/v1/members/bob/upvotes", token=token).json()
    assert [item["title"] for item in page["items"]] == ["Paper 0", "Paper 1", "Paper 2"]
    assert all(item["viewer"] == {"upvoted": True, "saved": False} for item in page["items"])


def test_a_profile_and_its_paper_lists_take_a_fixed_number_of_queries(client, bob, django_assert_max_num_queries):
    User.objects.filter(pk=bob.pk).update(upvotes_public=True)
    for n in range(20):
        paper = make_paper(topics=("Robotics", "Vision"))
        paper.upvote(bob)
        Submission.objects.create(paper=paper, user=bob)
        make_comment(paper, bob, f"@ada comment {n}")
    with django_assert_max_num_queries(6):  # the member, three counts, the bio's mentions, (no stance: anonymous)
        call(client, "GET", "/api/v1/members/bob")
    for what in ("submissions", "upvotes"):
        with django_assert_max_num_queries(4):  # the member, the papers, their authors and topics
            assert len(call(client, "GET", f"/api/v1/members/bob/{what}?limit=50").json()["items"]) == 20


# Your profile and preferences


def test_patching_me_changes_only_what_is_sent(client, ada, token):
    User.objects.filter(pk=ada.pk).update(bio="Old bio", links=["https://old.example"])
    response = call(client, "PATCH", "/api/v1/me", {"display_name": "  Ada   L. ", "digest": "weekly"}, token=token)
    assert response.status_code == 200
    assert response.json() == {
        "username": "ada",
        "display_name": "Ada L.",
        "bio": "Old bio",
        "bio_html": "<p>Old bio</p>\n",
        "links": ["https://old.example"],
        "upvotes_public": False,
        "email_on_reply": True,
        "email_on_mention": True,
        "recency": 2,
        "digest": "weekly",
        "url": "http://testserver/users/ada/",
    }
    ada.refresh_from_db()
    assert (ada.display_name, ada.digest, ada.bio, ada.email_on_reply) == ("Ada L.", "weekly", "Old bio", True)
    assert call(client, "GET", "/api/v1/me/settings", token=bearer(ada, "read")).json() == response.json()


def test_patching_every_field(client, ada, token):
    changes = {
        "display_name": "Ada",
        "bio": "I like **proofs**.",
        "links": ["https://ada.example", "", " https://github.com/ada "],
        "upvotes_public": True,
        "email_on_reply": False,
        "email_on_mention": False,
        "recency": 3,
        "digest": "daily",
    }
    body = call(client, "PATCH", "/api/v1/me", changes, token=token).json()
    assert body["links"] == ["https://ada.example", "https://github.com/ada"]
    assert "<strong>proofs</strong>" in body["bio_html"]
    ada.refresh_from_db()
    assert (ada.upvotes_public, ada.email_on_reply, ada.email_on_mention, ada.recency, ada.digest) == (
        True,
        False,
        False,
        3,
        "daily",
    )
    assert call(client, "GET", "/api/v1/members/ada").json()["counts"]["upvotes"] == 0  # now public
    cleared = call(client, "PATCH", "/api/v1/me", {"display_name": "", "bio": "", "links": []}, token=token).json()
    assert (cleared["display_name"], cleared["bio"], cleared["links"]) == ("", "", [])
    assert call(client, "GET", "/api/v1/members/ada").json()["name"] == "ada"


def test_null_and_absent_fields_are_unchanged(client, ada, token):
    before = call(client, "GET", "/api/v1/me/settings", token=token).json()
    assert call(client, "PATCH", "/api/v1/me", {}, token=token).json() == before
    assert call(
        client, "PATCH", "/api/v1/me", dict.fromkeys(before, None) | {"username": None}, token=token
    ).json() == (before)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"links": [f"https://{n}.example" for n in range(5)]}, "links", "At most 4 links, please."),
        ({"links": ["javascript:alert(1)"]}, "links", "“javascript:alert(1)” is not a web address starting with"),
        ({"links": ["ftp://files.example"]}, "links", "is not a web address starting with http:// or https://"),
        ({"display_name": "x" * 101}, "display_name", "Ensure this value has at most 100 characters"),
        ({"bio": "x" * 2001}, "bio", "Ensure this value has at most 2000 characters"),
        ({"bio": "a\x00b"}, "bio", "Null characters are not allowed."),
        ({"recency": 9}, "recency", "Select a valid choice. 9 is not one of the available choices."),
        ({"digest": "hourly"}, "digest", "Select a valid choice. hourly is not one of the available choices."),
    ],
)
def test_what_the_settings_page_refuses_is_a_422_naming_the_field(client, ada, token, changes, field, message):
    before = User.objects.filter(pk=ada.pk).values().get()
    body = {"display_name": "Not saved", "upvotes_public": True} | changes  # nothing is saved if one field is wrong
    answer = problem(call(client, "PATCH", "/api/v1/me", body, token=token), 422)
    assert [error["loc"] for error in answer["errors"]] == [["body", "data", field]]
    assert message in answer["errors"][0]["msg"] and message in answer["detail"]
    assert User.objects.filter(pk=ada.pk).values().get() == before


@pytest.mark.parametrize(
    "body",
    [
        {"links": "https://one.example"},
        {"links": ["https://a.example\nhttps://b.example"]},
        {"upvotes_public": "maybe"},
        {"email_on_mention": 0},
        {"recency": "3"},
        {"recency": True},
        {"recency": 2.0},
        {"digest": 1},
    ],
)
def test_ill_typed_fields_are_422s(client, ada, token, body):
    before = User.objects.filter(pk=ada.pk).values().get()
    problem(call(client, "PATCH", "/api/v1/me", body, token=token), 422)
    problem(call(client, "PATCH", "/api/v1/me", raw='{"bio": "\\ud800"}', token=token), 422)
    problem(call(client, "PATCH", "/api/v1/me", raw="not json", token=token), 400)
    assert User.objects.filter(pk=ada.pk).values().get() == before


@pytest.mark.parametrize("raw", ["[null, null]", "[]", '[{"bio": "a"}]', '"bio"', "5", "null"])
def test_a_body_that_is_not_an_object_is_a_422_not_an_empty_change(client, ada, token, raw):
    answer = problem(call(client, "PATCH", "/api/v1/me", raw=raw, token=token), 422)
    assert "send a JSON object" in answer["detail"]


def test_anonymous_requests_and_read_only_tokens_cannot_change_a_profile(client, ada):
    problem(call(client, "PATCH", "/api/v1/me", {"bio": "Hacked"}), 401)
    problem(call(client, "GET", "/api/v1/me/settings"), 401)
    assert (
        "only read"
        in problem(call(client, "PATCH", "/api/v1/me", {"bio": "x"}, token=bearer(ada, "read")), 403)["detail"]
    )
    ada.refresh_from_db()
    assert ada.bio == ""


def test_a_token_changes_its_own_members_profile_only(client, ada, bob):
    call(client, "PATCH", "/api/v1/me", {"bio": "Bob's words"}, token=bearer(bob))
    ada.refresh_from_db()
    bob.refresh_from_db()
    assert ada.bio == "" and bob.bio == "Bob's words"


def test_a_suspended_member_still_changes_their_profile_as_in_settings(client, ada, token):
    """/settings/ stays open to a suspended member, and so does PATCH /me."""
    ada.suspend("Spam")
    assert call(client, "PATCH", "/api/v1/me", {"bio": "Sorry"}, token=token).status_code == 200
    ada.refresh_from_db()
    assert ada.bio == "Sorry"


def test_a_signed_in_browser_changes_its_profile_with_its_csrf_token_only(ada):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    headers = with_csrf(browser)
    assert "CSRF" in problem(call(browser, "PATCH", "/api/v1/me", {"bio": "Mine"}), 403)["detail"]
    ada.refresh_from_db()
    assert ada.bio == ""
    assert call(browser, "PATCH", "/api/v1/me", {"bio": "Mine"}, headers=headers).json()["bio"] == "Mine"
    assert call(browser, "GET", "/api/v1/me").json()["username"] == "ada"  # GET /me is still there


def test_profile_changes_share_the_settings_rate_limit(client, ada, token, settings):
    settings.WRITE_RATE_LIMITS = settings.WRITE_RATE_LIMITS | {"settings": "3/600"}
    browser = Client()
    browser.force_login(ada)
    assert browser.post("/settings/", {"display_name": "Page", "bio": "", "links": ""}).status_code == 302
    assert [call(client, "PATCH", "/api/v1/me", {"bio": "x"}, token=token).status_code for _ in range(2)] == [200, 200]
    response = call(client, "PATCH", "/api/v1/me", {"bio": "y"}, token=token)
    assert "Too many settings requests" in problem(response, 429)["detail"]
    assert 1 <= int(response["Retry-After"]) <= 601
    ada.refresh_from_db()
    assert ada.bio == "x"
    assert call(client, "GET", "/api/v1/me/settings", token=token).status_code == 200  # reading is not limited


def test_the_schema_documents_the_member_routes(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, method, statuses in [
        ("/api/v1/members/{username}", "get", {"200", "401", "404", "422"}),
        ("/api/v1/members/{username}/comments", "get", {"200", "400", "401", "404", "422"}),
        ("/api/v1/members/{username}/submissions", "get", {"200", "400", "401", "404", "422"}),
        ("/api/v1/members/{username}/upvotes", "get", {"200", "400", "401", "404", "422"}),
        ("/api/v1/me", "get", {"200", "401"}),
        ("/api/v1/me", "patch", {"200", "400", "401", "403", "422", "429"}),
        ("/api/v1/me/settings", "get", {"200", "401"}),
    ]:
        operation = paths[path][method]
        assert set(operation["responses"]) == statuses, (method, path)
        assert operation["summary"] and operation["description"]
