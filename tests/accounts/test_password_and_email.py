"""Password reset by emailed link, password change, and changing the email address (which asks
for the password again first)."""

import re

from allauth.account.models import EmailAddress

from tests.accounts.helpers import PASSWORD, links_in, log_in, logged_in_user_id

NEW = "a brand new passphrase"
CODE = re.compile(r"^\s*([A-Z0-9-]{4,12})\s*$", re.MULTILINE)


def test_password_reset_emails_a_link_that_sets_a_new_password(client, make_member, mailoutbox):
    user = make_member("ada")

    response = client.post("/accounts/password/reset/", {"email": "ada@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert "Check your email" in client.get(response["Location"]).text
    [message] = mailoutbox
    assert message.to == ["ada@example.com"]
    [link] = links_in(message)
    assert "your username is ada" in message.body

    form_page = client.get(link, follow=True)  # allauth moves the key into the session, then shows the form
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.text
    assert 'autocomplete="new-password"' in form_page.text
    done = client.post(form_page.request["PATH_INFO"], {"password1": NEW, "password2": NEW})

    assert done.status_code == 302
    assert "Password changed" in client.get(done["Location"]).text
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert log_in(client, "ada", NEW).status_code == 302


def test_a_used_reset_link_does_not_work_twice(client, make_member, mailoutbox):
    make_member("ada")
    client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    [link] = links_in(mailoutbox[0])
    form_page = client.get(link, follow=True)
    client.post(form_page.request["PATH_INFO"], {"password1": NEW, "password2": NEW})

    again = client.get(link, follow=True)

    assert "This link has expired" in again.text


def test_password_change_needs_the_current_password(client, make_member):
    user = make_member("ada")
    log_in(client, "ada")

    page = client.get("/accounts/password/change/")
    refused = client.post("/accounts/password/change/", {"oldpassword": "wrong", "password1": NEW, "password2": NEW})
    changed = client.post("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW})

    assert 'autocomplete="current-password"' in page.text
    assert 'autocomplete="new-password"' in page.text
    assert refused.status_code == 200
    assert "Please type your current password." in refused.text
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_password_change_is_for_members_only(client, db):
    response = client.get("/accounts/password/change/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/change/"


def test_a_password_change_is_notified_by_email(client, make_member, mailoutbox):
    make_member("ada")
    log_in(client, "ada")

    client.post("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW})

    [message] = mailoutbox
    assert message.to == ["ada@example.com"]
    assert "password" in message.subject.lower()


def test_changing_the_email_address_asks_for_the_password_first(client, make_member, mailoutbox):
    user = make_member("ada")
    log_in(client, "ada")

    page = client.get("/accounts/email/")
    response = client.post("/accounts/email/", {"action_add": "", "email": "ada@new.example.org"})

    assert page.status_code == 200
    assert "ada@example.com" in page.text
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2Femail%2F"
    assert not EmailAddress.objects.filter(email="ada@new.example.org").exists()
    assert mailoutbox == []

    reauth_page = client.get(response["Location"])
    assert "Confirm it is you" in reauth_page.text
    assert 'autocomplete="current-password"' in reauth_page.text
    wrong = client.post(response["Location"], {"password": "not my password"})
    assert wrong.status_code == 200
    assert not EmailAddress.objects.filter(email="ada@new.example.org").exists()

    resumed = client.post(response["Location"], {"password": PASSWORD})

    assert resumed.status_code == 302
    new = EmailAddress.objects.get(email="ada@new.example.org")
    assert new.user == user
    assert new.verified is False
    assert [message.to for message in mailoutbox] == [["ada@new.example.org"]]
    page = client.get("/accounts/email/")
    assert "Changing to" in page.text
    assert "ada@new.example.org" in page.text


def test_the_new_address_replaces_the_old_one_once_verified(client, make_member, mailoutbox):
    user = make_member("ada")
    log_in(client, "ada")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    client.post("/accounts/email/", {"action_add": "", "email": "ada@new.example.org"})
    [link] = links_in(mailoutbox[0])
    client.post(link)

    user.refresh_from_db()
    assert user.email == "ada@new.example.org"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("ada@new.example.org", True, True)
    ]
    assert logged_in_user_id(client) == str(user.pk)


def test_a_member_without_a_password_confirms_by_emailed_code_before_setting_one(client, make_member, mailoutbox):
    """Members who signed up with GitHub or Hugging Face have no password to re-enter."""
    user = make_member("octo")
    user.set_unusable_password()
    user.save()
    client.force_login(user)

    asked = client.get("/accounts/password/set/")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/reauthenticate/code/")
    page = client.get(asked["Location"])
    assert "We will email you a code" in page.text
    sent = client.post(asked["Location"], {"recipient": "octo@example.com"})
    assert sent.status_code == 302
    [message] = mailoutbox
    code = CODE.search(message.body).group(1)
    entry = client.get(sent["Location"])
    assert entry.status_code == 200 and f'action="{sent["Location"]}"' in entry.text  # the form posts to its page
    confirmed = client.post(sent["Location"], {"code": code})
    assert confirmed.status_code == 302
    set_page = client.get(confirmed["Location"])
    assert "Set a password" in set_page.text

    client.post("/accounts/password/set/", {"password1": NEW, "password2": NEW})

    user.refresh_from_db()
    assert user.check_password(NEW)
