"""Continue with GitHub / Hugging Face: configured from the environment only, shown only when
configured, and a whole login against recorded-shape provider answers (no network: `responses`
refuses every request that is not registered)."""

from __future__ import annotations

import pytest
import responses
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from tests.accounts.helpers import KEYS, load_settings, logged_in_user_id, query_of

HF = "https://huggingface.co"
# The fields of https://huggingface.co/.well-known/openid-configuration that allauth reads.
HF_DISCOVERY = {
    "issuer": HF,
    "authorization_endpoint": f"{HF}/oauth/authorize",
    "token_endpoint": f"{HF}/oauth/token",
    "userinfo_endpoint": f"{HF}/oauth/userinfo",
    "jwks_uri": f"{HF}/oauth/jwks",
    "scopes_supported": ["openid", "profile", "email"],
    "response_types_supported": ["code"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    "code_challenge_methods_supported": ["S256"],
}
HF_USERINFO = {
    "sub": "65a1b2c3d4e5f60718293a4b",
    "name": "Ada Lovelace",
    "preferred_username": "ada-l",
    "profile": "https://huggingface.co/ada-l",
    "picture": "https://cdn-avatars.huggingface.co/ada-l.png",
    "email": "ada@example.org",
    "email_verified": True,
}
GITHUB_USER = {
    "id": 583231,
    "login": "octo-cat",
    "name": "The Octocat",
    "email": None,
    "html_url": "https://github.com/octo-cat",
    "avatar_url": "https://avatars.githubusercontent.com/u/583231",
}
GITHUB_EMAILS = [
    {"email": "octo@example.com", "primary": True, "verified": True, "visibility": "public"},
    {"email": "octo@users.noreply.github.com", "primary": False, "verified": True, "visibility": None},
]


@pytest.fixture
def configured(settings, monkeypatch):
    """Both providers configured, exactly as the settings build them from the environment."""
    settings.SOCIALACCOUNT_PROVIDERS = load_settings(monkeypatch, **KEYS).SOCIALACCOUNT_PROVIDERS


def test_without_keys_no_provider_is_configured(monkeypatch):
    assert load_settings(monkeypatch).SOCIALACCOUNT_PROVIDERS == {}


def test_keys_in_the_environment_configure_github_and_hugging_face(monkeypatch):
    providers = load_settings(monkeypatch, **KEYS).SOCIALACCOUNT_PROVIDERS

    assert providers["github"]["APPS"] == [{"client_id": "gh-client", "secret": "gh-secret"}]
    [hf] = providers["openid_connect"]["APPS"]
    assert hf["provider_id"] == "huggingface"
    assert hf["name"] == "Hugging Face"
    assert (hf["client_id"], hf["secret"]) == ("hf-client", "hf-secret")
    assert hf["settings"]["server_url"] == "https://huggingface.co"
    assert hf["settings"]["scope"] == ["openid", "profile", "email"]


def test_half_a_key_pair_configures_nothing(monkeypatch):
    providers = load_settings(monkeypatch, GITHUB_CLIENT_ID="gh-client", HF_CLIENT_SECRET="hf-secret")

    assert providers.SOCIALACCOUNT_PROVIDERS == {}


def test_email_verification_is_optional_while_developing_and_mandatory_in_production(monkeypatch):
    assert load_settings(monkeypatch).ACCOUNT_EMAIL_VERIFICATION == "optional"
    production = load_settings(monkeypatch, DEBUG="0", SECRET_KEY="x" * 50)
    assert production.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    assert production.ACCOUNT_DEFAULT_HTTP_PROTOCOL == "https"


def test_without_keys_there_are_no_buttons_and_the_provider_urls_are_404(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}

    for page in ["/accounts/login/", "/accounts/signup/"]:
        html = client.get(page).text
        assert "Continue with" not in html
        assert "provider-list" not in html
    for url in [
        "/accounts/github/login/",
        "/accounts/github/login/callback/?code=x&state=y",
        "/accounts/oidc/huggingface/login/",
        "/accounts/oidc/huggingface/login/callback/?code=x&state=y",
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


def test_with_keys_the_login_and_signup_pages_offer_both_providers(client, db, configured):
    for page in ["/accounts/login/", "/accounts/signup/"]:
        html = client.get(page).text
        assert 'action="/accounts/github/login/?process=login"' in html
        assert ">Continue with GitHub</button>" in html
        assert 'action="/accounts/oidc/huggingface/login/?process=login"' in html
        assert ">Continue with Hugging Face</button>" in html


def test_the_buttons_carry_next_along(client, db, configured):
    html = client.get("/accounts/login/?next=/papers/trending/").text

    assert 'action="/accounts/github/login/?process=login&amp;next=%2Fpapers%2Ftrending%2F"' in html


def test_connecting_an_account_offers_the_providers(client, make_member, configured):
    make_member("ada")
    client.post("/accounts/login/", {"login": "ada", "password": "correct horse battery"})

    html = client.get("/accounts/3rdparty/").text

    assert 'action="/accounts/github/login/?process=connect"' in html
    assert ">Connect Hugging Face</button>" in html


def test_a_provider_url_opened_by_get_asks_before_leaving(client, db, configured):
    response = client.get("/accounts/github/login/?process=login")

    assert response.status_code == 200
    assert "Continue with GitHub" in response.text
    assert '<form method="post" class="auth-form">' in response.text


def github_login(client, *, user: dict = GITHUB_USER, emails: list = GITHUB_EMAILS):
    start = client.post("/accounts/github/login/?process=login")
    assert start.status_code == 302
    authorize = query_of(start["Location"])
    assert start["Location"].startswith("https://github.com/login/oauth/authorize?")
    assert authorize["client_id"] == "gh-client"
    assert authorize["redirect_uri"] == "http://testserver/accounts/github/login/callback/"
    assert authorize["scope"] == "user:email"
    assert authorize["code_challenge_method"] == "S256"

    with responses.RequestsMock() as provider:
        token = provider.post(
            "https://github.com/login/oauth/access_token",
            json={"access_token": "gho_test", "token_type": "bearer", "scope": "user:email"},
        )
        provider.get("https://api.github.com/user", json=user)
        provider.get("https://api.github.com/user/emails", json=emails)
        done = client.get("/accounts/github/login/callback/", {"code": "c0de", "state": authorize["state"]})
    assert "code_verifier=" in token.calls[0].request.body  # PKCE
    assert "client_secret=gh-secret" in token.calls[0].request.body
    return done


def test_a_github_login_creates_a_member_and_logs_them_in(client, db, configured):
    done = github_login(client)

    assert done.status_code == 302
    assert done["Location"] == "/welcome/"  # a sign-up: onboarding first (ACCOUNT_SIGNUP_REDIRECT_URL)
    user = User.objects.get(username="octo-cat")
    assert logged_in_user_id(client) == str(user.pk)
    assert user.email == "octo@example.com"
    assert not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("github", "583231")
    assert EmailAddress.objects.get(user=user, primary=True).verified is True


def test_a_second_github_login_finds_the_same_member(client, db, configured):
    github_login(client)
    client.post("/welcome/", {"skip": "1"})  # onboarded: the welcome page is shown until then
    client.post("/accounts/logout/")

    done = github_login(client)

    assert done["Location"] == "/"  # a login, not a sign-up: no onboarding
    assert User.objects.count() == 1
    assert logged_in_user_id(client) == str(User.objects.get().pk)


@pytest.mark.parametrize("login", ["admin", "Deleted-3", "a-very-long-github-login-name-of-39-chars"])
def test_a_github_login_outside_our_username_rules_gets_another_username(client, db, configured, login):
    github_login(client, user={**GITHUB_USER, "login": login})

    user = User.objects.get()
    assert logged_in_user_id(client) == str(user.pk)
    assert user.username.lower() not in {"admin", "deleted-3"}
    assert 3 <= len(user.username) <= 30


def test_a_refused_or_failed_github_login_shows_an_error_page(client, db, configured):
    start = client.post("/accounts/github/login/?process=login")
    state = query_of(start["Location"])["state"]

    cancelled = client.get("/accounts/github/login/callback/", {"error": "access_denied", "state": state})
    with responses.RequestsMock() as provider:
        provider.post("https://github.com/login/oauth/access_token", status=500)
        start = client.post("/accounts/github/login/?process=login")
        failed = client.get(
            "/accounts/github/login/callback/", {"code": "c0de", "state": query_of(start["Location"])["state"]}
        )

    assert cancelled.status_code == 302
    assert "Login cancelled" in client.get(cancelled["Location"]).text
    assert failed.status_code == 401
    assert "Could not log you in" in failed.text
    assert not User.objects.exists()
    assert logged_in_user_id(client) is None


def hf_login(client, *, token_response: dict):
    with responses.RequestsMock() as provider:
        provider.get(f"{HF}/.well-known/openid-configuration", json=HF_DISCOVERY)
        start = client.post("/accounts/oidc/huggingface/login/?process=login")
    assert start.status_code == 302
    assert start["Location"].startswith(f"{HF}/oauth/authorize?")
    authorize = query_of(start["Location"])
    assert authorize["client_id"] == "hf-client"
    assert set(authorize["scope"].split()) == {"openid", "profile", "email"}
    assert authorize["redirect_uri"] == "http://testserver/accounts/oidc/huggingface/login/callback/"
    assert authorize["code_challenge_method"] == "S256"

    with responses.RequestsMock() as provider:
        provider.get(f"{HF}/.well-known/openid-configuration", json=HF_DISCOVERY)
        provider.post(f"{HF}/oauth/token", json=token_response)
        provider.get(f"{HF}/oauth/userinfo", json=HF_USERINFO)
        return client.get("/accounts/oidc/huggingface/login/callback/", {"code": "c0de", "state": authorize["state"]})


def assert_hf_member_logged_in(client, done) -> None:
    assert done.status_code == 302
    assert done["Location"] == "/welcome/"  # a sign-up: onboarding first
    user = User.objects.get(username="ada-l")
    assert logged_in_user_id(client) == str(user.pk)
    assert user.email == "ada@example.org"
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("huggingface", HF_USERINFO["sub"])
    assert EmailAddress.objects.get(user=user).verified is True


def test_a_hugging_face_login_creates_a_member_and_logs_them_in(client, db, configured):
    done = hf_login(
        client, token_response={"access_token": "hf_oauth_test", "token_type": "Bearer", "expires_in": 3600}
    )

    assert_hf_member_logged_in(client, done)


def test_a_hugging_face_login_with_an_id_token_creates_a_member(client, db, configured):
    """Hugging Face returns an ID token with the openid scope; allauth decodes it with PyJWT."""
    jwt = pytest.importorskip("jwt", reason="PyJWT is not installed: add PyJWT[crypto] to requirements.txt")
    id_token = jwt.encode(
        {"iss": HF, "aud": "hf-client", "sub": HF_USERINFO["sub"], "exp": 4102444800, "iat": 1767225600},
        "not-checked: the token comes straight from the token endpoint over TLS",
        algorithm="HS256",
    )

    done = hf_login(
        client, token_response={"access_token": "hf_oauth_test", "token_type": "Bearer", "id_token": id_token}
    )

    assert_hf_member_logged_in(client, done)


def test_a_hugging_face_login_with_an_address_already_taken_asks_to_finish_signing_up(client, make_member, configured):
    make_member("ada", "ada@example.org")

    done = hf_login(client, token_response={"access_token": "hf_oauth_test", "token_type": "Bearer"})

    assert done.status_code == 302
    assert done["Location"] == "/accounts/3rdparty/signup/"
    page = client.get(done["Location"])
    assert "Finish signing up" in page.text
    assert User.objects.count() == 1
