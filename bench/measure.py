"""Server time of the main pages, in-process with the test client (DEBUG off).

p50/p95/p99/max and queries per request for the home page, a day in the middle of the corpus, 50 paper
pages, 20 searches, `/feed/` signed in as a member who follows 50 topics, authors, organisations and
members, and the Hugging Face compatible `/api/daily_papers` (the latest day, and the day in the middle).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from bench.corpus import synthetic_papers
from bench.members import FEED_READER, synthetic_members
from bench.output import Output
from bench.specs import search_queries
from papers.models import Listing

PAPER_PAGES = 50


@dataclass
class Page:
    name: str
    label: str
    urls: list[str]
    target_ms: float
    timings_ms: list[float] = field(default_factory=list)
    queries: int = 0
    slowest_sql: tuple[float, str] = (0.0, "")
    member: str | None = None  # signed in as this member, or anonymous

    def figures(self) -> dict:
        return {"urls": len(self.urls), "requests": len(self.timings_ms), "queries": self.queries}


def percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) < 2:
        value = samples[0] if samples else 0.0
        return {"p50": value, "p95": value, "p99": value, "max": value}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(samples)}


def listing_days() -> list[dt.date]:
    return list(Listing.objects.filter(paper__in=synthetic_papers().values("pk")).days())


def middle_day() -> dt.date:
    """The listing day in the middle of the corpus."""
    days = listing_days()
    return days[len(days) // 2]


def latest_day() -> dt.date:
    """The corpus's latest listing day: the day of `/` for visitors and members who follow nothing."""
    return listing_days()[-1]


def pages(papers: int, seed: int) -> list[Page]:
    """The pages to time, with their URLs and targets."""
    middle = middle_day()
    many = synthetic_papers().filter(author_count__gte=15, paper_topics__position=14)
    candidates = list(many.order_by("arxiv_id").values_list("arxiv_id", flat=True))
    if len(candidates) < PAPER_PAGES:
        most_authors = synthetic_papers().order_by("-author_count", "arxiv_id")
        candidates += most_authors.exclude(arxiv_id__in=candidates).values_list("arxiv_id", flat=True)[
            : PAPER_PAGES - len(candidates)
        ]
    step = max(1, len(candidates) // PAPER_PAGES)
    paper_urls = [f"/papers/{arxiv_id}/" for arxiv_id in candidates[::step][:PAPER_PAGES]]
    queries = search_queries(papers, seed)
    return [
        Page("home", "`/`", ["/"], 50),
        Page("day", f"`/papers/date/{middle}/`", [f"/papers/date/{middle}/"], 50),
        Page("paper", f"paper page ({len(paper_urls)} papers)", paper_urls, 50),
        Page("search", f"search ({len(queries)} queries)", [f"/search/?{urlencode({'q': q})}" for q in queries], 150),
        Page("feed", "`/feed/` (member following 50)", ["/feed/"], 25, member=FEED_READER),
        Page("api", "`/api/daily_papers`", ["/api/daily_papers"], 50),
        Page("api_day", f"`/api/daily_papers?date={middle}`", [f"/api/daily_papers?date={middle}"], 50),
    ]


def measure(pages: list[Page], requests: int, warmup: int, out: Output) -> None:
    """Time `requests` requests per page in-process, after `warmup` passes over its URLs."""
    anonymous = Client()
    # The plain storage: a manifest may not exist here, and its lookup costs nothing measurable.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    # Every request renders: the page cache for anonymous visitors is measured under gunicorn.
    overrides = {"PAGE_CACHE_SECONDS": 0, "STORAGES": storages}
    with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, SECURE_SSL_REDIRECT=False, **overrides):
        for page in pages:
            client = anonymous
            if page.member:
                client = Client()
                client.force_login(synthetic_members().get(username=page.member))
            measure_page(client, page, requests, warmup)
            if page.member:
                client.logout()
            figures = percentiles(page.timings_ms)
            out.log(
                f"{page.label}: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
                f"p99 {figures['p99']:.1f} ms, max {figures['max']:.1f} ms, {page.queries} queries"
            )
            if out.verbosity >= 2:
                out.log(f"  slowest query of {page.urls[0]} ({page.slowest_sql[0]:.1f} ms): {page.slowest_sql[1]}")
                slowest_urls(page, out)


def measure_page(client: Client, page: Page, requests: int, warmup: int) -> None:
    """Fill in the page's timings, its query count and its slowest query."""
    for url in page.urls * warmup:
        get(client, url)
    for n in range(requests):
        url = page.urls[n % len(page.urls)]
        started = time.perf_counter()
        get(client, url)
        page.timings_ms.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        get(client, page.urls[0])
    page.queries = len(captured.captured_queries)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
    if slowest:
        page.slowest_sql = (float(slowest["time"]) * 1000, slowest["sql"])


def slowest_urls(page: Page, out: Output) -> None:
    if len(page.urls) == 1:
        return
    by_url: dict[str, list[float]] = {}
    for n, ms in enumerate(page.timings_ms):
        by_url.setdefault(page.urls[n % len(page.urls)], []).append(ms)
    for url, samples in sorted(by_url.items(), key=lambda item: -statistics.median(item[1]))[:5]:
        out.log(f"  {statistics.median(samples):7.1f} ms  {url}")


def get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise CommandError(f"GET {url} answered {response.status_code}, not 200.")
