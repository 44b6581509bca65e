"""`manage.py sync_daily_papers` and the Celery task, against recorded responses served by `responses` (no network)."""

import datetime as dt
import json
from io import StringIO

import pytest
import requests
import responses
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from responses import matchers
from urllib3.response import HTTPResponse

from papers import hf, ingest
from papers.models import Listing, Paper
from papers.tasks import sync_daily_papers
from tests.support.database import dump_database
from tests.support.paths import HF_FIXTURES

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 8, 19)


@pytest.fixture
def hf_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The sync runs on 2026-08-19 (UTC), the last recorded day."""
    monkeypatch.setattr(ingest, "utc_today", lambda: TODAY)
    monkeypatch.setattr(ingest.sync, "utc_today", lambda: TODAY)  # default_sync_days() reads it there
    return TODAY


def serve(mock, day: str, page: int = 0, *, body: bytes | str | Exception | None = None, status: int = 200, **kwargs):
    """Answer `GET daily_papers?date=day&limit=100&p=page`, by default with the recorded response of that day."""
    if body is None:
        body = (HF_FIXTURES / f"daily_papers_{day}.json").read_bytes()
    query = {"date": day, "limit": "100", "p": str(page)}
    mock.add(
        responses.GET,
        settings.HF_API_URL,
        body=body,
        status=status,
        match=[matchers.query_param_matcher(query)],
        **kwargs,
    )


def sync(**options) -> str:
    out = StringIO()
    call_command("sync_daily_papers", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def sync_fails(**options) -> str:
    with pytest.raises(CommandError) as failure:
        sync(**options)
    return str(failure.value)


def recorded_items(*days: str) -> list[dict]:
    return [item for day in days for item in json.loads((HF_FIXTURES / f"daily_papers_{day}.json").read_bytes())]


# --- One day ------------------------------------------------------------------------------------


def test_syncing_one_day_imports_its_papers_and_prints_a_summary(hf_api):
    serve(hf_api, "2026-08-18")
    output = sync(date="2026-08-18")
    counts = "29 items; papers 29 created, 0 updated, 0 unchanged; listings 29 created, 0 updated, 0 unchanged"
    assert output.splitlines() == [f"2026-08-18: {counts}", f"Total (1 days): {counts}"]
    assert Listing.objects.filter(date=dt.date(2026, 8, 18)).count() == 29
    assert Paper.objects.get(arxiv_id="2608.15265").hf_upvotes == 39


def test_syncing_the_same_day_again_changes_nothing(hf_api):
    serve(hf_api, "2026-08-18")
    sync(date="2026-08-18")
    before = dump_database()
    output = sync(date="2026-08-18")
    assert "papers 0 created, 0 updated, 29 unchanged; listings 0 created, 0 updated, 29 unchanged" in output
    assert dump_database() == before


def test_requests_carry_the_user_agent_parameters_and_timeouts(hf_api):
    serve(hf_api, "2026-08-18")
    sync(date="2026-08-18")
    (call,) = hf_api.calls
    assert call.request.headers["User-Agent"] == f"PaperCommons/0.1.0 (+{settings.SITE_URL})"
    assert call.request.method == "GET"
    assert call.request.url == f"{settings.HF_API_URL}?date=2026-08-18&limit=100&p=0"
    assert call.request.req_kwargs["timeout"] == (5, settings.HF_HTTP_TIMEOUT)


def test_items_without_submitted_on_daily_at_are_listed_on_the_requested_day(hf_api):
    serve(hf_api, "2024-10-10", body=json.dumps(recorded_items("2024-05-27")))
    sync(date="2024-10-10")
    assert set(Listing.objects.values_list("date", flat=True)) == {dt.date(2024, 10, 10)}


def test_submitted_on_daily_at_wins_over_the_requested_day(hf_api):
    serve(hf_api, "2026-08-17", body=(HF_FIXTURES / "daily_papers_2026-08-18.json").read_bytes())
    sync(date="2026-08-17")
    assert set(Listing.objects.values_list("date", flat=True)) == {dt.date(2026, 8, 18)}


# --- Pagination ---------------------------------------------------------------------------------


def undated_items(count: int) -> list[dict]:
    """`count` distinct recorded items, with `submittedOnDailyAt` removed so they list on the requested day."""
    items = recorded_items("2026-08-03", "2026-08-04", "2026-08-05", "2026-08-06", "2026-08-07", "2026-08-10")
    for item in items:
        del item["paper"]["submittedOnDailyAt"]
    assert len({item["paper"]["id"] for item in items[:count]}) == count
    return items[:count]


def test_a_full_first_page_is_followed_by_the_next_page(hf_api):
    items = undated_items(130)
    repeated = items[99]  # moved up between the two requests: served again on page 1
    serve(hf_api, "2026-08-12", 0, body=json.dumps(items[:100]))
    serve(hf_api, "2026-08-12", 1, body=json.dumps([repeated, *items[100:]]))

    output = sync(date="2026-08-12")

    assert [call.request.params["p"] for call in hf_api.calls] == ["0", "1"]
    assert "2026-08-12: 130 items; papers 130 created" in output
    listings = Listing.objects.filter(date=dt.date(2026, 8, 12))
    assert listings.count() == 130
    positions = dict(listings.values_list("paper__arxiv_id", "hf_position"))
    assert positions[repeated["paper"]["id"]] == 99
    assert positions[items[100]["paper"]["id"]] == 100
    assert sorted(positions.values()) == list(range(130))


def test_a_page_of_exactly_one_hundred_then_an_empty_page_ends_the_list(hf_api):
    serve(hf_api, "2026-08-12", 0, body=json.dumps(undated_items(100)))
    serve(hf_api, "2026-08-12", 1, body="[]")
    sync(date="2026-08-12")
    assert len(hf_api.calls) == 2
    assert Listing.objects.count() == 100


def test_a_short_first_page_needs_no_second_request(hf_api):
    serve(hf_api, "2026-08-18")
    sync(date="2026-08-18")
    assert len(hf_api.calls) == 1


# --- HTTP failures ------------------------------------------------------------------------------


def test_a_rate_limited_request_is_retried_and_then_succeeds(hf_api):
    serve(hf_api, "2026-08-18", body="slow down", status=429, headers={"Retry-After": "1"})
    serve(hf_api, "2026-08-18")
    sync(date="2026-08-18")
    assert [call.response.status_code for call in hf_api.calls] == [429, 200]
    assert Paper.objects.count() == 29


def test_a_server_error_is_retried_and_then_succeeds(hf_api):
    serve(hf_api, "2026-08-18", body="oops", status=503)
    serve(hf_api, "2026-08-18", body="oops", status=502)
    serve(hf_api, "2026-08-18")
    sync(date="2026-08-18")
    assert len(hf_api.calls) == 3
    assert Paper.objects.count() == 29


def test_server_errors_until_retries_run_out_give_a_clear_error_and_write_nothing(hf_api):
    serve(hf_api, "2026-08-18", body="oops", status=500)
    before = dump_database()
    message = sync_fails(date="2026-08-18")
    assert message == (
        "1 of 1 days failed: 2026-08-18 (daily_papers date=2026-08-18 p=0: "
        "gave up after retrying: too many 500 error responses)"
    )
    assert len(hf_api.calls) == 6  # the first try and 5 retries
    assert dump_database() == before


def test_a_failing_second_page_writes_nothing_for_that_day(hf_api):
    serve(hf_api, "2026-08-12", 0, body=json.dumps(undated_items(100)))
    serve(hf_api, "2026-08-12", 1, body="oops", status=500)
    assert "daily_papers date=2026-08-12 p=1: gave up after retrying" in sync_fails(date="2026-08-12")
    assert Paper.objects.count() == 0


def test_a_connection_error_gives_a_clear_error(hf_api):
    serve(hf_api, "2026-08-18", body=requests.exceptions.ConnectionError("Name or service not known"))
    assert sync_fails(date="2026-08-18") == (
        "1 of 1 days failed: 2026-08-18 "
        "(daily_papers date=2026-08-18 p=0: connection failed: Name or service not known)"
    )
    assert Paper.objects.count() == 0


def test_a_timeout_gives_a_clear_error(hf_api):
    serve(hf_api, "2026-08-18", body=requests.exceptions.ReadTimeout("read timed out"))
    assert "p=0: timed out: read timed out" in sync_fails(date="2026-08-18")


def test_a_client_error_is_not_retried(hf_api):
    serve(hf_api, "2026-08-18", body='{"error": "Invalid date"}', status=400)
    assert sync_fails(date="2026-08-18") == (
        "1 of 1 days failed: 2026-08-18 (daily_papers date=2026-08-18 p=0: HTTP 400 Bad Request: Invalid date)"
    )
    assert len(hf_api.calls) == 1


def test_a_body_that_is_not_json_gives_a_clear_error(hf_api):
    serve(hf_api, "2026-08-18", body="<html>Service temporarily unavailable</html>")
    assert "p=0: the response is not JSON (Expecting value: line 1 column 1 (char 0))" in sync_fails(date="2026-08-18")


def test_a_body_that_is_not_a_list_gives_a_clear_error(hf_api):
    serve(hf_api, "2026-08-18", body='{"error": "maintenance"}')
    assert "p=0: expected a JSON array, got dict" in sync_fails(date="2026-08-18")


def test_a_response_with_a_bad_item_is_rejected_whole(hf_api):
    items = recorded_items("2026-08-18")
    items[5]["paper"]["upvotes"] = "5"
    serve(hf_api, "2026-08-18", body=json.dumps(items))
    message = sync_fails(date="2026-08-18")
    assert (
        f"huggingface.co daily_papers date=2026-08-18: item 5 (id {items[5]['paper']['id']}): paper.upvotes" in message
    )
    assert Paper.objects.count() == 0


def test_one_failing_day_does_not_stop_the_others(hf_api):
    serve(hf_api, "2026-08-17")
    serve(hf_api, "2026-08-18", body="oops", status=500)
    serve(hf_api, "2026-08-19")
    err = StringIO()
    with pytest.raises(CommandError, match=r"^1 of 3 days failed: 2026-08-18 \(.*too many 500 error responses\)$"):
        call_command("sync_daily_papers", since="2026-08-17", stdout=StringIO(), stderr=err)
    assert "2026-08-18: failed: daily_papers date=2026-08-18 p=0: gave up after retrying" in err.getvalue()
    assert set(Listing.objects.days()) == {dt.date(2026, 8, 17), dt.date(2026, 8, 19)}


def test_the_retry_policy_retries_gets_on_rate_limits_and_server_errors():
    retry = hf.make_session().get_adapter(settings.HF_API_URL).max_retries
    assert retry.total == 5
    assert retry.backoff_factor == 1
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert retry.allowed_methods == frozenset({"GET"})
    assert retry.respect_retry_after_header


def test_retry_after_is_honoured_up_to_two_minutes():
    retry = hf.make_session().get_adapter(settings.HF_API_URL).max_retries
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"Retry-After": "7"})) == 7
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"Retry-After": "86400"})) == 120


# --- Days and their validation ------------------------------------------------------------------


def test_without_options_yesterday_and_today_are_synced(hf_api):
    serve(hf_api, "2026-08-18")
    serve(hf_api, "2026-08-19")
    output = sync()
    assert [call.request.params["date"] for call in hf_api.calls] == ["2026-08-18", "2026-08-19"]
    assert output.splitlines()[-1].startswith("Total (2 days): 55 items; papers 55 created")
    assert set(Listing.objects.days()) == {dt.date(2026, 8, 18), dt.date(2026, 8, 19)}


def test_since_and_until_sync_every_day_of_the_range(hf_api):
    for day in ("2026-08-12", "2026-08-13", "2026-08-14"):
        serve(hf_api, day)
    sync(since="2026-08-12", until="2026-08-14")
    assert [call.request.params["date"] for call in hf_api.calls] == ["2026-08-12", "2026-08-13", "2026-08-14"]


def test_since_runs_until_today_by_default(hf_api):
    serve(hf_api, "2026-08-18")
    serve(hf_api, "2026-08-19")
    sync(since="2026-08-18")
    assert [call.request.params["date"] for call in hf_api.calls] == ["2026-08-18", "2026-08-19"]


def test_a_day_without_papers_is_fine(hf_api):
    serve(hf_api, "2026-08-16", body="[]")
    assert sync(date="2026-08-16").startswith("2026-08-16: 0 items;")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"since": "2026-08-19", "until": "2026-08-18"}, "--until 2026-08-18 is before --since 2026-08-19"),
        ({"date": "2026-08-20"}, "2026-08-20 is in the future (today is 2026-08-19 UTC)"),
        ({"since": "2026-08-18", "until": "2026-08-21"}, "2026-08-21 is in the future (today is 2026-08-19 UTC)"),
        ({"date": "2026-8-18"}, "'2026-8-18' is not a date in the form YYYY-MM-DD"),
        ({"date": "2026-02-30"}, "'2026-02-30' is not a date in the form YYYY-MM-DD"),
        ({"since": "yesterday"}, "'yesterday' is not a date in the form YYYY-MM-DD"),
        ({"date": "2026-08-18", "since": "2026-08-17"}, "use either --date or --since/--until, not both"),
        ({"until": "2026-08-18"}, "--until needs --since"),
    ],
)
def test_bad_days_are_rejected_before_any_request(hf_api, options, message):
    assert sync_fails(**options) == message
    assert len(hf_api.calls) == 0


# --- The Celery task ----------------------------------------------------------------------------


def test_the_task_syncs_one_day_and_returns_the_summary(hf_api):
    serve(hf_api, "2026-08-18")
    report = sync_daily_papers.delay(date="2026-08-18").get()
    assert report == {
        "days": {
            "2026-08-18": {
                "source": "2026-08-18",
                "items": 29,
                "papers": {"created": 29, "updated": 0, "unchanged": 0},
                "listings": {"created": 29, "updated": 0, "unchanged": 0},
            }
        },
        "failed": {},
        "total": {
            "source": "total",
            "items": 29,
            "papers": {"created": 29, "updated": 0, "unchanged": 0},
            "listings": {"created": 29, "updated": 0, "unchanged": 0},
        },
    }
    json.dumps(report)  # a Celery result must serialise


def test_the_task_syncs_yesterday_and_today_by_default(hf_api):
    serve(hf_api, "2026-08-18")
    serve(hf_api, "2026-08-19")
    report = sync_daily_papers.apply().get()
    assert list(report["days"]) == ["2026-08-18", "2026-08-19"]
    assert report["total"]["papers"]["created"] == 55


def test_the_task_reports_a_failed_day_and_keeps_the_others(hf_api, caplog):
    serve(hf_api, "2026-08-18", body="oops", status=500)
    serve(hf_api, "2026-08-19")
    report = sync_daily_papers.apply().get()
    assert list(report["days"]) == ["2026-08-19"]
    assert "too many 500 error responses" in report["failed"]["2026-08-18"]
    assert "Daily Papers sync of 2026-08-18 failed" in caplog.text
    assert Listing.objects.filter(date=dt.date(2026, 8, 19)).count() == 26


def test_the_task_is_registered_under_the_name_beat_uses():
    assert sync_daily_papers.name == settings.CELERY_BEAT_SCHEDULE["sync-hf-daily-papers"]["task"]


def test_a_server_that_ignores_the_page_parameter_does_not_loop_forever(hf_api):
    page = json.dumps(undated_items(100))
    serve(hf_api, "2026-08-12", 0, body=page)
    serve(hf_api, "2026-08-12", 1, body=page)
    sync(date="2026-08-12")
    assert len(hf_api.calls) == 2
    assert Listing.objects.count() == 100


def test_several_days_show_a_progress_bar_on_a_terminal(hf_api, monkeypatch):
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    serve(hf_api, "2026-08-18")
    serve(hf_api, "2026-08-19")
    sync(since="2026-08-18")
    assert "2/2" in terminal.getvalue()


def test_one_day_or_verbosity_zero_shows_no_progress_bar(hf_api, monkeypatch):
    terminal = StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr("sys.stderr", terminal)
    serve(hf_api, "2026-08-18")
    serve(hf_api, "2026-08-19")
    sync(date="2026-08-18")
    out = StringIO()
    call_command("sync_daily_papers", since="2026-08-18", verbosity=0, stdout=out, stderr=StringIO())
    assert terminal.getvalue() == out.getvalue() == ""
