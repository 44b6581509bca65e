"""Personal access tokens in Chromium: make one in /settings/, see its secret once, use it, revoke it; with
JavaScript (htmx answers in place, the browser asks before revoking) and without (plain forms and redirects)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import ApiToken, User
from tests.browser.report import describe
from tests.support.pages import FRAGMENT_DOCUMENT, sign_in, signed_in_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = re.compile(r"^pc_[A-Za-z0-9_-]{40,}$")


def signed_in(browsing, live_server, javascript: bool) -> tuple[Page, User]:
    """A tab with a member's session (a cookie, no login form: the login pages have tests of their own)."""
    member = User.objects.create_user("tokenista", password="a long passphrase")
    page = browsing.open(javascript=javascript)
    sign_in(page, member, live_server.url)
    return page, member


def api_status(page: Page, secret: str) -> int:
    return page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status


def set_marker(page: Page) -> None:
    page.evaluate("() => { window.__marker = 'still here'; }")


def marker(page: Page) -> str | None:
    return page.evaluate("() => window.__marker ?? null")


def make_token(page: Page, name: str) -> None:
    section = page.locator("#api-tokens")
    section.get_by_label("Name", exact=True).fill(name)
    section.get_by_label(re.compile("^Read and write")).check()
    section.get_by_role("button", name="Create token").click()


def test_a_token_made_and_revoked_with_javascript(browsing, live_server):
    page, member = signed_in(browsing, live_server, javascript=True)
    page.goto("/settings/")
    section = page.locator("#api-tokens")
    expect(section.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(section).to_contain_text("You have no API tokens.")
    expect(section.get_by_role("link", name="API")).to_have_attribute("href", "/api/docs/")
    set_marker(page)

    make_token(page, "Laptop script")
    secret_box = page.locator("#new-token-secret")
    expect(secret_box).to_have_text(SECRET)
    assert marker(page) == "still here", "the page was loaded again"
    expect(section).to_contain_text("Copy it now: it is shown this once and never again.")
    expect(section.get_by_role("button", name="Copy the token")).to_be_visible()  # hidden without JavaScript
    secret = secret_box.inner_text()
    token = ApiToken.objects.get(user=member)
    assert (token.name, token.scope) == ("Laptop script", "write")
    expect(section.locator(f"#api-token-{token.pk}")).to_contain_text(f"{token.prefix}…")
    assert api_status(page, secret) == 200

    page.reload()
    expect(page.locator("#new-token-secret")).to_have_count(0)
    assert secret not in page.content()
    row = page.locator(f"#api-token-{token.pk}")
    expect(row).to_contain_text("Read and write")

    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    set_marker(page)
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(section.get_by_role("status")).to_contain_text("The token “Laptop script” is revoked")
    expect(row).to_have_count(0)
    assert marker(page) == "still here"
    assert questions == ["Revoke the token “Laptop script”? Scripts that use it stop working at once."]
    assert api_status(page, secret) == 401
    assert browsing.problems(page) == []


def test_a_token_made_and_revoked_without_javascript(browsing, live_server):
    page, member = signed_in(browsing, live_server, javascript=False)
    page.goto("/settings/")
    with page.expect_navigation():
        make_token(page, "Cron job")
    expect(page).to_have_url(re.compile(r"/settings/#api-tokens$"))
    secret_box = page.locator("#new-token-secret")
    expect(secret_box).to_have_text(SECRET)
    expect(page.get_by_role("button", name="Copy the token")).to_be_hidden()
    secret = secret_box.inner_text()
    token = ApiToken.objects.get(user=member)
    row = page.locator(f"#api-token-{token.pk}")
    expect(row.locator("td").nth(3)).to_have_text("never")  # last used
    assert api_status(page, secret) == 200

    page.goto("/settings/")
    expect(page.locator("#new-token-secret")).to_have_count(0)
    assert secret not in page.content()
    expect(row.locator("time")).to_have_count(2)  # made, and last used: just now

    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.locator(".messages")).to_contain_text("The token “Cron job” is revoked: it stopped working at once.")
    expect(row).to_have_count(0)
    assert api_status(page, secret) == 401
    assert browsing.problems(page) == []


# Quality: valid HTML, and axe-core's WCAG 2 A and AA rules, with a token listed and a new secret shown.


@pytest.mark.django_db
def test_the_tokens_section_and_its_fragments_are_valid_html(nu_checker, tmp_path):
    member = User.objects.create_user("tokenista", password="a long passphrase")
    ApiToken.issue(member, "Used <b>script</b> & co", ApiToken.Scope.READ)[0].mark_used()
    client = signed_in_client(member)
    htmx = {"HX-Request": "true"}
    pages = {
        "settings with a new secret": client.post("/settings/api-tokens/", {"name": "Laptop", "scope": "write"}),
        "create fragment": client.post("/settings/api-tokens/", {"name": "CI", "scope": "read"}, headers=htmx),
        "invalid create fragment": client.post("/settings/api-tokens/", {"name": "", "scope": "x"}, headers=htmx),
        "invalid create page": client.post("/settings/api-tokens/", {"name": "", "scope": "x"}),
        "revoke fragment": client.post(f"/settings/api-tokens/{member.api_tokens.last().pk}/revoke/", headers=htmx),
    }
    files = {}
    for name, response in pages.items():
        if response.status_code == 302:
            response = client.get(response["Location"])
        text = response.text if "<!DOCTYPE" in response.text[:100] else FRAGMENT_DOCUMENT.format(response.text)
        files[name] = tmp_path / f"{name.replace(' ', '-')}.html"
        files[name].write_text(text)
    assert "shown this once" in files["settings with a new secret"].read_text()
    errors = nu_checker(files)
    assert not errors, f"The Nu HTML checker found errors:\n{describe(errors)}"


def test_the_tokens_section_passes_axe_in_light_and_dark(browsing, axe, live_server):
    member = User.objects.create_user("tokenista", password="a long passphrase")
    ApiToken.issue(member, "Old script", ApiToken.Scope.READ)
    page = browsing.open(bypass_csp=True)
    sign_in(page, member, live_server.url)
    page.goto("/settings/")
    make_token(page, "Laptop script")
    expect(page.locator("#new-token-secret")).to_have_text(SECRET)
    violations = axe.check_schemes(page, "settings with a new token")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#api-tokens .form-error")).to_contain_text("Give the token a name.")
    violations.update(axe.check_schemes(page, "settings with a form error"))
    assert not violations, f"axe-core found WCAG 2 A/AA violations:\n{describe(violations)}"
