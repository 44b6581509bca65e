"""The API: one NinjaAPI at /api/, its routers, and what every answer shares (problems, ETags, CORS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

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
