"""The API's documentation page, rendered here from its OpenAPI schema: readable with no script at all."""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest
from django.template.response import TemplateResponse

from papers.api.main import api
from papers.api.problems import slug

METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429, 503)


def parameter_row(parameter: dict) -> dict:
    """A parameter as the docs table shows it: name, place, whether required, its type and limits, what it means."""
    schema = parameter.get("schema", {})
    kinds = [option.get("type") for option in schema.get("anyOf", [schema]) if option.get("type") not in (None, "null")]
    limits = [
        f"{label} {schema[key]}"
        for key, label in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "at most chars:"), ("pattern", "pattern"))
        if key in schema
    ]
    if "enum" in schema:
        limits.append("one of " + ", ".join(map(str, schema["enum"])))
    if "default" in schema:
        limits.append(f"default {schema['default']}")
    return {
        "name": parameter["name"],
        "in": parameter["in"],
        "required": parameter.get("required", False),
        "type": " or ".join(kinds) or "any",
        "limits": "; ".join(limits),
        "description": parameter.get("description") or schema.get("description", ""),
    }


def api_docs(request: HttpRequest) -> TemplateResponse:
    schema = api.get_openapi_schema()
    groups: dict[str, list[dict]] = {}
    for path, item in schema["paths"].items():
        for method in METHODS:
            if operation := item.get(method):
                tag = (operation.get("tags") or ["API"])[0]
                parameters = [parameter_row(parameter) for parameter in operation.get("parameters", [])]
                groups.setdefault(tag, []).append(
                    {"method": method.upper(), "path": path, **operation, "parameters": parameters}
                )
    problems = [{"status": s, "slug": slug(s), "title": HTTPStatus(s).phrase} for s in PROBLEM_STATUSES]
    context = {"schema": schema, "groups": groups, "problems": problems}
    return TemplateResponse(request, "api/docs.html", context)
