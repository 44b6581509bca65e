"""Views of the papers app, one module per concern: listings, discussion, people, submissions, moderation."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def posted_id(value: str) -> int | None:
    """A database id that a page sent ("42"), or None for anything else: signs, spaces, digits that only
    str.isdigit knows ("²", "١٢"), or more digits than any id has."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None
