"""The comment routes of /api/v1/: the thread, one comment, posting, editing, deleting, upvoting and flagging."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken, User
from papers import moderation
from papers.models import COMMENT_MAX_LENGTH, Comment, CommentVote, Flag, Notification, Paper
from tests.api.calls import bearer, call, problem, with_csrf
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper("2608.15265", title="VibeWorlding")


@pytest.fixture
def ada(db):
    return make_user("ada", display_name="Ada Lovelace")


@pytest.fixture
def bob(db):
    return make_user("bob")


@pytest.fixture
def token(ada):
    """Ada's read-and-write token."""
    return bearer(ada)


def thread_url(paper, sort: str = "") -> str:
    return f"/api/v1/papers/{paper.arxiv_id}/comments" + (f"?sort={sort}" if sort else "")


def comment_url(comment, tail: str = "") -> str:
    return f"/api/v1/comments/{comment.pk}{tail}"


def ids(nodes) -> list[int]:
    return [node["id"] for node in nodes]


# The thread


def test_the_thread_nests_replies_with_authors_text_and_counts(client, paper, ada, bob):
    first = make_comment(paper, ada, "Hello *world*")
    reply = make_comment(paper, bob, "A reply", parent=first)
    response = call(client, "GET", thread_url(paper))
    assert response.status_code == 200
    thread = response.json()
    assert (thread["paper"], thread["sort"], thread["comment_count"]) == (paper.arxiv_id, "best", 2)
    [top] = thread["comments"]
    assert top["id"] == first.pk and top["parent_id"] is None and top["depth"] == 0
    assert top["author"] == {
        "username": "ada",
        "display_name": "Ada Lovelace",
        "url": "http://testserver/users/ada/",
    }
    assert top["body"] == "Hello *world*" and top["body_html"] == "<p>Hello <em>world</em></p>\n"
    assert top["state"] == "visible" and top["upvotes"] == 0 and top["edited_at"] is None
    assert top["url"] == f"http://testserver{first.get_absolute_url()}"
    assert top["viewer"] is None  # anonymous
    assert ids(top["replies"]) == [reply.pk]
    assert top["replies"][0]["parent_id"] == first.pk and top["replies"][0]["depth"] == 1


def test_the_thread_keeps_removed_comments_as_placeholders_as_the_page_does(client, paper, ada, bob, moderator):
    deleted = make_comment(paper, ada, "Secret words")
    reply = make_comment(paper, bob, "Still here", parent=deleted)
    hidden = make_comment(paper, bob, "Spam spam")
    moderation.hide_comment(hidden, moderator, "Spam")
    ada_token = bearer(ada)
    assert call(client, "DELETE", comment_url(deleted), token=ada_token).status_code == 204
    thread = call(client, "GET", thread_url(paper, "new")).json()
    page = client.get(paper.get_absolute_url()).text
    by_id = {node["id"]: node for node in thread["comments"]}
    assert set(by_id) == {deleted.pk, hidden.pk}  # the page shows both places too
    assert "[deleted]" in page and "[removed by a moderator]" in page
    gone = by_id[deleted.pk]
    assert (gone["state"], gone["author"], gone["body"], gone["body_html"]) == ("deleted", None, None, None)
    assert ids(gone["replies"]) == [reply.pk] and gone["replies"][0]["body"] == "Still here"
    removed = by_id[hidden.pk]
    assert (removed["state"], removed["body"], removed["body_html"]) == ("hidden", None, None)
    assert removed["author"]["username"] == "bob"
    assert "Secret words" not in call(client, "GET", thread_url(paper)).text
    as_moderator = call(client, "GET", thread_url(paper), token=bearer(moderator, "read")).json()
    assert {node["id"]: node["body"] for node in as_moderator["comments"]}[hidden.pk] == "Spam spam"
    assert thread["comment_count"] == 1  # the reply: the only comment that counts


def test_the_thread_sorts_best_or_new(client, paper, ada, bob):
    old = make_comment(paper, ada, "Old and liked")
    new = make_comment(paper, ada, "New")
    CommentVote.objects.create(comment=old, user=bob)
    old.refresh_scores()
    assert ids(call(client, "GET", thread_url(paper)).json()["comments"]) == [old.pk, new.pk]
    assert ids(call(client, "GET", thread_url(paper, "new")).json()["comments"]) == [new.pk, old.pk]
    assert call(client, "GET", thread_url(paper, "best")).json()["comments"][0]["score"] > 0


def test_the_thread_shows_the_members_own_state(client, paper, ada, bob, token):
    mine = make_comment(paper, ada, "Mine")
    theirs = make_comment(paper, bob, "Theirs")
    CommentVote.objects.create(comment=theirs, user=ada)
    Flag.objects.create(comment=theirs, user=ada, reason="spam")
    by_id = {
        node["id"]: node["viewer"] for node in call(client, "GET", thread_url(paper), token=token).json()["comments"]
    }
    assert by_id[mine.pk] == {"upvoted": False, "flagged": False, "can_edit": True, "can_delete": True}
    assert by_id[theirs.pk] == {"upvoted": True, "flagged": True, "can_edit": False, "can_delete": False}


def test_deep_replies_continue_on_the_comments_own_thread(client, paper, ada):
    chain = [make_comment(paper, ada, "level 0")]
    for level in range(1, 8):
        chain.append(make_comment(paper, ada, f"level {level}", parent=chain[-1]))
    node = call(client, "GET", thread_url(paper)).json()["comments"][0]
    while node["replies"]:
        node = node["replies"][0]
    assert node["id"] == chain[5].pk and node["continues"] is True
    deeper = call(client, "GET", comment_url(chain[5])).json()
    assert deeper["id"] == chain[5].pk and ids(deeper["replies"]) == [chain[6].pk]
    assert ids(deeper["replies"][0]["replies"]) == [chain[7].pk]


def test_an_unknown_paper_or_comment_is_a_404_problem(client):
    assert problem(call(client, "GET", "/api/v1/papers/2608.99999/comments"), 404)["detail"] == "No paper 2608.99999."
    assert problem(call(client, "GET", "/api/v1/papers/a%00b/comments"), 404)
    assert problem(call(client, "GET", "/api/v1/comments/999999"), 404)["detail"] == "No comment 999999."


def test_a_revoked_token_cannot_read_either(client, paper, ada):
    secret = bearer(ada, "read")
    ApiToken.objects.get(user=ada).revoke()
    assert "revoked" in problem(call(client, "GET", thread_url(paper), token=secret), 401)["detail"]


def test_bad_parameters_are_422_problems_with_errors(client, paper):
    document = problem(call(client, "GET", thread_url(paper, "oldest")), 422)
    assert document["errors"][0]["loc"] == ["query", "sort"]
    assert problem(call(client, "GET", "/api/v1/comments/99999999999999999999"), 422)["errors"]
    assert problem(call(client, "GET", "/api/v1/comments/0"), 422)["errors"]


def test_a_comment_is_shown_with_its_replies(client, paper, ada, bob):
    first = make_comment(paper, ada, "First")
    reply = make_comment(paper, bob, "Reply", parent=first)
    make_comment(paper, bob, "Elsewhere")
    response = call(client, "GET", comment_url(first))
    assert response.status_code == 200 and response.has_header("ETag")
    assert response.json()["id"] == first.pk and ids(response.json()["replies"]) == [reply.pk]


def thread_queries(client, paper, token) -> int:
    call(client, "GET", thread_url(paper), token=token)  # the token's first use of the minute notes it
    with CaptureQueriesContext(connection) as queries:
        assert call(client, "GET", thread_url(paper), token=token).status_code == 200
    return len(queries)


@pytest.mark.parametrize("as_member", [False, True])
def test_a_thread_of_30_comments_takes_the_queries_of_a_thread_of_3(
    client, ada, bob, moderator, as_member, django_assert_max_num_queries
):
    token = bearer(bob) if as_member else None
    small, large = make_paper(), make_paper()
    for paper, count in ((small, 3), (large, 30)):
        parent = None
        for n in range(count):
            parent = make_comment(paper, (ada, bob)[n % 2], f"Comment {n}", parent=parent if n % 3 else None)
        moderation.hide_comment(parent, moderator, "Spam")  # a hidden one: the moderator check is asked once
    assert thread_queries(client, small, token) == thread_queries(client, large, token)
    with django_assert_max_num_queries(6):  # the token; the paper; its comments; the member's votes, flags, role
        call(client, "GET", thread_url(large), token=token)


# Posting


def post(client, paper, body, **kwargs):
    return call(client, "POST", thread_url(paper), body, **kwargs)


def test_posting_makes_a_comment_and_says_where_it_is(client, paper, ada, bob, token):
    first = make_comment(paper, bob, "First")
    response = post(client, paper, {"body": "A *reply*", "parent": first.pk}, token=token)
    assert response.status_code == 201
    comment = Comment.objects.get(author=ada)
    assert response["Location"] == f"http://testserver/api/v1/comments/{comment.pk}"
    out = response.json()
    assert (out["id"], out["parent_id"], out["depth"], out["body"]) == (comment.pk, first.pk, 1, "A *reply*")
    assert out["body_html"] == "<p>A <em>reply</em></p>\n" and out["author"]["username"] == "ada"
    assert out["viewer"] == {"upvoted": False, "flagged": False, "can_edit": True, "can_delete": True}
    assert Paper.objects.get(pk=paper.pk).comment_count == 2
    assert Notification.objects.get(recipient=bob).kind == Notification.Kind.REPLY
    assert call(client, "GET", response["Location"]).json()["id"] == comment.pk


def test_anonymous_requests_cannot_write(client, paper, bob):
    theirs = make_comment(paper, bob, "Theirs")
    answers = [
        post(client, paper, {"body": "Hi"}),
        call(client, "PATCH", comment_url(theirs), {"body": "x"}),
        call(client, "DELETE", comment_url(theirs)),
        call(client, "PUT", comment_url(theirs, "/vote")),
        call(client, "DELETE", comment_url(theirs, "/vote")),
        call(client, "POST", comment_url(theirs, "/flag"), {"reason": "spam"}),
    ]
    for response in answers:
        problem(response, 401)
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert Comment.objects.count() == 1 and not Flag.objects.exists()


def test_a_read_only_token_cannot_write(client, paper, ada, bob):
    read = bearer(ada, "read")
    theirs = make_comment(paper, bob, "Theirs")
    assert "only read" in problem(post(client, paper, {"body": "Hi"}, token=read), 403)["detail"]
    problem(call(client, "PUT", comment_url(theirs, "/vote"), token=read), 403)
    problem(call(client, "POST", comment_url(theirs, "/flag"), {"reason": "spam"}, token=read), 403)
    assert Comment.objects.count() == 1 and not CommentVote.objects.exists()
    assert call(client, "GET", thread_url(paper), token=read).status_code == 200


def test_a_signed_in_browser_writes_with_its_csrf_token_only(paper, ada):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    headers = with_csrf(browser)
    assert "CSRF" in problem(post(browser, paper, {"body": "No token"}), 403)["detail"]
    assert not Comment.objects.exists()
    response = post(browser, paper, {"body": "With the token"}, headers=headers)
    assert response.status_code == 201
    assert Comment.objects.get().body == "With the token"


def test_a_suspended_member_cannot_comment_vote_or_flag(client, paper, ada, bob, token):
    theirs = make_comment(paper, bob, "Theirs")
    ada.suspend("trolling")
    refusal = problem(post(client, paper, {"body": "Hi"}, token=token), 403)
    assert refusal["detail"] == "Suspended members cannot comment."
    problem(call(client, "PUT", comment_url(theirs, "/vote"), token=token), 403)
    problem(call(client, "POST", comment_url(theirs, "/flag"), {"reason": "spam"}, token=token), 403)
    assert Comment.objects.count() == 1 and not CommentVote.objects.exists() and not Flag.objects.exists()
    assert call(client, "GET", thread_url(paper), token=token).status_code == 200  # reading still works


def test_posting_over_the_rate_limit_is_a_429_with_retry_after(client, paper, token, settings):
    settings.WRITE_RATE_LIMITS = settings.WRITE_RATE_LIMITS | {"comment": "2/60"}
    assert post(client, paper, {"body": "One"}, token=token).status_code == 201
    assert post(client, paper, {"body": "Two"}, token=token).status_code == 201
    response = post(client, paper, {"body": "Three"}, token=token)
    assert "Too many comment requests" in problem(response, 429)["detail"]
    assert 1 <= int(response["Retry-After"]) <= 61
    assert Comment.objects.count() == 2


def test_the_same_idempotency_key_makes_one_comment(client, paper, ada, bob, token):
    key = {"Idempotency-Key": "retry-me-7"}
    first = post(client, paper, {"body": "Once"}, token=token, headers=key)
    again = post(client, paper, {"body": "Once"}, token=token, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and again["Location"] == first["Location"]
    assert Comment.objects.count() == 1 and Paper.objects.get(pk=paper.pk).comment_count == 1
    assert post(client, paper, {"body": "Once"}, token=token, headers={"Idempotency-Key": "other"}).status_code == 201
    assert post(client, paper, {"body": "Hi"}, token=bearer(bob), headers=key).status_code == 201  # bob's own key
    assert Comment.objects.count() == 3


def test_an_idempotency_key_may_be_the_forms_uuid(client, paper, ada, token):
    key = {"Idempotency-Key": "8c0d5b2e-8f6a-4a8e-9a56-3f0e0c6c2f11"}
    post(client, paper, {"body": "Once"}, token=token, headers=key)
    assert post(client, paper, {"body": "Once"}, token=token, headers=key).status_code == 200
    assert str(Comment.objects.get().form_key) == key["Idempotency-Key"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"body": "   "}, "body", "Write something first."),
        ({"body": "x" * (COMMENT_MAX_LENGTH + 1)}, "body", "Comments are limited to 10,000 characters"),
        ({}, "body", "Field required"),
        ({"body": 5}, "body", "Input should be a valid string"),
        ({"body": "Hi", "parent": "first"}, "parent", "Input should be a valid integer"),
    ],
)
def test_invalid_comments_are_422_problems_with_errors(client, paper, token, body, field, message):
    document = problem(post(client, paper, body, token=token), 422)
    [error] = document["errors"]
    assert error["loc"][-1] == field and error["msg"].startswith(message)
    assert not Comment.objects.exists()


def test_half_a_character_is_a_422_not_a_500(client, paper, ada, bob, token):
    """JSON can spell a lone surrogate ("\\ud800"), which neither the sanitiser nor the database takes."""
    mine, theirs = make_comment(paper, ada, "Mine"), make_comment(paper, bob, "Theirs")
    for method, path, raw in [
        ("POST", thread_url(paper), '{"body": "a\\ud800b"}'),
        ("PATCH", comment_url(mine), '{"body": "\\udfff"}'),
        ("POST", comment_url(theirs, "/flag"), '{"reason": "spam", "note": "\\ud83d"}'),
    ]:
        assert "lone surrogate" in problem(call(client, method, path, raw=raw, token=token), 422)["errors"][0]["msg"]
    assert Comment.objects.count() == 2 and Comment.objects.get(pk=mine.pk).body == "Mine"
    assert not Flag.objects.exists()


def test_a_reply_needs_a_parent_still_on_the_paper(client, paper, bob, token, moderator):
    elsewhere = make_comment(make_paper(), bob, "Elsewhere")
    hidden = make_comment(paper, bob, "Hidden")
    moderation.hide_comment(hidden, moderator, "Spam")
    for parent, message in [
        (elsewhere, "The comment you replied to is not on this paper."),
        (hidden, "You can only reply to a comment that is still here."),
    ]:
        document = problem(post(client, paper, {"body": "Hi", "parent": parent.pk}, token=token), 422)
        assert document["errors"] == [{"loc": ["body", "data", "parent"], "msg": message, "type": "parent"}]
    assert Comment.objects.count() == 2


def test_posting_on_an_unknown_paper_is_a_404_problem(client, token):
    assert problem(post(client, Paper(arxiv_id="2608.99999"), {"body": "Hi"}, token=token), 404)


def test_a_malformed_body_is_a_400_problem(client, paper, token):
    problem(call(client, "POST", thread_url(paper), raw="{not json", token=token), 400)


# Editing and deleting


def test_the_author_edits_within_the_window(client, paper, ada, token):
    mine = make_comment(paper, ada, "Frist")
    response = call(client, "PATCH", comment_url(mine), {"body": "**First**"}, token=token)
    assert response.status_code == 200
    assert response.json()["body_html"] == "<p><strong>First</strong></p>\n" and response.json()["edited_at"]
    mine.refresh_from_db()
    assert mine.body == "**First**" and mine.edited_at is not None


def test_another_member_cannot_edit_or_delete(client, paper, ada, bob, token):
    theirs = make_comment(paper, bob, "Theirs")
    edit = problem(call(client, "PATCH", comment_url(theirs), {"body": "Mine now"}, token=token), 403)
    assert edit["detail"] == "Only the author can edit a comment, within 30 minutes of posting it."
    assert problem(call(client, "DELETE", comment_url(theirs), token=token), 403)["detail"] == (
        "Only the author can delete a comment."
    )
    theirs.refresh_from_db()
    assert theirs.body == "Theirs" and theirs.deleted_at is None


def test_editing_after_the_window_is_a_409_problem(client, paper, ada, token):
    mine = make_comment(paper, ada, "Old")
    Comment.objects.filter(pk=mine.pk).update(created_at=timezone.now() - dt.timedelta(minutes=31))
    document = problem(call(client, "PATCH", comment_url(mine), {"body": "New"}, token=token), 409)
    assert document["detail"] == "Comments can be edited by their author for 30 minutes."
    assert Comment.objects.get(pk=mine.pk).body == "Old"


def test_an_empty_edit_is_a_422_problem(client, paper, ada, token):
    mine = make_comment(paper, ada, "Keep")
    document = problem(call(client, "PATCH", comment_url(mine), {"body": ""}, token=token), 422)
    assert document["errors"][0]["msg"] == "Write something first."
    assert problem(call(client, "PATCH", "/api/v1/comments/424242", {"body": "x"}, token=token), 404)


def test_deleting_keeps_the_place_and_recounts(client, paper, ada, bob, token):
    mine = make_comment(paper, ada, "Secret")
    make_comment(paper, bob, "Reply", parent=mine)
    response = call(client, "DELETE", comment_url(mine), token=token)
    assert response.status_code == 204 and response.content == b""
    mine.refresh_from_db()
    assert mine.deleted_at and mine.body == ""
    assert Paper.objects.get(pk=paper.pk).comment_count == 1
    assert call(client, "DELETE", comment_url(mine), token=token).status_code == 204  # again: nothing changes
    problem(call(client, "PATCH", comment_url(mine), {"body": "Back"}, token=token), 409)


def test_a_session_edit_needs_the_csrf_token(paper, ada):
    mine = make_comment(paper, ada, "Mine")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    headers = with_csrf(browser)
    problem(call(browser, "PATCH", comment_url(mine), {"body": "x"}), 403)
    problem(call(browser, "DELETE", comment_url(mine)), 403)
    assert call(browser, "PATCH", comment_url(mine), {"body": "Edited"}, headers=headers).status_code == 200
    assert call(browser, "DELETE", comment_url(mine), headers=headers).status_code == 204


# Upvotes


def test_upvoting_a_comment_recounts_it_and_its_authors_karma(client, paper, ada, bob, token):
    theirs = make_comment(paper, bob, "Theirs")
    Comment.objects.filter(pk=theirs.pk).update(upvote_count=41)  # stale: recounted from the votes
    User.objects.filter(pk=bob.pk).update(karma=41)
    for _ in range(2):  # idempotent
        response = call(client, "PUT", comment_url(theirs, "/vote"), token=token)
        assert response.status_code == 200
        assert response.json()["upvotes"] == 1 and response.json()["viewer"]["upvoted"] is True
    assert CommentVote.objects.count() == 1 and User.objects.get(pk=bob.pk).karma == 1
    response = call(client, "DELETE", comment_url(theirs, "/vote"), token=token)
    assert response.json()["upvotes"] == 0 and response.json()["viewer"]["upvoted"] is False
    assert not CommentVote.objects.exists() and User.objects.get(pk=bob.pk).karma == 0


def test_upvoting_ones_own_or_a_removed_comment_is_refused(client, paper, ada, bob, token, moderator):
    mine = make_comment(paper, ada, "Mine")
    hidden = make_comment(paper, bob, "Hidden")
    moderation.hide_comment(hidden, moderator, "Spam")
    own = problem(call(client, "PUT", comment_url(mine, "/vote"), token=token), 403)
    assert own["detail"] == "You cannot upvote your own comment."
    assert problem(call(client, "PUT", comment_url(hidden, "/vote"), token=token), 403)["detail"] == (
        "This comment is gone."
    )
    assert problem(call(client, "PUT", "/api/v1/comments/424242/vote", token=token), 404)
    assert not CommentVote.objects.exists()


def test_voting_over_the_rate_limit_is_a_429(client, paper, bob, token, settings):
    settings.WRITE_RATE_LIMITS = settings.WRITE_RATE_LIMITS | {"vote": "1/60"}
    theirs = make_comment(paper, bob, "Theirs")
    assert call(client, "PUT", comment_url(theirs, "/vote"), token=token).status_code == 200
    response = problem(call(client, "DELETE", comment_url(theirs, "/vote"), token=token), 429)
    assert "vote" in response["detail"]
    assert CommentVote.objects.count() == 1


def test_a_session_vote_needs_the_csrf_token(paper, ada, bob):
    theirs = make_comment(paper, bob, "Theirs")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    headers = with_csrf(browser)
    problem(call(browser, "PUT", comment_url(theirs, "/vote")), 403)
    assert call(browser, "PUT", comment_url(theirs, "/vote"), headers=headers).json()["upvotes"] == 1


# Flags


def test_flagging_once_per_member(client, paper, ada, bob, token):
    theirs = make_comment(paper, bob, "Theirs")
    first = call(client, "POST", comment_url(theirs, "/flag"), {"reason": "spam", "note": "Ads\x00"}, token=token)
    assert first.status_code == 201 and first.json()["viewer"]["flagged"] is True
    again = call(client, "POST", comment_url(theirs, "/flag"), {"reason": "unkind"}, token=token)
    assert again.status_code == 200
    flag = Flag.objects.get()
    assert (flag.reason, flag.note, flag.user) == ("spam", "Ads", ada)
    assert Comment.objects.get(pk=theirs.pk).flag_count == 1


def test_flags_are_refused_on_ones_own_and_removed_comments(client, paper, ada, bob, token):
    mine = make_comment(paper, ada, "Mine")
    theirs = make_comment(paper, bob, "Theirs")
    discussion_delete = call(client, "DELETE", comment_url(mine), token=token)
    assert discussion_delete.status_code == 204
    mine_again = make_comment(paper, ada, "Mine again")
    own = problem(call(client, "POST", comment_url(mine_again, "/flag"), {"reason": "spam"}, token=token), 403)
    assert own["detail"] == "You cannot flag your own comment."
    gone = problem(call(client, "POST", comment_url(mine, "/flag"), {"reason": "spam"}, token=bearer(bob)), 403)
    assert gone["detail"] == "This comment is gone already."
    bad = problem(call(client, "POST", comment_url(theirs, "/flag"), {"reason": "boring"}, token=token), 422)
    assert bad["errors"][0]["loc"][-1] == "reason"
    assert not Flag.objects.exists()


def test_flagging_over_the_rate_limit_is_a_429(client, paper, bob, token, settings):
    settings.WRITE_RATE_LIMITS = settings.WRITE_RATE_LIMITS | {"flag": "1/3600"}
    first, second = make_comment(paper, bob, "One"), make_comment(paper, bob, "Two")
    assert call(client, "POST", comment_url(first, "/flag"), {"reason": "spam"}, token=token).status_code == 201
    response = call(client, "POST", comment_url(second, "/flag"), {"reason": "spam"}, token=token)
    problem(response, 429)
    assert int(response["Retry-After"]) > 0 and Flag.objects.count() == 1


# The schema


def test_the_openapi_schema_builds_and_documents_the_comment_routes(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, method, statuses in [
        ("/api/v1/papers/{arxiv_id}/comments", "get", {"200", "401", "404", "422"}),
        ("/api/v1/papers/{arxiv_id}/comments", "post", {"200", "201", "400", "401", "403", "404", "422", "429"}),
        ("/api/v1/comments/{comment_id}", "get", {"200", "401", "404", "422"}),
        ("/api/v1/comments/{comment_id}", "patch", {"200", "400", "401", "403", "404", "409", "422", "429"}),
        ("/api/v1/comments/{comment_id}", "delete", {"204", "401", "403", "404", "422", "429"}),
        ("/api/v1/comments/{comment_id}/vote", "put", {"200", "401", "403", "404", "422", "429"}),
        ("/api/v1/comments/{comment_id}/vote", "delete", {"200", "401", "403", "404", "422", "429"}),
        ("/api/v1/comments/{comment_id}/flag", "post", {"200", "201", "400", "401", "403", "404", "422", "429"}),
    ]:
        operation = paths[path][method]
        assert set(operation["responses"]) == statuses, (method, path)
        assert operation["summary"] and operation["description"]
    parameters = paths["/api/v1/papers/{arxiv_id}/comments"]["post"]["parameters"]
    assert any(parameter["name"] == "Idempotency-Key" for parameter in parameters)


def test_the_api_docs_page_lists_the_comment_routes(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert "Post a comment or a reply" in page.text and "Flag a comment for the moderators" in page.text


def test_a_suspended_member_cannot_edit_but_still_deletes_their_comment_as_in_the_browser(client, paper, ada, token):
    mine = make_comment(paper, ada, "Mine")
    ada.suspend("trolling")
    response = call(client, "PATCH", comment_url(mine), {"body": "Edited"}, token=token)
    assert "suspended" in problem(response, 403)["detail"]
    assert call(client, "DELETE", comment_url(mine), token=token).status_code == 204
    mine.refresh_from_db()
    assert mine.is_deleted
