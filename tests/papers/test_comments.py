import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from papers.models import Comment, CommentVote, Notification, Paper
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper("2608.15265", title="VibeWorlding")


def comments_url(paper) -> str:
    return f"/papers/{paper.arxiv_id}/comments/"


def comment_url(comment, action: str = "") -> str:
    return f"/papers/{comment.paper.arxiv_id}/comments/{comment.pk}/{action + '/' if action else ''}"


# --- Posting -------------------------------------------------------------------------------------


def test_a_comment_posted_without_javascript_appears_on_the_paper_page(member_client, member, paper):
    response = member_client.post(comments_url(paper), {"body": "Great *results*, see $x^2$."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/papers/2608.15265/#comment-{comment.pk}"
    assert comment.author == member
    assert "<em>results</em>" in comment.body_html and "<math" in comment.body_html
    paper.refresh_from_db()
    assert paper.comment_count == 1
    page = member_client.get(paper.get_absolute_url()).text
    assert f'id="comment-{comment.pk}"' in page and "<em>results</em>" in page


def test_a_comment_posted_with_htmx_comes_back_as_a_fragment_with_a_fresh_form(member_client, paper, htmx):
    response = member_client.post(comments_url(paper), {"body": "Hello from htmx"}, headers=htmx)
    comment = Comment.objects.get()
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<li id="comment-{comment.pk}"')
    assert "Hello from htmx" in response.text
    assert 'id="comment-form-root" data-hx-swap-oob="true"' in response.text
    assert "<html" not in response.text


def on_page(path: str) -> dict[str, str]:
    """Headers of an htmx request sent from the page at `path`."""
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{path}"}


def counts(text: str) -> tuple[str, str]:
    """The out-of-band comment counts of an htmx answer: the stat line's and the discussion heading's."""
    stat = re.search(r'<span class="stat" id="comment-stat" data-hx-swap-oob="true">([^<]*)</span>', text)
    heading = re.search(r'<span class="muted" id="discussion-count" data-hx-swap-oob="true">([^<]*)</span>', text)
    return (stat.group(1) if stat else "", heading.group(1) if heading else "")


@pytest.mark.parametrize("reply", [False, True])
def test_posting_with_htmx_on_the_paper_page_brings_the_recounted_counts(member_client, other_member, reply):
    paper = make_paper(hf_comments=1)
    first = make_comment(paper, other_member, "First!")
    Paper.objects.filter(pk=paper.pk).update(comment_count=7)  # stale: the answer must not build on it
    data = {"body": "Me too", "parent": first.pk} if reply else {"body": "Me too"}
    headers = on_page(f"{paper.get_absolute_url()}?comments=new")
    response = member_client.post(comments_url(paper), data, headers=headers)
    assert response.status_code == 200
    assert counts(response.text) == ("2 comments here", "(2)")  # not the one on Hugging Face
    assert response.text.count('id="discussion-count"') == 1


def test_deleting_with_htmx_on_the_paper_page_brings_the_recounted_counts(member_client, member, other_member):
    paper = make_paper()
    mine = make_comment(paper, member, "Mine")
    make_comment(paper, other_member, "Theirs")
    response = member_client.post(comment_url(mine, "delete"), headers=on_page(paper.get_absolute_url()))
    assert response.status_code == 200
    assert f'id="comment-body-{mine.pk}"' in response.text and "[deleted]" in response.text
    assert counts(response.text) == ("1 comment here", "(1)")


def test_htmx_answers_to_another_page_bring_no_counts_it_could_not_place(member_client, member, other_member, paper):
    """The comment's own page has no counts: an out-of-band swap with no target is an htmx error there."""
    parent = make_comment(paper, other_member, "First!")
    mine = make_comment(paper, member, "Mine")
    reply = member_client.post(
        comments_url(paper), {"body": "A reply", "parent": parent.pk}, headers=on_page(parent.get_absolute_url())
    )
    edited = member_client.post(comment_url(mine, "edit"), {"body": "x"}, headers=on_page(paper.get_absolute_url()))
    deleted = member_client.post(comment_url(mine, "delete"), headers=on_page(mine.get_absolute_url()))
    for response in (reply, edited, deleted):
        assert response.status_code == 200
        assert 'id="comment-stat"' not in response.text
        assert 'id="discussion-count"' not in response.text


def test_a_reply_is_threaded_under_its_parent(member_client, member, other_member, paper):
    parent = make_comment(paper, other_member, "First!")
    member_client.post(comments_url(paper), {"body": "A reply", "parent": parent.pk})
    reply = Comment.objects.get(parent=parent)
    assert reply.depth == 1
    page = member_client.get(paper.get_absolute_url()).text
    assert page.index(f'id="comment-{parent.pk}"') < page.index(f'id="comment-{reply.pk}"')
    assert f'id="replies-{parent.pk}"' in page


def test_an_empty_comment_gets_an_error_and_keeps_nothing(member_client, paper, htmx):
    response = member_client.post(comments_url(paper), {"body": "   "})
    assert response.status_code == 400
    assert "Write something first." in response.text
    response = member_client.post(comments_url(paper), {"body": ""}, headers=htmx)
    assert response["HX-Retarget"] == "#comment-form-root"
    assert "Write something first." in response.text
    assert Comment.objects.count() == 0


def test_a_too_long_comment_is_refused_with_the_text_kept(member_client, paper):
    body = "x" * 10_001
    response = member_client.post(comments_url(paper), {"body": body})
    assert response.status_code == 400
    assert "limited to 10,000 characters" in response.text
    assert body in response.text
    assert Comment.objects.count() == 0


def test_replying_to_a_comment_on_another_paper_is_refused(member_client, other_member, paper):
    elsewhere = make_comment(make_paper(), other_member)
    response = member_client.post(comments_url(paper), {"body": "Hi", "parent": elsewhere.pk})
    assert response.status_code == 400
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("parent", ["x", "-1", "²", "١", "9" * 40])
def test_a_parent_that_is_no_id_is_refused(member_client, paper, parent):
    response = member_client.post(comments_url(paper), {"body": "Hi", "parent": parent})
    assert response.status_code == 400
    assert not Comment.objects.filter(body="Hi").exists()


def test_replying_to_a_deleted_comment_is_refused(member_client, other_member, paper):
    parent = make_comment(paper, other_member)
    Comment.objects.filter(pk=parent.pk).update(deleted_at=timezone.now())
    response = member_client.post(comments_url(paper), {"body": "Hi", "parent": parent.pk})
    assert response.status_code == 400
    assert "still here" in response.text


def test_anonymous_visitors_are_sent_to_log_in_and_back(client, paper, htmx):
    response = client.post(comments_url(paper), {"body": "Hi"})
    assert response["Location"] == "/accounts/login/?next=/papers/2608.15265/%23discussion"
    assert client.post(comments_url(paper), {"body": "Hi"}, headers=htmx)["HX-Redirect"].startswith("/accounts/login/")
    assert Comment.objects.count() == 0
    assert "Log in</a> or <a" in client.get(paper.get_absolute_url()).text


def test_suspended_members_cannot_comment(member_client, member, paper):
    member.suspend("trolling")
    assert member_client.post(comments_url(paper), {"body": "Hi"}).status_code == 403
    assert Comment.objects.count() == 0
    assert "Your account is suspended" in member_client.get(paper.get_absolute_url()).text


def test_get_on_the_comments_url_posts_nothing(member_client, paper):
    response = member_client.get(comments_url(paper))
    assert response.status_code == 302
    assert Comment.objects.count() == 0


def test_csrf_is_enforced_on_comments(member, paper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(comments_url(paper), {"body": "Hi"}, headers={"HX-Request": "true"}).status_code == 403
    assert Comment.objects.count() == 0


def test_comments_are_rate_limited(member_client, paper, settings):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "comment": "2/60"}
    cache.clear()
    statuses = [member_client.post(comments_url(paper), {"body": f"Comment {n}"}).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert Comment.objects.count() == 2


# --- Preview ---------------------------------------------------------------------------------------


def test_the_live_preview_renders_markdown_with_the_same_sanitiser(member_client, htmx):
    body = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    response = member_client.post("/comments/preview/", {"body": body}, headers=htmx)
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.text
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text
    assert 'href="javascript' not in response.text


def test_the_preview_button_works_without_javascript(member_client, paper):
    response = member_client.post(comments_url(paper), {"body": "_italic_", "preview": "1"})
    assert response.status_code == 200
    assert "<em>italic</em>" in response.text
    assert ">_italic_</textarea>" in response.text
    assert Comment.objects.count() == 0


def test_anonymous_visitors_get_no_preview(client):
    assert client.post("/comments/preview/", {"body": "x"}).status_code == 403


# --- Editing and deleting ------------------------------------------------------------------------------


def test_the_author_can_edit_within_thirty_minutes_and_it_is_marked(member_client, member, paper):
    comment = make_comment(paper, member, "Frist")
    response = member_client.post(comment_url(comment, "edit"), {"body": "First"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "First" and comment.edited_at is not None
    assert "(edited)" in member_client.get(paper.get_absolute_url()).text


def test_editing_with_htmx_swaps_the_comment(member_client, member, paper, htmx):
    comment = make_comment(paper, member, "Frist")
    form = member_client.get(comment_url(comment, "edit"), headers=htmx)
    assert f'id="comment-body-{comment.pk}"' in form.text and "<textarea" in form.text
    response = member_client.post(comment_url(comment, "edit"), {"body": "First"}, headers=htmx)
    assert f'id="comment-body-{comment.pk}"' in response.text and ">First</p>" in response.text


def test_editing_after_the_window_is_refused(member_client, member, paper):
    comment = make_comment(paper, member, "Old")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - dt.timedelta(minutes=31))
    assert member_client.post(comment_url(comment, "edit"), {"body": "New"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Old"


def test_other_members_cannot_edit_or_delete(client, member, other_member, paper):
    comment = make_comment(paper, member, "Mine")
    client.force_login(other_member)
    assert client.get(comment_url(comment, "edit")).status_code == 403
    assert client.post(comment_url(comment, "edit"), {"body": "Theirs"}).status_code == 403
    assert client.post(comment_url(comment, "delete")).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine" and comment.deleted_at is None


def test_anonymous_visitors_cannot_edit_or_delete(client, member, paper):
    comment = make_comment(paper, member, "Mine")
    assert client.post(comment_url(comment, "edit"), {"body": "x"})["Location"].startswith("/accounts/login/")
    assert client.post(comment_url(comment, "delete"))["Location"].startswith("/accounts/login/")
    comment.refresh_from_db()
    assert comment.body == "Mine" and comment.deleted_at is None


def test_deleting_keeps_the_replies_in_place(member_client, member, other_member, paper):
    comment = make_comment(paper, member, "Secret")
    reply = make_comment(paper, other_member, "Reply stays", parent=comment)
    assert member_client.post(comment_url(comment, "delete")).status_code == 302
    comment.refresh_from_db()
    assert comment.deleted_at and comment.body == "" and comment.body_html == ""
    page = member_client.get(paper.get_absolute_url()).text
    assert "Secret" not in page and "[deleted]" in page and "Reply stays" in page
    assert page.index(f'id="comment-{comment.pk}"') < page.index(f'id="comment-{reply.pk}"')
    paper.refresh_from_db()
    assert paper.comment_count == 1


def test_delete_only_by_post(member_client, member, paper):
    comment = make_comment(paper, member)
    assert member_client.get(comment_url(comment, "delete")).status_code == 405
    comment.refresh_from_db()
    assert comment.deleted_at is None


# --- Votes, order, depth, permalinks ---------------------------------------------------------------------


def test_members_can_upvote_others_comments_and_karma_follows(member_client, member, other_member, paper, htmx):
    comment = make_comment(paper, other_member)
    response = member_client.post(comment_url(comment, "upvote"), headers=htmx)
    assert 'aria-pressed="true"' in response.text
    comment.refresh_from_db()
    other_member.refresh_from_db()
    assert (comment.upvote_count, other_member.karma) == (1, 1)
    member_client.post(comment_url(comment, "upvote"), {"action": "remove"})
    other_member.refresh_from_db()
    assert other_member.karma == 0


def test_nobody_upvotes_their_own_comment(member_client, member, paper):
    comment = make_comment(paper, member)
    assert member_client.post(comment_url(comment, "upvote")).status_code == 403
    assert CommentVote.objects.count() == 0


def test_best_order_follows_the_wilson_lower_bound_and_newest_reverses_time(client, paper):
    author = make_user()
    quiet = make_comment(paper, author, "Quiet but first")
    popular = make_comment(paper, author, "Popular")
    for _ in range(3):
        popular.votes.create(user=make_user())
    popular.refresh_scores()
    newest = make_comment(paper, author, "Newest")
    best = [node.comment for node in client.get(paper.get_absolute_url()).context["thread"]]
    assert best == [popular, quiet, newest]
    new = [node.comment for node in client.get(paper.get_absolute_url() + "?comments=new").context["thread"]]
    assert new == [newest, popular, quiet]


def test_deep_threads_continue_on_the_comments_own_page(client, paper):
    author = make_user()
    parent = None
    chain = []
    for depth in range(8):
        parent = make_comment(paper, author, f"Depth {depth}", parent=parent)
        chain.append(parent)
    page = client.get(paper.get_absolute_url()).text
    assert "Depth 5" in page and "Depth 6" not in page
    assert "Continue this thread" in page
    deeper = client.get(chain[5].get_absolute_url()).text
    assert "Depth 6" in deeper and "Depth 7" in deeper


def test_each_comment_has_a_permalink_page(client, member, paper):
    comment = make_comment(paper, member, "Linkable")
    response = client.get(comment.get_absolute_url())
    assert response.status_code == 200
    assert "Linkable" in response.text
    assert client.get(f"/papers/2608.00001/comments/{comment.pk}/").status_code == 404


def test_a_thread_collapses_without_javascript(client, member, paper):
    make_comment(paper, member)
    assert '<details open class="comment-fold">' in client.get(paper.get_absolute_url()).text


def test_the_paper_page_with_200_comments_runs_a_bounded_number_of_queries(
    client, member, paper, django_assert_max_num_queries
):
    authors = [make_user() for _ in range(10)]
    parent = None
    for n in range(200):
        parent = make_comment(paper, authors[n % 10], f"Comment {n}", parent=parent if n % 4 else None)
    client.force_login(member)
    with django_assert_max_num_queries(16):
        response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    assert response.text.count('class="comment-node') == 200


# --- Notifications --------------------------------------------------------------------------------------


def test_a_reply_notifies_the_parents_author_and_emails_them(
    member, other_member, paper, mailoutbox, django_capture_on_commit_callbacks
):
    parent = make_comment(paper, member, "Question?")
    with django_capture_on_commit_callbacks(execute=True):
        reply = make_comment(paper, other_member, "Answer.", parent=parent)
    notification = Notification.objects.get(recipient=member)
    assert (notification.kind, notification.comment, notification.actor) == ("reply", reply, other_member)
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [member.email]
    assert "replied to you" in email.subject
    assert "Answer." in email.body and "/unsubscribe/" in email.body
    assert email.alternatives and "Answer." in email.alternatives[0][0]


def test_mentions_notify_and_respect_email_preferences(
    member, other_member, paper, mailoutbox, django_capture_on_commit_callbacks
):
    member.email_on_mention = False
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_comment(paper, other_member, "What do you think, @ada?")
    assert Notification.objects.get(recipient=member).kind == "mention"
    assert mailoutbox == []


def test_participants_hear_of_new_comments_but_nobody_of_their_own(member, other_member, paper):
    make_comment(paper, member, "I was here first")
    third = make_user("cy")
    make_comment(paper, third, "Me too, @cy")  # mentioning oneself notifies nobody
    assert set(Notification.objects.values_list("recipient__username", "kind")) == {("ada", "paper_comment")}


def test_the_unsubscribe_link_turns_the_emails_off_with_one_click(
    client, member, other_member, paper, mailoutbox, django_capture_on_commit_callbacks
):
    parent = make_comment(paper, member)
    with django_capture_on_commit_callbacks(execute=True):
        make_comment(paper, other_member, "Reply", parent=parent)
    link = next(line for line in mailoutbox[0].body.splitlines() if "/unsubscribe/" in line).split(": ", 1)[1]
    path = link.removeprefix("http://localhost:8000")
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.text
    member.refresh_from_db()
    assert member.email_on_reply is True  # GET changes nothing
    assert client.post(path).status_code == 200
    member.refresh_from_db()
    assert member.email_on_reply is False
    assert client.get("/unsubscribe/forged-token/").status_code == 404


# --- Coming back to the page a comment action was used on ----------------------------------------


def test_without_javascript_a_reply_made_on_a_comments_page_comes_back_to_it(member_client, other_member, paper):
    parent = make_comment(paper, other_member, "A question")
    page = comment_url(parent)
    form = member_client.get(page).text
    assert form.count(f'id="comment-form-{parent.pk}"') == 1  # its own reply form, once
    assert '<a href="#reply">Reply</a>' in form  # the comment's Reply goes to that form
    assert f'name="next" value="{page}"' in form
    response = member_client.post(comments_url(paper), {"body": "An answer", "parent": parent.pk, "next": page})
    reply = Comment.objects.get(parent=parent)
    assert response["Location"] == f"{page}#comment-{reply.pk}"


def test_a_reply_link_takes_its_page_along_to_the_reply_form(member_client, other_member, paper):
    parent = make_comment(paper, other_member, "A question")
    listing = member_client.get(f"{paper.get_absolute_url()}?comments=new").text
    link = f"{comment_url(parent)}?reply=1&amp;next=/papers/2608.15265/%3Fcomments%3Dnew#reply"
    assert f'href="{link}"' in listing
    form = member_client.get(f"{comment_url(parent)}?reply=1&next=/papers/2608.15265/%3Fcomments%3Dnew").text
    assert 'name="next" value="/papers/2608.15265/?comments=new"' in form


@pytest.mark.parametrize("next_value", ["abc", "//evil.example/", "https://evil.example/x", "/\\evil.example"])
def test_a_comment_action_never_leaves_for_a_next_that_is_no_local_path(member_client, paper, next_value):
    response = member_client.post(comments_url(paper), {"body": "Fine", "next": next_value})
    comment = Comment.objects.get()
    assert response["Location"] == f"/papers/2608.15265/#comment-{comment.pk}"


def test_flagging_comes_back_to_the_page_with_a_thank_you(member_client, other_member, paper):
    comment = make_comment(paper, other_member, "Buy cheap pills")
    page = comment_url(comment)
    flag_page = member_client.get(f"{comment_url(comment, 'flag')}?next={page}").text
    assert f'name="next" value="{page}"' in flag_page and "data-hx-post" not in flag_page
    response = member_client.post(comment_url(comment, "flag"), {"reason": "spam", "next": page}, follow=True)
    assert response.redirect_chain == [(f"{page}#comment-{comment.pk}", 302)]
    assert "Thanks for the flag" in response.text and ">Flagged<" in response.text


def test_editing_and_deleting_without_javascript_come_back_to_their_page(member_client, member, paper):
    comment = make_comment(paper, member, "Draft")
    page = comment_url(comment)
    edit_form = member_client.get(f"{comment_url(comment, 'edit')}?next={page}").text
    assert f'name="next" value="{page}"' in edit_form
    response = member_client.post(comment_url(comment, "edit"), {"body": "Better", "next": page})
    assert response["Location"] == f"{page}#comment-{comment.pk}"
    response = member_client.post(comment_url(comment, "delete"), {"next": page})
    assert response["Location"] == f"{page}#comment-{comment.pk}"
