"""The API's documentation page, rendered here from its OpenAPI schema: readable with no script at all."""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest
from django.template.response import TemplateResponse

from papers.api.main import api
from papers.api.problems import slug

METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429, 503)


def api_docs(request: HttpRequest) -> TemplateResponse:
    schema = api.get_openapi_schema()
    groups: dict[str, list[dict]] = {}
    for path, item in schema["paths"].items():
        for method in METHODS:
            if operation := item.get(method):
                tag = (operation.get("tags") or ["API"])[0]
                groups.setdefault(tag, []).append({"method": method.upper(), "path": path, **operation})
    problems = [{"status": s, "slug": slug(s), "title": HTTPStatus(s).phrase} for s in PROBLEM_STATUSES]
    context = {"schema": schema, "groups": groups, "problems": problems}
    return TemplateResponse(request, "api/docs.html", context)
