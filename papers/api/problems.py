"""Errors as `application/problem+json` (RFC 9457): a type, a title, the status and a detail a person can read.

A route raises `Problem(status, detail)` (or Django's Http404 / PermissionDenied, or fails validation), and
`install(api)` turns each into the same shape:

    {"type": "https://paper-commons.example/api/problems/not-found", "title": "Not found",
     "status": 404, "detail": "No paper 2608.99999."}
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

MEDIA_TYPE = "application/problem+json"


class ProblemSchema(Schema):
    """A problem (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class Problem(Exception):
    """An answer that is not a success: `status`, a sentence for the client in `detail`, and for a 429 or 503
    the seconds to wait (sent as Retry-After)."""

    def __init__(self, status: int, detail: str, *, retry_after: int | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        self.headers = headers or {}


def slug(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")


def response(request: HttpRequest, problem: Problem, errors: list[dict[str, Any]] | None = None) -> HttpResponse:
    body: dict[str, Any] = {
        "type": request.build_absolute_uri(reverse("papers:api-docs")) + f"#problem-{slug(problem.status)}",
        "title": HTTPStatus(problem.status).phrase,
        "status": problem.status,
        "detail": problem.detail,
    }
    if errors:
        body["errors"] = errors
    answer = HttpResponse(json.dumps(body), status=problem.status, content_type=MEDIA_TYPE)
    if problem.retry_after is not None:
        answer["Retry-After"] = str(problem.retry_after)
    for name, value in problem.headers.items():
        answer[name] = value
    return answer


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body"))
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def _clean(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validation errors as JSON can carry them (pydantic may put exceptions and other objects in `ctx`)."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors
    ]


def install(api: NinjaAPI) -> None:
    """Answer every error the API knows with a problem document."""

    @api.exception_handler(Problem)
    def on_problem(request: HttpRequest, exc: Problem) -> HttpResponse:
        return response(request, exc)

    @api.exception_handler(ValidationError)
    def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = _clean(exc.errors)
        return response(request, Problem(422, _validation_detail(errors) or "The request is not valid."), errors)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        detail = (
            str(exc)
            if str(exc) and str(exc) != "Unauthorized"
            else ("Sign in, or send a personal access token (made in /settings/) as `Authorization: Bearer <token>`.")
        )
        return response(request, Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="api"'}))

    @api.exception_handler(AuthorizationError)
    def on_forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return response(request, Problem(403, str(exc) or "You may not do this."))

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return response(request, Problem(403, str(exc) or "You may not do this."))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return response(request, Problem(404, str(exc) or "Not found."))

    @api.exception_handler(Throttled)
    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = int(exc.wait or 1)
        return response(request, Problem(429, f"Too many requests: try again in {wait} s.", retry_after=wait))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return response(request, Problem(exc.status_code, str(exc)))


def responses(*statuses: int) -> dict[int, type[ProblemSchema]]:
    """The problem statuses a route documents, for `response={200: Out, **responses(401, 404)}`."""
    return dict.fromkeys(statuses, ProblemSchema)
