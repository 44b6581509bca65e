"""Conditional GETs and CORS for every API answer.

A successful GET carries an `ETag` (a hash of its body) and, where the route knows it, a `Last-Modified`;
a client that sends them back (`If-None-Match`, `If-Modified-Since`) gets a 304 with no body. Answers
differ by token and session, so they say `Vary: Authorization, Cookie`.

Anonymous GETs (no `Authorization` header) are open to every origin (`Access-Control-Allow-Origin: *`,
which browsers never combine with cookies); nothing else is, so no page of another site can act as a member.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe

READS = ("GET", "HEAD")


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """`response` with the conditional and CORS headers a read gets, or a 304 when the client has it already."""
    if request.method not in READS:
        return response
    patch_vary_headers(response, ("Authorization", "Cookie"))
    if "Authorization" not in request.headers:
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After, Link"
    if response.status_code != 200 or response.streaming:
        return response
    if not response.has_header("ETag"):
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    last_modified = parse_http_date_safe(response["Last-Modified"]) if response.has_header("Last-Modified") else None
    not_modified = get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )
    return not_modified
