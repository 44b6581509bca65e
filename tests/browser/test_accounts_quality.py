"""The account pages (allauth, in our templates) are valid HTML (Nu HTML checker), pass axe-core's
WCAG 2 A and AA rules in light and dark, raise no CSP violation, and work without JavaScript."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.account.models import EmailAddress
from allauth.account.views import EmailView
from django.test import Client
from django.utils.csp import CSP
from django.utils.text import slugify

from tests.accounts.helpers import KEYS, PASSWORD, account_pages, load_settings
from tests.browser.report import describe
from tests.factories import make_user

pytestmark = pytest.mark.browser

CANARY = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Canary</title></head>
<body><main><p><div>A block in a paragraph</div></p><img src="data:,"></main></body></html>
"""


def make_member(username: str = "ada"):
    user = make_user(username, email=f"{username}@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


@pytest.fixture
def with_providers(settings, monkeypatch):
    """GitHub and Hugging Face configured as from the environment, so their buttons are on the pages too."""
    settings.SOCIALACCOUNT_PROVIDERS = load_settings(monkeypatch, **KEYS).SOCIALACCOUNT_PROVIDERS


def test_every_account_page_is_valid_html(client, db, with_providers, nu_checker, tmp_path, monkeypatch):
    pages = account_pages(client, make_member(), Client())
    # With ACCOUNT_CHANGE_EMAIL off, /accounts/email/ lists several addresses instead.
    monkeypatch.setattr(EmailView, "template_name", "account/email.html")
    pages["email (several addresses)"] = client.get("/accounts/email/")
    files = {}
    for name, response in pages.items():
        assert response.status_code == 200, f"{name} answered {response.status_code}"
        files[name] = tmp_path / f"{slugify(name)}.html"
        files[name].write_text(response.text)
    assert "Continue with Hugging Face" in pages["login"].text
    assert 'aria-invalid="true"' in pages["signup with errors"].text
    assert "Make primary" in pages["email (several addresses)"].text
    files["canary"] = tmp_path / "canary.html"
    files["canary"].write_text(CANARY)

    errors = nu_checker(files)

    assert errors.pop("canary", None), "The Nu HTML checker passed a known-bad document: is it checking anything?"
    errors = errors
    assert not errors, f"The Nu HTML checker found errors:\n{describe(errors)}"


def test_social_sign_in_pages_are_valid_html(client, db, with_providers, nu_checker, tmp_path, mailoutbox):
    """The pages on the way through GitHub (recorded-shape answers, no network)."""
    make_member("octo")  # owns the address GitHub gives, so the newcomer must finish signing up
    pages = {
        "continue with GitHub": (client.get("/accounts/github/login/?process=login"), 200),
        "social login error": (client.get("/accounts/github/login/callback/?code=x&state=forged"), 401),
    }
    start = client.post("/accounts/github/login/?process=login")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    with responses.RequestsMock() as github:
        github.post("https://github.com/login/oauth/access_token", json={"access_token": "t", "token_type": "bearer"})
        github.get("https://api.github.com/user", json={"id": 1, "login": "octo", "name": "Octo", "email": None})
        github.get("https://api.github.com/user/emails", json=[{"email": "octo@example.com", "primary": True}])
        client.get("/accounts/github/login/callback/", {"code": "c0de", "state": state})
    pages["social signup"] = (client.get("/accounts/3rdparty/signup/"), 200)
    # A member without a password confirms by emailed code before setting one.
    social_only = make_member("newcomer")
    social_only.set_unusable_password()
    social_only.save()
    client.force_login(social_only)
    request_code = client.get("/accounts/password/set/")["Location"]
    pages["request a code"] = (client.get(request_code), 200)
    confirm_code = client.post(request_code, {"recipient": "newcomer@example.com"})["Location"]
    pages["enter the code"] = (client.get(confirm_code), 200)
    pages["enter the code with errors"] = (client.post(confirm_code, {"code": "WRONG-CODE"}), 200)
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mailoutbox[-1].body, re.MULTILINE).group(1)
    client.post(confirm_code, {"code": code})
    pages["password set"] = (client.get("/accounts/password/set/"), 200)
    files = {}
    for name, (response, status) in pages.items():
        assert response.status_code == status, f"{name} answered {response.status_code}"
        files[name] = tmp_path / f"{slugify(name)}.html"
        files[name].write_text(response.text)

    errors = nu_checker(files)

    assert "Finish signing up" in pages["social signup"][0].text
    assert "Set a password" in pages["password set"][0].text
    assert not errors, f"The Nu HTML checker found errors:\n{describe(errors)}"


def log_in_with_the_form(page, login: str = "ada", password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


@pytest.mark.django_db(transaction=True)
def test_account_pages_pass_axe_in_light_and_dark(browsing, axe, with_providers):
    make_member()
    page = browsing.open(bypass_csp=True)
    page.set_content(CANARY)
    assert axe.check(page), "axe-core passed a known-bad document: is it checking anything?"
    violations = {}

    def check(name: str) -> None:
        violations.update(axe.check_schemes(page, name))

    for name, path in [
        ("login", "/accounts/login/"),
        ("signup", "/accounts/signup/"),
        ("password reset", "/accounts/password/reset/"),
        ("password reset done", "/accounts/password/reset/done/"),
        ("sign in with a code", "/accounts/login/code/"),
    ]:
        assert page.goto(path).status == 200, path
        check(name)
    log_in_with_the_form(page, password="not the password")
    page.locator(".auth-form__errors").wait_for()
    check("login with errors")
    code_page = browsing.open(bypass_csp=True)  # a sign-in by code in progress changes the login page
    code_page.goto("/accounts/login/code/")
    code_page.get_by_label("Email").fill("ada@example.com")
    code_page.get_by_role("button", name="Email me a code").click()
    code_page.get_by_role("heading", name="Enter the code").wait_for()
    violations.update(axe.check_schemes(code_page, "enter the sign-in code"))
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("admin")  # passes the browser's checks, not the server's
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill("a long new passphrase")
    page.get_by_label("Password (again)").fill("another passphrase")
    page.get_by_role("button", name="Create account").click()
    page.locator('[aria-invalid="true"]').first.wait_for()
    check("signup with errors")

    log_in_with_the_form(page)
    page.wait_for_url("**/")
    for name, path in [
        ("email", "/accounts/email/"),
        ("password change", "/accounts/password/change/"),
        ("reauthenticate", "/accounts/reauthenticate/"),
        ("sessions", "/accounts/sessions/"),
        ("connections", "/accounts/3rdparty/"),
    ]:
        assert page.goto(path).status == 200, path
        check(name)

    assert not violations, f"axe-core found WCAG 2 A/AA violations:\n{describe(violations)}"


@pytest.mark.django_db(transaction=True)
def test_account_pages_raise_no_csp_violation_or_console_error(browsing, with_providers):
    make_member()
    page = browsing.open()
    problems = {}
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        page.goto(path)
        if found := browsing.problems(page):
            problems[path] = found
    log_in_with_the_form(page)
    page.wait_for_url("**/")
    for path in ["/accounts/email/", "/accounts/password/change/", "/accounts/sessions/", "/accounts/3rdparty/"]:
        page.goto(path)
        if found := browsing.problems(page):
            problems[path] = found

    assert not problems, f"Problems in the browser:\n{describe(problems)}"


def continue_with_github(browsing) -> list[str]:
    """Clicks "Continue with GitHub" (the redirect to github.com itself is aborted: no network)."""
    page = browsing.open()
    page.goto("/accounts/login/")
    with page.expect_request("https://github.com/**") as leaving:
        page.get_by_role("button", name="Continue with GitHub").click()
    assert leaving.value.url.startswith("https://github.com/login/oauth/authorize?")
    return browsing.problems(page)


@pytest.mark.django_db(transaction=True)
def test_continue_with_github_leaves_for_github_when_the_csp_allows_it(browsing, with_providers, settings):
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [CSP.SELF, "https://github.com"]}

    assert continue_with_github(browsing) == []


@pytest.mark.django_db(transaction=True)
def test_continue_with_github_leaves_for_github_with_the_sites_csp(browsing, settings, monkeypatch):
    configured = load_settings(monkeypatch, **KEYS)  # the settings as production builds them with both keys set
    settings.SOCIALACCOUNT_PROVIDERS = configured.SOCIALACCOUNT_PROVIDERS
    settings.SECURE_CSP = configured.SECURE_CSP

    assert continue_with_github(browsing) == []


@pytest.mark.django_db(transaction=True)
def test_signing_up_logging_out_and_in_without_javascript(browsing):
    page = browsing.open(javascript=False)
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password", exact=True).fill("a long new passphrase")
    page.get_by_label("Password (again)").fill("a long new passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/")
    account = page.get_by_role("navigation", name="Account")
    account.locator("summary").click()  # Log out is in the member's menu
    assert account.get_by_role("button", name="Log out").is_visible()

    account.get_by_role("button", name="Log out").click()
    assert page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in").is_visible()

    log_in_with_the_form(page, "grace@example.com", "a long new passphrase")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="Account").locator("summary").click()
    assert page.get_by_role("navigation", name="Account").get_by_role("button", name="Log out").is_visible()
    assert browsing.problems(page) == []
