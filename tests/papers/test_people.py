import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import User
from papers.models import Comment, CommentVote, Flag, Notification, PaperVote
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db


# --- Profiles ------------------------------------------------------------------------------------------


def test_a_profile_shows_name_bio_links_karma_and_comments(client, member, other_member):
    member.display_name = "Ada L."
    member.bio = "Works on *engines*. <script>alert(1)</script>"
    member.links = ["https://example.org/ada"]
    member.save()
    paper = make_paper(title="Engines")
    comment = make_comment(paper, member, "On engines")
    CommentVote.objects.create(comment=comment, user=other_member)
    from papers.discussion import recount_karma

    recount_karma(member.pk)
    response = client.get("/users/ada/")
    assert response.status_code == 200
    text = response.text
    assert "<h1>Ada L.</h1>" in text and "@ada" in text and "1 karma" in text
    assert "<em>engines</em>" in text and "<script>alert(1)" not in text
    assert 'href="https://example.org/ada" rel="nofollow ugc noopener me"' in text
    assert "On engines" in text and 'href="/papers/' in text


def test_upvoted_papers_are_private_unless_the_member_chooses(client, member, other_member):
    paper = make_paper(title="Liked paper")
    paper.upvote(member)
    assert client.get("/users/ada/?tab=upvotes").status_code == 404
    assert "Upvoted papers" not in client.get("/users/ada/").text
    client.force_login(member)
    assert "Liked paper" in client.get("/users/ada/?tab=upvotes").text  # the member sees their own
    client.force_login(other_member)
    assert client.get("/users/ada/?tab=upvotes").status_code == 404
    member.upvotes_public = True
    member.save()
    assert "Liked paper" in client.get("/users/ada/?tab=upvotes").text


def test_the_submissions_tab_lists_submitted_papers(client, member):
    from papers.models import Submission

    paper = make_paper(title="Brought by Ada")
    Submission.objects.create(paper=paper, user=member)
    assert "Brought by Ada" in client.get("/users/ada/?tab=submissions").text


def test_unknown_members_and_tabs_are_not_found(client, member):
    assert client.get("/users/nobody/").status_code == 404
    assert client.get("/users/ada/?tab=secrets").status_code == 404


# --- Settings ------------------------------------------------------------------------------------------


def test_settings_save_profile_privacy_and_email_preferences(member_client, member):
    response = member_client.post(
        "/settings/",
        {
            "display_name": "  Ada   Lovelace ",
            "bio": "Hi",
            "links": "https://a.example\nhttp://b.example",
            "upvotes_public": "on",
            "email_on_reply": "on",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Ada Lovelace"
    assert member.links == ["https://a.example", "http://b.example"]
    assert (member.upvotes_public, member.email_on_reply, member.email_on_mention) == (True, True, False)
    assert "Your settings are saved." in member_client.get("/settings/").text


def test_settings_refuse_bad_links_and_keep_the_input(member_client, member):
    response = member_client.post("/settings/", {"display_name": "X", "links": "javascript:alert(1)"})
    assert response.status_code == 200
    assert "is not a web address" in response.text
    assert 'aria-invalid="true"' in response.text
    member.refresh_from_db()
    assert member.links == [] and member.display_name == ""


def test_settings_need_a_login(client):
    assert client.get("/settings/")["Location"].startswith("/accounts/login/")
    assert client.post("/settings/", {"display_name": "x"})["Location"].startswith("/accounts/login/")


# --- Deleting an account ----------------------------------------------------------------------------------


def test_deleting_an_account_ends_every_session_and_keeps_comments_as_deleted(member, other_member):
    first, second = Client(), Client()
    first.force_login(member)
    second.force_login(member)
    paper = make_paper(hf_upvotes=5)
    paper.upvote(member)
    paper.upvote(other_member)
    theirs = make_comment(paper, other_member, "Someone else's")
    mine = make_comment(paper, member, "My personal words", parent=theirs)
    reply = make_comment(paper, other_member, "A reply to Ada", parent=mine)
    CommentVote.objects.create(comment=theirs, user=member)
    Flag.objects.create(comment=theirs, user=member, reason="spam")
    theirs.refresh_scores()

    assert first.post("/settings/delete/", {"confirm": "wrong"}).status_code == 200
    response = first.post("/settings/delete/", {"confirm": "ada"})
    assert response.status_code == 302

    member.refresh_from_db()
    assert member.deleted_at and not member.is_active and member.email == "" and member.username != "ada"
    assert not member.has_usable_password()
    assert SESSION_KEY not in first.session
    assert second.get("/settings/")["Location"].startswith("/accounts/login/")
    mine.refresh_from_db()
    assert mine.body == "" and mine.deleted_at
    paper.refresh_from_db()
    theirs.refresh_from_db()
    assert (paper.upvote_count, paper.points, paper.comment_count) == (1, 6, 2)
    assert (theirs.upvote_count, theirs.flag_count) == (0, 0)
    assert not PaperVote.objects.filter(user=member).exists()
    assert not Notification.objects.filter(recipient=member).exists()
    page = Client().get(paper.get_absolute_url()).text
    assert "My personal words" not in page and "[deleted]" in page and "A reply to Ada" in page
    assert Comment.objects.filter(pk=reply.pk, deleted_at=None).exists()
    assert Client().get("/users/ada/").status_code == 404


def test_deleting_an_account_removes_follows_both_ways_saves_and_feed_signals(member, other_member):
    from papers import follows
    from papers.models import FeedSignal, Follow, SavedPaper
    from tests.factories import make_topic

    paper = make_paper()
    follows.follow(member, make_topic("robots"))
    follows.mute(member, other_member)
    follows.save_paper(member, paper)
    FeedSignal.objects.create(user=member, paper=paper, kind=FeedSignal.Kind.LESS_LIKE_THIS)
    follows.follow(other_member, member)
    follows.mute(make_user("carol"), member)
    follows.follow(other_member, make_topic("robots"))  # someone else's: stays
    bob = Client()
    bob.force_login(other_member)
    before = bob.get("/settings/following/").text
    assert 'href="/users/ada/"' in before and "<h3>Members <span" in before

    leaving = Client()
    leaving.force_login(member)
    assert leaving.post("/settings/delete/", {"confirm": "ada"}).status_code == 302

    assert not Follow.objects.filter(user=member).exists()
    assert not Follow.objects.filter(member=member).exists()
    assert not SavedPaper.objects.filter(user=member).exists()
    assert not FeedSignal.objects.filter(user=member).exists()
    assert list(Follow.objects.values_list("user__username", "topic__slug")) == [("bob", "robots")]
    text = bob.get("/settings/following/").text
    assert "[deleted]" not in text and "<h3>Members <span" not in text and "robots" in text


def test_deleting_needs_a_post_and_a_login(client, member):
    assert client.post("/settings/delete/", {"confirm": "ada"})["Location"].startswith("/accounts/login/")
    client.force_login(member)
    assert client.get("/settings/delete/").status_code == 200
    assert User.objects.get(pk=member.pk).deleted_at is None


# --- Notifications ----------------------------------------------------------------------------------------


@pytest.fixture
def notified(member, other_member):
    paper = make_paper()
    parent = make_comment(paper, member, "Question")
    make_comment(paper, other_member, "Answer", parent=parent)
    make_comment(paper, other_member, "Hey @ada")
    return Notification.objects.filter(recipient=member)


def test_the_header_shows_the_unread_count(member_client, notified):
    assert '<span class="badge">2<span class="visually-hidden"> unread' in member_client.get("/").text


def test_the_notifications_page_lists_replies_and_mentions(member_client, notified):
    text = member_client.get("/notifications/").text
    assert "replied to your comment" in text and "mentioned you" in text
    assert "Answer" in text and "Hey" in text


def test_marking_one_notification_read(member_client, notified, htmx):
    first = notified.first()
    response = member_client.post(f"/notifications/{first.pk}/read/", headers=htmx)
    assert response.status_code == 200 and "notification--unread" not in response.text
    assert notified.filter(read_at=None).count() == 1


def test_marking_one_read_with_htmx_updates_the_unread_counts_of_the_page_and_the_header(member_client, notified, htmx):
    response = member_client.post(f"/notifications/{notified.first().pk}/read/", headers=htmx)
    assert '<div id="mark-all" data-hx-swap-oob="true">' in response.text
    assert "Mark all 1 read" in response.text
    header = response.text.split('id="notifications-link"')[1]
    assert header.startswith(' class="user-nav__notifications" data-hx-swap-oob="true"')
    assert '<span class="badge">1<span class="visually-hidden"> unread' in header
    response = member_client.post(f"/notifications/{notified.last().pk}/read/", headers=htmx)
    assert "Mark all" not in response.text and 'class="badge">' not in response.text.split("notifications-link")[1]


def test_without_javascript_marking_read_comes_back_to_the_page_it_was_on(member_client, notified):
    response = member_client.post(f"/notifications/{notified.first().pk}/read/", {"next": "/notifications/?page=1"})
    assert response["Location"] == "/notifications/?page=1"
    assert member_client.post("/notifications/read-all/", {"next": "abc"})["Location"] == "/notifications/"


def test_marking_all_read(member_client, notified):
    assert member_client.post("/notifications/read-all/").status_code == 302
    assert notified.filter(read_at=None).count() == 0
    assert '<span class="badge">' not in member_client.get("/").text


def test_nobody_reads_someone_elses_notifications(client, other_member, notified):
    client.force_login(other_member)
    assert client.post(f"/notifications/{notified.first().pk}/read/").status_code == 404
    assert notified.filter(read_at=None).count() == 2


def test_notifications_need_a_login_and_posts(member_client, notified):
    assert Client().get("/notifications/")["Location"].startswith("/accounts/login/")
    assert member_client.get("/notifications/read-all/").status_code == 405
    assert notified.filter(read_at=None).count() == 2


def test_the_notifications_page_runs_a_bounded_number_of_queries(member, django_assert_max_num_queries, client):
    paper = make_paper()
    for n in range(40):
        make_comment(paper, make_user(), f"Hello @ada number {n}")
    client.force_login(member)
    with django_assert_max_num_queries(6):
        response = client.get("/notifications/")
    assert response.text.count('class="notification notification--unread"') == 30
