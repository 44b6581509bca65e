"""Following, muting and saving many times at once: one row per member and target, never a 500.

PostgreSQL only, like tests/papers/test_vote_concurrency.py (SQLite runs one writer at a time).
"""

import pytest

from papers.models import FeedSignal, Follow, SavedPaper
from tests.factories import make_author, make_paper, make_topic, make_user
from tests.support.concurrency import at_once, postgresql_only  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_thirty_follows_of_one_topic_at_once_leave_one_follow():
    member, topic = make_user("racer"), make_topic("agents")
    statuses = at_once([(member, f"/topics/{topic.slug}/follow/", {"action": "follow"})] * 30)
    assert set(statuses) == {302}
    assert list(Follow.objects.values_list("user_id", "topic_id", "mode")) == [(member.pk, topic.pk, "follow")]


def test_follows_and_mutes_of_one_author_at_once_leave_one_stance():
    member, author = make_user("racer"), make_author("Ada Lovelace")
    requests = [(member, f"/authors/{author.slug}/{mode}/", {"action": mode}) for mode in ("follow", "mute") * 15]
    statuses = at_once(requests)
    assert set(statuses) == {302}
    assert Follow.objects.filter(user=member, author=author).count() == 1


def test_thirty_saves_of_one_paper_at_once_leave_one_save():
    member, paper = make_user("racer"), make_paper()
    statuses = at_once([(member, f"/papers/{paper.arxiv_id}/save/", {"action": "save"})] * 30)
    assert set(statuses) == {302}
    assert SavedPaper.objects.filter(user=member, paper=paper).count() == 1


def test_thirty_less_like_this_at_once_leave_one_signal():
    member, paper = make_user("racer"), make_paper()
    statuses = at_once([(member, f"/feed/less/{paper.arxiv_id}/", {})] * 30)
    assert set(statuses) == {302}
    assert FeedSignal.objects.filter(user=member, paper=paper).count() == 1
