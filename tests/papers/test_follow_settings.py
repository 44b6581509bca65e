"""/settings/following/: what a member follows and mutes, unfollowing, and importing names."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from papers import follows
from papers.models import Follow
from tests.factories import make_author, make_organization, make_topic, make_user

pytestmark = pytest.mark.django_db

URL = "/settings/following/"


def followed(user) -> set[str]:
    return {str(f.target_object) for f in Follow.objects.filter(user=user, mode="follow")}


@pytest.fixture
def catalogue():
    return {
        "lecun": make_author("Yann LeCun"),
        "hinton": make_author("Geoffrey Hinton"),
        "zoe": make_author("Zoë Kravitz"),
        "rl": make_topic("Reinforcement learning"),
        "diffusion": make_topic("diffusion models"),
        "tencent": make_organization("tencent", "Tencent"),
    }


# --- The list ---------------------------------------------------------------------------------------


def test_the_page_groups_follows_and_mutes_by_kind(member_client, member, catalogue):
    carol = make_user("carol", display_name="Carol C.")
    follows.follow(member, catalogue["rl"])
    follows.follow(member, catalogue["lecun"])
    follows.follow(member, carol)
    follows.mute(member, catalogue["diffusion"])
    follows.mute(member, catalogue["tencent"])
    follows.follow(make_user("dave"), catalogue["hinton"])  # someone else's
    response = member_client.get(URL)
    assert response.status_code == 200
    text = response.text
    following, muting = text.split('id="following-mute-heading"')
    for heading in ("Topics", "Authors", "Members"):
        assert f"<h3>{heading} <span" in following
    assert "Reinforcement learning" in following and "Yann LeCun" in following and "Carol C." in following
    assert "diffusion models" in muting and "Tencent" in muting
    assert "diffusion models" not in following and "Reinforcement learning" not in muting
    assert "Geoffrey Hinton" not in text
    assert 'action="/topics/reinforcement-learning/follow/"' in following
    assert 'action="/topics/diffusion-models/mute/"' in muting
    assert 'name="next" value="/settings/following/"' in text
    assert "Unfollow" in following and "Unmute" in muting


def test_unfollowing_from_the_page_comes_back_to_it(member_client, member, catalogue):
    follows.follow(member, catalogue["rl"])
    follows.mute(member, catalogue["tencent"])
    response = member_client.post("/topics/reinforcement-learning/follow/", {"action": "remove", "next": URL})
    assert response["Location"] == URL
    response = member_client.post("/orgs/tencent/mute/", {"action": "remove", "next": URL})
    assert not Follow.objects.exists()
    text = member_client.get(response["Location"]).text
    assert "You follow nothing yet." in text and "You mute nothing." in text
    assert "You no longer mute Tencent." in text


def test_the_page_needs_a_login(client):
    assert client.get(URL)["Location"] == f"/accounts/login/?next={URL}"
    response = client.post(URL, {"names": "Yann LeCun"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Follow.objects.exists()


def test_the_settings_page_links_here(member_client):
    assert f'href="{URL}"' in member_client.get("/settings/").text


def test_the_page_runs_a_bounded_number_of_queries(client, member, django_assert_max_num_queries):
    for n in range(20):
        follows.follow(member, make_topic(f"topic {n}"))
        follows.follow(member, make_author(f"Author {n}"))
        follows.mute(member, make_organization(f"org{n}", f"Org {n}"))
        follows.follow(member, make_user(f"user{n}"))
    client.force_login(member)
    with django_assert_max_num_queries(6):  # session, member, moderator?, unread count, the follows with targets
        text = client.get(URL).text
    assert text.count("<li>") >= 80


# --- Import -----------------------------------------------------------------------------------------


def test_importing_exact_names_whatever_the_case_and_slugs(member_client, member, catalogue):
    names = "Yann LeCun\ngeoffrey hinton\n  REINFORCEMENT   learning \ndiffusion-models\nzoë kravitz\n"
    response = member_client.post(URL, {"names": names})
    assert response.status_code == 200
    assert followed(member) == {
        "Yann LeCun",
        "Geoffrey Hinton",
        "Reinforcement learning",
        "diffusion models",
        "Zoë Kravitz",
    }
    text = response.text
    assert "Followed 5" in text
    assert "Yann LeCun (author)" in text and "Reinforcement learning (topic)" in text
    assert "Not found" not in text


def test_the_report_says_what_was_followed_already_and_not_found(member_client, member, catalogue):
    follows.follow(member, catalogue["lecun"])
    response = member_client.post(URL, {"names": "Yann LeCun\nGeoffrey Hinton\nNobody Atall\nYann"})
    report = response.context["report"]
    assert report.followed == ["Geoffrey Hinton (author)"]
    assert report.already == ["Yann LeCun (author)"]
    assert report.not_found == ["Nobody Atall", "Yann"]  # exact names only: no partial matches
    text = response.text
    assert "Followed 1" in text and "1 already followed, 2 not found" in text
    assert "Nobody Atall" in text


def test_blank_lines_and_repeats_are_ignored(member_client, member, catalogue):
    report = member_client.post(URL, {"names": "\n\n   \nYann LeCun\n\r\nyann lecun\n\t\n"}).context["report"]
    assert report.followed == ["Yann LeCun (author)"] and report.not_found == [] and report.already == []
    assert Follow.objects.count() == 1


def test_importing_switches_mutes_to_follows(member_client, member, catalogue):
    follows.mute(member, catalogue["rl"])
    member_client.post(URL, {"names": "Reinforcement learning"})
    assert follows.stance(member, catalogue["rl"]) == "follow"


def test_a_name_shared_by_an_author_and_a_topic_follows_both(member_client, member):
    make_author("Transformers")
    make_topic("transformers")
    report = member_client.post(URL, {"names": "Transformers"}).context["report"]
    assert sorted(report.followed) == ["Transformers (author)", "transformers (topic)"]


def test_more_than_200_lines_are_refused_with_a_message(member_client, member, catalogue):
    names = "\n".join(["Yann LeCun"] + [f"Name {n}" for n in range(200)])
    response = member_client.post(URL, {"names": names})
    assert response.status_code == 400
    assert "Paste at most 200 names at once; this has 201. Nothing was imported." in response.text
    assert not Follow.objects.exists()
    assert "Name 199</textarea>" in response.text  # the text is kept, to trim
    exactly = "\n".join(["Yann LeCun"] + [f"Name {n}" for n in range(199)])
    assert member_client.post(URL, {"names": exactly}).status_code == 200
    assert followed(member) == {"Yann LeCun"}


def test_a_huge_paste_is_refused_without_work(member_client, member):
    response = member_client.post(URL, {"names": "x" * 70_000})
    assert response.status_code == 400 and "too much text" in response.text


def test_markup_in_names_is_shown_escaped(member_client):
    names = "<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n\"quoted\" & 'single'"
    text = member_client.post(URL, {"names": names}).text
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(2)&gt;" in text


@pytest.mark.parametrize(
    "names",
    [
        "",
        "\x00\x00",
        "Yann\x00LeCun",
        "💥" * 400,
        "a" * 5000,
        "%" * 50,
        "' OR 1=1 --",
        "\\",
        "\u202e\u200b",
        "-" * 300,
    ],
)
def test_odd_input_never_fails(member_client, member, catalogue, names):
    response = member_client.post(URL, {"names": names})
    assert response.status_code == 200
    assert Follow.objects.filter(user=member).count() <= 1


def test_imports_are_rate_limited(member_client, settings):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "settings": "2/600"}
    cache.clear()
    assert [member_client.post(URL, {"names": "x"}).status_code for _ in range(3)] == [200, 200, 429]
    assert member_client.get(URL).status_code == 200  # reading is not limited


def test_the_import_runs_a_bounded_number_of_queries(member, django_assert_max_num_queries):
    for n in range(100):
        make_author(f"Author {n}")
    text = "\n".join([f"Author {n}" for n in range(100)] + [f"Missing {n}" for n in range(100)])
    # the authors, the topics, the member's stances, one insert (and its transaction), whether the member has a
    # stored feed to rebuild
    with django_assert_max_num_queries(7):
        report = follows.import_follows(member, text)
    assert len(report.followed) == 100 and len(report.not_found) == 100


def test_a_name_and_its_slug_on_two_lines_both_match(member_client, member, catalogue):
    report = member_client.post(URL, {"names": "Yann LeCun\nyann-lecun"}).context["report"]
    assert report.followed == ["Yann LeCun (author)"] and report.not_found == []
