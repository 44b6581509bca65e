"""Small helpers for the account tests: log in, sign up, read the links allauth emails."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PASSWORD = "correct horse battery"
LINK = re.compile(r"https?://testserver(/\S+)")
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
# Keys of a GitHub and a Hugging Face app, as they would be set in the environment.
KEYS = {
    "GITHUB_CLIENT_ID": "gh-client",
    "GITHUB_CLIENT_SECRET": "gh-secret",
    "HF_CLIENT_ID": "hf-client",
    "HF_CLIENT_SECRET": "hf-secret",
}


def log_in(client, login: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": login, "password": password, **extra})


def sign_up(client, username: str = "grace", email: str = "grace@example.com", password: str = "a long new passphrase"):
    data = {"username": username, "email": email, "password1": password, "password2": password}
    return client.post("/accounts/signup/", data)


def links_in(message) -> list[str]:
    """The paths of the links to this site in an email."""
    return LINK.findall(message.body)


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def account_pages(client, member, other_client) -> dict[str, object]:
    """Every allauth page we style, rendered: {name: response}. `member` has the password PASSWORD
    and a verified address; `client` is logged in as them along the way, `other_client` never is."""
    from allauth.account.forms import default_token_generator
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from allauth.account.utils import user_pk_to_url_str

    address = EmailAddress.objects.get(user=member)
    reset_path = (
        f"/accounts/password/reset/key/{user_pk_to_url_str(member)}-{default_token_generator.make_token(member)}/"
    )
    confirm_path = f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"
    anonymous = {
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "password reset": "/accounts/password/reset/",
        "password reset done": "/accounts/password/reset/done/",
        "verification sent": "/accounts/confirm-email/",
        "email confirm": confirm_path,
        "email confirm (bad key)": "/accounts/confirm-email/no-such-key/",
        "password reset (bad key)": "/accounts/password/reset/key/zz-no-such-key/",
        "account inactive": "/accounts/inactive/",
        "login cancelled": "/accounts/3rdparty/login/cancelled/",
    }
    pages = {name: other_client.get(path) for name, path in anonymous.items()}
    pages["password reset from key"] = other_client.get(reset_path, follow=True)
    pages["login with errors"] = log_in(other_client, member.username, "not the password")
    pages["signup with errors"] = sign_up(other_client, "ab", "not-an-email", "short")
    pages["password reset with errors"] = other_client.post("/accounts/password/reset/", {"email": "nope"})
    code_client = type(other_client)()
    pages["sign in with a code"] = code_client.get("/accounts/login/code/")
    code_client.post("/accounts/login/code/", {"email": member.email})
    pages["enter the sign-in code"] = code_client.get("/accounts/login/code/confirm/")

    log_in(client, member.username)
    for name, path in {
        "email": "/accounts/email/",
        "password change": "/accounts/password/change/",
        "reauthenticate": "/accounts/reauthenticate/",
        "sessions": "/accounts/sessions/",
        "connections": "/accounts/3rdparty/",
        "logout": "/accounts/logout/",
    }.items():
        pages[name] = client.get(path)
    pages["password change with errors"] = client.post(
        "/accounts/password/change/", {"oldpassword": "wrong", "password1": "a", "password2": "b"}
    )
    pages["reauthenticate with errors"] = client.post("/accounts/reauthenticate/", {"password": "wrong"})
    return pages


def load_settings(monkeypatch, **env: str):
    """config/settings.py evaluated afresh with this environment (the running settings are untouched)."""
    for name in [*KEYS, "DEBUG", "SECRET_KEY"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop("settings_under_test", None)
    return module
