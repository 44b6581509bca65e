"""Moderation: the public log, the flag queue, hiding and restoring comments, dismissing flags, suspensions.

Personas: an anonymous visitor, a member (who flagged the comment), the comment's author (also
the member the member pages are about) and a moderator. Whoever is not a moderator is turned
away from every moderation page and action, and nothing changes in the database.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from accounts.models import User
from papers import moderation
from papers.discussion import flag_comment
from papers.models import Comment, CommentVote, Flag, ModerationAction, Paper, PaperVote
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db

SECRET = "The launch codes are 0000 and nobody should read them."
REMOVED = "[removed by a moderator]"


@pytest.fixture
def paper():
    return make_paper("2608.15265", title="VibeWorlding")


@pytest.fixture
def author(other_member):
    return other_member


@pytest.fixture
def comment(paper, author, member):
    comment = make_comment(paper, author, SECRET)
    flag_comment(comment, member, "spam", "Looks like an advert")
    comment.refresh_from_db()
    return comment


@pytest.fixture
def as_persona(client, member, author, moderator):
    def log_in(persona: str) -> Client:
        user = {"anonymous": None, "member": member, "author": author, "moderator": moderator}[persona]
        if user is not None:
            client.force_login(user)
        return client

    return log_in


@pytest.fixture
def moderator_client(as_persona):
    return as_persona("moderator")


def page_url(name: str, comment: Comment) -> str:
    if name == "queue":
        return "/moderation/queue/"
    if name == "comment":
        return f"/moderation/comments/{comment.pk}/"
    return f"/moderation/members/{comment.author.username}/"


def action_url(action: str, comment: Comment) -> str:
    if action in ("suspend", "unsuspend"):
        return f"/moderation/members/{comment.author.username}/{action}/"
    return f"/moderation/comments/{comment.pk}/{action}/"


def prepare(action: str, comment: Comment, moderator: User) -> None:
    """The state in which `action` has something to do."""
    if action == "restore":
        moderation.hide_comment(comment, moderator, "Prepared for the test")
    elif action == "unsuspend":
        moderation.suspend_member(comment.author, moderator, "Prepared for the test")


def snapshot() -> tuple:
    """Everything a moderation action may change."""
    return (
        list(ModerationAction.objects.order_by("pk").values_list("pk", "action", "reason")),
        list(Flag.objects.order_by("pk").values_list("pk", "resolved_at", "resolved_by")),
        list(Comment.objects.order_by("pk").values_list("pk", "hidden_at", "hidden_reason", "confidence")),
        list(User.objects.order_by("pk").values_list("pk", "suspended_at", "suspension_reason")),
        list(Paper.objects.order_by("pk").values_list("pk", "comment_count")),
    )


PAGES = ["queue", "comment", "member"]
ACTIONS = ["hide", "restore", "dismiss", "suspend", "unsuspend"]
OUTSIDERS = ["anonymous", "member", "author"]


# Who may do what


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("page", PAGES)
def test_only_moderators_see_the_moderation_pages(as_persona, persona, page, comment):
    url = page_url(page, comment)
    before = snapshot()
    response = as_persona(persona).get(url)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    else:
        assert response.status_code == 403
        assert "Only moderators" in response.text
        assert SECRET not in response.text
    assert snapshot() == before


@pytest.mark.parametrize("page", PAGES)
def test_moderators_see_the_moderation_pages(moderator_client, page, comment):
    response = moderator_client.get(page_url(page, comment))
    assert response.status_code == 200
    assert "<h1>" in response.text


def test_staff_members_are_moderators(client, comment):
    client.force_login(make_user("staffer", is_staff=True))
    assert client.get("/moderation/queue/").status_code == 200


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_only_moderators_can_act(as_persona, persona, action, comment, moderator):
    prepare(action, comment, moderator)
    before = snapshot()
    response = as_persona(persona).post(action_url(action, comment), {"reason": "Because I say so"})
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/moderation/queue/"
    else:
        assert response.status_code == 403
    assert snapshot() == before


def test_an_anonymous_htmx_action_sends_the_browser_to_login(client, comment, htmx):
    before = snapshot()
    response = client.post(action_url("hide", comment), {"reason": "Spam"}, headers=htmx)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert snapshot() == before


EXPECTED = {
    "hide": (ModerationAction.Action.HIDE_COMMENT, "comment"),
    "restore": (ModerationAction.Action.RESTORE_COMMENT, "comment"),
    "dismiss": (ModerationAction.Action.DISMISS_FLAGS, "comment"),
    "suspend": (ModerationAction.Action.SUSPEND_USER, "member"),
    "unsuspend": (ModerationAction.Action.UNSUSPEND_USER, "member"),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_writes_exactly_one_log_line_with_its_reason(moderator_client, moderator, action, comment):
    prepare(action, comment, moderator)
    count = ModerationAction.objects.count()
    response = moderator_client.post(action_url(action, comment), {"reason": "  Off-topic advertising  "})
    assert response.status_code == 302
    kind, target = EXPECTED[action]
    assert response["Location"] == page_url(target, comment)
    assert ModerationAction.objects.count() == count + 1
    line = ModerationAction.objects.first()
    assert (line.action, line.moderator, line.reason) == (kind, moderator, "Off-topic advertising")
    if target == "comment":
        assert (line.comment, line.user) == (comment, None)
    else:
        assert (line.comment, line.user) == (None, comment.author)
    assert "Off-topic advertising" in moderator_client.get("/moderation/").text


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_changes_what_it_says(moderator_client, moderator, action, comment):
    prepare(action, comment, moderator)
    moderator_client.post(action_url(action, comment), {"reason": "Spam"})
    comment.refresh_from_db()
    comment.author.refresh_from_db()
    open_flags = Flag.objects.filter(comment=comment, resolved_at=None).count()
    assert comment.is_hidden == (action == "hide")
    assert comment.author.is_suspended == (action == "suspend")
    assert open_flags == (0 if action in ("hide", "restore", "dismiss") else 1)  # hiding resolved them


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("reason", ["", "   ", "ab", "x" * 301])
def test_a_missing_or_bad_reason_is_refused_and_changes_nothing(moderator_client, moderator, action, reason, comment):
    prepare(action, comment, moderator)
    before = snapshot()
    response = moderator_client.post(action_url(action, comment), {"reason": reason})
    assert response.status_code == 400
    assert 'class="form-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert snapshot() == before


def test_a_refused_reason_keeps_the_text_typed(moderator_client, comment):
    response = moderator_client.post(action_url("hide", comment), {"reason": "ab"})
    assert 'value="ab"' in response.text
    assert "at least 3 characters" in response.text


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["anonymous", "moderator"])
def test_get_never_acts(as_persona, persona, action, comment, moderator):
    prepare(action, comment, moderator)
    before = snapshot()
    assert as_persona(persona).get(action_url(action, comment)).status_code == 405
    assert snapshot() == before


def test_csrf_is_enforced(moderator, comment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    before = snapshot()
    assert client.post(action_url("hide", comment), {"reason": "Spam"}).status_code == 403
    assert client.post(action_url("suspend", comment), {"reason": "Spam"}).status_code == 403
    assert snapshot() == before
    client.get(page_url("comment", comment))
    token = client.cookies["csrftoken"].value
    response = client.post(action_url("hide", comment), {"reason": "Spam", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ModerationAction.objects.count() == 1


def test_unknown_comments_and_members_are_404_for_moderators(moderator_client):
    assert moderator_client.get("/moderation/comments/999999/").status_code == 404
    assert moderator_client.post("/moderation/comments/999999/hide/", {"reason": "Spam"}).status_code == 404
    assert moderator_client.get("/moderation/members/nobody/").status_code == 404
    assert moderator_client.post("/moderation/members/nobody/suspend/", {"reason": "Spam"}).status_code == 404
    assert ModerationAction.objects.count() == 0


def test_the_operations_refuse_non_moderators(comment, member, author):
    before = snapshot()
    for operation, target in [
        (moderation.hide_comment, comment),
        (moderation.restore_comment, comment),
        (moderation.dismiss_flags, comment),
        (moderation.suspend_member, member),
        (moderation.unsuspend_member, member),
    ]:
        with pytest.raises(PermissionDenied):
            operation(target, author, "Because I say so")
    assert snapshot() == before


def test_the_operations_refuse_a_bad_reason(comment, moderator):
    for reason in ["", "  ", "no", "x" * 301]:
        with pytest.raises(ValidationError):
            moderation.hide_comment(comment, moderator, reason)
    assert ModerationAction.objects.count() == 0


# Hiding and restoring


def test_a_hidden_comment_shows_as_removed_to_members_and_visitors(as_persona, moderator, comment, paper):
    moderation.hide_comment(comment, moderator, "Spam")
    for persona in ["anonymous", "member", "author"]:
        client = as_persona(persona)
        text = client.get(paper.get_absolute_url()).text
        assert REMOVED in text, persona
        assert SECRET not in text, persona
        client.logout()


def test_a_hidden_comment_has_no_text_on_its_own_page(client, moderator, comment):
    moderation.hide_comment(comment, moderator, "Spam")
    text = client.get(comment.get_absolute_url()).text
    assert REMOVED in text
    assert SECRET not in text


def test_a_hidden_comment_has_no_text_on_its_flag_page(as_persona, moderator, comment, paper):
    moderation.hide_comment(comment, moderator, "Spam")
    response = as_persona("member").get(f"/papers/{paper.arxiv_id}/comments/{comment.pk}/flag/")
    assert SECRET not in response.text


def test_a_hidden_comment_has_no_text_on_the_page_refusing_a_reply_to_it(as_persona, moderator, comment, paper):
    moderation.hide_comment(comment, moderator, "Spam")
    url = f"/papers/{paper.arxiv_id}/comments/"
    response = as_persona("member").post(url, {"body": "A reply", "parent": comment.pk})
    assert response.status_code == 400
    assert SECRET not in response.text


def test_moderators_still_see_a_hidden_comments_text(moderator_client, moderator, comment, paper):
    moderation.hide_comment(comment, moderator, "Spam")
    text = moderator_client.get(paper.get_absolute_url()).text
    assert REMOVED in text
    assert SECRET in text
    assert SECRET in moderator_client.get(page_url("comment", comment)).text


def test_the_comment_count_drops_on_hiding_and_comes_back_on_restoring(moderator_client, comment, paper):
    make_comment(paper, make_user("carol"), "Another view.")
    paper.refresh_from_db()
    assert paper.comment_count == 2
    moderator_client.post(action_url("hide", comment), {"reason": "Spam"})
    paper.refresh_from_db()
    assert paper.comment_count == 1
    heading = 'Discussion <span class="muted" id="discussion-count">(1)</span>'
    assert heading in Client().get(paper.get_absolute_url()).text
    moderator_client.post(action_url("restore", comment), {"reason": "Not spam after all"})
    paper.refresh_from_db()
    assert paper.comment_count == 2


def test_hiding_resolves_the_flags_and_sinks_the_comment(moderator, comment):
    CommentVote.objects.create(comment=comment, user=make_user("carol"))
    comment.refresh_scores()
    assert comment.confidence > 0
    assert moderation.hide_comment(comment, moderator, "Spam")
    comment.refresh_from_db()
    assert (comment.hidden_reason, comment.confidence) == ("Spam", 0.0)
    flag = Flag.objects.get(comment=comment)
    assert flag.resolved_by == moderator
    assert flag.resolved_at is not None
    assert moderation.restore_comment(comment, moderator, "Fine after all")
    comment.refresh_from_db()
    assert (comment.hidden_at, comment.hidden_reason) == (None, "")
    assert comment.confidence > 0


def test_hiding_drops_the_cached_page_of_anonymous_visitors(
    settings, moderator, comment, paper, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 60
    visitor = Client()
    assert SECRET in visitor.get(paper.get_absolute_url()).text
    Comment.objects.filter(pk=comment.pk).update(body_html="<p>Changed behind the cache's back</p>")
    assert SECRET in visitor.get(paper.get_absolute_url()).text  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        moderation.hide_comment(comment, moderator, "Spam")
    text = visitor.get(paper.get_absolute_url()).text
    assert SECRET not in text
    assert REMOVED in text


def test_moderators_get_a_moderate_link_and_members_do_not(as_persona, comment, paper):
    link = f'href="/moderation/comments/{comment.pk}/"'
    assert link not in as_persona("member").get(paper.get_absolute_url()).text
    assert link in as_persona("moderator").get(paper.get_absolute_url()).text


def test_the_comment_page_offers_forms_that_work_without_javascript(moderator_client, comment):
    text = moderator_client.get(page_url("comment", comment)).text
    assert f'<form method="post" action="/moderation/comments/{comment.pk}/hide/"' in text
    assert f'<form method="post" action="/moderation/comments/{comment.pk}/dismiss/"' in text
    assert f'<label for="hide-reason-{comment.pk}">' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert "Looks like an advert" in text
    assert "/restore/" not in text


def test_a_success_message_follows_the_redirect(moderator_client, comment):
    response = moderator_client.post(action_url("hide", comment), {"reason": "Spam"}, follow=True)
    assert "The comment is hidden." in response.text
    assert f'action="/moderation/comments/{comment.pk}/restore/"' in response.text


# Flags and the queue


def test_a_flag_from_the_site_shows_up_in_the_queue(client, moderator_client, paper, author):
    comment = make_comment(paper, author, "Buy cheap GPUs here.")
    flagger = make_user("carol")
    client.force_login(flagger)
    response = client.post(f"/papers/{paper.arxiv_id}/comments/{comment.pk}/flag/", {"reason": "spam", "note": "Ad"})
    assert response.status_code == 302
    client.force_login(User.objects.get(username="mod"))
    text = client.get("/moderation/queue/").text
    assert f'id="queued-{comment.pk}"' in text
    assert "Buy cheap GPUs here." in text
    assert "Spam" in text
    assert "“Ad”" in text
    assert flagger.shown_name in text
    assert f'action="/moderation/comments/{comment.pk}/hide/"' in text
    assert f'action="/moderation/comments/{comment.pk}/dismiss/"' in text


def test_the_queue_shows_the_most_flagged_first(moderator_client, paper, author, member, comment):
    busier = make_comment(paper, author, "Flagged twice.")
    flag_comment(busier, member, "unkind")
    flag_comment(busier, make_user("carol"), "off_topic")
    text = moderator_client.get("/moderation/queue/").text
    assert text.index(f'id="queued-{busier.pk}"') < text.index(f'id="queued-{comment.pk}"')


def test_dismissing_resolves_the_flags_and_the_comment_leaves_the_queue(moderator_client, moderator, comment):
    assert f'id="queued-{comment.pk}"' in moderator_client.get("/moderation/queue/").text
    response = moderator_client.post(
        action_url("dismiss", comment), {"reason": "Not spam", "next": "/moderation/queue/"}, follow=True
    )
    assert response.redirect_chain == [("/moderation/queue/", 302)]
    assert "The flags are dismissed." in response.text
    assert f'id="queued-{comment.pk}"' not in response.text
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert Flag.objects.get(comment=comment).resolved_by == moderator


def test_hiding_from_the_queue_goes_back_to_the_queue(moderator_client, comment):
    response = moderator_client.post(action_url("hide", comment), {"reason": "Spam", "next": "/moderation/queue/"})
    assert response["Location"] == "/moderation/queue/"
    assert f'id="queued-{comment.pk}"' not in moderator_client.get("/moderation/queue/").text


def test_acting_again_after_a_refused_reason_does_not_go_back_to_the_post_only_url(moderator_client, comment):
    url = action_url("hide", comment)
    assert moderator_client.post(url, {"reason": "x"}).status_code == 400  # the page is now at the action's URL
    response = moderator_client.post(url, {"reason": "Spam"}, headers={"Referer": f"http://testserver{url}"})
    assert response["Location"] == page_url("comment", comment)


def test_a_next_pointing_off_site_is_ignored(moderator_client, comment):
    response = moderator_client.post(action_url("hide", comment), {"reason": "Spam", "next": "https://evil.example/"})
    assert response["Location"] == page_url("comment", comment)


# Suspensions


def test_a_suspended_member_can_read_but_not_vote_comment_or_flag(as_persona, moderator, author, comment, paper):
    other = make_comment(paper, make_user("carol"), "Something to flag.")
    moderation.suspend_member(author, moderator, "Spam")
    client = as_persona("author")
    assert client.get(paper.get_absolute_url()).status_code == 200
    before = (PaperVote.objects.count(), Comment.objects.count(), Flag.objects.count(), snapshot())
    assert client.post(f"/papers/{paper.arxiv_id}/upvote/").status_code == 403
    assert client.post(f"/papers/{paper.arxiv_id}/comments/", {"body": "Hello again"}).status_code == 403
    flag_url = f"/papers/{paper.arxiv_id}/comments/{other.pk}/flag/"
    assert client.post(flag_url, {"reason": "spam"}).status_code == 403
    assert (PaperVote.objects.count(), Comment.objects.count(), Flag.objects.count(), snapshot()) == before

    moderation.unsuspend_member(author, moderator, "Served their time")
    assert client.post(f"/papers/{paper.arxiv_id}/upvote/").status_code == 302
    assert client.post(f"/papers/{paper.arxiv_id}/comments/", {"body": "Hello again"}).status_code == 302
    assert client.post(flag_url, {"reason": "spam"}).status_code == 302
    assert (PaperVote.objects.count(), Comment.objects.count(), Flag.objects.count()) == (1, 3, 2)


def test_suspending_through_the_page(moderator_client, author):
    response = moderator_client.post(f"/moderation/members/{author.username}/suspend/", {"reason": "Spam"}, follow=True)
    assert "The member is suspended." in response.text
    assert "Suspended since" in response.text
    author.refresh_from_db()
    assert (author.is_suspended, author.can_write, author.suspension_reason) == (True, False, "Spam")


@pytest.mark.parametrize("target", ["other moderator", "staff", "superuser", "self"])
def test_a_moderator_cannot_suspend_a_moderator_staff_or_themself(moderator_client, moderator, target):
    if target == "other moderator":
        victim = make_user("mod2")
        victim.groups.add(Group.objects.get_or_create(name="moderators")[0])
    elif target == "staff":
        victim = make_user("staffer", is_staff=True)
    elif target == "superuser":
        victim = User.objects.create_superuser("root", "root@example.com", "correct horse battery")
    else:
        victim = moderator
    page = moderator_client.get(f"/moderation/members/{victim.username}/").text
    assert f"/moderation/members/{victim.username}/suspend/" not in page
    before = snapshot()
    response = moderator_client.post(f"/moderation/members/{victim.username}/suspend/", {"reason": "Power grab"})
    assert response.status_code == 403
    assert snapshot() == before
    with pytest.raises(PermissionDenied):
        moderation.suspend_member(User.objects.get(pk=victim.pk), moderator, "Power grab")
    assert snapshot() == before


# A moderator's own case goes to another moderator

OWN_COMMENT = "Another moderator must decide on your own comment."
OWN_ACCOUNT = "Another moderator must decide on your own account."


def make_moderator(username: str) -> User:
    user = make_user(username)
    user.groups.add(Group.objects.get(name="moderators"))
    return user


@pytest.fixture
def own_comment(paper, moderator, member):
    """A comment by the moderator, flagged by a member."""
    comment = make_comment(paper, moderator, "My own opinion, flagged.")
    flag_comment(comment, member, "unkind")
    comment.refresh_from_db()
    return comment


@pytest.mark.parametrize("action", ["hide", "restore", "dismiss"])
@pytest.mark.parametrize("reason", ["Looks fine to me", ""])
def test_a_moderator_cannot_decide_on_their_own_comment(moderator_client, own_comment, action, reason):
    if action == "restore":
        moderation.hide_comment(own_comment, make_moderator("mod2"), "Unkind")
    before = snapshot()
    response = moderator_client.post(f"/moderation/comments/{own_comment.pk}/{action}/", {"reason": reason})
    assert response.status_code == 403
    assert OWN_COMMENT in response.text
    assert snapshot() == before


@pytest.mark.parametrize("operation", [moderation.hide_comment, moderation.restore_comment, moderation.dismiss_flags])
def test_the_operations_refuse_a_moderators_own_comment(own_comment, moderator, operation):
    before = snapshot()
    with pytest.raises(PermissionDenied, match=OWN_COMMENT):
        operation(own_comment, moderator, "My own case")
    assert snapshot() == before


def test_another_moderator_decides_on_a_moderators_comment(client, own_comment):
    client.force_login(make_moderator("mod2"))
    response = client.post(f"/moderation/comments/{own_comment.pk}/hide/", {"reason": "Unkind"})
    assert response.status_code == 302
    own_comment.refresh_from_db()
    assert own_comment.is_hidden


def test_the_queue_shows_a_moderators_own_comment_as_waiting_for_another(moderator_client, client, own_comment):
    text = moderator_client.get("/moderation/queue/").text
    assert f'id="queued-{own_comment.pk}"' in text
    assert "Your own comment: waiting for another moderator." in text
    assert f'action="/moderation/comments/{own_comment.pk}/hide/"' not in text
    assert f'action="/moderation/comments/{own_comment.pk}/dismiss/"' not in text
    client.force_login(make_moderator("mod2"))
    text = client.get("/moderation/queue/").text
    assert "waiting for another moderator" not in text
    assert f'action="/moderation/comments/{own_comment.pk}/hide/"' in text
    assert f'action="/moderation/comments/{own_comment.pk}/dismiss/"' in text


def test_a_moderators_own_comment_page_offers_no_action(moderator_client, own_comment):
    text = moderator_client.get(f"/moderation/comments/{own_comment.pk}/").text
    assert "another moderator must decide on it" in text
    assert f"/moderation/comments/{own_comment.pk}/" + "hide/" not in text
    assert f"/moderation/comments/{own_comment.pk}/" + "dismiss/" not in text


@pytest.mark.parametrize("reason", ["Power grab", ""])
def test_a_moderator_cannot_suspend_themself_even_with_a_bad_reason(moderator_client, moderator, reason):
    before = snapshot()
    response = moderator_client.post(f"/moderation/members/{moderator.username}/suspend/", {"reason": reason})
    assert response.status_code == 403
    assert OWN_ACCOUNT in response.text
    assert snapshot() == before


def test_a_suspended_moderator_cannot_lift_their_own_suspension(moderator_client, moderator):
    moderator.suspend("Suspended before becoming a moderator")
    before = snapshot()
    response = moderator_client.post(f"/moderation/members/{moderator.username}/unsuspend/", {"reason": "I'm fine"})
    assert response.status_code == 403
    assert OWN_ACCOUNT in response.text
    with pytest.raises(PermissionDenied, match=OWN_ACCOUNT):
        moderation.unsuspend_member(moderator, moderator, "I'm fine")
    assert snapshot() == before
    moderator.refresh_from_db()
    assert moderator.is_suspended


# Idempotency


def test_the_operations_are_idempotent(moderator, comment, author):
    assert moderation.hide_comment(comment, moderator, "Spam")
    assert not moderation.hide_comment(comment, moderator, "Spam again")
    assert moderation.restore_comment(comment, moderator, "Fine")
    assert not moderation.restore_comment(comment, moderator, "Fine again")
    assert not moderation.dismiss_flags(comment, moderator, "Already resolved by hiding")
    assert moderation.suspend_member(author, moderator, "Spam")
    assert not moderation.suspend_member(author, moderator, "Spam again")
    assert moderation.unsuspend_member(author, moderator, "Served")
    assert not moderation.unsuspend_member(author, moderator, "Served again")
    assert list(ModerationAction.objects.order_by("pk").values_list("reason", flat=True)) == [
        "Spam",
        "Fine",
        "Spam",
        "Served",
    ]


def test_hiding_twice_through_the_page_changes_nothing(moderator_client, moderator, comment):
    moderation.hide_comment(comment, moderator, "Spam")
    before = snapshot()
    response = moderator_client.post(action_url("hide", comment), {"reason": "Spam again"}, follow=True)
    assert "Nothing changed: the comment was already hidden." in response.text
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_two_moderators_acting_at_once_log_one_action():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself (BEGIN IMMEDIATE), there is no race to test")
    # Staff, not the "moderators" group: the flush after a transactional test empties the tables.
    moderators = [make_user(f"staff{i}", is_staff=True) for i in range(2)]
    author = make_user("writer")
    comment = make_comment(make_paper(), author, SECRET)
    barrier = threading.Barrier(2)
    results: list[tuple[bool, bool]] = []
    errors: list[BaseException] = []

    def act(moderator: User) -> None:
        try:
            barrier.wait()
            hidden = moderation.hide_comment(Comment.objects.get(pk=comment.pk), moderator, "Spam")
            suspended = moderation.suspend_member(User.objects.get(pk=author.pk), moderator, "Spam")
            results.append((hidden, suspended))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(moderator,)) for moderator in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(hidden for hidden, _ in results) == [False, True]
    assert sorted(suspended for _, suspended in results) == [False, True]
    assert sorted(ModerationAction.objects.values_list("action", flat=True)) == ["hide_comment", "suspend_user"]
    assert Paper.objects.get().comment_count == 0


# The public log


def test_the_public_log_shows_every_action_to_anonymous_visitors(client, moderator, comment, author):
    moderation.hide_comment(comment, moderator, "Advertising a product")
    moderation.suspend_member(author, moderator, "Repeated advertising")
    response = client.get("/moderation/")
    assert response.status_code == 200
    text = response.text
    assert "Advertising a product" in text
    assert "Repeated advertising" in text
    assert f'href="{comment.get_absolute_url()}"' in text
    assert f'href="/users/{author.username}/"' in text
    assert f'href="/users/{moderator.username}/"' in text
    assert "hid" in text and "suspended" in text
    assert SECRET not in text
    assert "/moderation/comments/" not in text  # moderators' links only for moderators


def test_the_public_log_never_shows_a_hidden_comments_text_even_to_moderators(moderator_client, moderator, comment):
    moderation.hide_comment(comment, moderator, "Spam")
    text = moderator_client.get("/moderation/").text
    assert SECRET not in text
    assert f'href="/moderation/comments/{comment.pk}/"' in text


def test_the_public_log_is_paginated(client, moderator, comment):
    ModerationAction.objects.bulk_create(
        ModerationAction(moderator=moderator, action="dismiss_flags", comment=comment, reason=f"Reason {i}")
        for i in range(31)
    )
    first = client.get("/moderation/").text
    assert "Reason 30" in first
    assert "Reason 0<" not in first
    assert 'rel="next" href="?page=2"' in first
    assert "Reason 0<" in client.get("/moderation/?page=2").text
    assert client.get("/moderation/?page=3").status_code == 404


def test_the_member_page_shows_the_members_history(moderator_client, moderator, comment, author):
    moderation.hide_comment(comment, moderator, "Hidden for spam")
    moderation.suspend_member(author, moderator, "Suspended for spam")
    text = moderator_client.get(page_url("member", comment)).text
    assert "Hidden for spam" in text
    assert "Suspended for spam" in text
    assert f'action="/moderation/members/{author.username}/unsuspend/"' in text


# Query counts


def test_the_log_needs_few_queries_whatever_its_length(client, moderator, paper, django_assert_max_num_queries):
    comments = [make_comment(paper, make_user(), f"Comment {i}") for i in range(25)]
    members = [make_user() for _ in range(25)]
    ModerationAction.objects.bulk_create(
        [ModerationAction(moderator=moderator, action="hide_comment", comment=c, reason="Spam") for c in comments]
        + [ModerationAction(moderator=moderator, action="suspend_user", user=u, reason="Spam") for u in members]
    )
    with django_assert_max_num_queries(2):  # the page; no session for anonymous visitors
        assert client.get("/moderation/?page=1").status_code == 200
    client.force_login(moderator)
    with django_assert_max_num_queries(6):  # + session, user, moderators group, unread notifications
        assert client.get("/moderation/?page=2").status_code == 200


def test_the_queue_needs_few_queries_whatever_its_length(
    moderator_client, paper, member, django_assert_max_num_queries
):
    flaggers = [member, make_user("carol")]
    comments = [make_comment(paper, make_user(), f"Comment {i}") for i in range(50)]
    Flag.objects.bulk_create(Flag(comment=c, user=u, reason="spam", note="Ad") for c in comments for u in flaggers)
    with django_assert_max_num_queries(7):  # session, user, group, comments, their open flags, notifications
        response = moderator_client.get("/moderation/queue/")
    assert response.status_code == 200
    assert response.text.count('class="moderation-entry"') == 30


def test_the_comment_page_needs_few_queries_whatever_its_flags(
    moderator_client, moderator, comment, django_assert_max_num_queries
):
    flaggers = [make_user() for _ in range(50)]
    Flag.objects.bulk_create(Flag(comment=comment, user=u, reason="spam") for u in flaggers)
    for i in range(25):
        moderation.hide_comment(comment, moderator, f"Hide {i}")
        moderation.restore_comment(comment, moderator, f"Restore {i}")
    with django_assert_max_num_queries(7):  # session, user, group, comment, flags, notifications, history
        response = moderator_client.get(page_url("comment", comment))
    assert response.text.count('class="flag') == 51
    assert response.text.count('class="moderation-entry"') == 50


def test_the_member_page_needs_few_queries_whatever_its_history(
    moderator_client, moderator, paper, author, django_assert_max_num_queries
):
    for i in range(25):
        moderation.hide_comment(make_comment(paper, author, f"Comment {i}"), moderator, "Spam")
        moderation.suspend_member(author, moderator, f"Suspend {i}")
        moderation.unsuspend_member(author, moderator, f"Unsuspend {i}")
    with django_assert_max_num_queries(9):  # session, user, group, member, two counts, history, notifications
        response = moderator_client.get(f"/moderation/members/{author.username}/")
    assert response.text.count('class="moderation-entry"') == 50


# The admin


@pytest.mark.parametrize(
    "model", ["papervote", "comment", "commentvote", "flag", "notification", "submission", "moderationaction"]
)
def test_the_admin_lists_every_community_model(client, comment, moderator, model):
    moderation.hide_comment(comment, moderator, "Spam")
    client.force_login(User.objects.create_superuser("root", "root@example.com", "correct horse battery"))
    assert client.get(f"/admin/papers/{model}/").status_code == 200


def test_dismissed_flags_stop_weighing_on_a_comments_place(moderator, comment, as_persona):
    from papers.discussion import flag_comment

    flag_comment(comment, make_user("flagger"), "spam")
    comment.refresh_from_db()
    flagged = comment.confidence
    moderation.dismiss_flags(comment, moderator, "Not spam")
    comment.refresh_from_db()
    assert comment.flag_count == 0 and comment.confidence > flagged
