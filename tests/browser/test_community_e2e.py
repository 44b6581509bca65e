"""A new member's journey in Chromium: sign up, confirm the email, upvote, comment, reply, edit,
delete, flag and read a notification; with JavaScript (htmx swaps in place) and without."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from papers.discussion import post_comment
from papers.models import Comment, Flag, PaperVote
from tests.factories import make_paper, make_user
from tests.support.browsing import sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def confirm_email(page: Page) -> None:
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(link.group(0))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(page.locator(".messages")).to_contain_text(re.compile("confirmed", re.I))


@pytest.fixture
def discussion():
    """A paper with another member's comment to reply to and to flag."""
    paper = make_paper("2608.15265", title="VibeWorlding", hf_upvotes=9)
    dan = make_user("dan")
    post_comment(paper, dan, "Has anyone reproduced **table 2**?")
    return paper, dan


def test_a_new_member_takes_part_with_javascript(browsing, discussion):
    paper, dan = discussion
    page = browsing.open(javascript=True)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_up(page, "carol")
    confirm_email(page)

    page.goto(paper.get_absolute_url())
    page.evaluate("() => { window.__marker = 'no reload'; }")
    upvote = page.locator(".paper__stats .upvote__button")
    expect(upvote).to_have_attribute("aria-pressed", "false")
    upvote.click()
    expect(page.locator(".paper__stats .upvote__button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".paper__stats .upvote__count")).to_have_text("10")

    page.get_by_label("Add a comment").fill("Yes: *table 2* holds with $n = 3$ seeds.")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(".comment-node", has_text="holds with")
    expect(mine).to_be_visible()
    expect(mine.locator("math")).to_have_count(1)
    expect(page.get_by_label("Add a comment")).to_have_value("")

    theirs = page.locator(".comment-node", has_text="Has anyone reproduced").first
    theirs.get_by_role("link", name="Reply").first.click()
    page.get_by_label("Reply to dan").fill("@dan see my comment above.")
    page.get_by_role("button", name="Post reply").click()
    reply = theirs.locator(".comment-node", has_text="see my comment above").last
    expect(reply).to_be_visible()

    reply.get_by_role("link", name="Edit").click()
    page.locator("textarea[id^=edit-]").fill("@dan see my comment above (edited).")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".comment-text", has_text="(edited).")).to_be_visible()

    mine.get_by_role("button", name="Delete").first.click()
    expect(page.locator(".comment-node", has_text="holds with")).to_have_count(0)
    assert page.evaluate("() => window.__marker") == "no reload"

    theirs.get_by_role("link", name="Flag").click()
    page.get_by_label("Spam").check()
    page.get_by_role("button", name="Flag").click()
    # The flag form is a page of its own; it comes back to the paper with a thank-you.
    expect(page.get_by_role("status").filter(has_text="Thanks for the flag")).to_contain_text(
        "a moderator will look at the comment"
    )
    assert urlsplit(page.url).path == f"/papers/{paper.arxiv_id}/"
    assert Flag.objects.filter(user__username="carol", reason="spam").exists()

    post_comment(paper, dan, "Thanks @carol!", parent=Comment.objects.get(body__contains="see my comment above"))
    page.goto("/")
    expect(page.get_by_role("link", name=re.compile("Notifications"))).to_contain_text("1")
    page.get_by_role("link", name=re.compile("Notifications")).click()
    expect(page.locator(".notification")).to_contain_text("replied to your comment")
    page.get_by_role("button", name="Mark read").click()
    expect(page.locator(".notification--unread")).to_have_count(0)

    assert PaperVote.objects.filter(paper=paper, user__username="carol").count() == 1
    assert browsing.problems(page) == []


def test_a_new_member_takes_part_without_javascript(browsing, discussion):
    paper, dan = discussion
    page = browsing.open(javascript=False)
    sign_up(page, "erin")

    page.goto(paper.get_absolute_url())
    page.locator(".paper__stats .upvote__button").click()
    expect(page).to_have_url(re.compile(r"/papers/2608\.15265/$"))
    expect(page.locator(".paper__stats .upvote__button")).to_have_attribute("aria-pressed", "true")

    page.get_by_label("Add a comment").fill("No JavaScript needed.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".comment-preview")).to_contain_text("No JavaScript needed.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-node", has_text="No JavaScript needed.")).to_be_visible()

    theirs = page.locator(".comment-node", has_text="Has anyone reproduced").first
    theirs.get_by_role("link", name="Reply").first.click()
    page.get_by_label("Reply to dan").fill("A plain reply.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".comment-text", has_text="A plain reply.")).to_be_visible()

    page.locator(".comment-node", has_text="A plain reply.").last.get_by_role("link", name="Edit").click()
    page.get_by_role("textbox").fill("A plain reply, edited.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".comment-text", has_text="A plain reply, edited.")).to_be_visible()

    page.locator(".comment-node", has_text="A plain reply, edited.").last.get_by_role("button", name="Delete").click()
    expect(page.locator(".comment-text", has_text="A plain reply, edited.")).to_have_count(0)

    theirs = page.locator(".comment-node", has_text="Has anyone reproduced").first
    theirs.get_by_role("link", name="Flag").click()
    page.get_by_label("Off-topic").check()
    page.get_by_role("button", name="Flag").click()
    expect(page).to_have_url(re.compile(r"/papers/2608\.15265/#comment-\d+$"))
    assert Flag.objects.filter(user__username="erin", reason="off_topic").exists()
    assert browsing.problems(page) == []
