"""Following and muting topics, authors, organisations and members: the toggles, with and without htmx."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from papers import follows
from papers.models import Follow
from tests.factories import make_author, make_organization, make_paper, make_topic, make_user

pytestmark = pytest.mark.django_db


@dataclass
class Target:
    kind: str
    obj: object
    prefix: str  # the URL's first part
    key: str
    name: str

    @property
    def page(self) -> str:
        return f"/{self.prefix}/{self.key}/"

    def url(self, mode: str = "follow") -> str:
        return f"/{self.prefix}/{self.key}/{mode}/"

    @property
    def field(self) -> str:
        return Follow.TARGET_FIELDS[self.kind]

    def rows(self, user=None):
        rows = Follow.objects.filter(**{self.field: self.obj})
        return rows.filter(user=user) if user else rows


KINDS = ["topic", "author", "organization", "member"]


def make_target(kind: str) -> Target:
    if kind == "topic":
        topic = make_topic("Reinforcement learning")
        return Target(kind, topic, "topics", topic.slug, "Reinforcement learning")
    if kind == "author":
        author = make_author("Yann LeCun")
        return Target(kind, author, "authors", author.slug, "Yann LeCun")
    if kind == "organization":
        organization = make_organization("tencent", "Tencent")
        return Target(kind, organization, "orgs", "tencent", "Tencent")
    member = make_user("carol", display_name="Carol C.")
    return Target(kind, member, "users", "carol", "Carol C.")


@pytest.fixture(params=KINDS)
def target(request, db) -> Target:
    return make_target(request.param)


def mode_of(target: Target, user) -> str | None:
    return target.rows(user).values_list("mode", flat=True).first()


# --- Without JavaScript ---------------------------------------------------------------------------


def test_following_without_javascript_records_it_and_goes_back(member_client, member, target):
    response = member_client.post(target.url(), {"action": "follow", "next": target.page})
    assert response.status_code == 302
    assert response["Location"] == target.page
    assert mode_of(target, member) == "follow"
    page = member_client.get(response["Location"]).text
    assert f"You follow {target.name}" in page
    assert 'aria-pressed="true"' in page


def test_muting_without_javascript(member_client, member, target):
    response = member_client.post(target.url("mute"), {"action": "mute", "next": target.page})
    assert response["Location"] == target.page
    assert mode_of(target, member) == "mute"


def test_the_pressed_button_removes_the_follow(member_client, member, target):
    follows.follow(member, target.obj)
    member_client.post(target.url(), {"action": "remove"})
    assert mode_of(target, member) is None


def test_a_form_without_action_toggles(member_client, member, target):
    member_client.post(target.url())
    assert mode_of(target, member) == "follow"
    member_client.post(target.url())
    assert mode_of(target, member) is None
    member_client.post(target.url("mute"))
    assert mode_of(target, member) == "mute"
    member_client.post(target.url("mute"))
    assert mode_of(target, member) is None


def test_following_a_muted_target_switches_it_and_back(member_client, member, target):
    follows.mute(member, target.obj)
    member_client.post(target.url())
    assert mode_of(target, member) == "follow"
    member_client.post(target.url("mute"))
    assert mode_of(target, member) == "mute"
    assert target.rows(member).count() == 1


def test_removing_a_mute_leaves_a_follow_alone(member_client, member, target):
    follows.follow(member, target.obj)
    member_client.post(target.url("mute"), {"action": "remove"})
    assert mode_of(target, member) == "follow"


def test_following_twice_leaves_one_follow(member_client, member, target):
    for _ in range(3):
        member_client.post(target.url(), {"action": "follow"})
    assert target.rows(member).count() == 1
    assert mode_of(target, member) == "follow"


def test_a_next_pointing_off_site_is_ignored(member_client, target):
    for bad in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        response = member_client.post(target.url(), {"action": "follow", "next": bad})
        assert response["Location"] == target.page, bad


# --- With htmx --------------------------------------------------------------------------------------


def test_following_with_htmx_returns_the_pressed_pair(member_client, member, target, htmx):
    response = member_client.post(target.url(), {"action": "follow", "next": target.page}, headers=htmx)
    assert response.status_code == 200
    text = response.text
    assert "<html" not in text
    assert text.count("<form") == 2
    assert f'action="{target.url()}"' in text and f'action="{target.url("mute")}"' in text
    assert 'aria-pressed="true"' in text and 'aria-pressed="false"' in text
    assert 'name="action" value="remove"' in text and 'name="action" value="mute"' in text
    assert f'name="next" value="{target.page}"' in text
    assert mode_of(target, member) == "follow"


def test_unfollowing_with_htmx_returns_the_released_pair(member_client, member, target, htmx):
    follows.follow(member, target.obj)
    text = member_client.post(target.url(), {"action": "remove"}, headers=htmx).text
    assert 'aria-pressed="true"' not in text
    assert 'name="action" value="follow"' in text
    assert mode_of(target, member) is None


def test_muting_with_htmx_presses_mute_and_releases_follow(member_client, member, target, htmx):
    follows.follow(member, target.obj)
    text = member_client.post(target.url("mute"), {"action": "mute"}, headers=htmx).text
    follow_form, mute_form = text.split("</form>")[:2]
    assert 'aria-pressed="false"' in follow_form and 'aria-pressed="true"' in mute_form
    assert mode_of(target, member) == "mute"


def test_the_compact_toggle_answers_with_the_compact_button(member_client, member, target, htmx):
    text = member_client.post(target.url(), {"action": "follow", "compact": "1"}, headers=htmx).text
    assert text.count("<form") == 1 and 'class="follow-compact"' in text
    assert 'aria-pressed="true"' in text and 'name="compact" value="1"' in text
    text = member_client.post(target.url(), {"action": "remove", "compact": "1"}, headers=htmx).text
    assert 'aria-pressed="false"' in text


# --- Who may ----------------------------------------------------------------------------------------


def test_an_anonymous_click_leads_to_login_and_back(client, target):
    response = client.post(target.url(), {"action": "follow", "next": target.page})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={target.page}"
    assert not Follow.objects.exists()


def test_an_anonymous_htmx_click_redirects_the_browser_to_login(client, target, htmx):
    response = client.post(target.url("mute"), {"next": target.page}, headers=htmx)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert not Follow.objects.exists()


def test_a_members_follows_are_their_own(client, member, other_member, target):
    follows.follow(other_member, target.obj)
    client.force_login(member)
    client.post(target.url(), {"action": "follow"})
    client.post(target.url("mute"), {"action": "remove"})
    client.post(target.url(), {"action": "remove"})
    assert mode_of(target, other_member) == "follow"
    assert mode_of(target, member) is None


def test_get_changes_nothing(member_client, target):
    for mode in ("follow", "mute"):
        assert member_client.get(target.url(mode)).status_code == 405
        assert member_client.put(target.url(mode)).status_code == 405
    assert not Follow.objects.exists()


def test_csrf_is_enforced_with_and_without_htmx(member, target):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(target.url(), {"action": "follow"}).status_code == 403
    assert client.post(target.url(), {"action": "follow"}, headers={"HX-Request": "true"}).status_code == 403
    assert not Follow.objects.exists()
    client.get("/settings/")
    token = client.cookies["csrftoken"].value
    response = client.post(target.url(), {"action": "follow"}, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert mode_of(target, member) == "follow"


@pytest.mark.parametrize("prefix", ["topics", "authors", "orgs", "users"])
def test_unknown_targets_are_not_found(member_client, prefix):
    for mode in ("follow", "mute"):
        assert member_client.post(f"/{prefix}/no-such-thing/{mode}/").status_code == 404
    assert not Follow.objects.exists()


def test_deleted_or_inactive_members_cannot_be_followed(member_client, other_member):
    other_member.anonymize()
    assert member_client.post(f"/users/{other_member.username}/follow/").status_code == 404
    assert not Follow.objects.exists()


def test_a_member_cannot_follow_or_mute_themself(member_client, member, htmx):
    for mode in ("follow", "mute"):
        response = member_client.post(f"/users/ada/{mode}/", {"action": mode})
        assert response.status_code == 403
        assert "cannot follow or mute yourself" in response.text
        response = member_client.post(f"/users/ada/{mode}/", {"action": mode}, headers=htmx)
        assert response.status_code == 403 and response["HX-Retarget"] == "#live-messages"
    assert not Follow.objects.exists()


def test_the_database_refuses_a_self_follow_and_a_second_row(member, other_member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=member, target="member", member=member)
    Follow.objects.create(user=member, target="member", member=other_member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=member, target="member", member=other_member, mode="mute")
    topic = make_topic("agents")
    Follow.objects.create(user=member, target="topic", topic=topic)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=member, target="topic", topic=topic, mode="mute")


def test_follow_is_idempotent_and_switches_modes_in_place(member, target):
    follows.follow(member, target.obj)
    follows.follow(member, target.obj)
    assert target.rows(member).count() == 1
    follows.mute(member, target.obj)
    follows.mute(member, target.obj)
    assert list(target.rows(member).values_list("mode", flat=True)) == ["mute"]
    assert follows.toggle(member, target.obj, "mute") is None
    assert follows.toggle(member, target.obj, "follow") == "follow"
    assert follows.stance(member, target.obj) == "follow"


def test_toggles_are_rate_limited(member_client, settings, target):
    from django.core.cache import cache

    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "vote": "2/60"}
    cache.clear()
    statuses = [member_client.post(target.url()).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


# --- The buttons on pages ---------------------------------------------------------------------------


def test_the_header_of_each_page_has_the_pair_for_members(member_client, member, target):
    if target.kind != "member":
        make_paper(authors=("Yann LeCun",), topics=("Reinforcement learning",), organization=make_organization())
    follows.mute(member, target.obj)
    text = member_client.get(target.page).text
    assert f'action="{target.url()}"' in text and f'action="{target.url("mute")}"' in text
    assert f'Mute<span class="visually-hidden"> {follows.KIND_LABELS[target.kind]} {target.name}</span>' in text
    mute_form = text[text.index(f'action="{target.url("mute")}"') :].split("</form>")[0]
    assert 'aria-pressed="true"' in mute_form


def test_anonymous_visitors_get_a_login_link_and_no_form(client, target):
    text = client.get(target.page).text
    assert "Log in to follow" in text
    assert target.url() not in text and target.url("mute") not in text


def test_no_buttons_on_ones_own_profile(member_client):
    text = member_client.get("/users/ada/").text
    assert "/users/ada/follow/" not in text and "Log in to follow" not in text


def test_the_paper_page_has_compact_buttons_for_members_only(client, member):
    paper = make_paper(
        "2608.15265", authors=("Ada Lovelace", "Yann LeCun"), topics=("agents", "world models"),
        organization=make_organization("tencent", "Tencent"),
    )  # fmt: skip
    follows.follow(member, make_author("Yann LeCun"))
    anonymous = client.get(paper.get_absolute_url()).text
    assert "/follow/" not in anonymous and "follow-compact" not in anonymous
    client.force_login(member)
    text = client.get(paper.get_absolute_url()).text
    for url in [
        "/authors/ada-lovelace/follow/",
        "/authors/yann-lecun/follow/",
        "/topics/agents/follow/",
        "/topics/world-models/follow/",
        "/orgs/tencent/follow/",
    ]:
        assert f'action="{url}"' in text, url
    assert text.count('class="follow-compact"') == 5
    pressed = text[text.index('action="/authors/yann-lecun/follow/"') :].split("</form>")[0]
    assert 'aria-pressed="true"' in pressed and 'value="remove"' in pressed


def test_a_muted_author_shows_an_unmute_toggle_on_the_paper_page(member_client, member):
    paper = make_paper(authors=("Yann LeCun",))
    follows.mute(member, make_author("Yann LeCun"))
    text = member_client.get(paper.get_absolute_url()).text
    form = text[text.index('action="/authors/yann-lecun/mute/"') :].split("</form>")[0]
    assert 'aria-pressed="true"' in form and 'value="remove"' in form


def test_the_paper_page_reads_the_stances_in_one_query(client, member, django_assert_max_num_queries):
    authors = tuple(f"Author {n}" for n in range(40))
    paper = make_paper(authors=authors, topics=tuple(f"topic {n}" for n in range(12)), organization=make_organization())
    for name in authors[::3]:
        follows.follow(member, make_author(name))
    client.force_login(member)
    client.get(paper.get_absolute_url())  # warm the caches
    # the page's usual queries (its related papers are one query), and the member's stances once for 53 buttons
    with django_assert_max_num_queries(14):
        text = client.get(paper.get_absolute_url()).text
    assert text.count('class="follow-compact"') == 40 + 12 + 1
    assert text.count('aria-pressed="true"') == 14


@pytest.mark.parametrize("url", ["/topics/agents/", "/authors/yann-lecun/", "/orgs/tencent/", "/users/carol/"])
def test_pages_with_buttons_run_a_bounded_number_of_queries(client, member, url, django_assert_max_num_queries):
    make_user("carol")
    for n in range(35):
        make_paper(authors=("Yann LeCun", f"Other {n}"), topics=("agents",), organization=make_organization("tencent"))
    client.force_login(member)
    client.get(url)
    # session, member, moderator?, unread notifications, the target, its papers (or comments and their count),
    # the viewer's votes and saves, the viewer's stances
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
