"""How django-allauth fits Paper Commons: username rules, deleted members, email wording, and
social sign-in that only exists for the providers whose keys are configured."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth.hashers import make_password
from django.core.validators import MaxLengthValidator, MinLengthValidator, RegexValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import get_random_string

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30
USERNAME_HELP = (
    f"{USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters: letters, digits, and . _ - (shown publicly)."
)
# `User.anonymize()` renames a deleted member to "deleted-<id>": nobody may take such a name first.
DELETED_PREFIX = "deleted-"

# ACCOUNT_USERNAME_VALIDATORS points here (it replaces the model field's validators for sign-up).
USERNAME_VALIDATORS = [
    MinLengthValidator(USERNAME_MIN_LENGTH),
    MaxLengthValidator(USERNAME_MAX_LENGTH),
    RegexValidator(
        r"\A[A-Za-z0-9_.-]+\Z",
        "Use only letters (A–Z), digits, dots, underscores and hyphens.",
        code="invalid_username",
    ),
]


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_blacklisted": "This username is reserved. Please choose another one.",
        "too_many_login_attempts": (
            "Too many wrong passwords for this account: sign-in by password is paused for a few minutes. "
            "You can sign in now with a code sent to your email."
        ),
    }

    def clean_username(self, username: str, shallow: bool = False) -> str:
        # Reserved names (ACCOUNT_USERNAME_BLACKLIST) and case-insensitive uniqueness are
        # allauth's own checks, run by super(); the "deleted-" prefix needs a prefix test.
        if username.lower().startswith(DELETED_PREFIX):
            raise self.validation_error("username_blacklisted")
        return super().clean_username(username, shallow=shallow)

    def generate_unique_username(self, txts: list[str | None], regex: str | None = None) -> str:
        # allauth appends up to 6 random characters to a base name and sizes it by the model
        # field (150): keep the base short enough for our 30-character limit.
        room = USERNAME_MAX_LENGTH - 6
        return super().generate_unique_username([(txt or "").split("@")[0][:room] for txt in txts], regex)

    def is_safe_url(self, url: str | None) -> bool:
        # Django's check (via allauth) keeps `next` on this host; also refuse relative paths such
        # as "%2F%2Fevil.com", which only ever come from someone crafting a link.
        return bool(url) and url.startswith(("/", "http://", "https://")) and super().is_safe_url(url)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # allauth asks here only when no safe `next` came with the request (a `next` wins, see
        # allauth.account.utils.get_login_redirect_url). A member who has not been through the
        # welcome page yet goes there: with mandatory verification, the first login comes after
        # sign-up, so ACCOUNT_SIGNUP_REDIRECT_URL never applies. Until they skip or submit that
        # page, which sets `onboarded_at` (papers.follows.finish_onboarding).
        if request.user.onboarded_at is None:
            return reverse("papers:welcome")  # by name: accounts never imports papers
        return super().get_login_redirect_url(request)

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        # A deleted member never logs in again, even if an administrator reactivated the row.
        if getattr(user, "deleted_at", None) is not None:
            user.is_active = False
        return super().pre_login(request, user, **kwargs)

    def send_account_already_exists_mail(self, email: str) -> None:
        # Signing up with a new address hashes a password; with a taken address allauth only
        # sends this email. Hash a throwaway password too, so the two take the same time.
        make_password(get_random_string(20))
        super().send_account_already_exists_mail(email)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request: HttpRequest, provider: str, client_id: str | None = None):
        # A provider without keys in the environment has no app: its URLs answer 404, not 500.
        from allauth.socialaccount.models import SocialApp

        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404("This sign-in provider is not configured.") from None


class LoginForm(AllauthLoginForm):
    """allauth's login form; the one field takes a username or an email address, so it is
    announced to password managers as the account's "username" (allauth says "email")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"
        self.fields["login"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me logged in on this device"


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, with the username rules shown before they are enforced."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.help_text = USERNAME_HELP
        username.widget.attrs.update(
            {
                "minlength": USERNAME_MIN_LENGTH,
                "maxlength": USERNAME_MAX_LENGTH,
                "pattern": "[A-Za-z0-9_.\\-]+",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        )
