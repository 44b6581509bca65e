"""Benchmark the main pages over a synthetic corpus: the arguments here, the benchmark in bench/ (bench.run)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from bench.output import Output
from bench.report import TARGET_PAPERS
from bench.run import run
from bench.specs import DEFAULT_SEED


class Command(BaseCommand):
    help = "Generate (or reuse) a synthetic corpus, then measure server time and throughput of the main pages."

    def add_arguments(self, parser):
        parser.add_argument("--papers", type=int, default=TARGET_PAPERS, help="Corpus size (default 100,000).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--regenerate", action="store_true", help="Generate the corpus even if present.")
        parser.add_argument("--batch-size", type=int, default=5_000, help="Papers per bulk_create transaction.")
        parser.add_argument("--requests", type=int, default=200, help="Measured requests per page (default 200).")
        parser.add_argument("--warmup", type=int, default=1, help="Warm-up passes over each page's URLs (default 1).")
        parser.add_argument(
            "--pages",
            default="home,day,paper,search,feed,api,api_day",
            help="Pages to time, comma-separated (default: home,day,paper,search,feed,api,api_day).",
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
        run(options, Output(self.stdout.write, self.stderr.write, options["verbosity"]))
