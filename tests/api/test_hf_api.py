"""The Hugging Face compatible read API (papers.api.hf) on the recorded days, through the test client.

The recorded days (tests/fixtures/hf) are imported once for the module with the real importer, and what each
route answers is compared with what Hugging Face answered. tests/api/test_hf_built_items.py covers items built
from the columns, query counts, the cache and the Markdown copy; tests/api/test_hf_client.py reads the routes
with the real `huggingface_hub` client against a live server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from huggingface_hub.hf_api import PaperInfo

from papers.models import Paper
from tests.factories import item_by_id
from tests.support.hf import DAYS, ids, latest_items, newest_first, nulls, recorded, submitter_of

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def get_all(client, limit: int = 100, **params) -> list[dict[str, Any]]:
    """Every page of /api/daily_papers (`p` = 0, 1, … until a short page)."""
    items: list[dict[str, Any]] = []
    for page in range(20):
        response = client.get("/api/daily_papers", {**params, "limit": limit, "p": page})
        assert response.status_code == 200, response.content
        items += response.json()
        if len(response.json()) < limit:
            return items
    raise AssertionError("more than 20 pages")


# --- /api/daily_papers on the recorded days -----------------------------------------------------


@pytest.mark.parametrize("day", ["2024-05-27", "2024-10-10", "2025-03-14", "2025-03-17", "2026-08-13", "2026-08-18"])
def test_a_day_is_the_items_hugging_face_sent_in_its_order(client, archive, day):
    response = client.get("/api/daily_papers", {"date": day})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == recorded(day)  # every field, every value, the same order
    assert nulls(response.json()) == []


def test_without_a_date_the_most_recent_day_is_listed(client, archive):
    assert client.get("/api/daily_papers").json() == recorded(DAYS[-1])


def test_limit_and_p_page_through_a_day(client, archive):
    day = recorded("2026-08-18")
    pages = [client.get("/api/daily_papers", {"date": "2026-08-18", "limit": 10, "p": p}).json() for p in range(3)]
    assert [len(page) for page in pages] == [10, 10, 9]
    assert pages[0] + pages[1] + pages[2] == day
    assert client.get("/api/daily_papers", {"date": "2026-08-18", "limit": 10}).json() == day[:10]
    assert client.get("/api/daily_papers", {"date": "2026-08-18", "p": 100}).json() == []
    assert client.get("/api/daily_papers", {"date": "2026-08-18", "limit": 100}).json() == day


def test_a_day_without_papers_is_an_empty_list(client, archive):
    assert client.get("/api/daily_papers", {"date": "2026-08-15"}).json() == []  # a Saturday
    assert client.get("/api/daily_papers", {"date": "2023-01-02"}).json() == []


def test_a_week_lists_its_days_newest_first_each_paper_once(client, archive):
    week = ["2026-08-10", "2026-08-11", "2026-08-12", "2026-08-13", "2026-08-14"]  # 2026-W33: 104 items
    items = get_all(client, week="2026-W33")
    assert len(items) == 104
    assert items == newest_first(week)
    assert get_all(client, limit=7, week="2026-W33") == items


def test_a_month_lists_a_relisted_paper_once_on_its_last_day(client, archive):
    august = [day for day in DAYS if day.startswith("2026-08")]
    items = get_all(client, month="2026-08")
    assert items == newest_first(august)
    assert len(items) == sum(len(recorded(day)) for day in august) - 1
    relisted = [item for item in items if item["paper"]["id"] == "2608.12313"]
    assert relisted == [item_by_id(recorded("2026-08-19"), "2608.12313")]
    assert get_all(client, month="2024-05") == recorded("2024-05-27")


def test_submitter_lists_what_one_user_submitted_across_days(client, archive):
    expected = [item for item in newest_first(DAYS) if submitter_of(item) == "akhaliq"]
    assert len({day for day in DAYS for item in recorded(day) if item in expected}) > 1
    assert get_all(client, submitter="akhaliq") == expected
    assert all(item["submittedBy"]["fullname"] == "AK" for item in expected)
    one_day = client.get("/api/daily_papers", {"submitter": "taesiri", "date": "2026-08-18"}).json()
    assert one_day == [item for item in recorded("2026-08-18") if submitter_of(item) == "taesiri"]
    assert client.get("/api/daily_papers", {"submitter": "nobody-here"}).json() == []


def test_trending_is_the_sites_hotness_order_across_days(client, archive):
    latest = latest_items()
    hottest = Paper.objects.exclude(last_listed_on=None).order_by("-hotness", "-pk")
    expected = [latest[arxiv_id] for arxiv_id in hottest.values_list("arxiv_id", flat=True)]
    assert len(expected) == 397
    assert get_all(client, sort="trending") == expected
    day = client.get("/api/daily_papers", {"date": "2026-08-18", "sort": "trending"}).json()
    assert ids(day) == list(hottest.filter(listings__date="2026-08-18").values_list("arxiv_id", flat=True))
    assert sorted(ids(day)) == sorted(ids(recorded("2026-08-18")))
    week = get_all(client, week="2026-W34", sort="publishedAt")
    assert ids(get_all(client, week="2026-W34", sort="trending")) == [
        arxiv_id for arxiv_id in hottest.values_list("arxiv_id", flat=True) if arxiv_id in set(ids(week))
    ]


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"date": "2025-13-40"}, 400, "date: 2025-13-40 is not a calendar date."),
        ({"date": "2026-8-18"}, 400, "date='2026-8-18' is not YYYY-MM-DD."),
        ({"date": "yesterday"}, 400, "date='yesterday' is not YYYY-MM-DD."),
        ({"date": "1980-01-01"}, 400, "date: 1980-01-01 is outside the years 1991–9998."),
        ({"week": "2026-W60"}, 400, "week: 2026-W60 is not an ISO week."),
        ({"week": "2026-34"}, 400, "week='2026-34' is not an ISO week, YYYY-Www."),
        ({"month": "2026-13"}, 400, "month: 2026-13 is not a month."),
        ({"month": "9999-12"}, 400, "month: 9999-12 is outside the years 1991–9998."),
        ({"date": "2026-08-18", "week": "2026-W34"}, 400, "Give one of date, week and month, not date and week."),
        ({"sort": "top"}, 400, "sort='top' is not one of publishedAt, trending."),
        ({"submitter": "no body"}, 400, "submitter='no body' is not a Hugging Face username."),
        ({"submitter": "a\x00b"}, 400, "submitter='a\\x00b' is not a Hugging Face username."),
        ({"limit": 0}, 422, "limit: Input should be greater than or equal to 1"),
        ({"limit": 101}, 422, "limit: Input should be less than or equal to 100"),
        ({"limit": "ten"}, 422, "limit: Input should be a valid integer, unable to parse string as an integer"),
        ({"p": -1}, 422, "p: Input should be greater than or equal to 0"),
        ({"p": 10**30}, 422, "p: Input should be less than or equal to 100000"),
    ],
)
def test_bad_parameters_are_problems_never_server_errors(client, archive, params, status, detail):
    response = client.get("/api/daily_papers", params)
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == detail


def test_the_openapi_schema_describes_the_routes_and_their_problems(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    daily = paths["/api/daily_papers"]["get"]
    assert set(daily["responses"]) == {"200", "400", "422"}
    parameters = {parameter["name"]: parameter for parameter in daily["parameters"]}
    assert set(parameters) == {"date", "week", "month", "submitter", "sort", "p", "limit"}
    assert parameters["sort"]["schema"]["enum"] == ["publishedAt", "trending"]
    assert parameters["limit"]["schema"]["maximum"] == 100
    assert set(paths["/api/papers/search"]["get"]["responses"]) == {"200", "422"}
    assert set(paths["/api/papers/{arxiv_id}"]["get"]["responses"]) == {"200", "404", "422"}
    item = client.get("/api/openapi.json").json()["components"]["schemas"]["HFDailyItemOut"]
    assert item["additionalProperties"] is True  # fields Hugging Face adds pass through


# --- /api/papers/search and /api/papers/{id} ----------------------------------------------------


def test_search_answers_daily_items_best_first(client, archive):
    latest = latest_items()
    response = client.get("/api/papers/search", {"q": "diffusion", "limit": 5})
    assert response.status_code == 200
    expected = Paper.objects.search("diffusion").values_list("arxiv_id", flat=True)[:5]
    assert response.json() == [latest[arxiv_id] for arxiv_id in expected]
    assert len(response.json()) == 5
    by_id = client.get("/api/papers/search", {"q": "https://arxiv.org/abs/2608.12313v2"}).json()
    assert by_id == [item_by_id(recorded("2026-08-19"), "2608.12313")]
    assert client.get("/api/papers/search").json() == []
    assert client.get("/api/papers/search", {"q": "   "}).json() == []
    assert len(client.get("/api/papers/search", {"q": "model", "limit": 120}).json()) == 120


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"q": "x" * 251}, "q: String should have at most 250 characters"),
        ({"q": "x", "limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"q": "x", "limit": 121}, "limit: Input should be less than or equal to 120"),
    ],
)
def test_search_parameters_out_of_range_are_422(client, params, detail):
    response = client.get("/api/papers/search", params)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == detail


def test_a_paper_is_the_paper_of_its_latest_listing(client, archive):
    item = item_by_id(recorded("2026-08-19"), "2608.12313")  # listed on 2026-08-13 and again on 2026-08-19
    response = client.get("/api/papers/2608.12313")
    assert response.status_code == 200
    assert response.json() == item["paper"] | {"numComments": item["numComments"]}
    assert client.get("/api/papers/2608.12313v3").json() == response.json()
    assert client.get("/api/papers/arXiv:2608.12313").json() == response.json()


def test_a_paper_of_2024_gets_its_submission_from_the_listing(client, archive):
    item = recorded("2024-10-10")[0]
    document = client.get(f"/api/papers/{item['paper']['id']}").json()
    assert document == item["paper"] | {
        "numComments": item["numComments"],
        "submittedOnDailyAt": "2024-10-10T00:00:00.000Z",
        "submittedOnDailyBy": item["submittedBy"] | {"user": item["submittedBy"]["name"]},
    }
    info = PaperInfo(**document)
    assert info.submitted_at == dt.datetime(2024, 10, 10, tzinfo=dt.UTC)
    assert info.submitted_by.username == item["submittedBy"]["name"]


@pytest.mark.parametrize("arxiv_id", ["2699.99999", "1234.56789", "not-a-paper", "hep-th/9901001"])
def test_an_unknown_paper_is_a_404_problem(client, archive, arxiv_id):
    response = client.get(f"/api/papers/{arxiv_id}")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == f"No paper {arxiv_id} here."
