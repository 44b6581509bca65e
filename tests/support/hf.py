"""What Hugging Face answered on the recorded days (tests/fixtures/hf), as the API tests compare with it."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from huggingface_hub.hf_api import Organization, PaperAuthor, PaperInfo, User

from tests.support.paths import HF_FIXTURES


@cache
def recorded_json(day: str) -> str:
    return (HF_FIXTURES / f"daily_papers_{day}.json").read_text(encoding="utf-8")


def recorded(day: str) -> list[dict[str, Any]]:
    """The items Hugging Face sent for `day` (a fresh copy each time: PaperInfo pops what it reads)."""
    return json.loads(recorded_json(day))


DAYS = sorted(path.name.removeprefix("daily_papers_").removesuffix(".json") for path in HF_FIXTURES.glob("*.json"))


def submitter_of(item: dict[str, Any]) -> str | None:
    by = item.get("submittedBy") or {}
    paper_by = item["paper"].get("submittedOnDailyBy") or {}
    return by.get("name") or paper_by.get("user") or paper_by.get("name")


def newest_first(days: list[str]) -> list[dict[str, Any]]:
    """The items of `days`, newest day first and each in Hugging Face's order, a paper once (on its latest day)."""
    seen: set[str] = set()
    items = []
    for day in sorted(days, reverse=True):
        for item in recorded(day):
            if item["paper"]["id"] not in seen:
                seen.add(item["paper"]["id"])
                items.append(item)
    return items


def latest_items() -> dict[str, dict[str, Any]]:
    """Each recorded paper's item of its latest day."""
    return {item["paper"]["id"]: item for item in newest_first(DAYS)}


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["paper"]["id"] for item in items]


def nulls(value: Any, path: str = "") -> list[str]:
    """Where a JSON value holds null (Hugging Face leaves the key out instead)."""
    if value is None:
        return [path or "value"]
    if isinstance(value, dict):
        return [found for key, child in value.items() for found in nulls(child, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for i, child in enumerate(value) for found in nulls(child, f"{path}[{i}]")]
    return []


# --- What huggingface_hub makes of them ---------------------------------------------------------

PARSED_CLASSES = (PaperInfo, PaperAuthor, User, Organization)


def paper_infos(items: list[dict[str, Any]]) -> list[PaperInfo]:
    """What `HfApi.list_daily_papers` returns for these items (`PaperInfo(**item)`; it pops what it reads)."""
    return [PaperInfo(**copy.deepcopy(item)) for item in items]


def parsed(value: Any) -> Any:
    """What huggingface_hub made of a response, as plain data: every attribute (vars()) of each PaperInfo,
    PaperAuthor, User and Organization, recursively, with the class it was."""
    if isinstance(value, PARSED_CLASSES):
        return {"<class>": type(value).__name__} | {name: parsed(child) for name, child in vars(value).items()}
    if isinstance(value, list | tuple):
        return [parsed(child) for child in value]
    if isinstance(value, dict):
        return {key: parsed(child) for key, child in value.items()}
    return value


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two parsed values differ, field by field (`[3].authors[0].user.username: 'a' != 'b'`)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(ours.keys() | theirs.keys()):
            if key not in theirs or key not in ours:
                found.append(f"{path}.{key}: only in {'ours' if key in ours else 'theirs'}")
            else:
                found += differences(ours[key], theirs[key], f"{path}.{key}")
        return found
    if isinstance(ours, list) and isinstance(theirs, list):
        found = [f"{path}: {len(ours)} items != {len(theirs)}"] if len(ours) != len(theirs) else []
        for i, (mine, other) in enumerate(zip(ours, theirs, strict=False)):
            found += differences(mine, other, f"{path}[{i}]")
        return found
    return [] if ours == theirs else [f"{path}: {ours!r} != {theirs!r}"]


def assert_parsed_alike(ours: list[PaperInfo], recorded_items: list[dict[str, Any]]) -> int:
    """The client's objects from our answer equal, attribute by attribute, its objects from Hugging Face's;
    returns how many attributes were compared, so that a test can show it compared something."""
    mine, theirs = parsed(ours), parsed(paper_infos(recorded_items))
    found = differences(mine, theirs)
    assert not found, f"{len(found)} differences, the first: " + "; ".join(found[:5])
    return count_fields(theirs)


def count_fields(value: Any) -> int:
    if isinstance(value, dict):
        return sum(1 + count_fields(child) for child in value.values())
    if isinstance(value, list):
        return sum(count_fields(child) for child in value)
    return 0
