"""Every form of every page comes back to a page of this site, and no htmx attribute reaches a control by accident.

Two defects this guards against: a listing's "next period" (a date) took the place of the forms' `next`, so
upvoting without JavaScript went to a 404; and a list wrapper's `hx-target="this"` and `hx-push-url` were
inherited by the upvote forms inside it, so upvoting with JavaScript replaced the whole list and the address.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from django.contrib.auth.models import Group
from django.urls import Resolver404, resolve

from papers import follows, similarity
from papers.discussion import flag_comment, post_comment
from papers.models import Paper, Topic
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Pages a member sees, with what each needs; the recorded archive (tests/fixtures/hf) fills them.
PAGES = [
    "/",
    "/papers/",
    "/feed/",
    "/feed/?page=2",
    "/papers/date/2024-10-10/",  # a day with a later day: its "next period" is a date
    "/papers/date/2024-10-10/?page=2",
    "/papers/date/2024-10-10/?sort=new",
    "/papers/week/2026-W32/",
    "/papers/week/2026-W32/?page=2",
    "/papers/month/2025-03/",
    "/papers/month/2025-03/?page=2",
    "/papers/trending/",
    "/topics/reinforcement-learning/",
    "/orgs/tencent/",
    "/authors/kaipeng-zhang/",
    "/users/grace/",
    "/users/grace/?tab=upvotes",
    "/search/?q=agent",
    "/saved/",
    "/papers/2608.12313/",
    "/notifications/",
    "/settings/",
    "/settings/following/",
    "/welcome/",
    "/submit/",
    "/moderation/",
    "/moderation/queue/",
]
# The fragments htmx asks for: a list, search results, the next papers of the feed.
FRAGMENTS = [
    "/papers/date/2024-10-10/?sort=new",
    "/papers/week/2026-W32/?page=2",
    "/search/?q=agent&page=2",
    "/saved/",
    "/feed/?page=2",
]
# Attributes htmx would pass from an element to the controls inside it, had inheritance not been turned off.
INHERITABLE = {
    *("hx-target", "hx-swap", "hx-push-url", "hx-replace-url", "hx-select", "hx-select-oob", "hx-include"),
    *("hx-vals", "hx-params", "hx-encoding", "hx-ext", "hx-indicator", "hx-sync", "hx-confirm", "hx-disabled-elt"),
    *("hx-boost", "hx-prompt", "hx-request", "hx-history", "hx-preserve", "hx-validate"),
}


@pytest.fixture
def member_pages(archive, client):
    """A member who follows a topic and a member who upvotes in public, saved papers, a comment with a
    reply and a flag on it (for the moderation queue): every page has its controls."""
    similarity.refresh(Paper.objects.values_list("pk", flat=True))  # so that no upvote or save computes them
    grace = make_user("grace", upvotes_public=True)
    for paper in Paper.objects.filter(last_listed_on__gte="2026-08-03").order_by("-points", "pk")[:45]:
        paper.upvote(grace)
    member = make_user("ada")
    member.groups.add(Group.objects.get_or_create(name="moderators")[0])
    follows.follow(member, Topic.objects.get(slug="supervised-fine-tuning"))
    follows.follow(member, grace)
    for paper in Paper.objects.order_by("-points", "pk")[:40]:
        follows.save_paper(member, paper)
    paper = Paper.objects.get(arxiv_id="2608.12313")
    comment = post_comment(paper, member, "What about the ablations?")
    reply = post_comment(paper, grace, "In the appendix.", comment)
    flag_comment(reply, member, "spam", "")
    client.force_login(member)
    return client


def forms(html: str) -> list[Tag]:
    return BeautifulSoup(html, "html.parser").find_all("form")


def assert_local_path(value: str, where: str) -> None:
    parts = urlsplit(value)
    assert value.startswith("/") and not value.startswith(("//", "/\\")), f"{where}: next={value!r}"
    assert not parts.scheme and not parts.netloc, f"{where}: next={value!r}"
    try:
        resolve(parts.path)
    except Resolver404:
        pytest.fail(f"{where}: next={value!r} is no page of this site")


def test_every_forms_next_is_a_local_path_and_rows_come_back_to_their_page(member_pages):
    checked = 0
    for path in PAGES:
        response = member_pages.get(path)
        assert response.status_code == 200, path
        for form in forms(response.text):
            field = form.find("input", attrs={"name": "next"})
            if field is None:
                continue
            assert_local_path(field["value"], f"{path}: form {form.get('action')}")
            if re.search(r"/(upvote|save|follow|mute)/$", form.get("action", "")) or "feed" in form.get("action", ""):
                assert field["value"] == path, f"{path}: form {form['action']} goes back to {field['value']}"
            checked += 1
    assert checked > 500  # rows of every listing, follow buttons, feed controls


def test_the_forms_of_a_fragment_come_back_to_the_page_that_asked_for_it(member_pages, htmx):
    for path in FRAGMENTS:
        response = member_pages.get(path, headers=htmx)
        assert response.status_code == 200, path
        found = [form for form in forms(response.text) if form.find("input", attrs={"name": "next"})]
        assert found, path
        for form in found:
            assert form.find("input", attrs={"name": "next"})["value"] == path, (path, form["action"])


def test_the_answer_to_an_upvote_or_a_save_keeps_the_page_to_come_back_to(member_pages, htmx):
    page = "/papers/date/2024-10-10/?page=2"
    paper = Paper.objects.filter(listings__date="2024-10-10").first()
    for action in ("upvote", "save"):
        response = member_pages.post(f"/papers/{paper.arxiv_id}/{action}/", {"next": page}, headers=htmx)
        (form,) = forms(response.text)
        assert form.find("input", attrs={"name": "next"})["value"] == page


def inherited_attributes(element: Tag) -> set[str]:
    """The htmx attributes of `element`'s ancestors that htmx would pass down to it (those it does not set itself).

    Not `hx-headers` (the CSRF header on <body> is meant for every request, and htmx merges it rather than
    inheriting it) nor `hx-disable` (around member-written text, meant for everything inside).
    """
    own = {name.removeprefix("data-") for name in element.attrs}
    found = set()
    for ancestor in element.parents:
        for name in getattr(ancestor, "attrs", {}):
            if name.removeprefix("data-") in INHERITABLE - own:
                found.add(f"{ancestor.name}#{ancestor.get('id', '')}[{name}]")
    return found


def htmx_controls(html: str) -> list[Tag]:
    soup = BeautifulSoup(html, "html.parser")
    return soup.find_all(lambda tag: any(re.match(r"^(data-)?hx-(get|post)$", name) for name in tag.attrs))


def test_no_control_inherits_an_htmx_attribute_from_a_wrapper(member_pages, htmx):
    controls = 0
    for path, headers in [*((path, {}) for path in PAGES), *((path, htmx) for path in FRAGMENTS)]:
        response = member_pages.get(path, headers=headers)
        for control in htmx_controls(response.text):
            assert inherited_attributes(control) == set(), f"{path}: {control.name} {control.attrs}"
            controls += 1
    assert controls > 300


def test_htmx_never_passes_attributes_down(client, archive):
    """The second guard: htmx's own inheritance is off for the whole site."""
    config = BeautifulSoup(client.get("/").text, "html.parser").find("meta", attrs={"name": "htmx-config"})
    assert '"disableInheritance": true' in config["content"]


def test_the_inheritance_check_finds_an_inherited_target():
    html = '<section data-hx-target="this" data-hx-push-url="true"><form data-hx-post="/x/"></form></section>'
    (control,) = htmx_controls(html)
    assert inherited_attributes(control) == {"section#[data-hx-target]", "section#[data-hx-push-url]"}
