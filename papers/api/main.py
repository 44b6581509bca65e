"""The API: one NinjaAPI at /api/, its routers, and what every answer shares (problems, ETags, CORS)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from papers.caching import cache_anonymous_page

from . import conditional, hf, problems
from .v1 import router as v1_router


class PaperCommonsAPI(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        return conditional.finish(request, response)

    def get_openapi_schema(self, *args, **kwargs):
        """The schema, with what every operation shares written once here: problems are
        `application/problem+json`, and any operation that reads parameters or a body may answer 422."""
        schema = super().get_openapi_schema(*args, **kwargs)
        problem = {"schema": {"$ref": "#/components/schemas/ProblemSchema"}}
        for item in schema["paths"].values():
            for operation in item.values():
                answers = operation["responses"]
                if operation.get("parameters") or operation.get("requestBody"):
                    answers.setdefault(422, {"description": "Unprocessable Content"})
                for status, answer in answers.items():
                    if int(status) >= 400:
                        answer["content"] = {problems.MEDIA_TYPE: problem}
        schema.setdefault("components", {}).setdefault("schemas", {})["ProblemSchema"] = (
            problems.ProblemSchema.model_json_schema()
        )
        return schema


def cached_for_anonymous(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`view` served from the page cache to anonymous reads, as the site's pages are (versioned by imports,
    bounded by PAGE_CACHE_SECONDS): kept with its ETag and CORS headers, and a 304 on a hit when the client
    has it (papers.caching.AnonymousPageMiddleware)."""
    cached = cache_anonymous_page(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return conditional.finish(request, cached(request, *args, **kwargs))

    return wrapped


def urls() -> tuple[list, str, str]:
    """The API's URL patterns for config/urls.py, each GET cached for anonymous clients, but for the routes whose
    answers hf.py caches for everyone already (`hf.shared`)."""
    patterns, app_name, namespace = api.urls
    shared = shared_operations()
    for pattern in patterns:
        if pattern.name not in shared:
            pattern.callback = cached_for_anonymous(pattern.callback)
    return patterns, app_name, namespace


def shared_operations() -> set[str]:
    """The URL names of the operations that hf.py serves from its shared cache (`@decorate_view(hf.shared)`)."""
    return {
        operation.view_func.__name__
        for path_view in hf.router.path_operations.values()
        for operation in path_view.operations
        if hf.shared in getattr(operation, "_run_decorators", ())
    }


def unknown_path(request: HttpRequest, path: str) -> HttpResponse:
    """An address under /api/ that names no operation: a problem document, not the site's HTML 404 page."""
    detail = f"No operation at {request.path}: the operations are listed at /api/docs/ and /api/openapi.json."
    return problems.response(request, problems.Problem(404, detail))


api = PaperCommonsAPI(
    title="Paper Commons API",
    version="1",
    description=(
        "Hugging Face's papers API, path for path (point `huggingface_hub` at this site and it works "
        "unchanged), and the community API under /api/v1/: papers with both sets of counts, threaded "
        "comments, votes, saves, follows, mutes, the personal feed and notifications. Anonymous reads need "
        "nothing; a member's reads and every write need a personal access token from /settings/ "
        "(`Authorization: Bearer pc_…`) or a signed-in browser session with its CSRF token. Errors are "
        "`application/problem+json` (RFC 9457)."
    ),
    urls_namespace="api",
    docs_url=None,  # the docs page is the site's own (papers.views.api_docs): no third-party script
)
problems.install(api)
api.add_router("", hf.router)
api.add_router("v1/", v1_router)
