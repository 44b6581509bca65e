"""Items built from the columns, bounded queries, the shared cache, what the import keeps, the Markdown copy.

Apart from tests/api/test_hf_api.py, whose module-wide archive would be in every test's database here.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache as django_cache
from django.core.management import call_command
from huggingface_hub.hf_api import PaperInfo

from papers.discussion import delete_comment
from papers.models import HFUser, Listing, Organization, Paper
from papers.moderation import hide_comment
from tests.factories import derived_file, make_comment, make_paper, make_user
from tests.support.database import dump_database
from tests.support.hf import ids, nulls, recorded
from tests.support.paths import HF_FIXTURES

pytestmark = pytest.mark.django_db


# --- Items built from the columns (listings without the item, papers members brought) ----------


@pytest.fixture
def built(db):
    """A listed paper without Hugging Face's item: an organisation, a submitter, a claimed author, media."""
    organization = Organization.objects.create(
        handle="acme", name="Acme Research", avatar_url="https://cdn.example/acme.png", hf_id="6a0000000000000000000001"
    )
    submitter = HFUser.objects.create(username="sam", fullname="Sam Submitter", avatar_url="https://cdn.example/s.png")
    paper = make_paper(
        "2612.00001",
        title="Built from the columns",
        hf_upvotes=7,
        hf_comments=3,
        topics=("retrieval", "agents"),
        organization=organization,
        submitted_by=submitter,
        ai_summary="A one-line summary.",
        ai_summary_model="some/model",
        media_urls=["https://cdn.example/video.mp4"],
        thumbnail_url="https://cdn.example/thumb.png",
        github_repo="https://github.com/acme/built",
        github_stars=12,
        project_page="https://acme.example/built",
    )
    Listing.objects.filter(paper=paper).update(submitter=submitter, hf_comments=3)
    slot = paper.authorships.get(position=1)
    slot.hf_user = HFUser.objects.create(username="alan", fullname="Alan T.", hf_id="6a0000000000000000000002")
    slot.save()
    return paper


def test_a_listing_without_the_item_gets_one_built_in_the_2026_shape(client, built):
    (item,) = client.get("/api/daily_papers", {"date": "2026-08-18"}).json()
    assert nulls(item) == []
    user = {"avatarUrl": "https://cdn.example/s.png", "fullname": "Sam Submitter", "type": "user"}
    organization = {
        "_id": "6a0000000000000000000001",
        "name": "acme",
        "fullname": "Acme Research",
        "avatar": "https://cdn.example/acme.png",
    }
    assert item == {
        "paper": {
            "id": "2612.00001",
            "authors": [
                {"name": "Ada Lovelace", "hidden": False},
                {
                    "name": "Alan Turing",
                    "hidden": False,
                    "user": {"_id": "6a0000000000000000000002", "fullname": "Alan T.", "type": "user"}
                    | {"user": "alan", "name": "alan"},
                },
            ],
            "mediaUrls": ["https://cdn.example/video.mp4"],
            "publishedAt": "2026-08-15T00:00:00.000Z",
            "submittedOnDailyAt": "2026-08-18T00:00:00.000Z",
            "title": "Built from the columns",
            "submittedOnDailyBy": user | {"user": "sam", "name": "sam"},
            "summary": built.abstract,
            "upvotes": 7,
            "projectPage": "https://acme.example/built",
            "githubRepo": "https://github.com/acme/built",
            "ai_summary": "A one-line summary.",
            "ai_keywords": ["retrieval", "agents"],
            "ai_summary_model": "some/model",
            "githubStars": 12,
            "organization": organization,
        },
        "publishedAt": "2026-08-15T00:00:00.000Z",
        "title": "Built from the columns",
        "summary": built.abstract,
        "mediaUrls": ["https://cdn.example/video.mp4"],
        "thumbnail": "https://cdn.example/thumb.png",
        "numComments": 3,
        "submittedBy": user | {"name": "sam"},
        "organization": organization,
    }
    info = PaperInfo(**item)
    assert (info.id, info.title, info.upvotes, info.comments) == ("2612.00001", "Built from the columns", 7, 3)
    assert [(author.name, author.user and author.user.username) for author in info.authors] == [
        ("Ada Lovelace", None),
        ("Alan Turing", "alan"),
    ]
    assert (info.organization.name, info.organization.fullname) == ("acme", "Acme Research")
    assert info.published_at == dt.datetime(2026, 8, 15, tzinfo=dt.UTC)
    # Like Hugging Face's items, ours keep these in `paper`, where PaperInfo does not look (paper_info does).
    assert info.github_stars is None and info.ai_keywords is None
    detail = PaperInfo(**client.get("/api/papers/2612.00001").json())
    assert (detail.github_stars, detail.ai_keywords, detail.comments) == (12, ["retrieval", "agents"], 3)
    assert detail.submitted_at == dt.datetime(2026, 8, 18, tzinfo=dt.UTC)
    assert (detail.submitted_by.username, detail.project_page) == ("sam", "https://acme.example/built")


def test_a_paper_with_no_listing_has_no_submission_and_no_empty_keys(client):
    make_paper("2612.00002", title="Never listed", listed_on=None, abstract="Words.")
    document = client.get("/api/papers/2612.00002").json()
    assert document == {
        "id": "2612.00002",
        "authors": [{"name": "Ada Lovelace", "hidden": False}, {"name": "Alan Turing", "hidden": False}],
        "publishedAt": "2026-08-15T00:00:00.000Z",
        "title": "Never listed",
        "summary": "Words.",
        "upvotes": 0,
        "numComments": 0,
    }
    (item,) = client.get("/api/papers/search", {"q": "never listed"}).json()
    assert item["paper"] | {"numComments": 0} == document
    assert "submittedOnDailyAt" not in item["paper"] and "submittedBy" not in item


def test_a_member_submitted_paper_is_listed_with_a_built_item(client, member):
    paper = make_paper("2612.00003", title="Brought from arXiv", listed_on=dt.date(2026, 8, 18))
    make_paper("2612.00004", title="Listed first", listed_on=dt.date(2026, 8, 18), hf_upvotes=3)
    items = client.get("/api/daily_papers", {"date": "2026-08-18"}).json()
    assert ids(items) == ["2612.00003", "2612.00004"]  # both at position 0: the older listing first
    assert items[0]["title"] == paper.title and "submittedBy" not in items[0]


# --- Bounded queries ----------------------------------------------------------------------------


@pytest.fixture
def many(db):
    """60 papers over three days, half with Hugging Face's item and half built, with claimed authors."""
    submitter = HFUser.objects.create(username="sam")
    alan = HFUser.objects.create(username="alan")
    item = recorded("2026-08-18")[0]
    for n in range(60):
        paper = make_paper(
            f"2612.{n + 10:05d}",
            listed_on=dt.date(2026, 8, 17 + n % 3),
            authors=tuple(f"Author {n} {k}" for k in range(6)),
            topics=(f"topic {n % 7}",),
            position=n,
            submitted_by=submitter,
            organization=Organization.objects.get_or_create(handle=f"org{n % 4}", defaults={"name": "Org"})[0],
        )
        paper.authorships.filter(position=0).update(hf_user=alan)
        listing = Listing.objects.filter(paper=paper)
        listing.update(submitter=submitter)
        if n % 2:
            listing.update(hf_item=item | {"paper": item["paper"] | {"id": paper.arxiv_id}})


@pytest.mark.parametrize(
    ("url", "count"),
    [
        ("/api/daily_papers?date=2026-08-18", 20),
        ("/api/daily_papers", 20),
        ("/api/daily_papers?week=2026-W34&limit=100", 60),
        ("/api/daily_papers?month=2026-08&limit=100", 60),
        ("/api/daily_papers?sort=trending&limit=100", 60),
        ("/api/daily_papers?submitter=sam&limit=100", 60),
        ("/api/daily_papers?week=2026-W34&sort=trending&submitter=sam&limit=50&p=1", 10),
        ("/api/papers/search?q=paper&limit=120", 60),
        ("/api/papers/2612.00010", None),
        ("/api/papers/2612.00011", None),
    ],
)
def test_each_route_takes_a_fixed_number_of_queries(client, many, django_assert_max_num_queries, url, count):
    with django_assert_max_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200
    if count is not None:
        assert len(response.json()) == count


def test_the_markdown_copy_takes_a_fixed_number_of_queries(client, many, django_assert_max_num_queries):
    paper = Paper.objects.get(arxiv_id="2612.00010")
    members = [make_user() for _ in range(5)]
    parent = None
    for n in range(30):
        parent = make_comment(paper, members[n % 5], f"Comment {n}", parent=parent if n % 3 else None)
    with django_assert_max_num_queries(4):
        response = client.get("/papers/2612.00010.md")
    assert response.status_code == 200
    assert response.text.count("- **") == 30


# --- The shared cache ---------------------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    django_cache.clear()
    yield
    django_cache.clear()


@pytest.mark.parametrize(
    "url", ["/api/daily_papers?date=2026-08-18", "/api/papers/2612.00001", "/papers/2612.00001.md"]
)
def test_a_cached_answer_keeps_its_headers(client, built, page_cache, django_assert_num_queries, url):
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    for header in ("Content-Type", "ETag", "Access-Control-Allow-Origin", "Vary"):
        assert second.get(header) == first.get(header), header
    if url.startswith("/api/"):
        assert second["Access-Control-Allow-Origin"] == "*" and second["ETag"]
        with django_assert_num_queries(0):
            unchanged = client.get(url, headers={"If-None-Match": first["ETag"]})
        assert unchanged.status_code == 304
        signed = client.get(url, headers={"Authorization": "Bearer hf_someone_elses_token"})
        assert signed.status_code == 200 and signed.content == first.content
        assert "Access-Control-Allow-Origin" not in signed  # CORS only for anonymous reads, cached or not


def test_an_import_shows_at_once_in_cached_answers(client, page_cache, hf_fixture, django_capture_on_commit_callbacks):
    old = make_paper(title="Old news", listed_on=dt.date(2026, 8, 18))
    assert ids(client.get("/api/daily_papers").json()) == [old.arxiv_id]
    assert client.get("/api/papers/2608.12313").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_daily_papers", str(hf_fixture("2026-08-19")), verbosity=0)
    assert client.get("/api/daily_papers").json() == recorded("2026-08-19")
    assert client.get("/api/papers/2608.12313").status_code == 200


def test_errors_are_not_cached(client, page_cache):
    assert client.get("/api/papers/2612.00005").status_code == 404
    assert client.get("/papers/2612.00005.md").status_code == 404
    make_paper("2612.00005")
    assert client.get("/api/papers/2612.00005").status_code == 200
    assert client.get("/papers/2612.00005.md").status_code == 200


# --- What the import keeps ----------------------------------------------------------------------


def hidden_author_file(tmp_path):
    """2026-08-18's first item with a hidden author in the middle of its byline, as in 2509.22518."""

    def hide(items):
        del items[1:]
        hidden = {"_id": "68d9f0d2e6a1b1c5d4e3f201", "name": "Bo Li", "hidden": True}
        items[0]["paper"]["authors"].insert(2, hidden)

    return derived_file(tmp_path, HF_FIXTURES / "daily_papers_2026-08-18.json", hide)


def test_hidden_authors_are_kept_nowhere(client, tmp_path):
    call_command("import_daily_papers", str(hidden_author_file(tmp_path)), verbosity=0)
    (item,) = client.get("/api/daily_papers", {"date": "2026-08-18"}).json()
    assert item == recorded("2026-08-18")[0]
    assert "Bo Li" not in json.dumps(dump_database(), default=str)
    assert "Bo Li" not in client.get("/api/papers/2608.15265").text
    assert "Bo Li" not in client.get("/papers/2608.15265.md").text
    assert [author.name for author in PaperInfo(**item).authors][:3] == ["Yansong Ning", "Jingwen Ye", "Zhongkai Wu"]


def test_urls_the_import_drops_are_not_in_the_kept_item(client, tmp_path):
    def poison(items):
        items[0]["paper"]["mediaUrls"] = ["javascript:alert(1)"]
        items[0]["mediaUrls"] = ["data:text/html,x", items[0]["mediaUrls"][0]]
        items[0]["paper"]["githubRepo"] = "/relative"
        items[0]["submittedBy"]["avatarUrl"] = "vbscript:msgbox"

    source = HF_FIXTURES / "daily_papers_2026-08-18.json"
    call_command("import_daily_papers", str(derived_file(tmp_path, source, poison)), verbosity=0)
    item = client.get("/api/daily_papers", {"date": "2026-08-18"}).json()[0]
    original = recorded("2026-08-18")[0]
    assert "mediaUrls" not in item["paper"] and "githubRepo" not in item["paper"]
    assert item["mediaUrls"] == original["mediaUrls"]
    assert "avatarUrl" not in item["submittedBy"]
    assert item["submittedBy"]["name"] == original["submittedBy"]["name"]
    assert item["paper"]["projectPage"] == original["paper"]["projectPage"]


def test_a_reimport_updates_the_kept_item_and_an_identical_one_writes_nothing(tmp_path, hf_fixture):
    source = hf_fixture("2026-08-18")
    call_command("import_daily_papers", str(source), verbosity=0)
    listing = Listing.objects.get(paper__arxiv_id="2608.15265")
    assert listing.hf_item == recorded("2026-08-18")[0]
    stored = dump_database()
    call_command("import_daily_papers", str(source), verbosity=0)
    assert dump_database() == stored

    def more_followers(items):
        items[0]["submittedBy"]["followerCount"] = 99  # a field the columns do not hold

    call_command("import_daily_papers", str(derived_file(tmp_path, source, more_followers)), verbosity=0)
    listing.refresh_from_db()
    assert listing.hf_item["submittedBy"]["followerCount"] == 99
    Listing.objects.update(hf_item=None)  # listings imported before the item was kept
    call_command("import_daily_papers", str(source), verbosity=0)
    assert [row.hf_item for row in Listing.objects.order_by("hf_position")] == recorded("2026-08-18")


# --- The Markdown copy --------------------------------------------------------------------------


def test_a_paper_as_markdown_has_its_text_links_and_discussion(client, built, member, other_member, moderator):
    first = make_comment(built, member, "First **point**.\n\n```python\nprint(1)\n```")
    reply = make_comment(built, other_member, "A reply.", parent=first)
    make_comment(built, member, "A reply to the reply.", parent=reply)
    gone = make_comment(built, other_member, "Deleted text")
    make_comment(built, member, "Still here under a deleted comment.", parent=gone)
    hidden = make_comment(built, other_member, "Hidden by a moderator")
    delete_comment(gone, other_member)
    hide_comment(hidden, moderator, "spam")
    response = client.get("/papers/2612.00001.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.text
    assert text.startswith("# Built from the columns\n\n**Authors:** Ada Lovelace, Alan Turing\n")
    for line in (
        "- arXiv: <https://arxiv.org/abs/2612.00001>",
        "- PDF: <https://arxiv.org/pdf/2612.00001>",
        "- Hugging Face: <https://huggingface.co/papers/2612.00001>",
        "- Code: <https://github.com/acme/built>",
        "- Project page: <https://acme.example/built>",
        "- Paper Commons: <http://testserver/papers/2612.00001/>",
        f"## Abstract\n\n{built.abstract}",
        "## AI summary\n\nA one-line summary.",
        "## Topics\n\n[retrieval](http://testserver/topics/retrieval/), [agents](http://testserver/topics/agents/)",
        "## Discussion on Paper Commons (4 comments)",
        "  First **point**.\n\n  ```python\n  print(1)\n  ```",
        "  - **bob**, ",
        "    A reply.",
        "    - **ada**, ",
        "      A reply to the reply.",
        "- _[removed]_\n\n  - **ada**, ",
        "    Still here under a deleted comment.",
    ):
        assert line in text, line
    assert "Deleted text" not in text and "Hidden by a moderator" not in text
    assert text.count("_[removed]_") == 1  # the hidden comment has no replies: left out entirely


def test_markdown_of_an_unknown_paper_is_a_404_and_a_version_redirects(client, built):
    assert client.get("/papers/2612.09999.md").status_code == 404
    response = client.get("/papers/2612.00001v2.md")
    assert response.status_code == 301
    assert response["Location"] == "/papers/2612.00001.md"


def test_an_old_style_arxiv_id_is_one_path(client):
    make_paper("hep-th/9901001", title="Strings", listed_on=None)
    assert client.get("/api/papers/hep-th/9901001").json()["title"] == "Strings"
    assert client.get("/api/papers/hep-th/9901001v2").json()["title"] == "Strings"
    assert client.get("/papers/hep-th/9901001.md").text.startswith("# Strings\n")
