"""Personal access tokens in /settings/: made with a name and a scope, the secret shown once, listed, revoked.

Each action works as a plain form (redirect back to /settings/#api-tokens) and with htmx (the section re-rendered
in place); anonymous visitors go to the login page; nobody reaches another member's tokens.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from accounts.models import ApiToken
from papers import account_deletion
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"pc_[A-Za-z0-9_-]{40,}")


def secrets_in(html: str) -> list[str]:
    return SECRET.findall(html)


def section(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def api_status(secret: str) -> int:
    """What the API answers the token now (a fresh client: no session)."""
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code


# Making a token


def test_a_new_token_is_shown_once_after_the_redirect_and_never_again(member_client, member):
    response = member_client.post("/settings/api-tokens/", {"name": "Laptop  script", "scope": "write"})
    assert response.status_code == 302 and response["Location"] == "/settings/#api-tokens"
    token = ApiToken.objects.get(user=member)
    assert (token.name, token.scope, token.revoked_at) == ("Laptop script", "write", None)
    shown = member_client.get("/settings/")
    (secret,) = set(secrets_in(shown.text))
    assert secret.startswith(token.prefix) and ApiToken.hash(secret) == token.digest
    assert "Copy it now: it is shown this once and never again." in shown.text
    assert f'<code class="new-token__secret" id="new-token-secret">{secret}</code>' in shown.text
    assert "no-store" in shown["Cache-Control"]  # Back never shows it again from the browser's cache
    again = member_client.get("/settings/")
    assert secrets_in(again.text) == [] and "shown this once" not in again.text
    assert "no-store" not in again.get("Cache-Control", "")
    assert api_status(secret) == 200


def test_with_htmx_the_secret_comes_in_the_answer_and_is_kept_nowhere(member_client, member, htmx):
    response = member_client.post("/settings/api-tokens/", {"name": "CI", "scope": "read"}, headers=htmx)
    assert response.status_code == 200
    (secret,) = set(secrets_in(response.text))
    assert "no-store" in response["Cache-Control"]
    assert response.text.lstrip().startswith('<h2 id="api-tokens-heading">')  # the section's content only
    assert ApiToken.objects.get(user=member).scope == "read"
    assert secrets_in(member_client.get("/settings/").text) == []
    assert api_status(secret) == 200


def test_the_list_shows_name_prefix_scope_and_when_last_used(member_client, member):
    read, read_secret = ApiToken.issue(member, "Reader", ApiToken.Scope.READ)
    ApiToken.issue(member, "Writer", ApiToken.Scope.WRITE)
    revoked, _ = ApiToken.issue(member, "Old one", ApiToken.Scope.READ)
    revoked.revoke()
    ApiToken.issue(make_user("bob"), "Bob's", ApiToken.Scope.READ)
    assert api_status(read_secret) == 200  # marks it used
    soup = section(member_client.get("/settings/").text)
    rows = soup.select("#api-tokens tbody tr")
    cells = [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])] for row in rows]
    assert [row[0] for row in cells] == ["Writer", "Reader"]  # live ones, newest first; nobody else's
    writer, reader = cells
    assert writer[1].endswith("…") and writer[1].startswith("pc_") and writer[2] == "Read and write"
    assert writer[4] == "never" and reader[4] != "never" and reader[2] == "Read"
    assert reader[1] == f"{read.prefix}…"
    assert soup.select_one("#api-tokens a[href='/api/docs/']") is not None
    assert len(soup.select("#api-tokens form[action$='/revoke/']")) == 2


def test_a_token_needs_a_name_and_a_known_scope(member_client, member, htmx):
    response = member_client.post("/settings/api-tokens/", {"name": "   ", "scope": "write"})
    assert response.status_code == 400
    assert "Give the token a name." in response.text
    assert "<h1>Settings</h1>" in response.text  # the whole page, without JavaScript
    response = member_client.post("/settings/api-tokens/", {"name": "x", "scope": "admin"}, headers=htmx)
    assert response.status_code == 200  # htmx swaps only 2xx answers: the form with its error, in place
    assert "Select a valid choice." in response.text
    assert not ApiToken.objects.exists()


def test_a_member_has_at_most_twenty_live_tokens(member_client, member, htmx):
    for n in range(ApiToken.MAX_LIVE):
        ApiToken.issue(member, f"Token {n}", ApiToken.Scope.READ)
    response = member_client.post("/settings/api-tokens/", {"name": "One more", "scope": "read"})
    assert response.status_code == 400
    assert "You have 20 tokens, the most a member can have at once" in response.text
    response = member_client.post("/settings/api-tokens/", {"name": "One more", "scope": "read"}, headers=htmx)
    assert "revoke one you no longer use" in response.text
    assert member.api_tokens.live().count() == ApiToken.MAX_LIVE
    with pytest.raises(ApiToken.LimitReached):
        ApiToken.issue(member, "Past the form", ApiToken.Scope.READ)
    member.api_tokens.first().revoke()  # a revoked one no longer counts
    assert member_client.post("/settings/api-tokens/", {"name": "One more", "scope": "read"}).status_code == 302


# Revoking a token


def test_revoking_stops_the_token_at_once(member_client, member):
    token, secret = ApiToken.issue(member, "Laptop", ApiToken.Scope.WRITE)
    assert api_status(secret) == 200
    response = member_client.post(f"/settings/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/settings/#api-tokens"
    assert api_status(secret) == 401
    page = member_client.get("/settings/").text
    assert "The token “Laptop” is revoked: it stopped working at once." in page
    assert "You have no API tokens." in page
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_with_htmx_answers_with_the_section(member_client, member, htmx):
    token, secret = ApiToken.issue(member, "Laptop", ApiToken.Scope.READ)
    kept, _ = ApiToken.issue(member, "Desktop", ApiToken.Scope.READ)
    response = member_client.post(f"/settings/api-tokens/{token.pk}/revoke/", headers=htmx)
    assert response.status_code == 200
    soup = section(response.text)
    assert "is revoked: it stopped working at once" in soup.select_one('[role="status"]').get_text()
    assert [row["id"] for row in soup.select("tbody tr")] == [f"api-token-{kept.pk}"]
    assert api_status(secret) == 401


def test_the_revoke_button_asks_first_with_javascript(member_client, member):
    token, _ = ApiToken.issue(member, "Laptop", ApiToken.Scope.READ)
    form = section(member_client.get("/settings/").text).select_one(f"#api-token-{token.pk} form")
    assert form["method"] == "post" and form["action"] == f"/settings/api-tokens/{token.pk}/revoke/"
    assert form["data-hx-post"] == form["action"] and form["data-hx-target"] == "#api-tokens"
    assert form["data-hx-confirm"] == "Revoke the token “Laptop”? Scripts that use it stop working at once."
    assert form.select_one("input[name=csrfmiddlewaretoken]") is not None


def test_another_member_cannot_revoke_my_token(client, member, other_member, htmx):
    token, secret = ApiToken.issue(member, "Mine", ApiToken.Scope.READ)
    client.force_login(other_member)
    assert client.post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/settings/api-tokens/{token.pk}/revoke/", headers=htmx).status_code == 404
    assert api_status(secret) == 200


def test_a_revoked_token_cannot_be_revoked_again(member_client, member):
    token, _ = ApiToken.issue(member, "Once", ApiToken.Scope.READ)
    token.revoke()
    assert member_client.post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 404


def test_anonymous_visitors_go_to_the_login_page(client, member, htmx):
    token, secret = ApiToken.issue(member, "Mine", ApiToken.Scope.READ)
    for path in ("/settings/api-tokens/", f"/settings/api-tokens/{token.pk}/revoke/"):
        response = client.post(path, {"name": "x", "scope": "read"})
        assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/settings/"
        response = client.post(path, {"name": "x", "scope": "read"}, headers=htmx)
        assert response["HX-Redirect"] == "/accounts/login/?next=%2Fsettings%2F"
    assert ApiToken.objects.count() == 1 and api_status(secret) == 200


def test_the_token_routes_only_take_posts(member_client, member):
    token, _ = ApiToken.issue(member, "Mine", ApiToken.Scope.READ)
    assert member_client.get("/settings/api-tokens/").status_code == 405
    assert member_client.get(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 405
    assert ApiToken.objects.live().count() == 1


def test_making_tokens_counts_against_the_settings_limit(member_client, settings):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "settings": "2/600"}
    for _ in range(2):
        assert member_client.post("/settings/api-tokens/", {"name": "x", "scope": "read"}).status_code == 302
    response = member_client.post("/settings/api-tokens/", {"name": "x", "scope": "read"})
    assert response.status_code == 429 and "Retry-After" in response


def test_the_settings_page_stays_within_its_queries(member_client, member, django_assert_max_num_queries):
    for n in range(ApiToken.MAX_LIVE):
        ApiToken.issue(member, f"Token {n}", ApiToken.Scope.READ)
    with django_assert_max_num_queries(12):
        response = member_client.get("/settings/")
    assert len(section(response.text).select("#api-tokens tbody tr")) == ApiToken.MAX_LIVE


# A deleted account


def test_a_deleted_accounts_tokens_stop_working(member):
    _, secret = ApiToken.issue(member, "Script", ApiToken.Scope.WRITE)
    assert api_status(secret) == 200
    account_deletion.delete_account(member)
    assert api_status(secret) == 401
    assert not member.api_tokens.live().exists()  # revoked, not only refused


def test_a_deactivated_members_tokens_are_refused(member):
    _, secret = ApiToken.issue(member, "Script", ApiToken.Scope.READ)
    member.is_active = False
    member.save()
    assert api_status(secret) == 401
