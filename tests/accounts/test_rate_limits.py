"""A1: brute force. allauth's limits live in the default cache (cleared before every test by
tests/conftest.py); the limits are the ones configured in settings, not test-only values."""

import re

from allauth.account import app_settings
from django.test import Client

from tests.accounts.helpers import PASSWORD, log_in, logged_in_user_id

TOO_MANY = "Too many wrong passwords for this account: sign-in by password is paused for a few minutes."


def test_the_configured_limits_keep_or_tighten_allauths_defaults():
    limits = app_settings.RATE_LIMITS

    assert limits["login"] == "30/m/ip"
    assert limits["login_failed"] == "10/m/ip,5/5m/key"
    assert limits["signup"] == "20/m/ip"
    assert limits["reset_password"] == "20/m/ip,5/h/key"


def test_the_sixth_attempt_on_an_account_is_refused_even_with_the_right_password(client, make_member):
    make_member("ada")
    for _ in range(5):
        assert "are not correct" in log_in(client, "ada", "guess").text

    response = log_in(client, "ada", PASSWORD)

    assert response.status_code == 200
    assert TOO_MANY in response.text
    assert logged_in_user_id(client) is None


def test_failed_attempts_on_one_account_do_not_lock_another(client, make_member):
    make_member("ada")
    bob = make_member("bob")
    for _ in range(5):
        log_in(client, "ada", "guess")

    log_in(client, "bob")

    assert logged_in_user_id(client) == str(bob.pk)


def test_a_successful_login_does_not_reset_the_failure_count(client, make_member):
    make_member("ada")
    for _ in range(4):
        log_in(client, "ada", "guess")
    log_in(client, "ada")
    client.post("/accounts/logout/")

    log_in(client, "ada", "guess")
    response = log_in(client, "ada")

    assert TOO_MANY in response.text


def test_the_thirty_first_login_post_in_a_minute_from_one_address_gets_429(client, db):
    for _ in range(30):
        assert client.post("/accounts/login/", {}).status_code == 200

    response = client.post("/accounts/login/", {})

    assert response.status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.7").post("/accounts/login/", {}).status_code == 200  # per address
    assert client.get("/accounts/login/").status_code == 200  # reading the form is not limited


def test_the_twenty_first_signup_post_in_a_minute_gets_429(client, db):
    for _ in range(20):
        assert client.post("/accounts/signup/", {}).status_code == 200

    assert client.post("/accounts/signup/", {}).status_code == 429


def test_password_reset_mails_to_one_address_are_limited_to_five_an_hour(client, make_member, mailoutbox):
    make_member("ada")
    for _ in range(5):
        assert client.post("/accounts/password/reset/", {"email": "ada@example.com"}).status_code == 302

    refused = client.post("/accounts/password/reset/", {"email": "ADA@example.com"})
    other = client.post("/accounts/password/reset/", {"email": "bob@example.com"})

    assert refused.status_code == 429
    assert other.status_code == 302
    assert len(mailoutbox) == 6


def test_the_limits_use_the_client_address_given_by_trusted_proxies(settings, client, make_member):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    make_member("ada")
    for _ in range(30):
        client.post("/accounts/login/", {}, HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert client.post("/accounts/login/", {}, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert client.post("/accounts/login/", {}, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_an_attacker_elsewhere_cannot_keep_the_owner_out(make_member, mailoutbox):
    """Five wrong passwords from one address pause password sign-in to the account everywhere; the owner,
    from another address, still gets in with a code sent to their email."""
    ada = make_member("ada")
    attacker, owner = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(5):
        log_in(attacker, "ada", "guess")
    assert TOO_MANY in log_in(attacker, "ada", "guess").text  # the attacker is throttled

    refused = log_in(owner, "ada", PASSWORD)
    assert TOO_MANY in refused.text and "Sign in with a code sent to your email" in refused.text
    assert logged_in_user_id(owner) is None

    response = owner.post("/accounts/login/code/", {"email": "ada@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/confirm/"
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mailoutbox[-1].body, re.MULTILINE)[1]
    assert 'action="/accounts/login/code/confirm/"' in owner.get("/accounts/login/code/confirm/").text
    response = owner.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert logged_in_user_id(owner) == str(ada.pk)


def test_sign_in_codes_are_limited_per_account(make_member, mailoutbox):
    make_member("ada")
    for n in range(5):
        Client(REMOTE_ADDR=f"203.0.113.{n}").post("/accounts/login/code/", {"email": "ada@example.com"})
    assert len(mailoutbox) == 3  # request_login_code: 3 a minute per account
