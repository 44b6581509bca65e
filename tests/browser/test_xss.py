"""Every XSS payload of tests/papers/xss_payloads.py, posted by members and rendered in Chromium.

Each place that shows member text is opened with JavaScript on, every element of the
member text is hovered, focused and clicked, and any script execution (alert, confirm,
prompt, print, a dialog, a `javascript:` navigation) or CSP violation is recorded.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

from papers.discussion import post_comment
from papers.models import Paper
from tests.factories import make_paper, make_user
from tests.papers.xss_payloads import PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script: traps every way a payload could show that it ran.
TRAPS = """
window.__executed = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__executed.push(`${name}(${args.join(",")})`); };
}
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[href]");
  if (link && /^(https?:|mailto:|\\/)/i.test(link.getAttribute("href"))) event.preventDefault();
}, true);
"""

# Hovers, focuses and clicks each element inside member text, the way a curious reader would.
POKE = """
(selector) => {
  let poked = 0;
  for (const element of document.querySelectorAll(selector)) {
    for (const type of ["mouseover", "mouseenter", "mousemove", "focus", "focusin", "animationstart"]) {
      element.dispatchEvent(new Event(type, {bubbles: true}));
    }
    if (typeof element.focus === "function") element.focus();
    // The site's own forms among the text (follow buttons beside author names) are not member text.
    if (typeof element.click === "function" && !element.closest("form")) element.click();
    poked += 1;
  }
  return poked;
}
"""
MEMBER_TEXT = ".comment-text *, .comment-text, .profile-bio *, .notification__excerpt *, .paper__header *"


def log_in(page: Page, user, base_url: str) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def visit(page: Page, path: str, dialogs: list[str]) -> int:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    poked = page.evaluate(POKE, MEMBER_TEXT)
    page.wait_for_timeout(200)  # let any delayed handler fire
    assert page.evaluate("() => window.__executed") == [], path
    assert dialogs == [], path
    return poked


def test_no_payload_runs_in_any_place_that_shows_member_text(browsing, live_server):
    victim = make_user("victim")
    attacker = make_user("mallory")
    paper = make_paper(title="Discussion under attack")
    for _, payload in PAYLOADS:
        post_comment(paper, attacker, f"@victim {payload}")
    victim.bio = "\n\n".join(payload for _, payload in PAYLOADS[:12])[:2000]
    victim.save()
    # Mirrored text is member-controlled too: a title and abstract straight from an imported item.
    hostile = make_paper(
        title='<img src=x onerror=alert("title")> <script>alert("title")</script>',
        abstract='"><svg onload=alert("abstract")> {{ 7*7 }} <a href="javascript:alert(1)">x</a>',
    )

    page = browsing.open(javascript=True)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(TRAPS)
    log_in(page, victim, live_server.url)

    poked = visit(page, paper.get_absolute_url(), dialogs)
    assert page.locator(".comment-node").count() == len(PAYLOADS)
    poked += visit(page, "/notifications/", dialogs)
    poked += visit(page, "/users/victim/", dialogs)
    poked += visit(page, "/users/mallory/", dialogs)
    poked += visit(page, hostile.get_absolute_url(), dialogs)
    poked += visit(page, "/search/?q=attack", dialogs)

    # The live preview: the same payloads typed into the comment box, swapped in by htmx.
    page.goto(paper.get_absolute_url())
    box = page.locator("#body-root")
    for _, payload in PAYLOADS[:25]:
        with page.expect_response(lambda response: "/comments/preview/" in response.url):
            box.fill(payload)
        page.evaluate(POKE, "#preview-root *")
    assert page.evaluate("() => window.__executed") == []
    assert dialogs == []

    problems = browsing.problems(page)
    assert [p for p in problems if p.startswith("CSP violation")] == [], problems
    assert poked > len(PAYLOADS)
    print(f"{len(PAYLOADS)} payloads, {poked} elements poked, 0 executions, 0 CSP violations")
    assert Paper.objects.filter(pk=hostile.pk).exists()
