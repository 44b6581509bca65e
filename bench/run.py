"""The whole benchmark, as `manage.py bench` runs it.

1. Generates the corpus in the configured database, or reuses it when it already has the size asked for, and
   stores every paper's related papers (papers.related_papers) when it has none.
2. Server time in-process with the test client (bench.measure), with 10,000 members who follow, upvote,
   save and comment at 100,000 papers.
3. Throughput under gunicorn (2 workers, DEBUG off) with wrk (bench.throughput), anonymous and signed in.
4. A summary against the targets (bench.report), optionally written as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time

from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Max
from tqdm import tqdm

from bench import corpus, measure, members, report, throughput
from bench.output import Output
from papers import feed, related_papers
from papers.models import Authorship, Follow, Listing, PaperTopic, PaperVote, RelatedPaper, SavedPaper

PAGE_NAMES = "home, day, paper, search, feed, api, api_day"


def run(options: dict, out: Output) -> dict:
    """Measure as `options` (the command's) say, print the summary, and return the figures."""
    if options["papers"] < 50 or options["requests"] < 1:
        raise CommandError("--papers must be at least 50 and --requests at least 1.")
    figures: dict = {"database": connection.vendor, "papers": options["papers"]}
    figures["corpus"] = corpus_figures(options, out)
    figures["members"] = member_figures(options, out)
    chosen = {name.strip() for name in options["pages"].split(",") if name.strip()}
    pages = [page for page in measure.pages(options["papers"], options["seed"]) if page.name in chosen]
    if not pages:
        raise CommandError(f"--pages names none of the pages: {PAGE_NAMES}.")
    figures["load_average"] = {"cpus": os.cpu_count(), "before": os.getloadavg()[0]}
    measure.measure(pages, options["requests"], options["warmup"], out)
    figures["load_average"]["after"] = os.getloadavg()[0]
    figures["pages"] = {page.name: {**page.figures(), **measure.percentiles(page.timings_ms)} for page in pages}
    day, paper, member = measure.middle_day(), figures["members"]["paper"], figures["members"]["plain_member"]
    loads = throughput.loads(day, paper, member)
    figures["throughput"] = None if options["no_load"] else throughput.throughput(options, out, loads)
    figures["checks"] = report.checks(pages, loads, figures["throughput"])
    report.summary(figures, pages, loads, out)
    if options["json"]:
        options["json"].parent.mkdir(parents=True, exist_ok=True)
        options["json"].write_text(json.dumps(figures, indent=2, default=str) + "\n")
        out.log(f"Figures written to {options['json']}")
    return figures


def corpus_figures(options: dict, out: Output) -> dict:
    """Generate or reuse the corpus, then count what it holds."""
    papers = options["papers"]
    out.log(f"Corpus: {papers:,} synthetic papers in {connection.vendor} ({connection.settings_dict['NAME']})")
    with tqdm(total=papers, unit="papers", disable=out.verbosity < 1, file=sys.stderr) as bar:

        def log(message: str) -> None:
            if out.verbosity >= 1:
                bar.write(message, file=sys.stderr)

        result = corpus.ensure_corpus(
            papers,
            seed=options["seed"],
            batch_size=options["batch_size"],
            regenerate=options["regenerate"],
            progress=bar.update,
            log=log,
        )
    out.log(f"Generated in {result.seconds:.1f}s" if result.generated else "Reusing the corpus already in the database")
    synthetic_ids = corpus.synthetic_papers().values("pk")
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
    out.log(
        f"{papers:,} papers on {stats['days']:,} days ({stats['listings']:,} listings), "
        f"{stats['authorships']:,} authorships (busiest author: {stats['top_author_papers']:,} papers), "
        f"{stats['paper_topics']:,} paper topics (biggest topic: {stats['top_topic_papers']:,} papers)"
    )
    stats["related_seconds"] = related_figures(result.generated, out)
    return stats


def related_figures(generated: bool, out: Output) -> float | None:
    """Store every paper's related papers, as the task after an import does, for a new corpus or one without them:
    the paper pages then show them. Returns the seconds it took, or None when the stored ones were kept."""
    if not generated and RelatedPaper.objects.filter(paper__in=corpus.synthetic_papers().values("pk")).exists():
        return None
    started = time.monotonic()
    changed = related_papers.refresh()
    if connection.vendor == "postgresql":  # statistics of the filled table, or the planner guesses from an empty one
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(RelatedPaper._meta.db_table)}")
    seconds = round(time.monotonic() - started, 1)
    out.log(f"Related papers of every paper: {changed:,} papers' rows written in {seconds:.1f}s")
    return seconds


def member_figures(options: dict, out: Output) -> dict:
    """Generate or reuse the members, with the plain member and the discussed paper of the signed-in pages, then
    count their follows, votes and saves and the reader's feed."""
    started = time.monotonic()
    result = members.ensure_members(
        options["papers"],
        seed=options["seed"],
        regenerate=options["regenerate"],
        log=out.error if out.verbosity >= 1 else None,
    )
    everyone = members.synthetic_members()
    reader = everyone.get(username=members.FEED_READER)
    # The signed-in pages of the throughput part: a plain member's, and a paper with a discussion.
    middle = measure.middle_day()
    paper = members.ensure_discussion(middle)
    plain = members.ensure_plain_member([measure.latest_day(), middle], paper)
    stats = {
        "generated": result.generated,
        "generation_seconds": round(time.monotonic() - started, 1),
        "members": result.members,
        "follows": Follow.objects.filter(user__in=everyone).count(),
        "upvotes": PaperVote.objects.filter(user__in=everyone).count(),
        "saves": SavedPaper.objects.filter(user__in=everyone).count(),
        "reader_follows": Follow.objects.following().filter(user=reader).count(),
        "reader_candidates": len(feed.ranked_candidates(reader)),
        "plain_member": plain.username,
        "paper": paper.arxiv_id,
        "paper_comments": paper.comment_count,
    }
    out.log(
        f"{stats['members']:,} members ({'generated' if result.generated else 'reused'}): {stats['follows']:,} "
        f"follows and mutes, {stats['upvotes']:,} upvotes, {stats['saves']:,} saves; the feed reader follows "
        f"{stats['reader_follows']} things and has {stats['reader_candidates']:,} candidate papers; "
        f"{plain.username} follows nothing; paper {paper.arxiv_id} of {middle} has "
        f"{paper.comment_count} comments"
    )
    return stats
