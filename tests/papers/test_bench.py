"""The synthetic corpus has the shape of Daily Papers, and `manage.py bench` measures it end to end."""

import itertools
import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Max

from bench import corpus as synthetic_corpus
from bench import members, specs
from papers.models import ARXIV_ID_RE, Author, Authorship, Listing, Paper, PaperTopic, RelatedPaper

pytestmark = pytest.mark.django_db

PAPERS = 300


@pytest.fixture
def corpus():
    return synthetic_corpus.ensure_corpus(PAPERS)


def test_the_plan_is_the_same_for_the_same_seed_and_differs_for_another():
    first = list(itertools.islice(specs.paper_specs(PAPERS), 20))
    assert first == list(itertools.islice(specs.paper_specs(PAPERS), 20))
    assert first != list(itertools.islice(specs.paper_specs(PAPERS, seed=2), 20))


def test_synthetic_corpus_is_shaped_like_daily_papers(corpus):
    assert corpus.generated
    papers = synthetic_corpus.synthetic_papers()
    assert papers.count() == Paper.objects.count() == PAPERS

    # About 40 papers a day on consecutive weekdays ending on END_DAY, the newest listed last.
    per_day = Counter(Listing.objects.filter(paper__in=papers).values_list("date", flat=True))
    days = sorted(per_day)
    assert days[-1] == specs.END_DAY
    assert all(day.weekday() < 5 for day in days)
    assert 5 <= len(days) <= 12
    assert all(20 <= per_day[day] <= 70 for day in days[1:])
    relisted = papers.exclude(last_listed_on=None).filter(last_listed_on__gt=F("first_listed_on"))
    assert Listing.objects.count() == PAPERS + relisted.count()

    # Valid, reserved arXiv ids in the month of the first listing, and the stored fields filled in.
    for paper in papers:
        assert ARXIV_ID_RE.match(paper.arxiv_id) and re.match(specs.SYNTHETIC_ID_REGEX, paper.arxiv_id)
        assert paper.arxiv_id[:4] == paper.first_listed_on.strftime("%y%m")
        assert paper.listings.filter(date=paper.first_listed_on).exists()
        assert 600 <= len(paper.abstract) <= 1900
        assert paper.author_count == paper.authorships.count() == len(paper.authors_text.split(", "))
        assert paper.keywords == [pt.topic.name for pt in paper.paper_topics.order_by("position")]
        assert paper.points == paper.hf_upvotes

    # Authors are shared between papers, and some topics are on a good part of the corpus.
    busiest = Authorship.objects.values("author").annotate(n=Count("pk")).aggregate(m=Max("n"))["m"]
    assert busiest >= 10
    assert Author.objects.filter(authorships__isnull=False).distinct().count() < Authorship.objects.count() / 2
    biggest = PaperTopic.objects.values("topic").annotate(n=Count("pk")).aggregate(m=Max("n"))["m"]
    assert biggest >= PAPERS // 10
    assert 0.4 <= papers.exclude(organization=None).count() / PAPERS <= 0.8

    # Common words find many papers (with search vectors on PostgreSQL), a rare word few.
    if connection.vendor == "postgresql":
        assert not papers.filter(search_vector=None).exists()
    assert Paper.objects.search("diffusion").count() >= PAPERS // 10
    assert Paper.objects.search("language model").count() >= PAPERS // 5


def test_an_existing_corpus_of_the_same_size_is_reused(corpus):
    ids = set(synthetic_corpus.synthetic_papers().values_list("pk", flat=True))
    again = synthetic_corpus.ensure_corpus(PAPERS)
    assert not again.generated
    assert set(synthetic_corpus.synthetic_papers().values_list("pk", flat=True)) == ids


def test_bench_measures_every_page_and_prints_the_summary(corpus, tmp_path):
    out = StringIO()
    call_command(
        "bench",
        papers=PAPERS,
        requests=3,
        warmup=0,
        no_load=True,
        json=tmp_path / "bench.json",
        verbosity=0,
        stdout=out,
    )
    output = out.getvalue()
    assert "| Measure | Figure | Target | Result |" in output
    assert re.search(r"\| `/` p95 \| [\d.]+ ms \| ≤ 50 ms \| (PASS|FAIL) \|", output)
    assert re.search(r"\| search \(20 queries\) p95 \| [\d.]+ ms \| ≤ 150 ms \| (PASS|FAIL) \|", output)
    assert "| `/` throughput | not measured | ≥ 40% of `/healthz/` | skipped |" in output
    assert re.search(r"\| `/api/daily_papers` p95 \| [\d.]+ ms \| ≤ 50 ms \| (PASS|FAIL) \|", output)
    assert re.search(r"\| `/api/daily_papers\?date=\d{4}-\d{2}-\d{2}` p95 \| [\d.]+ ms \| ≤ 50 ms \|", output)
    assert "| `/api/daily_papers` throughput | not measured | ≥ 40% of `/healthz/` | skipped |" in output

    figures = json.loads((tmp_path / "bench.json").read_text())
    assert not figures["corpus"]["generated"]
    assert figures["corpus"]["related_seconds"] >= 0  # the reused corpus had none yet
    assert RelatedPaper.objects.filter(paper__in=synthetic_corpus.synthetic_papers()).exists()
    assert re.search(r"\| `/feed/` \(member following 50\) p95 \| [\d.]+ ms \| ≤ 100 ms \| (PASS|FAIL) \|", output)
    assert set(figures["pages"]) == {"home", "day", "paper", "search", "feed", "api", "api_day"}
    for page in figures["pages"].values():
        assert page["requests"] == 3
        assert 0 < page["p50"] <= page["p95"] <= page["max"]
        assert page["queries"] >= 1
    assert figures["pages"]["paper"]["urls"] == 50
    assert figures["pages"]["search"]["urls"] == 20
    assert figures["members"]["members"] == members.members_for_size(PAPERS)
    assert figures["members"]["reader_follows"] == 50
    assert figures["members"]["reader_candidates"] >= 30
    assert figures["pages"]["feed"]["queries"] <= 18
    assert figures["pages"]["api"]["queries"] <= 3 and figures["pages"]["api_day"]["queries"] <= 3
