"""HTTP client for Hugging Face's public `GET /api/daily_papers` (no token needed).

One day is fetched page by page (`limit=100&p=0,1,…` until a page is shorter than 100) and
returned as one decoded list; validation and writing are `papers.ingest`'s business.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import tomllib
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util import Retry

PAGE_SIZE = 100
MAX_PAGES = 50
CONNECT_TIMEOUT = 5
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER = 120  # seconds; a longer Retry-After is shortened rather than blocking a worker for hours


class HFError(Exception):
    """A day's listing could not be fetched; the message names the day and the cause."""


class _Retry(Retry):
    """urllib3's Retry, with Retry-After honoured up to MAX_RETRY_AFTER seconds."""

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


@functools.cache
def version() -> str:
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "dev"


def user_agent() -> str:
    return f"PaperCommons/{version()} (+{settings.SITE_URL})"


def make_session() -> requests.Session:
    """A session that retries GETs on 429/5xx and connection errors (5 tries, 0/2/4/8/16 s, Retry-After honoured)."""
    retry = _Retry(
        total=5,
        backoff_factor=1,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
    )
    return retrying_session(retry, accept="application/json")


def retrying_session(retry: Retry, accept: str) -> requests.Session:
    """A requests session that retries as `retry` says, and tells servers honestly who is asking."""
    adapter = HTTPAdapter(max_retries=retry)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": user_agent(), "Accept": accept})
    return session


def source_name(day: dt.date) -> str:
    """How a fetched day is named in messages: `huggingface.co daily_papers date=2026-08-18`."""
    return f"{urlsplit(settings.HF_API_URL).hostname} daily_papers date={day.isoformat()}"


def fetch_daily_papers(day: dt.date, session: requests.Session | None = None) -> list[Any]:
    """Every item listed on `day`, pages concatenated in order; an id already seen on an earlier page is skipped."""
    session = session or make_session()
    items: list[Any] = []
    seen: set[Any] = set()
    for page in range(MAX_PAGES):
        rows = _get_page(session, day, page)
        new_ids = set()
        for row in rows:
            key = _item_id(row)
            if key is not None and key in seen:
                continue
            new_ids.add(key)
            items.append(row)
        if len(rows) < PAGE_SIZE or not new_ids:  # a short page ends the list; so does a page of repeats
            return items
        seen |= new_ids
    raise HFError(f"daily_papers date={day}: more than {MAX_PAGES} pages of {PAGE_SIZE}, giving up")


def _get_page(session: requests.Session, day: dt.date, page: int) -> list[Any]:
    where = f"daily_papers date={day} p={page}"
    params = {"date": day.isoformat(), "limit": PAGE_SIZE, "p": page}
    try:
        response = session.get(settings.HF_API_URL, params=params, timeout=(CONNECT_TIMEOUT, settings.HF_HTTP_TIMEOUT))
    except requests.exceptions.RetryError as error:
        raise HFError(f"{where}: gave up after retrying: {_cause(error)}") from error
    except requests.exceptions.Timeout as error:
        raise HFError(f"{where}: timed out: {_cause(error)}") from error
    except requests.exceptions.ConnectionError as error:
        raise HFError(f"{where}: connection failed: {_cause(error)}") from error
    except requests.exceptions.RequestException as error:
        raise HFError(f"{where}: request failed: {_cause(error)}") from error
    if response.status_code != 200:
        status = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
        raise HFError(f"{where}: {status}{_error_detail(response)}")
    try:
        rows = json.loads(response.content, parse_constant=_reject_constant)
    except ValueError as error:
        raise HFError(f"{where}: the response is not JSON ({error})") from error
    if not isinstance(rows, list):
        raise HFError(f"{where}: expected a JSON array, got {type(rows).__name__}")
    return rows


def _error_detail(response: requests.Response) -> str:
    """Hugging Face's own explanation, when the error body is `{"error": "..."}`."""
    try:
        error = json.loads(response.content).get("error")
    except (ValueError, AttributeError):
        return ""
    return f": {' '.join(error.split())[:200]}" if isinstance(error, str) and error.strip() else ""


def _item_id(row: Any) -> Any:
    paper = row.get("paper") if isinstance(row, dict) else None
    key = paper.get("id") if isinstance(paper, dict) else None
    return key if isinstance(key, str) else None


def _cause(error: Exception) -> str:
    """The useful part of a requests/urllib3 error (the reason inside 'Max retries exceeded …')."""
    reason = error.args[0] if error.args else error
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    return str(reason) or type(reason).__name__


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
