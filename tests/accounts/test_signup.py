"""Signing up: a member with a username, an email address and a password; the username rules;
email verification optional while developing and mandatory in production."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from tests.accounts.helpers import links_in, log_in, logged_in_user_id, sign_up


def test_signup_page_has_labelled_fields_with_the_right_autocomplete(client, db):
    response = client.get("/accounts/signup/")

    assert response.status_code == 200
    html = response.text
    for field, autocomplete in [
        ("username", "username"),
        ("email", "email"),
        ("password1", "new-password"),
        ("password2", "new-password"),
    ]:
        assert f'<label for="id_{field}">' in html
        assert f'name="{field}"' in html
        input_tag = html[html.index(f'name="{field}"') :].split(">", 1)[0]
        assert f'autocomplete="{autocomplete}"' in input_tag, input_tag
    assert 'maxlength="30"' in html


def test_signup_creates_a_member_logs_them_in_and_emails_a_verification_link(client, db, mailoutbox):
    response = sign_up(client, "grace", "Grace@Example.com")

    assert response.status_code == 302
    user = User.objects.get(username="grace")
    assert user.email == "grace@example.com"
    assert user.check_password("a long new passphrase")
    assert logged_in_user_id(client) == str(user.pk)  # verification is optional by default
    assert EmailAddress.objects.get(user=user).verified is False
    [message] = mailoutbox
    assert message.to == ["grace@example.com"]
    assert message.subject.startswith("[Paper Commons] ")
    assert "Hello from Paper Commons!" in message.body
    [link] = links_in(message)
    assert link.startswith("/accounts/confirm-email/")


def test_following_the_link_verifies_the_address(client, db, mailoutbox):
    sign_up(client)
    [link] = links_in(mailoutbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert EmailAddress.objects.get(email="grace@example.com").verified is False  # GET never confirms
    response = client.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="grace@example.com").verified is True


def test_with_mandatory_verification_signup_does_not_log_in(client, db, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert logged_in_user_id(client) is None
    assert "Verify your email address" in client.get(response["Location"]).text
    assert len(mailoutbox) == 1


def test_with_mandatory_verification_login_is_refused_until_the_link_is_followed(client, db, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    sign_up(client)
    [link] = links_in(mailoutbox[0])

    refused = log_in(client, "grace", "a long new passphrase")

    assert refused.status_code == 302
    assert refused["Location"] == "/accounts/confirm-email/"
    assert logged_in_user_id(client) is None

    client.post(link)
    User.objects.filter(username="grace").update(onboarded_at=timezone.now())  # the welcome page: tested below
    accepted = log_in(client, "grace", "a long new passphrase")

    assert accepted.status_code == 302
    assert accepted["Location"] == "/"
    assert logged_in_user_id(client) == str(User.objects.get(username="grace").pk)


def test_with_mandatory_verification_the_first_login_leads_to_the_welcome_page_once(client, db, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    sign_up(client)
    [link] = links_in(mailoutbox[0])
    client.post(link)

    first = log_in(client, "grace", "a long new passphrase")

    assert first.status_code == 302
    assert first["Location"] == "/welcome/"  # ACCOUNT_SIGNUP_REDIRECT_URL never applied: sign-up did not log in
    assert client.get(first["Location"]).status_code == 200
    assert client.post("/welcome/", {"skip": "1"})["Location"] == "/"
    assert User.objects.get(username="grace").onboarded_at is not None
    client.post("/accounts/logout/")

    second = log_in(client, "grace", "a long new passphrase")

    assert second.status_code == 302
    assert second["Location"] == "/"


def test_a_next_address_wins_over_the_welcome_page(client, db, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    sign_up(client)
    client.post(links_in(mailoutbox[0])[0])

    response = log_in(client, "grace", "a long new passphrase", next="/papers/trending/")

    assert response["Location"] == "/papers/trending/"
    assert User.objects.get(username="grace").onboarded_at is None  # the welcome page still comes, next time
    client.post("/accounts/logout/")
    assert log_in(client, "grace", "a long new passphrase")["Location"] == "/welcome/"


def test_a_forged_link_confirms_nothing(client, db, mailoutbox):
    sign_up(client)

    page = client.get("/accounts/confirm-email/not-a-real-key/")
    client.post("/accounts/confirm-email/not-a-real-key/")

    assert "This confirmation link has expired or is invalid." in page.text
    assert EmailAddress.objects.get(email="grace@example.com").verified is False


@pytest.mark.parametrize(
    "username",
    ["admin", "Admin", "MODERATOR", "deleted", "anonymous", "settings", "api", "deleted-12", "Deleted-7"],
)
def test_reserved_usernames_are_refused(client, db, username):
    response = sign_up(client, username, f"{username.lower()}@example.com")

    assert response.status_code == 200
    assert "This username is reserved. Please choose another one." in response.text
    assert not User.objects.filter(username__iexact=username).exists()


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("ab", "at least 3 characters"),
        ("a" * 31, "at most 30 characters"),
        ("with space", "Use only letters"),
        ("émile", "Use only letters"),
        ("ada@home", "Use only letters"),
        ("semi;colon", "Use only letters"),
    ],
)
def test_usernames_outside_the_rules_are_refused(client, db, username, error):
    response = sign_up(client, username, "someone@example.com")

    assert response.status_code == 200
    assert error in response.text
    assert not User.objects.exists()


@pytest.mark.parametrize("username", ["abc", "a" * 30, "Ada.Lovelace_1815-x"])
def test_usernames_inside_the_rules_are_accepted(client, db, username):
    response = sign_up(client, username, "someone@example.com")

    assert response.status_code == 302
    assert User.objects.get().username == username


def test_a_username_differing_only_in_case_is_taken(client, make_member):
    make_member("ada")

    response = sign_up(client, "ADA", "other@example.com")

    assert response.status_code == 200
    assert "A user with that username already exists." in response.text
    assert User.objects.count() == 1


def test_signup_errors_are_tied_to_their_fields(client, db):
    response = sign_up(client, "ab", "not-an-email", "short")

    html = response.text
    assert 'aria-invalid="true"' in html
    username_input = html[html.index('name="username"') :].split(">", 1)[0]
    assert 'aria-invalid="true"' in username_input
    assert 'aria-describedby="id_username_helptext id_username_error"' in username_input
    assert '<div id="id_username_error" role="alert"><ul class="form-errors">' in html
    assert 'id="id_email_error"' in html
