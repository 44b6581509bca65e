"""Request helpers every view module shares: the typed request, ids and paths from a page, where to come back to,
the way to the login page, and refusals (a page, or for htmx the message in the page's live region)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def posted_id(value: str) -> int | None:
    """A database id that a page sent ("42"), or None for anything else: signs, spaces, digits that only
    str.isdigit knows ("²", "١٢"), or more digits than any id has."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


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


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    response = TemplateResponse(request, "403.html", {"message": message}, status=403)
    return in_live_region(request, response, "403.html#message")


def check_can_write(request: HttpRequest) -> None:
    if not request.user.can_write:
        raise PermissionDenied("Your account is suspended, so you can read but not vote, comment or flag.")
