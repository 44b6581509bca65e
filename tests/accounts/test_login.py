"""Logging in by username or email, logging out by POST only, suspended and deleted members."""

from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import User
from tests.accounts.helpers import PASSWORD, log_in, logged_in_user_id

WRONG = "The username and/or password you specified are not correct."


def test_login_page_asks_for_a_username_or_email_and_the_current_password(client, db):
    html = client.get("/accounts/login/").text

    login_input = html[html.index('name="login"') :].split(">", 1)[0]
    password_input = html[html.index('name="password"') :].split(">", 1)[0]
    assert '<label for="id_login">Username or email</label>' in html
    assert 'autocomplete="username"' in login_input
    assert 'autocomplete="current-password"' in password_input
    assert 'href="/accounts/password/reset/"' in html
    assert 'href="/accounts/signup/"' in html


def test_a_member_logs_in_with_their_username(client, make_member):
    user = make_member("ada")

    response = log_in(client, "ada")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == str(user.pk)


def test_the_username_is_not_case_sensitive(client, make_member):
    user = make_member("ada")

    log_in(client, "ADA")

    assert logged_in_user_id(client) == str(user.pk)


def test_a_member_logs_in_with_their_email_address(client, make_member):
    user = make_member("ada", "Ada.Lovelace@example.com")

    response = log_in(client, "ada.lovelace@EXAMPLE.com")

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_a_wrong_password_is_refused_with_a_message(client, make_member):
    make_member("ada")

    response = log_in(client, "ada", "not my password")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert (
        f'<div class="auth-form__errors" role="alert"><ul class="form-errors"><li>{WRONG}</li></ul></div>'
        in response.text
    )
    assert 'value="ada"' in response.text  # what was typed stays in the field


def test_logout_by_post_ends_the_session(client, make_member):
    make_member("ada")
    log_in(client, "ada")

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert logged_in_user_id(client) is None


def test_logout_by_get_only_asks_for_confirmation(client, make_member):
    user = make_member("ada")
    log_in(client, "ada")

    response = client.get("/accounts/logout/")

    assert response.status_code == 200
    assert '<form method="post" action="/accounts/logout/"' in response.text
    assert logged_in_user_id(client) == str(user.pk)


def test_a_suspended_member_can_still_log_in_to_read(client, make_member):
    user = make_member("ada")
    user.suspend("Spam")

    log_in(client, "ada")

    assert logged_in_user_id(client) == str(user.pk)


def test_a_deleted_member_cannot_log_in(client, make_member):
    user = make_member("ada")
    user.anonymize()

    for login in ["ada", f"deleted-{user.pk}", "ada@example.com"]:
        response = log_in(client, login)
        assert response.status_code == 200
        assert "and/or password you specified are not correct." in response.text
    assert logged_in_user_id(client) is None


def test_a_member_marked_deleted_cannot_log_in_even_if_still_active(client, make_member):
    user = make_member("ada")
    User.objects.filter(pk=user.pk).update(deleted_at="2026-01-01T00:00:00Z")

    response = log_in(client, "ada")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert logged_in_user_id(client) is None
    assert "This account is inactive" in client.get("/accounts/inactive/").text


def valid_sessions_of(user: User) -> int:
    """Sessions that would still authenticate this member (Django checks the hash on every request)."""
    user.refresh_from_db()
    sessions = (session.get_decoded() for session in Session.objects.all())
    return sum(
        1
        for data in sessions
        if data.get("_auth_user_id") == str(user.pk) and data.get("_auth_user_hash") == user.get_session_auth_hash()
    )


def test_deleting_a_member_ends_all_of_their_sessions(client, make_member):
    user = make_member("ada")
    laptop, phone = client, Client()
    log_in(laptop, "ada")
    log_in(phone, "ada@example.com")
    assert valid_sessions_of(user) == 2

    user.anonymize()

    for device in (laptop, phone):
        response = device.get("/accounts/email/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert response.wsgi_request.user.is_anonymous
    assert valid_sessions_of(user) == 0


def test_changing_the_password_elsewhere_ends_other_sessions(client, make_member):
    user = make_member("ada")
    other = Client()
    log_in(client, "ada")
    log_in(other, "ada")

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a brand new passphrase", "password2": "a brand new passphrase"},
    )

    assert response.status_code == 302
    assert client.get("/accounts/email/").status_code == 200  # this session carries on
    assert other.get("/accounts/email/").wsgi_request.user.is_anonymous
    assert valid_sessions_of(user) == 1
