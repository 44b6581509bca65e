"""The pages members use are valid HTML and pass axe-core's WCAG 2 A and AA rules, signed in and not."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils.text import slugify

from accounts.models import User
from papers.discussion import flag_comment, post_comment
from papers.emails import unsubscribe_token
from tests.browser.report import describe
from tests.factories import make_paper, make_user
from tests.support.pages import FRAGMENT_DOCUMENT, signed_in_client

pytestmark = pytest.mark.browser


def community() -> tuple[User, list[tuple[str, str, int]]]:
    """A discussion with replies, math, code, a deleted and a flagged comment; the member and their pages."""
    member = make_user("ada", display_name="Ada Lovelace", bio="Works on **engines**.", links=["https://example.org"])
    other = make_user("bob")
    paper = make_paper("2608.15265", title="VibeWorlding", topics=("agents",))
    paper.upvote(member)
    body = "Does $\\sum_{i=1}^n x_i^2$ hold?\n\n```python\nprint(1)\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    first = post_comment(paper, other, body)
    mine = post_comment(paper, member, "Yes, @bob. See [the code](https://github.com/example).", parent=first)
    post_comment(paper, other, "Thanks!", parent=mine)
    doomed = post_comment(paper, other, "To be deleted")
    doomed.deleted_at = doomed.created_at
    doomed.save()
    flag_comment(first, member, "off_topic")
    pages = [
        ("paper with discussion", paper.get_absolute_url(), 200),
        ("comment permalink", mine.get_absolute_url(), 200),
        ("comment edit", f"{mine.get_absolute_url()}edit/", 200),
        ("comment flag", f"/papers/2608.15265/comments/{post_comment(paper, other, 'Flag me').pk}/flag/", 200),
        ("profile", "/users/ada/", 200),
        ("profile submissions", "/users/ada/?tab=submissions", 200),
        ("profile upvotes", "/users/ada/?tab=upvotes", 200),
        ("settings", "/settings/", 200),
        ("delete account", "/settings/delete/", 200),
        ("notifications", "/notifications/", 200),
        ("unsubscribe", f"/unsubscribe/{unsubscribe_token(member, 'email_on_reply')}/", 200),
        ("home signed in", "/", 200),
        ("forbidden", f"/papers/2608.15265/comments/{first.pk}/edit/", 403),
    ]
    return member, pages


@pytest.mark.django_db
def test_member_pages_are_valid_html(nu_checker, tmp_path):
    member, pages = community()
    client = signed_in_client(member)
    files = {}
    for name, path, status in pages:
        response = client.get(path)
        assert response.status_code == status, f"{name} ({path}) answered {response.status_code}"
        files[name] = tmp_path / f"{slugify(name)}.html"
        files[name].write_text(response.text)
    anonymous = Client().get("/papers/2608.15265/")
    files["paper anonymous"] = tmp_path / "paper-anonymous.html"
    files["paper anonymous"].write_text(anonymous.text)
    for name, path, data in [
        ("new comment fragment", "/papers/2608.15265/comments/", {"body": "Fragment *check*"}),
        ("preview fragment", "/comments/preview/", {"body": "**preview** $x$"}),
        ("upvote fragment", "/papers/2608.15265/upvote/", {"action": "remove"}),
    ]:
        response = client.post(path, data, headers={"HX-Request": "true"})
        assert response.status_code == 200, f"{name} answered {response.status_code}"
        files[name] = tmp_path / f"{slugify(name)}.html"
        fragment = response.text
        if fragment.lstrip().startswith("<li"):  # a new comment: its list item goes into a list, the rest out of band
            oob = fragment.rfind("<", 0, fragment.find("data-hx-swap-oob"))
            fragment = f"<ol>{fragment[:oob]}</ol>{fragment[oob:]}"
        files[name].write_text(FRAGMENT_DOCUMENT.format(fragment))
    errors = nu_checker(files)
    assert not errors, f"The Nu HTML checker found errors:\n{describe(errors)}"


@pytest.mark.django_db(transaction=True)
def test_member_pages_pass_axe_in_light_and_dark(browsing, axe, live_server):
    member, pages = community()
    page = browsing.open(bypass_csp=True)
    cookie = signed_in_client(member).cookies[settings.SESSION_COOKIE_NAME]
    violations = {}
    page.goto("/papers/2608.15265/")
    if found := axe.check(page):
        violations["paper, anonymous"] = found
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    for name, path, status in pages:
        response = page.goto(path)
        assert response.status == status, f"{name} ({path}) answered {response.status}"
        violations.update(axe.check_schemes(page, name))
    # A reply form opened in place, and a comment posted in place.
    page.goto("/papers/2608.15265/")
    page.get_by_role("link", name="Reply").first.click()
    page.get_by_label("Reply to bob").wait_for()
    if found := axe.check(page):
        violations["reply form opened by htmx"] = found
    assert make_user().pk  # the page made no member by itself
    assert not violations, f"axe-core found WCAG 2 A/AA violations:\n{describe(violations)}"
