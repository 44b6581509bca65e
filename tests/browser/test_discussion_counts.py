"""The paper page's comment counts follow what htmx posts and deletes, without a reload or a console error."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Locator, Page, expect

from papers.discussion import post_comment
from tests.factories import make_paper, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browsing, live_server, user) -> Page:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page = browsing.open()
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def comment(page: Page, text: str) -> Locator:
    """One comment's body (its text and actions, not its replies)."""
    return page.locator(".comment", has=page.locator(".comment-text", has_text=text))


def test_posting_replying_and_deleting_update_the_counts_in_place(browsing, live_server):
    paper = make_paper("2608.15265", title="VibeWorlding", hf_comments=1)
    ada = make_user("ada")
    page = signed_in(browsing, live_server, ada)
    page.goto(paper.get_absolute_url())
    page.evaluate("() => { window.__marker = 'no reload'; }")
    heading = page.locator("#discussion-heading")
    stat = page.locator("#comment-stat")
    expect(heading).to_have_text("Discussion (0)")
    expect(page.get_by_text("No comments yet.")).to_be_visible()

    page.get_by_label("Add a comment").fill("A first comment.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-text", has_text="A first comment.")).to_be_visible()
    expect(heading).to_have_text("Discussion (1)")
    expect(stat).to_have_text("1 comment here")  # and one on Hugging Face, counted apart
    expect(page.get_by_text("No comments yet.")).to_be_hidden()

    post_comment(paper, make_user("bob"), "Meanwhile, from another tab.")  # counted on the next answer
    mine = comment(page, "A first comment.")
    mine.get_by_role("link", name="Reply").click()
    page.get_by_label("Reply to ada").fill("And a reply.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".comment-text", has_text="And a reply.")).to_be_visible()
    expect(heading).to_have_text("Discussion (3)")
    expect(stat).to_have_text("3 comments here")

    mine.locator(".comment-actions").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("A first comment.")).to_have_count(0)
    expect(page.locator(".comment-removed")).to_have_text("[deleted]")
    expect(heading).to_have_text("Discussion (2)")
    expect(stat).to_have_text("2 comments here")
    assert page.evaluate("() => window.__marker") == "no reload"
    assert browsing.problems(page) == []


def test_the_comments_own_page_replies_and_deletes_without_an_error(browsing, live_server):
    paper = make_paper("2608.15265", title="VibeWorlding")
    ada = make_user("ada")
    first = post_comment(paper, make_user("bob"), "Has anyone reproduced it?")
    page = signed_in(browsing, live_server, ada)
    page.goto(first.get_absolute_url())
    page.get_by_label("Reply to bob").fill("Not yet.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator("[id^=comment-body-] .comment-text", has_text="Not yet.")).to_be_visible()
    reply = comment(page, "Not yet.")
    reply.get_by_role("button", name="Delete").click()
    expect(page.locator(".comment-removed")).to_have_text("[deleted]")
    assert browsing.problems(page) == []
