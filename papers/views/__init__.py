"""Views of the papers app, one module per concern: listings, discussion, people, submissions, moderation."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
