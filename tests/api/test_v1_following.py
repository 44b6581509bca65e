"""/api/v1/follows/…, /api/v1/mutes/… and the lists /api/v1/me/follows and /api/v1/me/mutes.

The same rules as the Follow and Mute buttons (papers.follows): one stance per target, nobody follows themself,
a topic by any spelling, an author by `slug` or `slug/number`. Every refusal is a problem document.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import ApiToken
from papers import follows
from papers.api.main import api
from papers.models import Author, Follow, TopicAlias
from tests.api.calls import bearer_header as bearer
from tests.api.calls import problem as assert_problem
from tests.factories import make_author, make_organization, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client(member) -> tuple[Client, dict[str, str]]:
    return Client(), bearer(member)


@pytest.fixture
def targets(other_member):
    """One of each kind, and a second person named Kaipeng Zhang (so the name alone names nobody)."""
    topic = make_topic("3D Gaussian Splatting")
    TopicAlias.objects.create(topic=topic, slug="3dgs", name="3DGS", key="3dgs")
    first = make_author("Kaipeng Zhang")
    second = Author.objects.create(slug=first.slug, name=first.name, number=2)
    Author.objects.refresh_namesakes()
    return {
        "topic": topic,
        "author": Author.objects.get(pk=second.pk),
        "organization": make_organization("tencent", "Tencent"),
        "member": other_member,
    }


# Following and muting


@pytest.mark.parametrize(
    ("kind", "key", "name"),
    [
        ("topic", "3d-gaussian-splatting", "3D Gaussian Splatting"),
        ("author", "kaipeng-zhang/2", "Kaipeng Zhang"),
        ("organization", "tencent", "Tencent"),
        ("member", "bob", "bob"),
    ],
)
def test_following_each_kind_of_target(api_client, member, targets, kind, key, name):
    client, token = api_client
    response = client.put(f"/api/v1/follows/{kind}/{key}", headers=token)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "kind": kind,
        "key": key,
        "name": name,
        "url": "http://testserver" + follows.Followable(targets[kind]).url,
        "mode": "follow",
    }
    assert follows.stance(member, targets[kind]) == "follow"
    assert client.put(f"/api/v1/follows/{kind}/{key}", headers=token).json()["mode"] == "follow"  # idempotent
    assert Follow.objects.filter(user=member).count() == 1
    response = client.delete(f"/api/v1/follows/{kind}/{key}", headers=token)
    assert response.status_code == 200 and response.json()["mode"] is None
    assert follows.stance(member, targets[kind]) is None
    assert client.delete(f"/api/v1/follows/{kind}/{key}", headers=token).json()["mode"] is None


def test_a_topic_is_found_by_any_spelling_or_its_name(api_client, member, targets):
    client, token = api_client
    for key in ("3dgs", "3DGS", "3D Gaussian Splatting", "3d-gaussian-splatting"):
        response = client.put(f"/api/v1/follows/topic/{key}", headers=token)
        assert response.status_code == 200, key
        assert response.json()["key"] == "3d-gaussian-splatting"
    assert Follow.objects.filter(user=member).count() == 1


def test_follow_and_mute_exclude_each_other_as_on_the_site(api_client, member, targets):
    client, token = api_client
    topic = targets["topic"]
    client.put("/api/v1/follows/topic/3dgs", headers=token)
    assert client.put("/api/v1/mutes/topic/3dgs", headers=token).json()["mode"] == "mute"
    assert follows.stance(member, topic) == "mute"
    # Unfollowing leaves the mute; unmuting ends it.
    assert client.delete("/api/v1/follows/topic/3dgs", headers=token).json()["mode"] == "mute"
    assert client.delete("/api/v1/mutes/topic/3dgs", headers=token).json()["mode"] is None
    assert not Follow.objects.filter(user=member).exists()


def test_nobody_follows_or_mutes_themself(api_client, member):
    client, token = api_client
    for mode in ("follows", "mutes"):
        assert_problem(
            client.put(f"/api/v1/{mode}/member/ada", headers=token), 403, "You cannot follow or mute yourself."
        )
    assert not Follow.objects.exists()


def test_an_author_shared_by_namesakes_needs_their_number(api_client, targets):
    client, token = api_client
    assert_problem(client.put("/api/v1/follows/author/kaipeng-zhang", headers=token), 404, "several people")
    assert client.put("/api/v1/follows/author/kaipeng-zhang/1", headers=token).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/follows/topic/no-such-topic",
        "/api/v1/follows/author/nobody-at-all",
        "/api/v1/follows/author/kaipeng-zhang/9",
        "/api/v1/follows/organization/nowhere",
        "/api/v1/mutes/member/nobody",
        "/api/v1/follows/topic/a/b",  # a slash only in an author's key
        "/api/v1/follows/member/%00",
        "/api/v1/follows/author/x/0",
    ],
)
def test_unknown_targets_are_404_problems(api_client, targets, path):
    client, token = api_client
    body = assert_problem(client.put(path, headers=token), 404)
    assert body["title"] == "Not Found" and body["type"].endswith("/api/docs/#problem-not-found")


def test_a_deleted_member_cannot_be_followed(api_client, other_member):
    other_member.anonymize()
    client, token = api_client
    assert_problem(client.put(f"/api/v1/follows/member/{other_member.username}", headers=token), 404)


def test_an_unknown_kind_is_a_422_problem(api_client):
    client, token = api_client
    body = assert_problem(client.put("/api/v1/follows/paper/2608.12313", headers=token), 422)
    assert body["errors"][0]["loc"] == ["path", "kind"]


# Who may


def test_anonymous_requests_get_401(client, targets):
    for method, path in [
        ("get", "/api/v1/me/follows"),
        ("get", "/api/v1/me/mutes"),
        ("put", "/api/v1/follows/topic/3dgs"),
        ("delete", "/api/v1/follows/topic/3dgs"),
        ("put", "/api/v1/mutes/organization/tencent"),
        ("delete", "/api/v1/mutes/organization/tencent"),
    ]:
        response = getattr(client, method)(path)
        assert_problem(response, 401, "personal access token")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert not Follow.objects.exists()


def test_a_revoked_or_unknown_token_gets_401(client, member, targets):
    token, secret = ApiToken.issue(member, "Old", ApiToken.Scope.WRITE)
    token.revoke()
    for secret_sent in (secret, "pc_not-a-token", "nonsense"):
        response = client.put("/api/v1/follows/topic/3dgs", headers={"Authorization": f"Bearer {secret_sent}"})
        assert_problem(response, 401)
    assert not Follow.objects.exists()


def test_a_read_token_reads_but_cannot_write(client, member, targets):
    follows.follow(member, targets["topic"])
    token = bearer(member, ApiToken.Scope.READ)
    assert client.get("/api/v1/me/follows", headers=token).status_code == 200
    for method, path in [("put", "/api/v1/follows/organization/tencent"), ("delete", "/api/v1/follows/topic/3dgs")]:
        assert_problem(getattr(client, method)(path, headers=token), 403, "This token can only read.")
    assert follows.stance(member, targets["topic"]) == "follow"
    assert follows.stance(member, targets["organization"]) is None


def test_a_suspended_member_still_follows_and_mutes_as_in_the_browser(api_client, member, targets):
    """Suspension stops voting, commenting, flagging and submitting; the site's follow buttons stay open."""
    client, token = api_client
    member.suspend("Spam")
    assert client.put("/api/v1/follows/topic/3dgs", headers=token).status_code == 200
    assert client.put("/api/v1/mutes/organization/tencent", headers=token).status_code == 200
    assert follows.stance(member, targets["topic"]) == Follow.Mode.FOLLOW
    assert follows.stance(member, targets["organization"]) == Follow.Mode.MUTE


def test_a_browser_session_writes_with_its_csrf_token_only(member, targets):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/settings/")  # sets the csrftoken cookie, as any page with a form does
    assert_problem(client.put("/api/v1/follows/topic/3dgs"), 403, "CSRF check failed")
    assert follows.stance(member, targets["topic"]) is None
    csrf = {"X-CSRFToken": client.cookies["csrftoken"].value}
    assert client.put("/api/v1/follows/topic/3dgs", headers=csrf).status_code == 200
    assert follows.stance(member, targets["topic"]) == "follow"
    assert client.get("/api/v1/me/follows").json()["items"][0]["key"] == "3d-gaussian-splatting"  # reads need none


def test_a_token_needs_no_csrf_token(member, targets):
    client = Client(enforce_csrf_checks=True)
    assert client.put("/api/v1/follows/topic/3dgs", headers=bearer(member)).status_code == 200


def test_follows_share_the_follow_buttons_rate_limit(api_client, targets, settings):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "vote": "2/60"}
    client, token = api_client
    assert client.put("/api/v1/follows/topic/3dgs", headers=token).status_code == 200
    assert client.put("/api/v1/mutes/organization/tencent", headers=token).status_code == 200
    response = client.delete("/api/v1/follows/topic/3dgs", headers=token)
    assert_problem(response, 429, "Too many vote requests")
    assert int(response["Retry-After"]) > 0


# The lists


@pytest.fixture
def many_stances(member, other_member):
    """30 followed topics, 5 followed authors, 4 muted organisations and a muted member."""
    for n in range(30):
        follows.follow(member, make_topic(f"Topic {n:02d}"))
    for n in range(5):
        follows.follow(member, make_author(f"Author {n}"))
    for n in range(4):
        follows.mute(member, make_organization(f"org{n}", f"Organisation {n}"))
    follows.mute(member, other_member)


def test_the_follows_come_newest_first_a_page_at_a_time(api_client, many_stances, django_assert_max_num_queries):
    client, token = api_client
    client.get("/api/v1/me", headers=token)  # the token's first use is noted once, outside the count
    seen, url = [], "/api/v1/me/follows?limit=20"
    while url:
        with django_assert_max_num_queries(2):  # the token, then the follows with their targets
            response = client.get(url, headers=token)
        assert response.status_code == 200
        page = response.json()
        seen += page["items"]
        url = page["next"]
    assert len(seen) == 35 and all(item["mode"] == "follow" for item in seen)
    assert [item["name"] for item in seen[:5]] == [f"Author {n}" for n in reversed(range(5))]
    assert seen[5] == {
        "kind": "topic",
        "key": "topic-29",
        "name": "Topic 29",
        "url": "http://testserver/topics/topic-29/",
        "mode": "follow",
    }


def test_the_mutes_list_and_a_kind_filter(api_client, many_stances):
    client, token = api_client
    mutes = client.get("/api/v1/me/mutes", headers=token).json()
    assert [(item["kind"], item["key"]) for item in mutes["items"]] == [
        ("member", "bob"),
        *(("organization", f"org{n}") for n in reversed(range(4))),
    ]
    assert mutes["next"] is None
    authors = client.get("/api/v1/me/follows?kind=author", headers=token).json()["items"]
    assert {item["kind"] for item in authors} == {"author"} and len(authors) == 5


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "WyJhYmMiLCAxXQ",  # ["abc", 1]: text for a date
        "WzEuNSwgMl0",  # [1.5, 2]
        "W3sidCI6ICIyMDI2LTAxLTAxVDAwOjAwOjAwIn0sICJ4Il0",  # [a date, "x"]: text for an id
        "W251bGwsIDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ",  # [null, 10**25]
    ],
)
def test_the_lists_refuse_a_damaged_cursor(api_client, many_stances, cursor):
    client, token = api_client
    assert_problem(client.get(f"/api/v1/me/follows?cursor={cursor}", headers=token), 400, "cursor")


def test_the_lists_refuse_a_bad_limit_or_kind(api_client):
    client, token = api_client
    assert_problem(client.get("/api/v1/me/follows?limit=0", headers=token), 422)
    assert_problem(client.get("/api/v1/me/mutes?kind=paper", headers=token), 422)


def test_another_members_stances_never_show(api_client, other_member, targets):
    follows.follow(other_member, targets["topic"])
    client, token = api_client
    assert client.get("/api/v1/me/follows", headers=token).json() == {"items": [], "next": None}


def test_a_follow_query_count_is_bounded(api_client, targets, django_assert_max_num_queries):
    client, token = api_client
    client.get("/api/v1/me", headers=token)
    with django_assert_max_num_queries(9):  # and one to ask whether the member has a stored feed to rebuild
        assert client.put("/api/v1/follows/author/kaipeng-zhang/2", headers=token).status_code == 200


# The schema


def test_the_schema_documents_every_answer_of_these_routes():
    paths = api.get_openapi_schema()["paths"]
    expected = {
        ("/api/v1/me/follows", "get"): {"200", "400", "401", "422"},
        ("/api/v1/me/mutes", "get"): {"200", "400", "401", "422"},
        **{
            (f"/api/v1/{mode}/{{kind}}/{{key}}", method): {"200", "401", "403", "404", "422", "429"}
            for mode in ("follows", "mutes")
            for method in ("put", "delete")
        },
    }
    for (path, method), statuses in expected.items():
        operation = paths[path][method]
        assert {str(status) for status in operation["responses"]} == statuses, (path, method)
        assert operation["summary"] and operation["description"]
        assert operation["tags"] == ["Following"]
    key = next(p for p in paths["/api/v1/follows/{kind}/{key}"]["put"]["parameters"] if p["name"] == "key")
    assert key["in"] == "path" and "slug/number" in key["description"]
