"""`manage.py import_daily_papers`: validate everything first, write once, change nothing when nothing changed."""

import datetime as dt
import json
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.models import Author, Authorship, HFUser, Listing, Paper, PaperTopic
from tests.factories import derived_file
from tests.support.database import dump_database
from tests.support.paths import HF_FIXTURES

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def run_import(*paths: Path | str, **options) -> str:
    out = StringIO()
    call_command("import_daily_papers", *map(str, paths), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def write_items(path: Path, items) -> Path:
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    return path


def copy_with(tmp_path: Path, source: Path, mutate) -> Path:
    items = json.loads(source.read_bytes())
    mutate(items)
    return write_items(tmp_path / source.name, items)


# --- Happy path and summaries -------------------------------------------------------------------


def test_importing_the_folder_prints_a_summary_per_file_and_a_total():
    output = run_import(HF_FIXTURES).splitlines()
    assert len(output) == 18
    assert output[0] == (
        f"{HF_FIXTURES / 'daily_papers_2024-05-27.json'}: 13 items; "
        "papers 13 created, 0 updated, 0 unchanged; listings 13 created, 0 updated, 0 unchanged"
    )
    # 2608.12313 was created on 2026-08-13 and is listed again on 2026-08-19.
    assert output[16].endswith("papers 25 created, 1 updated, 0 unchanged; listings 26 created, 0 updated, 0 unchanged")
    assert output[17] == (
        "Total (17 files): 398 items; papers 397 created, 1 updated, 0 unchanged; "
        "listings 398 created, 0 updated, 0 unchanged"
    )


SUMMARY = re.compile(
    r"^(?P<source>.+): (\d+) items; papers (\d+) created, (\d+) updated, (\d+) unchanged; "
    r"listings (\d+) created, (\d+) updated, (\d+) unchanged$"
)


def summary_counts(output: str) -> tuple[list[tuple[int, ...]], tuple[int, ...]]:
    """The counts of every per-file line, and of the Total line, of an import's output."""
    matches = [SUMMARY.match(line) for line in output.splitlines()]
    assert all(matches), output
    counts = [tuple(int(n) for n in match.groups()[1:]) for match in matches]
    assert matches[-1]["source"].startswith("Total (")
    return counts[:-1], counts[-1]


def test_the_total_adds_up_the_per_file_lines_when_a_later_file_updates_papers(tmp_path, hf_fixture):
    def relist_three_with_more_upvotes(items):
        del items[3:]
        for item in items:
            item["paper"]["submittedOnDailyAt"] = "2026-08-20T00:00:00.000Z"
            item["paper"]["upvotes"] += 10

    later = derived_file(
        tmp_path, hf_fixture("2026-08-18"), relist_three_with_more_upvotes, "daily_papers_2026-08-20.json"
    )

    files, total = summary_counts(run_import(hf_fixture("2026-08-17"), hf_fixture("2026-08-18"), later))
    assert files == [(23, 23, 0, 0, 23, 0, 0), (29, 29, 0, 0, 29, 0, 0), (3, 0, 3, 0, 3, 0, 0)]
    assert total == tuple(map(sum, zip(*files, strict=True))) == (55, 52, 3, 0, 55, 0, 0)

    files, total = summary_counts(run_import(hf_fixture("2026-08-18"), later))
    assert files == [(29, 0, 0, 29, 0, 0, 29), (3, 0, 0, 3, 0, 0, 3)]
    assert total == tuple(map(sum, zip(*files, strict=True))) == (32, 0, 0, 32, 0, 0, 32)

    def one_more_upvote(items):
        items[0]["paper"]["upvotes"] += 1
        items[0]["numComments"] += 1

    latest = derived_file(tmp_path, later, one_more_upvote, "daily_papers_2026-08-20-again.json")
    files, total = summary_counts(run_import(hf_fixture("2026-08-18"), later, latest))
    assert files == [(29, 0, 0, 29, 0, 0, 29), (3, 0, 0, 3, 0, 0, 3), (3, 0, 1, 2, 0, 1, 2)]
    assert total == tuple(map(sum, zip(*files, strict=True))) == (35, 0, 1, 34, 0, 1, 34)


def test_reimporting_the_same_files_changes_nothing():
    run_import(HF_FIXTURES)
    before = dump_database()
    with CaptureQueriesContext(connection) as queries:
        output = run_import(HF_FIXTURES)
    assert output.splitlines()[-1] == (
        "Total (17 files): 398 items; papers 0 created, 0 updated, 398 unchanged; "
        "listings 0 created, 0 updated, 398 unchanged"
    )
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
    assert dump_database() == before


def test_importing_a_copy_with_one_changed_upvote_count_updates_exactly_one_paper(tmp_path, hf_fixture):
    run_import(hf_fixture("2026-08-18"))
    before = dump_database()

    def bump(items):
        items[3]["paper"]["upvotes"] += 1

    changed = copy_with(tmp_path, hf_fixture("2026-08-18"), bump)
    output = run_import(changed)

    assert "papers 0 created, 1 updated, 28 unchanged; listings 0 created, 1 updated, 28 unchanged" in output
    after = dump_database()
    arxiv_id = json.loads(changed.read_bytes())[3]["paper"]["id"]
    changed_papers = [row for row in after["papers.Paper"] if row not in before["papers.Paper"]]
    assert [row["arxiv_id"] for row in changed_papers] == [arxiv_id]
    paper = Paper.objects.get(arxiv_id=arxiv_id)
    old = next(row for row in before["papers.Paper"] if row["arxiv_id"] == arxiv_id)
    assert paper.hf_upvotes == paper.points == old["hf_upvotes"] + 1
    assert paper.updated_at > old["updated_at"] and paper.created_at == old["created_at"]
    for label in ("papers.Author", "papers.Authorship", "papers.HFUser", "papers.Topic", "papers.PaperTopic"):
        assert after[label] == before[label], label


def test_updates_keep_the_sites_own_votes_and_add_them_to_points(tmp_path, hf_fixture):
    run_import(hf_fixture("2026-08-18"))
    Paper.objects.filter(arxiv_id="2608.15265").update(upvote_count=5)

    def bump(items):
        items[0]["paper"]["upvotes"] = 50

    run_import(copy_with(tmp_path, hf_fixture("2026-08-18"), bump))
    paper = Paper.objects.get(arxiv_id="2608.15265")
    assert (paper.hf_upvotes, paper.upvote_count, paper.points) == (50, 5, 55)


def test_changed_authors_replace_the_authorships_and_unchanged_ones_are_kept(tmp_path, hf_fixture):
    run_import(hf_fixture("2026-08-18"), hf_fixture("2026-08-17"))
    kept = set(Authorship.objects.exclude(paper__arxiv_id="2608.15265").values_list("pk", flat=True))

    def drop_last_author(items):
        items[0]["paper"]["authors"].pop()

    output = run_import(copy_with(tmp_path, hf_fixture("2026-08-18"), drop_last_author))
    assert "papers 0 created, 1 updated, 28 unchanged" in output
    paper = Paper.objects.get(arxiv_id="2608.15265")
    assert paper.authorships.count() == paper.author_count
    assert set(Authorship.objects.exclude(paper=paper).values_list("pk", flat=True)) == kept


def test_an_older_listing_does_not_overwrite_newer_paper_fields(hf_fixture):
    run_import(hf_fixture("2026-08-19"))
    newer = Paper.objects.get(arxiv_id="2608.12313")
    output = run_import(hf_fixture("2026-08-13"))

    paper = Paper.objects.get(arxiv_id="2608.12313")
    assert "papers 19 created, 1 updated, 0 unchanged" in output
    assert (paper.hf_upvotes, paper.hf_comments, paper.title) == (newer.hf_upvotes, newer.hf_comments, newer.title)
    assert (paper.first_listed_on, paper.last_listed_on) == (dt.date(2026, 8, 13), dt.date(2026, 8, 19))
    assert paper.hotness < newer.hotness  # hotness counts from the first listing, now earlier
    assert Listing.objects.get(paper=paper, date=dt.date(2026, 8, 13)).hf_upvotes == 2


def test_the_import_order_of_days_does_not_matter(hf_fixture):
    run_import(hf_fixture("2026-08-19"), hf_fixture("2026-08-13"))
    backwards = dump_database()
    Paper.objects.all().delete()
    run_import(hf_fixture("2026-08-13"), hf_fixture("2026-08-19"))
    forwards = dump_database()

    def comparable(rows):
        return sorted(
            (r["arxiv_id"], r["hf_upvotes"], r["first_listed_on"], r["last_listed_on"], r["hotness"]) for r in rows
        )

    assert comparable(forwards["papers.Paper"]) == comparable(backwards["papers.Paper"])


def test_user_fields_come_from_the_newest_listing_in_a_run(tmp_path, hf_fixture):
    def rename_submitter(items):
        items[0]["submittedBy"]["fullname"] = "Renamed Later"
        items[0]["paper"]["submittedOnDailyBy"]["fullname"] = "Renamed Later"

    newer = copy_with(tmp_path, hf_fixture("2026-08-18"), rename_submitter)
    run_import(newer, hf_fixture("2026-08-17"))
    assert HFUser.objects.get(username="yasNing").fullname == "Renamed Later"

    output = run_import(hf_fixture("2026-08-18"))
    assert HFUser.objects.get(username="yasNing").fullname == "Yansong NING"
    assert "papers 0 created, 0 updated, 29 unchanged" in output  # user rows are not paper rows


def test_verbosity_zero_prints_nothing(tmp_path, hf_fixture):
    out, err = StringIO(), StringIO()
    call_command("import_daily_papers", str(hf_fixture("2025-03-17")), verbosity=0, stdout=out, stderr=err)
    assert out.getvalue() == err.getvalue() == ""


def test_the_same_file_given_twice_is_read_once(hf_fixture):
    output = run_import(hf_fixture("2025-03-17"), HF_FIXTURES / "." / "daily_papers_2025-03-17.json")
    assert output.splitlines()[-1].startswith("Total (1 files): 12 items")


# --- Unsafe URLs --------------------------------------------------------------------------------


def test_non_http_urls_are_dropped_with_a_warning(tmp_path, hf_fixture):
    def poison(items):
        paper = items[0]["paper"]
        paper["githubRepo"] = "javascript:alert(1)"
        paper["projectPage"] = "/relative/page"
        paper["mediaUrls"] = ["data:text/html,<script>alert(1)</script>", paper["mediaUrls"][0]]
        items[0]["thumbnail"] = "vbscript:msgbox"
        paper["authors"][0]["user"] = {"user": "mallory", "avatarUrl": "javascript:alert(2)", "fullname": "M"}

    path = copy_with(tmp_path, hf_fixture("2026-08-18"), poison)
    err = StringIO()
    call_command("import_daily_papers", str(path), stdout=StringIO(), stderr=err)

    paper = Paper.objects.get(arxiv_id="2608.15265")
    assert paper.github_repo == paper.project_page == ""
    assert paper.media_urls == [json.loads(hf_fixture("2026-08-18").read_bytes())[0]["paper"]["mediaUrls"][0]]
    assert paper.thumbnail_url == "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.15265.png"
    assert HFUser.objects.get(username="mallory").avatar_url == ""
    warnings = err.getvalue()
    assert f"{path}: item 0 (id 2608.15265): paper.githubRepo: 'javascript:alert(1)' is not an absolute" in warnings
    for where in ("paper.projectPage", "paper.mediaUrls[0]", "thumbnail", "paper.authors[0].user.avatarUrl"):
        assert f"item 0 (id 2608.15265): {where}:" in warnings
    stored = json.dumps(dump_database(), default=str)
    assert "javascript:" not in stored and "vbscript:" not in stored and "data:text" not in stored


# --- Bad input: CommandError, database untouched ------------------------------------------------


@pytest.fixture
def protected(hf_fixture):
    """One good day already imported; returns a function asserting the database is exactly as it was."""
    run_import(hf_fixture("2026-08-18"))
    before = dump_database()

    def unchanged() -> None:
        assert dump_database() == before

    return unchanged


def import_fails(*paths: Path, **options) -> str:
    with pytest.raises(CommandError) as failure:
        run_import(*paths, **options)
    return str(failure.value)


@pytest.mark.parametrize("fraction", [0.0005, 0.01, 0.1, 0.25, 0.33, 0.5, 0.66, 0.8, 0.95, 0.9999])
def test_a_truncated_file_is_rejected_with_line_and_column(tmp_path, hf_fixture, protected, fraction):
    data = hf_fixture("2026-08-19").read_bytes()
    cut = data[: int(len(data) * fraction)]
    path = tmp_path / "daily_papers_2026-08-19.json"
    path.write_bytes(cut)

    message = import_fails(path)
    match = re.fullmatch(rf"{re.escape(str(path))}:(\d+):(\d+): invalid JSON: .+", message)
    assert match, message
    assert int(match[1]) == cut.count(b"\n") + 1  # the error is at the end of what is left
    protected()


def test_a_file_cut_inside_a_multibyte_character_reports_invalid_utf8(tmp_path, protected):
    path = tmp_path / "daily_papers_2026-08-19.json"
    path.write_bytes(b'[{"paper": {"title": "caf\xc3')
    assert import_fails(path) == f"{path}:1:26: invalid UTF-8: byte 0xc3 (unexpected end of data)"
    protected()


def test_invalid_utf8_is_rejected_with_the_position_of_the_bad_byte(tmp_path, hf_fixture, protected):
    data = hf_fixture("2026-08-18").read_bytes()
    offset = data.index(b"VibeWorlding") + 4
    path = tmp_path / "daily_papers_2026-08-18.json"
    path.write_bytes(data[:offset] + b"\xff" + data[offset:])
    line = data.count(b"\n", 0, offset) + 1
    col = len(data[data.rfind(b"\n", 0, offset) + 1 : offset].decode()) + 1

    assert import_fails(path) == f"{path}:{line}:{col}: invalid UTF-8: byte 0xff (invalid start byte)"
    protected()


@pytest.mark.parametrize("content", [b"", b"  \n\n"])
def test_an_empty_file_is_rejected(tmp_path, protected, content):
    path = tmp_path / "daily_papers_2026-08-20.json"
    path.write_bytes(content)
    assert import_fails(path) == f"{path}: empty file, expected a JSON array"
    protected()


def test_text_that_is_not_json_is_rejected(tmp_path, protected):
    path = tmp_path / "daily_papers_2026-08-20.json"
    path.write_text("[\n  {'paper': 1}\n]\n")
    assert import_fails(path) == (f"{path}:2:4: invalid JSON: Expecting property name enclosed in double quotes")
    protected()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected(tmp_path, hf_fixture, protected, constant):
    text = hf_fixture("2026-08-18").read_text()
    first = text.index('"upvotes": 39')
    text = text[:first] + f'"upvotes": {constant}' + text[first + len('"upvotes": 39') :]
    path = tmp_path / "daily_papers_2026-08-18.json"
    path.write_text(text)
    line = text.count("\n", 0, first) + 1
    col = first - text.rfind("\n", 0, first) + len('"upvotes": ')

    assert import_fails(path) == f"{path}:{line}:{col}: invalid JSON: {constant} is not a number JSON allows"
    protected()


def test_an_object_instead_of_a_list_is_rejected(tmp_path, protected):
    path = write_items(tmp_path / "daily_papers_2026-08-20.json", {"date": "2026-08-20", "results": []})
    assert import_fails(path) == f"{path}: expected a JSON array of items at the top level, got object"
    protected()


def test_an_item_that_is_not_an_object_is_rejected(tmp_path, hf_fixture, protected):
    path = copy_with(tmp_path, hf_fixture("2026-08-18"), lambda items: items.insert(2, ["not", "an", "item"]))
    assert import_fails(path) == f"{path}: item 2: expected an object, got array"
    protected()


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda item: item["paper"].pop("id"), "item 3: paper.id: required field is missing"),
        (lambda item: item["paper"].pop("title"), "paper.title: required field is missing"),
        (lambda item: item["paper"].pop("authors"), "paper.authors: required field is missing"),
        (lambda item: item["paper"].pop("upvotes"), "paper.upvotes: required field is missing"),
        (lambda item: item["paper"].pop("publishedAt"), "paper.publishedAt: required field is missing"),
        (lambda item: item.pop("numComments"), "numComments: required field is missing"),
        (lambda item: item.pop("paper"), "paper: required field is missing"),
        (lambda item: item["paper"]["authors"][1].pop("name"), "paper.authors[1].name: required field is missing"),
        (lambda item: item["submittedBy"].pop("name"), "submittedBy.name: required field is missing"),
    ],
)
def test_a_missing_required_field_is_rejected_naming_item_and_field(tmp_path, hf_fixture, protected, mutate, where):
    def break_item(items):
        mutate(items[3])

    path = copy_with(tmp_path, hf_fixture("2026-08-18"), break_item)
    arxiv_id = json.loads(hf_fixture("2026-08-18").read_bytes())[3]["paper"]["id"]
    message = import_fails(path)
    if where.startswith("item 3:") or where.startswith("paper:"):
        assert message.startswith(f"{path}: item 3") and message.endswith(where)
    else:
        assert message == f"{path}: item 3 (id {arxiv_id}): {where}"
    protected()


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda p, i: p.update(upvotes="12"), "paper.upvotes: Input should be a valid integer, got '12'"),
        (lambda p, i: p.update(upvotes=12.0), "paper.upvotes: Input should be a valid integer, got 12.0"),
        (lambda p, i: p.update(upvotes=True), "paper.upvotes: Input should be a valid integer, got True"),
        (lambda p, i: p.update(upvotes=-1), "paper.upvotes: Input should be greater than or equal to 0, got -1"),
        (lambda p, i: p.update(upvotes=None), "paper.upvotes: Input should be a valid integer, got None"),
        (lambda p, i: p["authors"][0].update(hidden="no"), "paper.authors[0].hidden: Input should be a valid boolean"),
        (lambda p, i: p.update(authors="A. Author"), "paper.authors: Input should be a valid list, got 'A. Author'"),
        (lambda p, i: p.update(authors=[{"name": 7}]), "paper.authors[0].name: Input should be a valid string, got 7"),
        (lambda p, i: p.update(title=["x"]), "paper.title: Input should be a valid string, got a JSON array"),
        (lambda p, i: p.update(title="  \n "), "paper.title: must not be blank"),
        (lambda p, i: p.update(ai_keywords="diffusion"), "paper.ai_keywords: Input should be a valid list"),
        (lambda p, i: p.update(githubStars="24"), "paper.githubStars: Input should be a valid integer, got '24'"),
        (lambda p, i: p.update(publishedAt=1723680000), "paper.publishedAt: expected an ISO-8601 timestamp string"),
        (lambda p, i: p.update(publishedAt="yesterday"), "paper.publishedAt: 'yesterday' is not an ISO-8601 timestamp"),
        (lambda p, i: p.update(submittedOnDailyAt="2026-08-18T00:00:00"), "has no time zone"),
        (lambda p, i: p.update(organization="tencent"), "paper.organization: Input should be a valid dictionary"),
        (lambda p, i: p["organization"].update(name="../evil"), "paper.organization.name: String should match"),
        (lambda p, i: i.update(numComments="1"), "numComments: Input should be a valid integer, got '1'"),
        (lambda p, i: i["submittedBy"].update(name=5), "submittedBy.name: Input should be a valid string, got 5"),
        (lambda p, i: i.update(mediaUrls="https://x"), "mediaUrls: Input should be a valid list"),
        (lambda p, i: p["submittedOnDailyBy"].pop("user") and p["submittedOnDailyBy"].pop("name"), "needs a username"),
    ],
)
def test_a_wrong_type_anywhere_in_an_item_is_rejected_naming_item_id_and_field(
    tmp_path, hf_fixture, protected, mutate, where
):
    def break_item(items):
        mutate(items[0]["paper"], items[0])

    path = copy_with(tmp_path, hf_fixture("2026-08-18"), break_item)
    message = import_fails(path)
    assert message.startswith(f"{path}: item 0 (id 2608.15265): ")
    assert where in message
    protected()


@pytest.mark.parametrize(
    "bad_id", ["abc", "2608.1", "12345.67890", "2608.15265v", "https://arxiv.org/abs/2608.15265", ""]
)
def test_an_invalid_arxiv_id_is_rejected(tmp_path, hf_fixture, protected, bad_id):
    def break_id(items):
        items[3]["paper"]["id"] = bad_id

    path = copy_with(tmp_path, hf_fixture("2026-08-18"), break_id)
    assert import_fails(path) == f"{path}: item 3: paper.id: {bad_id!r} is not a valid arXiv id"
    protected()


def test_the_same_arxiv_id_twice_in_one_file_is_rejected(tmp_path, hf_fixture, protected):
    def duplicate(items):
        items[7] = json.loads(json.dumps(items[2]))
        items[7]["paper"]["id"] = "arXiv:" + items[2]["paper"]["id"] + "v2"

    path = copy_with(tmp_path, hf_fixture("2026-08-18"), duplicate)
    arxiv_id = json.loads(path.read_bytes())[2]["paper"]["id"]
    assert import_fails(path) == f"{path}: item 7 (id {arxiv_id}): repeats item 2"
    protected()


def test_every_problem_is_counted_and_the_first_is_named(tmp_path, hf_fixture, protected):
    def break_three(items):
        items[1]["paper"]["upvotes"] = "1"
        items[4]["numComments"] = "2"
        items[5]["paper"]["id"] = "nope"

    path = copy_with(tmp_path, hf_fixture("2026-08-18"), break_three)
    message = import_fails(path)
    assert message.startswith(f"{path}: item 1 (id ")
    assert message.endswith("(and 2 more problems)")
    protected()


def test_one_bad_file_among_good_ones_writes_nothing_at_all(tmp_path, hf_fixture, protected):
    folder = tmp_path / "days"
    folder.mkdir()
    for day in ("2026-08-13", "2026-08-14", "2026-08-19"):
        shutil.copy(hf_fixture(day), folder)
    (folder / "daily_papers_2026-08-17.json").write_bytes(hf_fixture("2026-08-17").read_bytes()[:-10])

    message = import_fails(folder)
    assert message.startswith(f"{folder / 'daily_papers_2026-08-17.json'}:")
    protected()


def test_a_missing_path_is_rejected(tmp_path, hf_fixture, protected):
    missing = tmp_path / "nope.json"
    assert import_fails(hf_fixture("2026-08-19"), missing) == f"{missing}: no such file or folder"
    protected()


def test_a_folder_without_json_files_is_rejected(tmp_path, protected):
    (tmp_path / "notes.txt").write_text("not json")
    assert import_fails(tmp_path) == f"{tmp_path}: no *.json files in this folder"
    protected()


def test_a_malformed_date_option_is_rejected(hf_fixture, protected):
    assert import_fails(hf_fixture("2024-05-27"), date="27/05/2024") == (
        "--date: '27/05/2024' is not a date in the form YYYY-MM-DD"
    )
    protected()


def test_without_any_listing_date_the_item_is_rejected(tmp_path, hf_fixture, protected):
    def strip_dates(items):
        for item in items:
            del item["publishedAt"]

    items = json.loads(hf_fixture("2024-05-27").read_bytes())
    strip_dates(items)
    path = write_items(tmp_path / "undated.json", items)
    assert import_fails(path).startswith(f"{path}: item 0 (id 2405.15738): no listing date")
    protected()


def test_no_author_or_topic_rows_are_left_behind_by_a_failed_import(tmp_path, hf_fixture, protected):
    before = (Author.objects.count(), PaperTopic.objects.count(), HFUser.objects.count())
    bad = copy_with(tmp_path, hf_fixture("2026-08-19"), lambda items: items[-1]["paper"].update(upvotes="x"))
    import_fails(hf_fixture("2026-08-17"), bad)
    assert (Author.objects.count(), PaperTopic.objects.count(), HFUser.objects.count()) == before
    protected()


def test_lookups_split_into_chunks_give_the_same_result(monkeypatch):
    monkeypatch.setattr("papers.ingest.related.IN_CHUNK", 7)
    run_import(HF_FIXTURES)
    before = dump_database()
    assert run_import(HF_FIXTURES).splitlines()[-1].endswith("listings 0 created, 0 updated, 398 unchanged")
    assert dump_database() == before
    assert Paper.objects.count() == 397
