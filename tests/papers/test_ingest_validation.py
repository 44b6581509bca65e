"""papers.ingest reading and validation on their own (no database)."""

import copy
import datetime as dt
import json

import pytest

from papers import ingest
from tests.support.paths import HF_FIXTURES

ITEM = json.loads((HF_FIXTURES / "daily_papers_2026-08-18.json").read_bytes())[0]


def validate(*items, day=None) -> ingest.Batch:
    return ingest.validate_items(list(items), "test.json", day)


def edited(**paper_changes) -> dict:
    item = copy.deepcopy(ITEM)
    item["paper"].update(paper_changes)
    return item


def test_a_recorded_item_validates_into_a_record():
    (item,) = validate(ITEM).items
    assert item.arxiv_id == "2608.15265"
    assert item.listing_date == dt.date(2026, 8, 18)
    assert item.position == 0
    assert item.submitter.username == "yasNing"
    assert item.organization.handle == "tencent"


def test_an_empty_list_is_a_day_without_papers():
    assert validate().items == []


def test_unknown_keys_are_ignored_for_forward_compatibility():
    item = edited(linkedModels=[{"id": "x"}], withdrawnAt=None, brandNewField={"nested": True})
    item["somethingNew"] = 1
    assert validate(item).items[0].arxiv_id == "2608.15265"


def test_null_for_an_optional_field_means_absent():
    item = edited(githubRepo=None, ai_keywords=None, organization=None)
    item["organization"] = None
    (item,) = validate(item).items
    assert (item.github_repo, item.keywords, item.organization) == ("", (), None)


def test_a_missing_hidden_flag_means_visible():
    item = copy.deepcopy(ITEM)
    del item["paper"]["authors"][0]["hidden"]
    assert validate(item).items[0].authors[0].name == ITEM["paper"]["authors"][0]["name"]


def test_timestamps_with_an_offset_are_converted_to_utc_before_taking_the_date():
    (item,) = validate(edited(submittedOnDailyAt="2026-08-18T23:30:00-02:00")).items
    assert item.listing_date == dt.date(2026, 8, 19)


def test_microseconds_of_timestamps_are_kept():
    (item,) = validate(edited(publishedAt="2025-03-17T00:44:05.364Z")).items
    assert item.published_at == dt.datetime(2025, 3, 17, 0, 44, 5, 364000, tzinfo=dt.UTC)


def test_item_positions_follow_the_response_order():
    second = edited(id="2608.00001")
    assert [item.position for item in validate(ITEM, second).items] == [0, 1]


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("daily_papers_2026-08-18.json", dt.date(2026, 8, 18)),
        ("2024-05-27.json", dt.date(2024, 5, 27)),
        ("copy-2025-13-40-of-2025-03-14.json", dt.date(2025, 3, 14)),
        ("daily_papers.json", None),
        ("12026-08-18.json", None),
    ],
)
def test_a_date_is_found_in_the_file_name(name, day):
    assert ingest.day_from_name(name) == day


@pytest.mark.parametrize("value", ["2026-08-18", dt.date(2026, 8, 18)])
def test_days_parse_from_strings_and_pass_through_dates(value):
    assert ingest.parse_day(value) == dt.date(2026, 8, 18)


@pytest.mark.parametrize("value", ["20260818", "2026-8-18", "2026-02-30", "2026-08-18T00:00", ""])
def test_days_must_be_yyyy_mm_dd(value):
    with pytest.raises(ValueError, match="is not a date in the form YYYY-MM-DD"):
        ingest.parse_day(value)


def test_a_bom_is_invalid_json():
    with pytest.raises(ingest.IngestError, match=r"^x.json:1:1: invalid JSON: Unexpected UTF-8 BOM"):
        ingest.parse_json(b"\xef\xbb\xbf[]", "x.json")


def test_nan_inside_a_string_is_just_text():
    assert ingest.parse_json(b'["NaN", "Infinity"]', "x.json") == ["NaN", "Infinity"]


def test_the_position_of_nan_skips_strings_that_mention_it():
    data = b'[\n  {"title": "NaN \\" Infinity"},\n  {"upvotes": NaN}\n]'
    with pytest.raises(ingest.IngestError, match=r"^x.json:3:15: invalid JSON: NaN is not a number JSON allows$"):
        ingest.parse_json(data, "x.json")


def test_folders_expand_to_sorted_json_files(tmp_path):
    for name in ("b.json", "a.json", "notes.txt"):
        (tmp_path / name).write_text("[]")
    (tmp_path / "sub.json").mkdir()
    assert [p.name for p in ingest.collect_files([tmp_path])] == ["a.json", "b.json"]
