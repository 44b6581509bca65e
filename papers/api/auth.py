"""Who is asking: a personal access token (`Authorization: Bearer pc_…`), or the browser's session.

Token requests need no CSRF token (a browser never sends the header by itself); session requests that
write keep Django's CSRF check (the `X-CSRFToken` header with the `csrftoken` cookie), as the site's forms do.
A read-scope token reads; writing needs a read-and-write token. A suspended member is refused what the site
refuses them (`require_can_write`), by the routes, not here.

Routes say `auth=viewer` (anyone; members see their own state) or `auth=member` (a member is required).
Either way `request.user` is the member or AnonymousUser, and `request.auth` the same.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.utils import check_csrf

from accounts.models import ApiToken
from papers import ratelimit

from .problems import Problem

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def bearer_secret(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


class _Auth:
    """Both auth callbacks: identify the token or session; `required` refuses anonymous requests."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self, required: bool):
        self.required = required

    def __call__(self, request: HttpRequest):
        writing = request.method not in SAFE_METHODS
        secret = bearer_secret(request)
        if secret is not None:
            token = ApiToken.authenticate(secret)
            if token is None:
                raise AuthenticationError(
                    message="This token is not valid: it may have been revoked. Make a new one in /settings/."
                )
            if writing and not token.can_write:
                raise AuthorizationError(
                    message="This token can only read. Make a read-and-write token in /settings/ to write."
                )
            request.user = token.user
            request.api_token = token  # type: ignore[attr-defined]
        elif request.user.is_authenticated and writing and check_csrf(request) is not None:
            raise Problem(
                403,
                "CSRF check failed: a signed-in browser must send the `X-CSRFToken` header with the value "
                "of the `csrftoken` cookie (or use a personal access token).",
            )
        user = request.user
        if self.required and not user.is_authenticated:
            raise AuthenticationError()
        return user if user.is_authenticated else AnonymousUser()


viewer = _Auth(required=False)
member = _Auth(required=True)


SUSPENDED = "Your account is suspended, so you can read but not vote, comment, flag or submit."


def require_can_write(request: HttpRequest) -> None:
    """Refuse (403) what a suspended member may not do on the site either: vote, comment, flag, submit. Saving,
    following, muting, notifications, their own profile and deleting their own comments stay open, as in the
    browser (papers.views.http.check_can_write and the model functions decide the same)."""
    if not request.user.can_write:
        raise Problem(403, SUSPENDED)


def throttle(request: HttpRequest, action: str) -> None:
    """Count one `action` (a key of settings.WRITE_RATE_LIMITS) by the member; over the limit, a 429 problem."""
    allowed, retry_after = ratelimit.allow(action, f"user:{request.user.pk}")
    if not allowed:
        raise Problem(
            429, f"Too many {action.replace('_', ' ')} requests: try again in {retry_after} s.", retry_after=retry_after
        )
