"""Sessions and the signed-in member come from the cache, and every change that matters shows on the next request.

A signed-in page view reads neither the session table nor the member's row, and writes nothing. Whatever changes
the row (a password, a deactivation, a suspension, a deletion, a name, a setting, an UPDATE of a queryset) drops
the cached copy, and whatever ends a session (logging out, "end the other sessions", deleting the account) ends
it in the cache too.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import CHANGED, User, member_cache_key
from accounts.sessions import SessionStore
from papers import moderation
from papers.account_deletion import delete_account
from papers.discussion import recount_karma
from papers.emails import unsubscribe
from tests.accounts.helpers import PASSWORD, log_in
from tests.factories import make_paper

NEW_PASSWORD = "another long passphrase"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def signed_in(client, make_member):
    """A client signed in through the login form (as a browser is), with one page seen."""
    member = make_member("ada")
    log_in(client, "ada")
    client.get("/")
    return client, member


def queries_of(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in context.captured_queries]


def user_of(client):
    return client.get("/").wsgi_request.user


def session_is_gone(session_key: str) -> bool:
    return not SessionStore().exists(session_key) and cache.get(KEY_PREFIX + session_key) is None


# --- A page view -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/papers/date/2026-08-18/"])
def test_a_signed_in_page_view_reads_no_session_or_member_row_and_writes_nothing(signed_in, path):
    client, _ = signed_in
    make_paper()
    queries_of(client, path)  # the page's own first view

    queries = queries_of(client, path)

    assert not [sql for sql in queries if WRITES.match(sql)]
    assert not [sql for sql in queries if "django_session" in sql]
    assert not [sql for sql in queries if 'FROM "accounts_user"' in sql]


def test_a_page_view_saves_no_session_and_rotates_no_cookie(signed_in):
    client, _ = signed_in
    session_key = client.cookies["sessionid"].value
    csrf_token = client.cookies["csrftoken"].value
    stored = Session.objects.get(pk=session_key).session_data

    response = client.get("/")

    assert "sessionid" not in response.cookies
    # Django sends the CSRF cookie again with every page whose forms use it, to renew its expiry: the same value
    assert response.cookies["csrftoken"].value == csrf_token
    assert Session.objects.get(pk=session_key).session_data == stored


def test_a_session_made_with_djangos_or_allauths_backend_path_stays_signed_in(member):
    """Sessions from before the backends moved to accounts.backends (they name Django's or allauth's)."""
    for path in ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"]:
        store = SessionStore()
        store.update({SESSION_KEY: str(member.pk), BACKEND_SESSION_KEY: path})
        store[HASH_SESSION_KEY] = member.get_session_auth_hash()
        store.create()
        cache.clear()  # as after a restart of Redis: read from the database
        client = Client()
        client.cookies["sessionid"] = store.session_key

        assert user_of(client) == member
        assert user_of(client) == member  # and from the cache


# --- The member's row ------------------------------------------------------------------------------------------


def test_a_password_change_signs_out_the_other_sessions_at_once(signed_in):
    client, _ = signed_in
    other = Client()
    log_in(other, "ada")
    assert user_of(other).is_authenticated

    client.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert not user_of(other).is_authenticated
    assert user_of(client).is_authenticated


def test_a_password_set_outside_a_request_signs_out_every_session(signed_in):
    client, member = signed_in
    user = User.objects.get(pk=member.pk)
    user.set_password(NEW_PASSWORD)
    user.save()

    assert not user_of(client).is_authenticated


def test_a_deactivated_member_is_signed_out_at_once(signed_in):
    client, member = signed_in
    User.objects.filter(pk=member.pk).update(is_active=False)

    assert not user_of(client).is_authenticated


def test_a_deactivation_saved_on_the_model_signs_out_at_once(signed_in):
    client, member = signed_in
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert not user_of(client).is_authenticated


def test_a_suspension_shows_on_the_next_request_and_so_does_its_end(signed_in, moderator):
    client, member = signed_in
    moderation.suspend_member(member, moderator, "Spam")
    assert user_of(client).is_suspended

    moderation.unsuspend_member(member, moderator, "Appeal heard")
    assert not user_of(client).is_suspended


def test_a_deleted_account_ends_every_session_in_the_cache_too(signed_in):
    client, member = signed_in
    other = Client()
    log_in(other, "ada")
    keys = [client.cookies["sessionid"].value, other.cookies["sessionid"].value]

    delete_account(User.objects.get(pk=member.pk))

    assert all(session_is_gone(key) for key in keys)
    assert not user_of(client).is_authenticated
    assert not user_of(other).is_authenticated


def test_deleting_the_account_through_the_page_ends_the_other_sessions(signed_in):
    client, _ = signed_in
    other = Client()
    log_in(other, "ada")

    client.post("/settings/delete/", {"confirm": "ada"})

    assert not user_of(client).is_authenticated
    assert not user_of(other).is_authenticated


def test_a_new_display_name_shows_in_the_header_at_once(signed_in):
    client, _ = signed_in
    assert '<span class="menu__name">ada</span>' in client.get("/").text

    client.post("/settings/", {"display_name": "Ada L.", "recency": 2, "digest": "off"})

    assert '<span class="menu__name">Ada L.</span>' in client.get("/").text


def test_a_new_username_shows_in_the_header_at_once(signed_in):
    client, member = signed_in
    User.objects.filter(pk=member.pk).update(username="lovelace")

    assert '<span class="menu__name">lovelace</span>' in client.get("/").text


def test_settings_changed_by_an_update_show_on_the_next_request(signed_in):
    client, member = signed_in
    assert user_of(client).email_on_reply

    unsubscribe(member, "email_on_reply")

    assert not user_of(client).email_on_reply


def test_a_recounted_karma_shows_on_the_next_request(signed_in):
    client, member = signed_in
    User.objects.filter(pk=member.pk).update(karma=5)
    assert user_of(client).karma == 5

    recount_karma(member.pk)

    assert user_of(client).karma == 0


def test_a_copy_cached_before_the_commit_is_not_served_after_it(member, django_capture_on_commit_callbacks):
    """A request that read the row before another request's write committed cannot keep its stale copy."""
    key = member_cache_key(member.pk)
    stale = {field.attname: getattr(member, field.attname) for field in User._meta.concrete_fields}
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        User.objects.filter(pk=member.pk).update(display_name="Fresh")
        cache.add(key, stale)  # another request, reading the row as it was before the commit

    assert cache.get(key) == CHANGED
    assert User.objects.cached(member.pk).display_name == "Fresh"
    assert cache.get(key) == CHANGED  # not kept while the mark lasts


def test_the_cached_copy_is_the_whole_row_and_nothing_else(member, moderator):
    assert User.objects.cached(member.pk) == member  # from the database, now kept
    cached = User.objects.cached(moderator.pk)
    cached = User.objects.cached(moderator.pk)

    assert [getattr(cached, f.attname) for f in User._meta.concrete_fields] == [
        getattr(moderator, f.attname) for f in User._meta.concrete_fields
    ]
    assert not cached._state.adding
    assert cached.is_moderator  # read from the groups, as for a row from the database
    assert User.objects.cached("not a number") is None
    assert User.objects.cached(10**9) is None


def test_a_deleted_row_is_not_served_from_the_cache(signed_in):
    client, member = signed_in
    User.objects.filter(pk=member.pk).delete()

    assert not user_of(client).is_authenticated


# --- Sessions ----------------------------------------------------------------------------------------------------


def test_logging_out_ends_the_session_in_the_cache_and_the_database(signed_in):
    client, _ = signed_in
    session_key = client.cookies["sessionid"].value
    assert cache.get(KEY_PREFIX + session_key) is not None

    client.post("/accounts/logout/")

    assert session_is_gone(session_key)
    replay = Client()
    replay.cookies["sessionid"] = session_key
    assert not user_of(replay).is_authenticated


def test_the_sessions_page_lists_the_cached_sessions_and_ends_them_in_the_cache(signed_in):
    client, _ = signed_in
    other = Client(HTTP_USER_AGENT="Phone browser")
    log_in(other, "ada")
    other_key = other.cookies["sessionid"].value

    page = client.get("/accounts/sessions/")
    client.post("/accounts/sessions/")

    assert "Phone browser" in page.text
    assert session_is_gone(other_key)
    assert not user_of(other).is_authenticated
    assert user_of(client).is_authenticated
    assert "Phone browser" not in client.get("/accounts/sessions/").text
