"""A2: the login, password reset and sign-up forms answer the same whether or not an account exists
(same status, same redirect, same page apart from what was typed)."""

import re

import pytest
from django.contrib.auth import hashers

from accounts.models import User
from tests.accounts.helpers import log_in, sign_up

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def normalised(response, typed: str) -> str:
    """The page without what varies on every request (the CSRF token) and without the echoed input."""
    return TOKEN.sub("", response.text).replace(typed, "TYPED")


def test_login_with_an_unknown_or_a_known_username_looks_the_same(client, make_member):
    make_member("ada")

    known = log_in(client, "ada", "wrong password")
    unknown = log_in(client, "nobody-here", "wrong password")

    assert known.status_code == unknown.status_code == 200
    assert normalised(known, "ada") == normalised(unknown, "nobody-here")


def test_login_with_an_unknown_or_a_known_email_looks_the_same(client, make_member):
    make_member("ada")

    known = log_in(client, "ada@example.com", "wrong password")
    unknown = log_in(client, "nobody@example.com", "wrong password")

    assert known.status_code == unknown.status_code == 200
    assert normalised(known, "ada@example.com") == normalised(unknown, "nobody@example.com")


def test_password_reset_for_an_unknown_or_a_known_address_looks_the_same(client, make_member, mailoutbox):
    make_member("ada")

    known = client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/done/"
    assert known.content == unknown.content
    # Each address gets one email: the reset link, or "there is no account with this address".
    assert [message.to for message in mailoutbox] == [["ada@example.com"], ["nobody@example.com"]]


def test_signup_with_a_taken_or_a_new_address_looks_the_same_in_production(client, make_member, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    make_member("ada")

    taken = sign_up(client, "grace", "ada@example.com")
    new = sign_up(client, "hopper", "hopper@example.com")

    assert taken.status_code == new.status_code == 302
    assert taken["Location"] == new["Location"] == "/accounts/confirm-email/"
    assert taken.content == new.content
    assert not User.objects.filter(username="grace").exists()
    # The owner of the taken address is told someone tried; the new address gets its link.
    assert [message.to for message in mailoutbox] == [["ada@example.com"], ["hopper@example.com"]]


def test_signup_with_a_taken_address_is_refused_openly_while_developing(client, make_member):
    """With optional verification allauth cannot hide it (it would have to let the second account in)."""
    make_member("ada")

    response = sign_up(client, "grace", "ada@example.com")

    assert response.status_code == 200
    assert "A user is already registered with this email address." in response.text


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Counts password hashes computed, the one costly step (~0.3 s each with the production hasher)."""
    computed: list[str] = []
    original = hashers.MD5PasswordHasher.encode  # the tests' hasher (tests/conftest.py)

    def encode(self, password, salt, *args, **kwargs):
        computed.append(salt)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hashers.MD5PasswordHasher, "encode", encode)
    return computed


def cost(hashes: list[str], action) -> int:
    hashes.clear()
    action()
    return len(hashes)


def test_known_and_unknown_accounts_cost_the_same_password_hashes(client, make_member, settings, hashes):
    """The timing side of A2: the responses take as long when they compute as many hashes. allauth
    already balances login; the adapter balances sign-up with a taken address."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    make_member("ada")

    login = (
        cost(hashes, lambda: log_in(client, "ada", "guess")),
        cost(hashes, lambda: log_in(client, "nobody", "guess")),
    )
    reset = (
        cost(hashes, lambda: client.post("/accounts/password/reset/", {"email": "ada@example.com"})),
        cost(hashes, lambda: client.post("/accounts/password/reset/", {"email": "nobody@example.com"})),
    )
    signup = (
        cost(hashes, lambda: sign_up(client, "grace", "ada@example.com")),
        cost(hashes, lambda: sign_up(client, "hopper", "hopper@example.com")),
    )

    assert login[0] == login[1] > 0
    assert reset[0] == reset[1]
    assert signup[0] == signup[1] == 1
