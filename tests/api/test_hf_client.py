"""The real `huggingface_hub` client reads this site as it reads Hugging Face.

A live server holds the recorded days (tests/fixtures/hf), imported with the project's importer; `HfApi` is
pointed at it and calls `list_daily_papers` with each parameter, `list_papers`, `paper_info` and `read_paper`.
What the client makes of our answers must equal, attribute by attribute (every attribute of PaperInfo,
PaperAuthor, User and Organization), what it makes of Hugging Face's recorded answers (`PaperInfo(**item)`).
Every request the client makes must go to the live server: nothing reaches the network.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from django.core.management import call_command
from huggingface_hub import HfApi, constants, set_client_factory
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils._http import default_client_factory, hf_request_event_hook

from papers.models import Paper
from tests.factories import derived_file, item_by_id
from tests.support.hf import (
    DAYS,
    assert_parsed_alike,
    latest_items,
    newest_first,
    paper_infos,
    parsed,
    recorded,
    submitter_of,
)
from tests.support.paths import HF_FIXTURES

pytestmark = pytest.mark.django_db(transaction=True)

# One day of each era of the API (SCHEMA.md §5): 2024-05 (mediaUrl), 2024-10 (thumbnail, discussionId),
# 2025-03 (summary, submittedOnDaily*, githubRepo), 2026-08 (organization, ai_summary_model, user.name).
ERA_DAYS = ["2024-05-27", "2024-10-10", "2025-03-17", "2026-08-18"]


@pytest.fixture
def hub(live_server, monkeypatch):
    """`HfApi` against the live server, with telemetry off, no token, and every request checked to go there."""
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # it must call our endpoint
    requested: list[str] = []

    def only_the_live_server(request: httpx2.Request) -> None:
        requested.append(str(request.url))
        if not str(request.url).startswith(f"{live_server.url}/"):
            raise AssertionError(f"huggingface_hub tried to reach {request.url}")

    def client_factory() -> httpx2.Client:
        hooks = {"request": [hf_request_event_hook, only_the_live_server]}
        return httpx2.Client(event_hooks=hooks, follow_redirects=True, timeout=60, trust_env=False)

    set_client_factory(client_factory)
    api = HfApi(endpoint=live_server.url, token=False)
    api.requested = requested  # type: ignore[attr-defined]
    yield api
    set_client_factory(default_client_factory)


def daily(hub: HfApi, **params) -> list:
    return list(hub.list_daily_papers(token=False, **params))


def test_huggingface_hub_reads_the_mirror_as_it_reads_hugging_face(hub, live_server):
    call_command("import_daily_papers", str(HF_FIXTURES), verbosity=0)
    compared = 0

    # date, on a day of each era; no date: the most recent day
    for day in ERA_DAYS:
        compared += assert_parsed_alike(daily(hub, date=day), recorded(day))
    compared += assert_parsed_alike(daily(hub), recorded(DAYS[-1]))

    # limit and p
    day = recorded("2026-08-18")
    compared += assert_parsed_alike(daily(hub, date="2026-08-18", limit=10), day[:10])
    compared += assert_parsed_alike(daily(hub, date="2026-08-18", limit=10, p=2), day[20:])
    assert daily(hub, date="2026-08-18", p=100) == []

    # week and month: newest day first, Hugging Face's order in each day, a relisted paper once
    week = newest_first(["2026-08-10", "2026-08-11", "2026-08-12", "2026-08-13", "2026-08-14"])
    compared += assert_parsed_alike(daily(hub, week="2026-W33", limit=100), week[:100])
    compared += assert_parsed_alike(daily(hub, week="2026-W33", limit=100, p=1), week[100:])
    month = newest_first([day for day in DAYS if day.startswith("2026-08")])
    pages = [daily(hub, month="2026-08", limit=100, p=p) for p in range(4)]
    compared += assert_parsed_alike([info for page in pages for info in page], month)
    assert len(month) == 300  # 301 items on 13 days, 2608.12313 twice

    # submitter, as huggingface_hub's own test checks it
    mine = daily(hub, submitter="akhaliq", limit=100)
    compared += assert_parsed_alike(mine, [item for item in newest_first(DAYS) if submitter_of(item) == "akhaliq"])
    assert mine and all(info.submitted_by.fullname == "AK" for info in mine)

    # sort: publishedAt is the default; trending is this site's hotness order
    compared += assert_parsed_alike(daily(hub, date="2025-03-14", sort="publishedAt"), recorded("2025-03-14"))
    latest = latest_items()
    hottest = Paper.objects.exclude(last_listed_on=None).order_by("-hotness", "-pk").values_list("arxiv_id", flat=True)
    compared += assert_parsed_alike(daily(hub, sort="trending", limit=50, p=1), [latest[i] for i in hottest[50:100]])

    # list_papers: the site's search, each paper as its latest listing's item
    found = Paper.objects.search("diffusion").values_list("arxiv_id", flat=True)[:7]
    results = list(hub.list_papers(query="diffusion", limit=7, token=False))
    compared += assert_parsed_alike(results, [latest[arxiv_id] for arxiv_id in found])

    # paper_info: the paper document of the latest listing, with numComments
    for arxiv_id, day in (("2608.12313", "2026-08-19"), ("2503.07677", "2025-03-17")):
        item = item_by_id(recorded(day), arxiv_id)
        document = item["paper"] | {"numComments": item["numComments"]}
        compared += assert_parsed_alike([hub.paper_info(arxiv_id)], [document])
    with pytest.raises(HfHubHTTPError) as missing:
        hub.paper_info("1234.56789")
    assert missing.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as bad:
        daily(hub, date="2025-13-40")
    assert bad.value.response.status_code == 400

    # read_paper: the Markdown copy
    text = hub.read_paper("2608.15265")
    item = item_by_id(recorded("2026-08-18"), "2608.15265")
    assert text.startswith(f"# {item['paper']['title']}\n")
    assert item["paper"]["summary"] in text and item["paper"]["ai_summary"] in text
    assert ", ".join(author["name"] for author in item["paper"]["authors"]) in text

    assert compared > 50_000  # attributes compared, nested ones included
    assert hub.requested and all(url.startswith(live_server.url) for url in hub.requested)


def test_hidden_authors_never_reach_the_client(hub, tmp_path):
    """2509.22518's "Bo Li" is hidden on Hugging Face; that day is not among the recordings, so the same is
    done to a recorded item: a hidden author in the middle of its byline."""

    def hide(items):
        items[0]["paper"]["authors"].insert(2, {"_id": "68d9f0d2e6a1b1c5d4e3f201", "name": "Bo Li", "hidden": True})

    source = HF_FIXTURES / "daily_papers_2026-08-18.json"
    call_command("import_daily_papers", str(derived_file(tmp_path, source, hide)), verbosity=0)
    infos = daily(hub, date="2026-08-18")
    assert_parsed_alike(infos, recorded("2026-08-18"))  # exactly what Hugging Face's client shows
    names = [author.name for author in infos[0].authors]
    assert "Bo Li" not in names and len(names) == len(recorded("2026-08-18")[0]["paper"]["authors"])
    assert "Bo Li" not in json.dumps(parsed(hub.paper_info("2608.15265")), default=str)
    assert "Bo Li" not in hub.read_paper("2608.15265")


@pytest.mark.parametrize(
    "change",
    [
        "drop a field of the paper",
        "drop a top-level field",
        "drop an author",
        "change a user's name",
        "swap two items",
        "drop an item",
    ],
)
def test_the_comparison_notices_any_change(change):
    """The comparison above can fail: each change to what the client parsed is caught."""
    items = recorded("2026-08-18")
    changed: list[dict[str, Any]] = json.loads(json.dumps(items))
    if change == "drop a field of the paper":
        del changed[3]["paper"]["upvotes"]
    elif change == "drop a top-level field":
        del changed[3]["numComments"]
    elif change == "drop an author":
        del changed[3]["paper"]["authors"][-1]
    elif change == "change a user's name":
        changed[0]["submittedBy"]["fullname"] += "!"
    elif change == "swap two items":
        changed[1], changed[2] = changed[2], changed[1]
    else:
        del changed[-1]
    assert_parsed_alike(paper_infos(items), items)
    with pytest.raises(AssertionError, match="differences"):
        assert_parsed_alike(paper_infos(changed), items)
