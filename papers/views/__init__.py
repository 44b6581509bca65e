"""Views of the papers app, one module per concern: listings, discussion, people, submissions, moderation."""

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
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
