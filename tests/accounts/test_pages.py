"""Every allauth page is ours: one <main>, the card layout, a page title, and nothing that a strict
CSP would block (no inline scripts, styles or event handlers). Validity and accessibility are checked
in a real browser by tests/browser/test_accounts_quality.py."""

import re

from django.test import Client

from tests.accounts.helpers import account_pages

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


def test_every_account_page_uses_our_layout_and_needs_no_inline_code(client, make_member):
    pages = account_pages(client, make_member("ada"), Client())

    assert len(pages) >= 20
    for name, response in pages.items():
        html = response.text
        assert response.status_code == 200, f"{name} answered {response.status_code}"
        assert html.count("<main") == 1, name
        assert 'class="auth-card"' in html, name
        assert html.count("<h1>") == 1, name
        assert re.search(r"<title>[^<]+ · Paper Commons</title>", html), name
        assert " style=" not in html, name
        assert not INLINE_SCRIPT.search(html), name
        assert not EVENT_HANDLER.search(html), name
        assert "unsafe-inline" not in response.get("Content-Security-Policy", ""), name


def test_the_account_pages_link_to_each_other(client, make_member):
    make_member("ada")
    client.post("/accounts/login/", {"login": "ada", "password": "correct horse battery"})

    html = client.get("/accounts/email/").text

    nav = html[html.index('<nav class="auth-nav"') : html.index("</nav>", html.index('<nav class="auth-nav"'))]
    assert '<a href="/accounts/email/" aria-current="page">Email</a>' in nav
    for path in ["/accounts/password/change/", "/accounts/3rdparty/", "/accounts/sessions/"]:
        assert f'href="{path}"' in nav


def test_the_sessions_page_lists_every_session_and_ends_the_others(client, make_member):
    make_member("ada")
    other = Client(HTTP_USER_AGENT="Phone browser")
    other.post("/accounts/login/", {"login": "ada", "password": "correct horse battery"})
    client.post("/accounts/login/", {"login": "ada", "password": "correct horse battery"}, HTTP_USER_AGENT="Laptop")

    page = client.get("/accounts/sessions/")
    client.post("/accounts/sessions/")

    assert "Phone browser" in page.text
    assert "This browser" in page.text
    assert "Log out everywhere else" in page.text
    assert other.get("/accounts/email/").status_code == 302
    assert client.get("/accounts/email/").status_code == 200
