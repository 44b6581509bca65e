"""A create form sent twice (a double click, a retry after a timeout, the back button) creates one thing."""

import uuid

import pytest

from papers.models import Comment, Flag, Paper
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db


def comment_form(paper, client, headers=None, **data):
    return client.post(f"/papers/{paper.arxiv_id}/comments/", {"body": "Same text", **data}, headers=headers or {})


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["no-js", "htmx"])
def test_a_comment_form_sent_twice_makes_one_comment(member_client, member, headers):
    paper = make_paper()
    key = uuid.uuid4().hex
    first = comment_form(paper, member_client, form_key=key, headers=headers)
    again = comment_form(paper, member_client, form_key=key, headers=headers)
    comment = Comment.objects.get()
    assert comment.author == member
    assert first.status_code == again.status_code
    if not headers:
        assert first["Location"] == again["Location"] and f"#comment-{comment.pk}" in again["Location"]
    paper.refresh_from_db()
    assert paper.comment_count == 1


def test_a_reply_form_sent_twice_makes_one_reply(member_client):
    paper = make_paper()
    parent = make_comment(paper, make_user())
    key = uuid.uuid4().hex
    for _ in range(3):
        comment_form(paper, member_client, form_key=key, parent=parent.pk)
    assert parent.replies.count() == 1


def test_two_forms_make_two_comments_and_a_key_is_per_member(member_client, client):
    paper = make_paper()
    comment_form(paper, member_client, form_key=uuid.uuid4().hex)
    comment_form(paper, member_client, form_key=uuid.uuid4().hex)
    key = uuid.uuid4().hex
    comment_form(paper, member_client, form_key=key)
    client.force_login(make_user("bob"))
    comment_form(paper, client, form_key=key)  # another member's form with the same key is another comment
    assert Comment.objects.count() == 4


@pytest.mark.parametrize("key", ["", "not-a-key", "\x00", "1" * 100])
def test_a_missing_or_odd_key_still_posts(member_client, key):
    paper = make_paper()
    assert comment_form(paper, member_client, form_key=key).status_code == 302
    assert Comment.objects.get().form_key is None


def test_every_comment_form_carries_a_fresh_key(member_client):
    paper = make_paper()
    make_comment(paper, make_user())
    pages = [member_client.get(paper.get_absolute_url()).text for _ in range(2)]
    keys = [page.split('name="form_key" value="')[1].split('"')[0] for page in pages]
    assert all(uuid.UUID(key) for key in keys) and keys[0] != keys[1]
    response = comment_form(paper, member_client, form_key=keys[0], headers={"HX-Request": "true"})
    fresh = response.text.split('name="form_key" value="')[1].split('"')[0]
    assert fresh != keys[0]  # the form that replaces the used one has a key of its own


def test_a_flag_and_a_submission_sent_twice_are_one(member_client):
    paper = make_paper()
    comment = make_comment(paper, make_user())
    for _ in range(2):
        member_client.post(f"{comment.get_absolute_url()}flag/", {"reason": "spam"})
    assert Flag.objects.count() == 1
    for _ in range(2):  # a paper already here opens; one arXiv id is one paper
        response = member_client.post("/submit/", {"reference": paper.arxiv_id})
        assert response.status_code == 302 and response["Location"] == paper.get_absolute_url()
    assert Paper.objects.count() == 1
