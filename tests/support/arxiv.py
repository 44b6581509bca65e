"""Recorded arXiv API responses, and serving them to `responses`."""

import json

import responses
from responses import matchers

from papers import arxiv
from tests.support.paths import ARXIV_FIXTURES

HEAT_BATH = "arxiv_query_id_list_1605.08386_recorded-2026"
OLD_STYLE = "arxiv_query_id_list_astro-ph_0601001_recorded-2026"
TWO_IDS = "arxiv_query_id_list_0808.05394+1707.08567_recorded-2026"
NO_RESULTS = "arxiv_query_id_list_0000.0000_no-results_recorded-2026"
MALFORMED_ID = "arxiv_query_id_list_abc_http400-error_recorded-2026"
LEGACY = "arxiv_query_id_list_1111.2011v2_recorded-2016"


def recording(name: str) -> tuple[int, str]:
    """(status, body) of a recorded response: the JSON recording, or for the 2016 file its raw XML (HTTP 200)."""
    path = ARXIV_FIXTURES / f"{name}.json"
    if path.exists():
        recorded = json.loads(path.read_text(encoding="utf-8"))
        return recorded["status_code"], recorded["body"]
    return 200, (ARXIV_FIXTURES / f"{name}.atom.xml").read_text(encoding="utf-8")


def atom(name: str) -> bytes:
    return (ARXIV_FIXTURES / f"{name}.atom.xml").read_bytes()


def serve(mock, arxiv_id: str, name: str | None = None, *, body=None, status: int | None = None, **kwargs) -> None:
    """Answer `GET /api/query?id_list=arxiv_id` with a recorded response (or `body`, `status`)."""
    if name is not None:
        recorded_status, recorded_body = recording(name)
        body = recorded_body if body is None else body
        status = recorded_status if status is None else status
    mock.add(
        responses.GET,
        arxiv.API_URL,
        body=body,
        status=status or 200,
        match=[matchers.query_param_matcher({"id_list": arxiv_id})],
        **kwargs,
    )
