"""The pages and fragments of following, the personal feed and saved papers are valid HTML and pass
axe-core's WCAG 2 A and AA rules, signed in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils.text import slugify

from accounts.models import User
from papers import follows, similarity
from papers.models import Paper
from tests.browser.report import describe
from tests.factories import make_author, make_comment, make_organization, make_paper, make_topic, make_user
from tests.support.pages import FRAGMENT_DOCUMENT, signed_in_client

pytestmark = pytest.mark.browser

LATEST = dt.date(2026, 8, 18)
IMPORTED = "Grace Hopper\nSpeech\nNobody by this name\nRobotics"
# Template syntax that reached the page: a `{# … #}` comment spanning lines renders as text, for one.
TEMPLATE_SYNTAX = re.compile(r"\{[#%]|[#%]\}")


def following() -> tuple[dict[str, User], list[tuple[str, str, int, str]], Paper]:
    """Ada follows and mutes a topic, an author, an organisation and a member, and saves papers: a feed of
    more than one page with every kind of reason, one paper shown despite a mute. Cole follows nothing;
    Dora follows a topic with no recent papers. Returns the members, their pages as (name, path, status,
    member) and a paper with every follow button on its page."""
    ada = make_user("ada", display_name="Ada Lovelace")
    bob = make_user("bob", upvotes_public=True)
    mallory = make_user("mallory")
    cole = make_user("cole")
    dora = make_user("dora")
    acme, loud = make_organization("acme", "Acme Research"), make_organization("loud", "Loud Labs")
    for target in (make_topic("Robotics"), make_author("Grace Hopper"), acme, bob):
        follows.follow(ada, target)
    for target in (make_topic("Speech"), make_author("Noisy Author"), loud, mallory):
        follows.mute(ada, target)
    follows.follow(dora, make_topic("Quantum"))
    papers = [
        make_paper(
            title=f"Robot paper {n:02d}",
            topics=("Robotics",),
            authors=("Grace Hopper", "Noisy Author") if n % 7 == 0 else ("Alan Turing",),
            organization=acme if n % 3 == 0 else None,
            listed_on=LATEST - dt.timedelta(days=n % 5),
            hf_upvotes=n,
        )
        for n in range(40)
    ]
    despite = make_paper(
        title="Speech for robots", topics=("Speech", "Robotics"), authors=("Grace Hopper",), organization=loud
    )
    unfollowed = make_paper(title="Something else entirely", topics=("Other",), listed_on=LATEST)
    papers[5].upvote(bob)
    make_comment(unfollowed, bob, "Worth a read.")
    follows.save_paper(ada, papers[0])
    follows.save_paper(ada, despite)
    papers[1].upvote(ada)
    similarity.refresh()  # the neighbours of the saved and upvoted papers, as the task stores them after commit
    pages = [
        ("feed", "/feed/", 200, "ada"),
        ("feed second page", "/feed/?page=2", 200, "ada"),
        ("feed cold start", "/feed/", 200, "cole"),
        ("feed with nothing new", "/feed/", 200, "dora"),
        ("welcome", "/welcome/", 200, "ada"),
        ("welcome cold start", "/welcome/", 200, "cole"),
        ("following settings", "/settings/following/", 200, "ada"),
        ("following settings empty", "/settings/following/", 200, "cole"),
        ("saved", "/saved/", 200, "ada"),
        ("saved empty", "/saved/", 200, "cole"),
        ("settings", "/settings/", 200, "ada"),
        ("followed topic", "/topics/robotics/", 200, "ada"),
        ("muted topic", "/topics/speech/", 200, "ada"),
        ("followed author", "/authors/grace-hopper/", 200, "ada"),
        ("muted author", "/authors/noisy-author/", 200, "ada"),
        ("followed organisation", "/orgs/acme/", 200, "ada"),
        ("muted organisation", "/orgs/loud/", 200, "ada"),
        ("followed member", "/users/bob/", 200, "ada"),
        ("muted member", "/users/mallory/", 200, "ada"),
        ("paper with follow and save buttons", papers[0].get_absolute_url(), 200, "ada"),
        ("paper in a muted topic", despite.get_absolute_url(), 200, "ada"),
    ]
    return {"ada": ada, "cole": cole, "dora": dora}, pages, papers[0]


def fragments(paper: Paper) -> list[tuple[str, str, str, dict]]:
    """What htmx swaps in: (name, method, path, data), in an order that leaves each one something to do."""
    mute_robotics = {"kind": "topic", "target_id": make_topic("Robotics").pk, "next": "/feed/"}
    return [
        ("feed load more fragment", "get", "/feed/?page=2", {}),
        ("saved list fragment", "get", "/saved/", {}),
        ("save fragment", "post", f"/papers/{paper.arxiv_id}/save/", {"action": "remove"}),
        ("follow buttons fragment", "post", "/topics/other/follow/", {"action": "follow"}),
        ("follow buttons muted fragment", "post", "/orgs/acme/mute/", {"action": "mute"}),
        ("compact follow fragment", "post", "/authors/alan-turing/follow/", {"action": "follow", "compact": "1"}),
        ("compact muted fragment", "post", "/authors/alan-turing/mute/", {"action": "mute", "compact": "1"}),
        ("less like this fragment", "post", f"/feed/less/{paper.arxiv_id}/", {"next": "/feed/"}),
        ("mute this reason fragment", "post", "/feed/mute/", mute_robotics),
    ]


@pytest.mark.django_db
def test_following_pages_and_fragments_are_valid_html(nu_checker, tmp_path):
    members, pages, paper = following()
    clients = {name: signed_in_client(member) for name, member in members.items()}
    files = {}

    def keep(name: str, text: str) -> None:
        leaked = TEMPLATE_SYNTAX.search(text)
        assert not leaked, f"{name} shows template syntax: …{text[leaked.start() - 80 : leaked.end() + 80]}…"
        files[name] = tmp_path / f"{slugify(name)}.html"
        files[name].write_text(text)

    for name, path, status, who in pages:
        response = clients[who].get(path)
        assert response.status_code == status, f"{name} ({path}) answered {response.status_code}"
        keep(name, response.text)
    ada = clients["ada"]
    too_many = "\n".join(f"Name {n}" for n in range(250))
    for name, names, status, report in [
        ("following settings after an import", IMPORTED, 200, "Not found (no author or topic has exactly this name)"),
        ("following settings after a refused import", too_many, 400, "Nothing was imported."),
    ]:
        response = ada.post("/settings/following/", {"names": names})
        assert response.status_code == status, f"{name} answered {response.status_code}"
        assert report in response.text, f"{name} does not say “{report}”"
        keep(name, response.text)

    for name, method, path, data in fragments(paper):
        response = getattr(ada, method)(path, data, headers={"HX-Request": "true"})
        assert response.status_code == 200, f"{name} ({path}) answered {response.status_code}"
        fragment = response.text
        assert "<html" not in fragment, f"{name} ({path}) is a whole page, not a fragment"
        if fragment.lstrip().startswith("<li"):  # feed items: they go into the feed's list, the pager out of band
            oob = fragment.rfind("<", 0, fragment.find("data-hx-swap-oob"))
            fragment = f"<ol>{fragment[:oob]}</ol>{fragment[oob:]}"
        keep(name, FRAGMENT_DOCUMENT.format(fragment))

    errors = nu_checker(files)

    assert not errors, f"The Nu HTML checker found errors:\n{describe(errors)}"


@pytest.mark.django_db(transaction=True)
def test_following_pages_pass_axe_in_light_and_dark(browsing, axe, live_server):
    members, pages, paper = following()
    tabs = {}
    for name, member in members.items():
        tabs[name] = browsing.open(bypass_csp=True)
        cookie = signed_in_client(member).cookies[settings.SESSION_COOKIE_NAME]
        tabs[name].context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    violations = {}

    def check(name: str, page) -> None:
        violations.update(axe.check_schemes(page, name))

    for name, path, status, who in pages:
        response = tabs[who].goto(path)
        assert response.status == status, f"{name} ({path}) answered {response.status}"
        check(name, tabs[who])

    # What the forms and htmx put in place, as a member sees it.
    page = tabs["ada"]
    page.goto("/settings/following/")
    page.get_by_label("Author names or topics, one per line").fill(IMPORTED)
    page.get_by_role("button", name="Follow these").click()
    page.locator(".import-report").wait_for()
    check("following settings after an import", page)

    page.goto("/feed/")
    page.get_by_role("link", name="Load more").click()
    page.locator("#feed-items .feed-item").nth(30).wait_for()
    check("feed after “Load more”", page)
    page.locator(".feed-item").first.get_by_role("button", name="Less like this", exact=False).click()
    page.locator("#live-messages .message").wait_for()
    check("feed after “Less like this”", page)

    page.goto("/topics/other/")
    page.get_by_role("button", name="Follow topic Other").click()
    page.locator(".follow-buttons__status").wait_for()
    check("topic after Follow", page)

    page.goto(paper.get_absolute_url())
    page.get_by_role("button", name="Follow author Grace Hopper").click()  # followed: this unfollows
    page.locator('.follow-compact__button[aria-pressed="false"][title*="Grace Hopper"]').wait_for()
    page.locator(".paper__stats .save__button").click()
    page.locator('.paper__stats .save__button[aria-pressed="false"]').wait_for()
    check("paper after Follow and Save", page)

    assert not violations, f"axe-core found WCAG 2 A/AA violations:\n{describe(violations)}"
