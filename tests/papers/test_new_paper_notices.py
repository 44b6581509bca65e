"""Following an author means hearing of each new paper by them: once, after the import commits, not on re-imports."""

import copy
import datetime as dt
import json

import pytest
from django.core.management import call_command

from papers.models import FeedSignal, Follow, Notification, Paper, Topic
from papers.notices import notify_new_papers
from tests.factories import derived_file, item_by_id, make_author, make_paper, make_user

pytestmark = pytest.mark.django_db

DAY = "2026-08-10"  # Kejian Zhu and Zhuoran Jin are authors of 2608.03571 and 2608.03573 that day


def follow(user, author, mode=Follow.Mode.FOLLOW):
    return Follow.objects.create(user=user, target=Follow.Target.AUTHOR, author=author, mode=mode)


def import_day(hf_fixture, capture, day=DAY):
    with capture(execute=True) as callbacks:
        call_command("import_daily_papers", str(hf_fixture(day)), verbosity=0)
    return callbacks


def new_paper_notices():
    return set(
        Notification.objects.filter(kind=Notification.Kind.NEW_PAPER).values_list(
            "recipient__username", "paper__arxiv_id"
        )
    )


def test_importing_a_day_notifies_each_follower_once_per_new_paper(
    member, other_member, hf_fixture, django_capture_on_commit_callbacks, mailoutbox
):
    follow(member, make_author("Kejian Zhu"))
    follow(member, make_author("Zhuoran Jin"))  # both authors of both papers: still one notice per paper
    follow(other_member, make_author("Zhuoran Jin"))
    make_user("cy")  # follows nobody
    import_day(hf_fixture, django_capture_on_commit_callbacks)
    assert new_paper_notices() == {
        ("ada", "2608.03571"),
        ("ada", "2608.03573"),
        ("bob", "2608.03571"),
        ("bob", "2608.03573"),
    }
    notice = Notification.objects.filter(recipient=member).first()
    assert (notice.kind, notice.comment, notice.actor, notice.read_at) == ("new_paper", None, None, None)
    assert mailoutbox == []  # no email for these


def test_notices_wait_for_the_commit(member, hf_fixture, django_capture_on_commit_callbacks):
    follow(member, make_author("Kejian Zhu"))
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("import_daily_papers", str(hf_fixture(DAY)), verbosity=0)
    assert new_paper_notices() == set()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(new_paper_notices()) == 2


def test_reimporting_the_same_day_creates_no_notice(member, hf_fixture, django_capture_on_commit_callbacks):
    author = make_author("Kejian Zhu")
    callbacks = import_day(hf_fixture, django_capture_on_commit_callbacks)
    assert any("notify_new_papers" in repr(callback) for callback in callbacks)
    follow(member, author)  # followed after the papers arrived: they are not new any more
    callbacks = import_day(hf_fixture, django_capture_on_commit_callbacks)
    assert new_paper_notices() == set()
    assert Paper.objects.filter(arxiv_id="2608.03571").exists()
    assert not any("notify_new_papers" in repr(callback) for callback in callbacks)


def test_a_paper_already_known_from_an_earlier_day_is_not_new(
    member, hf_fixture, tmp_path, django_capture_on_commit_callbacks
):
    import_day(hf_fixture, django_capture_on_commit_callbacks, DAY)
    follow(member, make_author("Kejian Zhu"))
    known = copy.deepcopy(item_by_id(json.loads(hf_fixture(DAY).read_bytes()), "2608.03571"))  # by Kejian Zhu

    def relist_the_known_paper_beside_a_new_one_by_the_followed_author(items):
        new = items[0]
        new["paper"]["authors"].insert(0, {"_id": "kejian-zhu-again", "name": "Kejian Zhu", "hidden": False})
        # With a co-author of the known paper: the evidence that this Kejian Zhu is the followed one (papers.authors).
        new["paper"]["authors"].insert(1, {"_id": "zhuoran-jin-again", "name": "Zhuoran Jin", "hidden": False})
        known["paper"]["submittedOnDailyAt"] = new["paper"]["submittedOnDailyAt"]  # listed again, on 08-11
        items[:] = [known, new]

    second_day = derived_file(
        tmp_path, hf_fixture("2026-08-11"), relist_the_known_paper_beside_a_new_one_by_the_followed_author
    )
    new_id = json.loads(second_day.read_bytes())[1]["paper"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_daily_papers", str(second_day), verbosity=0)

    assert Paper.objects.get(arxiv_id="2608.03571").last_listed_on.isoformat() == "2026-08-11"  # re-listed
    assert new_paper_notices() == {("ada", new_id)}  # not ("ada", "2608.03571"): known since 08-10


def test_a_muted_coauthor_or_less_like_this_silences_the_notice(member, other_member):
    followed, muted = make_author("Ada Lovelace"), make_author("Alan Turing")
    paper = make_paper(authors=("Ada Lovelace", "Alan Turing"))
    alone = make_paper(authors=("Ada Lovelace",))
    follow(member, followed)
    follow(member, muted, Follow.Mode.MUTE)
    follow(other_member, followed)
    FeedSignal.objects.create(user=other_member, paper=alone, kind=FeedSignal.Kind.LESS_LIKE_THIS)
    notify_new_papers([paper.pk, alone.pk])
    assert {(n.recipient.username, n.paper_id) for n in Notification.objects.all()} == {
        ("ada", alone.pk),
        ("bob", paper.pk),
    }


def test_a_muted_topic_does_not_silence_a_followed_author(member):
    paper = make_paper(authors=("Ada Lovelace",), topics=("robots",))
    follow(member, make_author("Ada Lovelace"))
    Follow.objects.create(
        user=member, target=Follow.Target.TOPIC, topic=Topic.objects.get(slug="robots"), mode=Follow.Mode.MUTE
    )
    notify_new_papers([paper.pk])
    assert new_paper_notices() == {("ada", paper.arxiv_id)}


def test_notifying_twice_writes_one_notice_and_members_who_left_get_none(member, other_member):
    paper = make_paper(authors=("Ada Lovelace",))
    author = make_author("Ada Lovelace")
    follow(member, author)
    follow(other_member, author)
    other_member.anonymize()
    notify_new_papers([paper.pk])
    notify_new_papers([paper.pk])
    assert Notification.objects.count() == 1
    assert new_paper_notices() == {("ada", paper.arxiv_id)}


def test_the_notice_shows_on_the_notifications_page_and_in_the_header(member_client, member):
    paper = make_paper(title="Engines <that> think", authors=("Charles Babbage", "Ada Lovelace"))
    follow(member, make_author("Ada Lovelace"))
    notify_new_papers([paper.pk])
    response = member_client.get("/notifications/")
    assert response.status_code == 200
    text = response.text
    assert "A new paper by <strong>Ada Lovelace</strong>:" in text
    assert f'<a href="/papers/{paper.arxiv_id}/">Engines &lt;that&gt; think</a>' in text
    assert '<span class="badge">1<span class="visually-hidden"> unread</span></span>' in text


def test_marking_a_notice_read_with_htmx_keeps_its_wording(member_client, member, htmx):
    paper = make_paper(authors=("Ada Lovelace",))
    follow(member, make_author("Ada Lovelace"))
    notify_new_papers([paper.pk])
    notice = Notification.objects.get()
    response = member_client.post(f"/notifications/{notice.pk}/read/", headers=htmx)
    assert response.status_code == 200
    assert "A new paper by <strong>Ada Lovelace</strong>" in response.text and "badge" not in response.text
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_the_notifications_page_stays_bounded_with_many_notices(member_client, member, django_assert_max_num_queries):
    author = make_author("Ada Lovelace")
    follow(member, author)
    papers = [make_paper(authors=("Ada Lovelace", f"Coauthor {n}")) for n in range(25)]
    notify_new_papers([paper.pk for paper in papers])
    with django_assert_max_num_queries(12):
        response = member_client.get("/notifications/")
    assert response.text.count("A new paper by <strong>Ada Lovelace</strong>") == 25


def test_the_hourly_sweep_writes_the_notices_a_lost_task_would_have(member, hf_fixture):
    """The import's task was lost with the broker's queue: the sweep offers the last day's notices again, once."""
    from papers.notices import SWEEP_WINDOW, notify_recent_papers

    call_command("import_daily_papers", str(hf_fixture(DAY)), verbosity=0)  # on-commit tasks never run here
    paper = Paper.objects.order_by("pk").first()
    author = paper.authors.order_by("pk").first()
    follow(member, author)
    assert not new_paper_notices()
    notify_recent_papers()
    expected = {(member.username, arxiv_id) for arxiv_id in author.papers.values_list("arxiv_id", flat=True)}
    assert new_paper_notices() == expected
    count = Notification.objects.count()
    notify_recent_papers()
    assert Notification.objects.count() == count  # once per member and paper
    Notification.objects.all().delete()
    notify_recent_papers(now=paper.created_at + SWEEP_WINDOW + dt.timedelta(minutes=1))
    assert not new_paper_notices()  # older papers are not news any more
