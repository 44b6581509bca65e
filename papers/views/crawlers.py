"""What crawlers and browsers ask every site for: /robots.txt and /favicon.ico (the sitemaps are in papers.sitemaps)."""

from __future__ import annotations

import functools
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from ..caching import cache_anonymous_page

FAVICON_MAX_AGE = 7 * 24 * 3600  # a week: the address has no version to change


@require_safe
@cache_anonymous_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    context = {"sitemap_url": request.build_absolute_uri(reverse("papers:sitemap"))}
    return TemplateResponse(request, "robots.txt", context, content_type="text/plain; charset=utf-8")


@functools.cache
def favicon_bytes() -> bytes:
    """static/favicon.ico: static/favicon.svg drawn at 16, 32, 48 and 64 pixels."""
    return Path(finders.find("favicon.ico")).read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(favicon_bytes(), content_type="image/vnd.microsoft.icon")
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response
