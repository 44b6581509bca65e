"""Many requests at once through the whole stack: counts always equal their rows.

These need PostgreSQL: SQLite runs one writer at a time, so there is no race to test.
Set VOTE_RACE_REPETITIONS to repeat the single-member race (the figure in the README
comes from 20 repetitions).
"""

import os

import pytest

from papers.models import Comment, CommentVote, Paper, PaperVote
from tests.factories import make_comment, make_paper, make_user
from tests.support.concurrency import at_once, postgresql_only  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.django_db(transaction=True)
REPETITIONS = int(os.environ.get("VOTE_RACE_REPETITIONS", "3"))


@pytest.mark.parametrize("repetition", range(REPETITIONS))
def test_fifty_upvotes_from_one_member_at_once_leave_exactly_one(repetition):
    member = make_user(f"racer{repetition}")
    paper = make_paper(hf_upvotes=3)
    statuses = at_once([(member, f"/papers/{paper.arxiv_id}/upvote/", {})] * 50)
    assert sorted(set(statuses)) == [302]
    paper.refresh_from_db()
    assert PaperVote.objects.filter(paper=paper).count() == 1
    assert (paper.upvote_count, paper.points) == (1, 4)


def test_fifty_members_voting_at_once_leave_a_count_equal_to_the_rows():
    members = [make_user() for _ in range(50)]
    paper = make_paper(hf_upvotes=0)
    statuses = at_once([(member, f"/papers/{paper.arxiv_id}/upvote/", {}) for member in members])
    assert set(statuses) == {302}
    paper.refresh_from_db()
    assert paper.upvote_count == PaperVote.objects.filter(paper=paper).count() == 50
    assert paper.points == 50


def test_votes_and_unvotes_interleaved_keep_the_count_true():
    members = [make_user() for _ in range(40)]
    paper = make_paper()
    for member in members[:20]:
        paper.upvote(member)
    requests = [(m, f"/papers/{paper.arxiv_id}/upvote/", {"action": "remove"}) for m in members[:20]]
    requests += [(m, f"/papers/{paper.arxiv_id}/upvote/", {}) for m in members[20:]]
    at_once(requests)
    paper.refresh_from_db()
    assert paper.upvote_count == PaperVote.objects.filter(paper=paper).count() == 20


def test_thirty_comments_at_once_are_all_counted():
    members = [make_user() for _ in range(30)]
    paper = make_paper()
    statuses = at_once([(m, f"/papers/{paper.arxiv_id}/comments/", {"body": f"Hi from {m}"}) for m in members])
    assert set(statuses) == {302}
    paper.refresh_from_db()
    assert paper.comment_count == Comment.objects.filter(paper=paper).count() == 30


def test_thirty_comment_upvotes_at_once_count_and_give_karma():
    author = make_user("author")
    comment = make_comment(make_paper(), author)
    members = [make_user() for _ in range(30)]
    url = f"/papers/{comment.paper.arxiv_id}/comments/{comment.pk}/upvote/"
    assert set(at_once([(m, url, {}) for m in members])) == {302}
    comment.refresh_from_db()
    author.refresh_from_db()
    assert comment.upvote_count == CommentVote.objects.filter(comment=comment).count() == 30
    assert author.karma == 30


def test_votes_on_many_comments_of_one_author_at_once_keep_karma_true():
    author = make_user("prolific")
    paper = make_paper()
    comments = [make_comment(paper, author, f"Comment {n}") for n in range(10)]
    voters = [make_user() for _ in range(3)]
    requests = [
        (voter, f"/papers/{paper.arxiv_id}/comments/{comment.pk}/upvote/", {})
        for comment in comments
        for voter in voters
    ]
    at_once(requests)
    author.refresh_from_db()
    assert author.karma == CommentVote.objects.filter(comment__author=author).count() == 30
    assert Paper.objects.get(pk=paper.pk).comment_count == 10


def test_a_comment_form_sent_twice_at_once_makes_one_comment(settings):
    """Identical posts released together (a double click that beat the disabled button): one comment."""
    import uuid

    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "comment": "100/60"}
    paper = make_paper()
    member = make_user()
    data = {"body": "Posted once", "form_key": uuid.uuid4().hex}
    url = f"/papers/{paper.arxiv_id}/comments/"
    for _ in range(3):
        statuses = at_once([(member, url, data)] * 4)
        assert statuses == [302] * 4
    assert Comment.objects.filter(paper=paper).count() == 1
    paper.refresh_from_db()
    assert paper.comment_count == 1


def test_a_reply_form_and_a_flag_sent_twice_at_once_make_one_each(settings):
    """A double click on "Post reply" or "Flag" that beat the disabled button: one reply, one flag."""
    import uuid

    from papers.models import Flag

    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "comment": "100/60", "flag": "100/60"}
    paper = make_paper()
    parent = make_comment(paper, make_user())
    member = make_user()
    reply = {"body": "Replied once", "parent": parent.pk, "form_key": uuid.uuid4().hex}
    assert at_once([(member, f"/papers/{paper.arxiv_id}/comments/", reply)] * 4) == [302] * 4
    assert parent.replies.count() == 1
    flag = {"reason": "spam"}
    statuses = at_once([(member, f"{parent.get_absolute_url()}flag/", flag)] * 4)
    assert all(status < 500 for status in statuses)
    assert Flag.objects.filter(comment=parent, user=member).count() == 1
    parent.refresh_from_db()
    assert parent.flag_count == 1
