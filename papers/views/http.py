"""Request helpers every view module shares: the typed request, ids and paths from a page, where to come back to,
the way to the login page, and refusals (a page, or for htmx the message in the page's live region)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def posted_id(value: str) -> int | None:
    """A database id that a page sent ("42"), or None for anything else: signs, spaces, digits that only
    str.isdigit knows ("²", "١٢"), or more digits than any id has."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def form_key(request: HttpRequest) -> uuid.UUID | None:
    """The create form's one-time key (`{% new_form_key %}`), or None when it is missing or not a key."""
    try:
        return uuid.UUID(request.POST.get("form_key", ""))
    except ValueError:
        return None


def local_path(request: HttpRequest, candidate: str | None) -> str | None:
    """`candidate` as a path on this site ("/papers/?sort=new#x"), or None.

    Only a path that starts with one "/" comes back (a full URL on this host is cut to its path): a bare
    word ("abc") would be taken for a view name by `redirect()`, and "//host" or "/\\host" leave the site.
    """
    if not candidate:
        return None
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=False):
        return None
    parts = urlsplit(candidate)
    path = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    if not path.startswith("/") or path.startswith(("//", "/\\")):
        return None
    return path


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to: the form's `next` (or the referring page) when it is a path on this site."""
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.headers.get("Referer")):
        if path := local_path(request, candidate):
            return path
    return fallback


def login_first(request: HtmxHttpRequest, come_back_to: str) -> HttpResponse:
    """Anonymous members go to the login page, and come back to the page they were on afterwards."""
    login = f"{reverse('account_login')}?{urlencode({'next': come_back_to})}"
    if request.htmx:
        return HttpResponseClientRedirect(login)
    return redirect_to_login(come_back_to)


def in_live_region(request: HttpRequest, response: TemplateResponse, partial: str) -> HttpResponse:
    """For htmx, only the message, shown in the page's alert region instead of the clicked element."""
    if getattr(request, "htmx", False):
        response.template_name = partial
        response["HX-Retarget"] = "#live-messages"
        response["HX-Reswap"] = "innerHTML"
    return response


def render_page(request: HtmxHttpRequest, template: str, context: dict, partial: str) -> HttpResponse:
    """One URL for a page and its fragment: the whole page, or for htmx (but not history restores) just
    `template#partial`. Its pager then swaps the partial in place (`listing_fragment`). Caches vary on HX-Request."""
    if request.htmx and not request.htmx.history_restore_request:
        template = f"{template}#{partial}"
    response = TemplateResponse(request, template, context | {"listing_fragment": True})
    patch_vary_headers(response, ("HX-Request",))
    return response


View = Callable[..., HttpResponse]


def member_required(come_back: Callable[..., str]) -> Callable[[View], View]:
    """Anonymous visitors go to the login page (`login_first`: for htmx by HX-Redirect, which htmx follows as a page
    load) and come back afterwards to `come_back(request, **view_kwargs)`, the page they were on. `come_back` runs
    for anonymous visitors only; it may 404, as the view would for a missing object."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return login_first(request, come_back(request, *args, **kwargs))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page (`handler403`): a view refuses with `raise PermissionDenied("Why not.")` and the page says why;
    for htmx only the message, in the page's live region."""
    response = TemplateResponse(request, "403.html", {"message": str(exception or "")}, status=403)
    in_live_region(request, response, "403.html#message")
    return response.render()  # an error handler's answer is not rendered later, unlike a view's


def check_can_write(request: HttpRequest) -> None:
    if not request.user.can_write:
        raise PermissionDenied("Your account is suspended, so you can read but not vote, comment or flag.")
