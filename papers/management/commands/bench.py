"""Benchmark the main pages over a synthetic corpus (see papers/synthetic.py).

1. Generates the corpus in the configured database, or reuses it when it already has the size asked for.
2. Server time in-process with the test client (DEBUG off): p50/p95/p99/max and queries per request
   for the home page, a day in the middle of the corpus, 50 paper pages, 20 searches, and `/feed/`
   signed in as a member who follows 50 topics, authors, organisations and members (with 10,000
   members who follow, upvote, save and comment at 100,000 papers).
3. Throughput under gunicorn (2 workers, DEBUG off) with wrk: /healthz/ (trivial) and / in the same run.
4. A summary against the targets, optionally written as JSON.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Max
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from tqdm import tqdm

from papers import feed, synthetic
from papers.models import Authorship, Follow, Listing, PaperTopic, PaperVote, SavedPaper

TARGET_PAPERS = 100_000
THROUGHPUT_TARGET = 0.40
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


def parse_wrk(output: str) -> dict:
    """Requests/s, request count, errors and latency percentiles from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rps is None:
        raise CommandError(f"Unexpected wrk output:\n{output}")
    result = {"rps": float(rps.group(1)), "non_2xx": 0, "socket_errors": 0}
    if match := re.search(r"(\d+) requests in", output):
        result["requests"] = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non_2xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["socket_errors"] = sum(int(n) for n in match.groups())
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE):
        result[f"latency_p{pct}_ms"] = float(value) * units[unit]
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "Generate (or reuse) a synthetic corpus, then measure server time and throughput of the main pages."

    def add_arguments(self, parser):
        parser.add_argument("--papers", type=int, default=TARGET_PAPERS, help="Corpus size (default 100,000).")
        parser.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
        parser.add_argument("--regenerate", action="store_true", help="Generate the corpus even if present.")
        parser.add_argument("--batch-size", type=int, default=5_000, help="Papers per bulk_create transaction.")
        parser.add_argument("--requests", type=int, default=200, help="Measured requests per page (default 200).")
        parser.add_argument("--warmup", type=int, default=1, help="Warm-up passes over each page's URLs (default 1).")
        parser.add_argument(
            "--pages",
            default="home,day,paper,search,feed",
            help="Pages to time, comma-separated (default: home,day,paper,search,feed).",
        )
        parser.add_argument("--no-load", action="store_true", help="Skip the gunicorn + wrk throughput part.")
        parser.add_argument("--duration", type=int, default=10, help="Seconds of each wrk run (default 10).")
        parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32).")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2).")
        parser.add_argument(
            "--conn-max-age",
            type=int,
            default=None,
            help="DATABASE_CONN_MAX_AGE for gunicorn (default: as in the environment).",
        )
        parser.add_argument("--json", type=Path, help="Also write the figures to this file.")

    def handle(self, *args, **options):
        if options["papers"] < 50 or options["requests"] < 1:
            raise CommandError("--papers must be at least 50 and --requests at least 1.")
        self.verbosity = options["verbosity"]
        figures: dict = {"database": connection.vendor, "papers": options["papers"]}
        figures["corpus"] = self.corpus(options)
        figures["members"] = self.members(options)
        chosen = {name.strip() for name in options["pages"].split(",") if name.strip()}
        pages = [page for page in self.pages(options["papers"], options["seed"]) if page.name in chosen]
        if not pages:
            raise CommandError("--pages names none of the pages: home, day, paper, search, feed.")
        figures["load_average"] = {"cpus": os.cpu_count(), "before": os.getloadavg()[0]}
        self.measure(pages, options["requests"], options["warmup"])
        figures["load_average"]["after"] = os.getloadavg()[0]
        figures["pages"] = {page.name: {**page.figures(), **percentiles(page.timings_ms)} for page in pages}
        figures["throughput"] = None if options["no_load"] else self.throughput(options)
        figures["checks"] = self.checks(pages, figures["throughput"])
        self.summary(figures, pages)
        if options["json"]:
            options["json"].parent.mkdir(parents=True, exist_ok=True)
            options["json"].write_text(json.dumps(figures, indent=2, default=str) + "\n")
            self.log(f"Figures written to {options['json']}")

    def log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    # --- Corpus -----------------------------------------------------------------------------------

    def corpus(self, options) -> dict:
        papers = options["papers"]
        self.log(f"Corpus: {papers:,} synthetic papers in {connection.vendor} ({connection.settings_dict['NAME']})")
        with tqdm(total=papers, unit="papers", disable=self.verbosity < 1, file=sys.stderr) as bar:
            result = synthetic.ensure_corpus(
                papers,
                seed=options["seed"],
                batch_size=options["batch_size"],
                regenerate=options["regenerate"],
                progress=bar.update,
                log=lambda message: self.verbosity >= 1 and bar.write(message, file=sys.stderr),
            )
        if result.generated:
            self.log(f"Generated in {result.seconds:.1f}s")
        else:
            self.log("Reusing the corpus already in the database")
        synthetic_ids = synthetic.synthetic_papers().values("pk")
        authorships = Authorship.objects.filter(paper__in=synthetic_ids)
        paper_topics = PaperTopic.objects.filter(paper__in=synthetic_ids)
        listings = Listing.objects.filter(paper__in=synthetic_ids)
        stats = {
            "generated": result.generated,
            "generation_seconds": round(result.seconds, 1),
            "days": listings.values("date").distinct().count(),
            "listings": listings.count(),
            "authorships": authorships.count(),
            "paper_topics": paper_topics.count(),
            "top_author_papers": authorships.values("author").annotate(n=Count("pk")).aggregate(m=Max("n"))["m"],
            "top_topic_papers": paper_topics.values("topic").annotate(n=Count("pk")).aggregate(m=Max("n"))["m"],
        }
        self.log(
            f"{papers:,} papers on {stats['days']:,} days ({stats['listings']:,} listings), "
            f"{stats['authorships']:,} authorships (busiest author: {stats['top_author_papers']:,} papers), "
            f"{stats['paper_topics']:,} paper topics (biggest topic: {stats['top_topic_papers']:,} papers)"
        )
        return stats

    def members(self, options) -> dict:
        started = time.monotonic()
        result = synthetic.ensure_members(
            options["papers"],
            seed=options["seed"],
            regenerate=options["regenerate"],
            log=lambda message: self.verbosity >= 1 and self.stderr.write(message),
        )
        reader = synthetic.synthetic_members().get(username=synthetic.FEED_READER)
        stats = {
            "generated": result.generated,
            "generation_seconds": round(time.monotonic() - started, 1),
            "members": result.members,
            "follows": Follow.objects.filter(user__in=synthetic.synthetic_members()).count(),
            "upvotes": PaperVote.objects.filter(user__in=synthetic.synthetic_members()).count(),
            "saves": SavedPaper.objects.filter(user__in=synthetic.synthetic_members()).count(),
            "reader_follows": Follow.objects.following().filter(user=reader).count(),
            "reader_candidates": len(feed.ranked_candidates(reader)),
        }
        self.log(
            f"{stats['members']:,} members ({'generated' if result.generated else 'reused'}): {stats['follows']:,} "
            f"follows and mutes, {stats['upvotes']:,} upvotes, {stats['saves']:,} saves; the feed reader follows "
            f"{stats['reader_follows']} things and has {stats['reader_candidates']:,} candidate papers"
        )
        return stats

    def pages(self, papers: int, seed: int) -> list[Page]:
        days = list(Listing.objects.filter(paper__in=synthetic.synthetic_papers().values("pk")).days())
        middle = days[len(days) // 2]
        many = synthetic.synthetic_papers().filter(author_count__gte=15, paper_topics__position=14)
        candidates = list(many.order_by("arxiv_id").values_list("arxiv_id", flat=True))
        if len(candidates) < PAPER_PAGES:
            most_authors = synthetic.synthetic_papers().order_by("-author_count", "arxiv_id")
            candidates += most_authors.exclude(arxiv_id__in=candidates).values_list("arxiv_id", flat=True)[
                : PAPER_PAGES - len(candidates)
            ]
        step = max(1, len(candidates) // PAPER_PAGES)
        paper_urls = [f"/papers/{arxiv_id}/" for arxiv_id in candidates[::step][:PAPER_PAGES]]
        queries = synthetic.search_queries(papers, seed)
        return [
            Page("home", "`/`", ["/"], 50),
            Page("day", f"`/papers/date/{middle}/`", [f"/papers/date/{middle}/"], 50),
            Page("paper", f"paper page ({len(paper_urls)} papers)", paper_urls, 50),
            Page(
                "search", f"search ({len(queries)} queries)", [f"/search/?{urlencode({'q': q})}" for q in queries], 150
            ),
            Page("feed", "`/feed/` (member following 50)", ["/feed/"], 100, member=synthetic.FEED_READER),
        ]

    # --- Server time ------------------------------------------------------------------------------

    def measure(self, pages: list[Page], requests: int, warmup: int) -> None:
        """Time `requests` requests per page in-process, after `warmup` passes over its URLs."""
        anonymous = Client()
        # The plain storage: a manifest may not exist here, and its lookup costs nothing measurable.
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        # Every request renders: the page cache for anonymous visitors is measured under gunicorn below.
        overrides = {"PAGE_CACHE_SECONDS": 0, "STORAGES": storages}
        with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, SECURE_SSL_REDIRECT=False, **overrides):
            for page in pages:
                client = anonymous
                if page.member:
                    client = Client()
                    client.force_login(synthetic.synthetic_members().get(username=page.member))
                for url in page.urls * warmup:
                    self.get(client, url)
                for n in range(requests):
                    url = page.urls[n % len(page.urls)]
                    started = time.perf_counter()
                    self.get(client, url)
                    page.timings_ms.append((time.perf_counter() - started) * 1000)
                with CaptureQueriesContext(connection) as captured:
                    self.get(client, page.urls[0])
                page.queries = len(captured.captured_queries)
                if page.member:
                    client.logout()
                slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
                if slowest:
                    page.slowest_sql = (float(slowest["time"]) * 1000, slowest["sql"])
                figures = percentiles(page.timings_ms)
                self.log(
                    f"{page.label}: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
                    f"p99 {figures['p99']:.1f} ms, max {figures['max']:.1f} ms, {page.queries} queries"
                )
                if self.verbosity >= 2:
                    self.log(f"  slowest query of {page.urls[0]} ({page.slowest_sql[0]:.1f} ms): {page.slowest_sql[1]}")
                    self.slowest_urls(page)

    def slowest_urls(self, page: Page) -> None:
        if len(page.urls) == 1:
            return
        by_url: dict[str, list[float]] = {}
        for n, ms in enumerate(page.timings_ms):
            by_url.setdefault(page.urls[n % len(page.urls)], []).append(ms)
        for url, samples in sorted(by_url.items(), key=lambda item: -statistics.median(item[1]))[:5]:
            self.log(f"  {statistics.median(samples):7.1f} ms  {url}")

    @staticmethod
    def get(client: Client, url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}, not 200.")

    # --- Throughput -------------------------------------------------------------------------------

    def throughput(self, options) -> dict | None:
        wrk = shutil.which("wrk")
        if wrk is None:
            self.stdout.write("Throughput: skipped, wrk is not installed (apt-get install -y wrk).")
            return None
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            env = self.server_environment(Path(tmp), options["conn_max_age"])
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
                cwd=settings.BASE_DIR,
                env=env,
                check=True,
            )
            results = {}
            for name, extra in (("cached", {}), ("uncached", {"PAGE_CACHE_SECONDS": "0"})):
                results[name] = self.serve_and_load(wrk, {**env, **extra}, Path(tmp), options, trivial=not results)
        trivial, home, uncached = results["cached"]["healthz"], results["cached"]["home"], results["uncached"]["home"]
        ratio = home["rps"] / trivial["rps"] if trivial["rps"] else 0.0
        uncached_ratio = uncached["rps"] / trivial["rps"] if trivial["rps"] else 0.0
        for label, figures in (
            ("/healthz/", trivial),
            ("/ (anonymous, page cache on: the default)", home),
            ("/ (page cache off: every request renders)", uncached),
        ):
            self.log(
                f"{label}: {figures['rps']:,.0f} req/s, latency p50 {figures.get('latency_p50_ms', 0):.1f} ms, "
                f"p99 {figures.get('latency_p99_ms', 0):.1f} ms"
            )
        self.log(f"/ serves {ratio:.0%} of the trivial view's requests per second ({uncached_ratio:.0%} uncached)")
        return {
            "healthz": trivial,
            "home": home,
            "home_uncached": uncached,
            "ratio": ratio,
            "ratio_uncached": uncached_ratio,
            "conn_max_age": env.get("DATABASE_CONN_MAX_AGE"),
        }

    def serve_and_load(self, wrk: str, env: dict[str, str], tmp: Path, options, trivial: bool) -> dict:
        """Start gunicorn with `env`, load `/` (and `/healthz/` when `trivial`) with wrk, stop it."""
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = tmp / "gunicorn.log"
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(options["workers"])]
        command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
        with log_path.open("w") as log:
            server = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self.wait_until_up(server, f"{base}/healthz/", log_path)
            self.log(
                f"Throughput: gunicorn -w {options['workers']} on {base} (DEBUG=0, "
                f"DATABASE_CONN_MAX_AGE={env.get('DATABASE_CONN_MAX_AGE', 'default')}, "
                f"PAGE_CACHE_SECONDS={env.get('PAGE_CACHE_SECONDS', 'default')}), "
                f"wrk -t2 -c{options['connections']} -d{options['duration']}s"
            )
            figures = {}
            if trivial:
                figures["healthz"] = self.wrk(wrk, base, "/healthz/", options["duration"], options["connections"])
            self.wrk(wrk, base, "/", 2, options["connections"])  # Warm-up.
            figures["home"] = self.wrk(wrk, base, "/", options["duration"], options["connections"])
            return figures
        except BaseException:
            self.stderr.write(f"gunicorn log:\n{log_path.read_text()[-3000:]}")
            raise
        finally:
            self.stop(server)

    @staticmethod
    def server_environment(tmp: Path, conn_max_age: int | None) -> dict[str, str]:
        """Production-like settings: DEBUG off, a real SECRET_KEY, collected static files in `tmp`."""
        (tmp / "bench_settings.py").write_text(
            f"from {settings.SETTINGS_MODULE} import *  # noqa: F403\nSTATIC_ROOT = {str(tmp / 'static')!r}\n"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(tmp), str(settings.BASE_DIR), os.environ.get("PYTHONPATH")) if p
            ),
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
        }
        if conn_max_age is not None:
            env["DATABASE_CONN_MAX_AGE"] = str(conn_max_age)
        return env

    @staticmethod
    def wait_until_up(server: subprocess.Popen, url: str, log_path: Path, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited with status {server.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise CommandError(f"gunicorn did not answer {url} within {timeout:.0f}s.")

    @staticmethod
    def stop(server: subprocess.Popen) -> None:
        if server.poll() is not None:
            return
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

    def wrk(self, wrk: str, base: str, path: str, duration: int, connections: int) -> dict:
        command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency", base + path]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        figures = parse_wrk(result.stdout)
        if figures["non_2xx"] or figures["socket_errors"]:
            errors = re.findall(r"Non-2xx.*|Socket errors.*", result.stdout)
            self.stderr.write(f"{path}: {'; '.join(errors)}")
        # Requests still queued in gunicorn's backlog would slow down the next run: let them drain.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            started = time.monotonic()
            with urllib.request.urlopen(f"{base}/healthz/", timeout=60):
                pass
            if time.monotonic() - started < 0.1:
                break
        return figures

    # --- Summary ----------------------------------------------------------------------------------

    @staticmethod
    def checks(pages: list[Page], throughput: dict | None) -> list[dict]:
        checks = []
        for page in pages:
            p95 = percentiles(page.timings_ms)["p95"]
            checks.append(
                {
                    "measure": f"{page.label} p95",
                    "figure": f"{p95:.1f} ms",
                    "target": f"≤ {page.target_ms:.0f} ms",
                    "passed": p95 <= page.target_ms,
                }
            )
        if throughput is None:
            checks.append({"measure": "`/` throughput", "figure": "not measured", "target": "≥ 40% of `/healthz/`"})
        else:
            home, trivial = throughput["home"], throughput["healthz"]
            errors = home["non_2xx"] + home["socket_errors"] + trivial["non_2xx"] + trivial["socket_errors"]
            checks.append(
                {
                    "measure": "`/` throughput",
                    "figure": f"{home['rps']:,.0f} req/s = {throughput['ratio']:.0%} of `/healthz/` "
                    f"({trivial['rps']:,.0f} req/s)"
                    + (f", {errors} errors" if errors else "")
                    + f"; page cache off: {throughput['home_uncached']['rps']:,.0f} req/s "
                    f"= {throughput['ratio_uncached']:.0%}",
                    "target": f"≥ {THROUGHPUT_TARGET:.0%} of `/healthz/`",
                    "passed": throughput["ratio"] >= THROUGHPUT_TARGET and not errors,
                }
            )
        return checks

    def summary(self, figures: dict, pages: list[Page]) -> None:
        out = self.stdout.write
        out("")
        out(f"## Server time ({figures['database']}, {figures['papers']:,} papers, in-process, DEBUG off)")
        out("")
        out("| Page | URLs | Requests | p50 ms | p95 ms | p99 ms | max ms | Queries |")
        out("|---|---:|---:|---:|---:|---:|---:|---:|")
        for page in pages:
            p = figures["pages"][page.name]
            out(
                f"| {page.label} | {p['urls']} | {p['requests']} | {p['p50']:.1f} | {p['p95']:.1f} "
                f"| {p['p99']:.1f} | {p['max']:.1f} | {p['queries']} |"
            )
        out("")
        out("## Summary")
        out("")
        out("| Measure | Figure | Target | Result |")
        out("|---|---|---|---|")
        for check in figures["checks"]:
            result = {True: "PASS", False: "FAIL"}.get(check.get("passed"), "skipped")
            out(f"| {check['measure']} | {check['figure']} | {check['target']} | {result} |")
        load = figures["load_average"]
        out("")
        out(
            f"Load average (1 min) on {load['cpus']} CPUs: {load['before']:.1f} before the in-process measurements, "
            f"{load['after']:.1f} after (this process counts for about 1)."
        )
        if figures["papers"] < TARGET_PAPERS:
            out("")
            out(f"Targets are set for {TARGET_PAPERS:,} papers; this corpus has {figures['papers']:,}.")
