"""A5: `?next=` never sends a member off the site after logging in (or out, or signing up)."""

import re
from urllib.parse import urlsplit

import pytest

from tests.accounts.helpers import PASSWORD, log_in

PAYLOADS = [
    "//evil.com",
    "/\\evil.com",
    "https:evil.com",
    "%2F%2Fevil.com",
    "javascript:alert(1)",
    "http://evil.com",
    "\\\\evil.com",
    "/%09/evil.com",
    "///evil.com",
    "https://testserver.evil.com",
    "/\t/evil.com",
    "  //evil.com",
]


def assert_on_site(location: str) -> None:
    """Read the Location as a browser would: tabs and newlines dropped, backslashes as slashes."""
    seen = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    parts = urlsplit(seen)
    assert not seen.startswith("//"), location
    assert parts.scheme in ("", "http", "https"), location
    if parts.scheme:
        assert parts.netloc == "testserver", location
    assert parts.netloc in ("", "testserver"), location


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_never_redirects_off_site(client, make_member, payload):
    make_member("ada")

    response = log_in(client, "ada", PASSWORD, next=payload)

    assert response.status_code == 302
    assert_on_site(response["Location"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_with_next_in_the_query_string_never_redirects_off_site(client, make_member, payload):
    make_member("ada")

    response = client.post("/accounts/login/", {"login": "ada", "password": PASSWORD}, QUERY_STRING=f"next={payload}")

    assert response.status_code == 302
    assert_on_site(response["Location"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_logout_and_signup_never_redirect_off_site(client, db, payload):
    signed_up = client.post(
        "/accounts/signup/",
        {
            "username": "grace",
            "email": "grace@example.com",
            "password1": "a long new passphrase",
            "password2": "a long new passphrase",
            "next": payload,
        },
    )
    logged_out = client.post("/accounts/logout/", {"next": payload})

    assert signed_up.status_code == logged_out.status_code == 302
    assert_on_site(signed_up["Location"])
    assert_on_site(logged_out["Location"])


def test_an_on_site_next_is_followed(client, make_member):
    make_member("ada")

    response = log_in(client, "ada", PASSWORD, next="/papers/trending/?page=2")

    assert response["Location"] == "/papers/trending/?page=2"


def test_the_checker_itself_rejects_off_site_locations():
    for location in ["//evil.com", "/\\evil.com", "https://evil.com/", "javascript:alert(1)", " /\t/evil.com"]:
        with pytest.raises(AssertionError):
            assert_on_site(location)
    assert_on_site("/papers/")
    assert_on_site("http://testserver/papers/")
