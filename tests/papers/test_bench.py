"""The synthetic corpus has the shape of Daily Papers, and `manage.py bench` measures it end to end."""

import itertools
import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Max
from django.test import Client

from bench import corpus as synthetic_corpus
from bench import measure, members, report, sessions, specs, throughput
from bench.output import Output
from papers.models import (
    ARXIV_ID_RE,
    Author,
    Authorship,
    Comment,
    Follow,
    Listing,
    Paper,
    PaperTopic,
    PaperVote,
    RelatedPaper,
    SavedPaper,
)

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
    assert re.search(r"\| `/` p95 \| [\d.]+ ms \| ≤ 50 ms \| (PASS|MISS) \|", output)
    assert re.search(r"\| search \(20 queries\) p95 \| [\d.]+ ms \| ≤ 150 ms \| (PASS|MISS) \|", output)
    assert re.search(r"\| `/api/daily_papers` p95 \| [\d.]+ ms \| ≤ 50 ms \| (PASS|MISS) \|", output)
    assert re.search(r"\| `/api/daily_papers\?date=\d{4}-\d{2}-\d{2}` p95 \| [\d.]+ ms \| ≤ 50 ms \|", output)
    assert "| `/` throughput, anonymous | not measured | ≥ 80% of `/healthz/` with Redis | skipped |" in output
    assert "| `/api/daily_papers` throughput, anonymous | not measured | ≥ 80% of `/healthz/` with Redis |" in output
    plain = f"member, follows nothing ({members.plain_member().username})"
    assert f"| `/` throughput, {plain} | not measured | ≥ 30% of `/healthz/` | skipped |" in output
    assert re.search(rf"\| `/papers/date/[\d-]+/` throughput, {re.escape(plain)} \| not measured \| ≥ 30%", output)
    assert re.search(rf"\| `/papers/[\d.]+/` throughput, {re.escape(plain)} \| not measured \| ≥ 30%", output)
    reader = f"feed reader, follows 50 ({members.FEED_READER})"
    assert f"| `/feed/` throughput, {reader} | not measured | ≥ 15% of `/healthz/` | skipped |" in output

    figures = json.loads((tmp_path / "bench.json").read_text())
    assert not figures["corpus"]["generated"]
    assert figures["corpus"]["related_seconds"] >= 0  # the reused corpus had none yet
    assert RelatedPaper.objects.filter(paper__in=synthetic_corpus.synthetic_papers()).exists()
    assert re.search(r"\| `/feed/` \(member following 50\) p95 \| [\d.]+ ms \| ≤ 25 ms \| (PASS|MISS) \|", output)
    assert set(figures["pages"]) == {"home", "day", "paper", "search", "feed", "api", "api_day"}
    for name, page in figures["pages"].items():
        assert page["requests"] == 3
        assert 0 < page["p50"] <= page["p95"] <= page["max"]
        assert page["queries"] >= (name != "feed")  # the feed comes from the member's recent render
    assert figures["pages"]["paper"]["urls"] == 50
    assert figures["pages"]["search"]["urls"] == 20
    assert figures["members"]["members"] == members.members_for_size(PAPERS)
    assert figures["members"]["reader_follows"] == 50
    assert figures["members"]["reader_candidates"] >= 30
    assert figures["pages"]["feed"]["queries"] <= 18
    assert figures["pages"]["api"]["queries"] <= 3 and figures["pages"]["api_day"]["queries"] <= 3
    assert figures["members"]["plain_member"] == members.plain_member().username
    # The middle day's most discussed paper: the one members commented on, or the one the bench gave a discussion.
    day_papers = Paper.objects.listed_on(measure.middle_day()).filter(pk__in=synthetic_corpus.synthetic_papers())
    most = max(day_papers.values_list("comment_count", flat=True))
    assert figures["members"]["paper_comments"] == most >= 1
    assert figures["throughput"] is None
    assert {check["name"] for check in figures["checks"] if "name" in check} == {
        "home",
        "day",
        "paper",
        "api",
        "api_day",
        "member_home",
        "member_day",
        "member_paper",
        "feed",
    }


# The signed-in pages of the throughput part


@pytest.fixture
def signed_in_pages(corpus):
    members.ensure_members(PAPERS)
    middle = measure.middle_day()
    paper = members.ensure_discussion(middle)
    return middle, paper, members.ensure_plain_member([measure.latest_day(), middle], paper)


def test_the_discussed_paper_is_listed_on_the_middle_day_with_comments_and_replies(signed_in_pages):
    middle, paper, _plain = signed_in_pages
    assert paper.listings.filter(date=middle).exists()
    comments = Comment.objects.filter(paper=paper)
    assert comments.filter(parent=None).count() == comments.exclude(parent=None).count() == members.DISCUSSION_THREADS
    assert paper.comment_count == 2 * members.DISCUSSION_THREADS
    assert members.ensure_discussion(middle) == paper  # the same paper, and no more comments
    assert comments.count() == 2 * members.DISCUSSION_THREADS


def test_the_plain_member_follows_nothing_and_upvoted_and_saved_the_first_papers_of_both_days(signed_in_pages):
    middle, paper, plain = signed_in_pages
    assert plain.username != members.FEED_READER
    assert not Follow.objects.filter(user=plain).exists()
    for day in (measure.latest_day(), middle):
        first = list(Paper.objects.listed_on(day).ranked_for_day("top")[: members.PLAIN_UPVOTES])
        assert all(PaperVote.objects.filter(user=plain, paper=p).exists() for p in first)
        assert all(SavedPaper.objects.filter(user=plain, paper=p).exists() for p in first[: members.PLAIN_SAVES])
    assert PaperVote.objects.filter(user=plain, paper=paper).exists()
    for voted in Paper.objects.filter(votes__user=plain):
        assert voted.upvote_count == voted.votes.count()
        assert voted.points == voted.hf_upvotes + voted.upvote_count

    votes, saves = PaperVote.objects.count(), SavedPaper.objects.count()
    assert members.ensure_plain_member([measure.latest_day(), middle], paper) == plain
    assert (PaperVote.objects.count(), SavedPaper.objects.count()) == (votes, saves)


def test_a_session_cookie_made_by_django_login_signs_the_member_in(signed_in_pages, client):
    middle, paper, plain = signed_in_pages
    cookies = dict(cookie.split("=", 1) for cookie in sessions.session_cookie(plain.username).split(";"))
    assert list(cookies) == [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME]
    browser = Client()
    for name, value in cookies.items():
        browser.cookies[name] = value
    name = settings.SESSION_COOKIE_NAME
    for path in ("/", f"/papers/date/{middle}/", f"/papers/{paper.arxiv_id}/"):
        body = browser.get(path).content.decode()
        assert throughput.signed_in_problem(body, plain.username) is None
        assert 'aria-pressed="true"' in body  # the member's upvotes and saves
    reader = sessions.session_cookie(members.FEED_READER)
    browser.cookies[name] = reader.split(";")[0].split("=", 1)[1]
    response = browser.get("/feed/")
    assert response.status_code == 200
    assert throughput.signed_in_problem(response.content.decode(), members.FEED_READER) is None


def test_the_sessions_module_prints_one_cookie_a_member(signed_in_pages, capsys):
    _middle, _paper, plain = signed_in_pages
    sessions.main([plain.username, members.FEED_READER])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and len(set(lines)) == 2
    assert all(line.startswith(f"{settings.SESSION_COOKIE_NAME}=") for line in lines)


def test_a_page_without_the_member_is_not_signed_in(signed_in_pages, client):
    _middle, _paper, plain = signed_in_pages
    anonymous = client.get("/").content.decode()
    assert "Log out" in throughput.signed_in_problem(anonymous, plain.username)
    client.force_login(members.synthetic_members().get(username=members.FEED_READER))
    other = client.get("/papers/").content.decode()
    assert throughput.signed_in_problem(other, plain.username) == f"the page is signed in, but not as {plain.username}."


# Parsing wrk and reporting the throughput

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    40.12ms   10.01ms 200.00ms   90.00%
    Req/Sec   400.00     50.00   500.00     70.00%
  Latency Distribution
     50%   38.50ms
     75%   45.00ms
     90%   55.00ms
     99%    1.20s
  7995 requests in 10.01s, 120.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    798.70
Transfer/sec:     11.99MB
"""


def test_wrk_output_is_parsed():
    assert throughput.parse_wrk(WRK_OUTPUT) == {
        "rps": 798.70,
        "requests": 7995,
        "non_2xx": 3,
        "socket_errors": 0,
        "latency_p50_ms": 38.5,
        "latency_p99_ms": 1200.0,
    }


def test_wrk_sends_the_session_cookie_of_a_signed_in_load():
    command = throughput.wrk_command("wrk", "http://127.0.0.1:1/feed/", 10, 32, "sessionid=abc")
    assert command[command.index("-H") + 1] == "Cookie: sessionid=abc"
    assert command[-1] == "http://127.0.0.1:1/feed/"
    assert "-H" not in throughput.wrk_command("wrk", "http://127.0.0.1:1/", 10, 32)


def test_loads_are_anonymous_pages_the_plain_member_s_pages_and_the_reader_s_feed():
    import datetime as dt

    loads = {load.name: load for load in throughput.loads(dt.date(2021, 11, 5), "2111.00001", "synthetic-00007")}
    assert loads["day"].path == loads["member_day"].path == "/papers/date/2021-11-05/"
    assert loads["paper"].path == loads["member_paper"].path == "/papers/2111.00001/"
    assert loads["api_day"].path == "/api/daily_papers?date=2021-11-05"
    assert [name for name, load in loads.items() if load.uncached] == ["home"]
    assert {load.member for load in loads.values()} == {None, "synthetic-00007", members.FEED_READER}
    assert {load.target for load in loads.values() if load.member is None} == {0.80}
    assert loads["member_home"].target == 0.30 and loads["feed"].target == 0.15


def wrk_figures(rps: float, non_2xx: int = 0) -> dict:
    return {"rps": rps, "non_2xx": non_2xx, "socket_errors": 0, "latency_p50_ms": 10.0, "latency_p99_ms": 30.0}


def measured(redis: bool) -> dict:
    import datetime as dt

    loads = throughput.loads(dt.date(2021, 11, 5), "2111.00001", "synthetic-00007")
    rps = {"home": 1700, "member_home": 600, "member_day": 500, "member_paper": 610, "feed": 290}
    result = {name: wrk_figures(rps.get(name, 1500)) for name in (load.name for load in loads)}
    result["member_day"]["non_2xx"] = 2
    uncached = {"home": wrk_figures(150)}
    for figures in (*result.values(), *uncached.values()):
        figures["share"] = figures["rps"] / 2000
    config = {
        "server": "gunicorn -w 2, DEBUG=0",
        "database": "postgresql (bench)",
        "conn_max_age": 0,
        "cache": "Redis (127.0.0.1:6379/5)" if redis else "local memory (each worker its own)",
        "redis": redis,
        "page_cache_seconds": 60,
        "wrk": "wrk -t2 -c32 -d10s",
    }
    figures = {
        "config": config,
        "healthz": wrk_figures(2000),
        "loads": result,
        "uncached": uncached,
        "load_average": {"before": 1.0, "after": 3.0},
        "seconds": 140,
    }
    return {"loads": loads, "figures": figures}


def test_throughput_checks_pass_or_miss_each_target():
    run = measured(redis=True)
    checks = {check["name"]: check for check in report.checks([], run["loads"], run["figures"])}
    assert checks["home"]["passed"] and not checks["day"]["passed"]  # 85% and 75%, against 80%
    assert checks["home"]["figure"] == (
        "1,700 req/s = 85% of `/healthz/` (2,000 req/s); page cache off: 150 req/s = 8%"
    )
    assert checks["member_home"]["passed"]  # 30% ≥ 30%
    assert not checks["member_day"]["passed"]  # 25%, and errors
    assert checks["member_day"]["figure"].endswith(", 2 errors")
    assert checks["member_paper"]["passed"]
    assert not checks["feed"]["passed"]  # 14.5% < 15%
    assert checks["feed"]["target"] == "≥ 15% of `/healthz/`"


def test_anonymous_throughput_is_not_checked_with_each_worker_s_own_cache():
    run = measured(redis=False)
    checks = {check["name"]: check for check in report.checks([], run["loads"], run["figures"])}
    assert "passed" not in checks["home"] and report.verdict(checks["home"]) == "not checked (local-memory cache)"
    assert report.verdict(checks["member_home"]) == "PASS" and report.verdict(checks["feed"]) == "MISS"


def test_the_summary_has_a_throughput_table_with_the_configuration():
    run = measured(redis=True)
    lines: list[str] = []
    figures = {
        "database": "postgresql",
        "papers": 100_000,
        "pages": {},
        "throughput": run["figures"],
        "checks": report.checks([], run["loads"], run["figures"]),
        "load_average": {"cpus": 2, "before": 1.0, "after": 2.0},
    }
    report.summary(figures, [], run["loads"], Output(lines.append, lines.append))
    output = "\n".join(lines)
    assert "## Throughput (gunicorn -w 2, DEBUG=0, postgresql (bench), DATABASE_CONN_MAX_AGE=0, " in output
    assert "cache: Redis (127.0.0.1:6379/5), page cache 60 s, wrk -t2 -c32 -d10s)" in output
    assert "| `/healthz/` (trivial view) | anonymous | 2,000 | 100% | 10.0 | 30.0 |  |  |" in output
    assert "| `/` | anonymous | 1,700 | 85% | 10.0 | 30.0 | ≥ 80% of `/healthz/` with Redis | PASS |" in output
    assert "| `/`, page cache off | anonymous | 150 | 8% | 10.0 | 30.0 |  |  |" in output
    plain = "member, follows nothing (synthetic-00007)"
    assert f"| `/papers/date/2021-11-05/` | {plain} | 500 (2 errors) | 25% |" in output
    assert "| `/feed/` | feed reader, follows 50 (synthetic-reader) | 290 | 14% | 10.0 | 30.0 |" in output
    assert "140 s in all. Load average (1 min): 1.0 before, 3.0 after" in output
    assert "| `/feed/` throughput, feed reader, follows 50 (synthetic-reader) | 290 req/s = 14%" in output
