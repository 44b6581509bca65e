"""NUL characters (U+0000), which PostgreSQL text columns refuse: never a 500, never half-written."""

import json

import pytest
from django.core.management import CommandError, call_command

from papers.models import Comment, Flag, Paper
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db


def test_a_comment_with_nul_characters_is_stored_without_them(member_client):
    paper = make_paper()
    response = member_client.post(f"/papers/{paper.arxiv_id}/comments/", {"body": "Hello\x00 world"})
    assert response.status_code == 302
    assert Comment.objects.get().body == "Hello world"


def test_a_comment_of_only_nul_characters_is_empty(member_client):
    paper = make_paper()
    response = member_client.post(f"/papers/{paper.arxiv_id}/comments/", {"body": "\x00\x00"})
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_a_flag_note_and_an_edit_with_nul_characters(member_client, member):
    paper = make_paper()
    theirs = make_comment(paper, make_user())
    mine = make_comment(paper, member)
    member_client.post(f"{theirs.get_absolute_url()}flag/", {"reason": "spam", "note": "bad\x00note"})
    assert Flag.objects.get().note == "badnote"
    member_client.post(f"{mine.get_absolute_url()}edit/", {"body": "fixed\x00"})
    mine.refresh_from_db()
    assert mine.body == "fixed"


@pytest.mark.parametrize("url", ["/search/?q=%00", "/search/?q=graph%00networks", "/settings/"])
def test_searching_and_settings_with_nul_characters_answer(member_client, url):
    make_paper(title="Graph networks")
    assert member_client.get(url).status_code == 200
    response = member_client.post("/settings/", {"display_name": "Ada\x00", "bio": "x\x00y"})
    assert response.status_code in {200, 302}


def test_an_imported_item_with_a_nul_character_is_refused_by_name(tmp_path, hf_fixture):
    items = json.loads(hf_fixture("2026-08-18").read_bytes())
    items[2]["paper"]["ai_summary_model"] = "model\x00name"
    path = tmp_path / "daily_papers_2026-08-18.json"
    path.write_text(json.dumps(items))
    with pytest.raises(CommandError, match=r"item 2 \(id [0-9.]+\): paper.ai_summary_model: contains a NUL"):
        call_command("import_daily_papers", str(path), verbosity=0)
    assert Paper.objects.count() == 0


@pytest.mark.parametrize("url", ["/feeds/%00/", "/feeds/a%00b/"])
def test_a_feed_token_with_a_nul_character_is_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/topics/a%00/follow/", "/authors/a%00/mute/", "/orgs/%00/follow/", "/users/a%00/follow/"]
)
def test_following_a_key_with_a_nul_character_is_not_found(member_client, member, url):
    response = member_client.post(url)
    assert response.status_code == 404
    assert not member.follows.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/users/a%00/",
        "/authors/a%00/",
        "/authors/a%00/feed/",
        "/orgs/a%00/",
        "/orgs/a%00/feed/",
        "/topics/a%00/",
        "/topics/a%00/feed/",
        "/unsubscribe/a%00/",
        "/moderation/members/a%00/",
    ],
)
def test_pages_named_by_a_key_with_a_nul_character_are_not_found(client, moderator, url):
    client.force_login(moderator)
    assert client.get(url).status_code == 404
