"""Calling the community API in tests: each answer is checked against the OpenAPI schema's list of statuses for
its operation, so that every status a test sees is one the schema documents."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from django.test import Client

from accounts.models import ApiToken

PROBLEM = "application/problem+json"


@cache
def documented_statuses() -> dict[tuple[str, str], set[str]]:
    from papers.api.main import api

    schema = api.get_openapi_schema()
    return {
        (method.upper(), path): {str(status) for status in operation["responses"]}
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def check_documented(response) -> None:
    route = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", response.resolver_match.route)
    method = response.request["REQUEST_METHOD"]
    statuses = documented_statuses()[(method, route)]
    assert str(response.status_code) in statuses, f"{method} {route} answered {response.status_code}: not in {statuses}"


def call(
    client: Client,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    raw: str | None = None,
):
    """`method path` with a JSON `body` (or the `raw` text), as the member of `token` when given."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else ("" if body is None else json.dumps(body))
    response = client.generic(method, path, data, content_type="application/json", headers=headers)
    check_documented(response)
    return response


def bearer(user, scope: str = "write") -> str:
    return ApiToken.issue(user, f"{scope} token", scope)[1]


def bearer_header(user, scope: str = "write") -> dict[str, str]:
    """The Authorization header of a new token of `user`'s, for the test client's `headers=`."""
    return {"Authorization": f"Bearer {bearer(user, scope)}"}


def problem(response, status: int, detail: str = "") -> dict:
    """The problem document of `response`, which must have `status` (and say `detail`, when given)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    document = response.json()
    assert document["status"] == status and document["detail"] and detail in document["detail"]
    return document


CSRF_SECRET = "k" * 32


def with_csrf(client: Client) -> dict[str, str]:
    """The header a signed-in browser sends with a write: the value of its CSRF cookie (set here)."""
    client.cookies["csrftoken"] = CSRF_SECRET
    return {"X-CSRFToken": CSRF_SECRET}
