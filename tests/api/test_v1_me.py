"""/api/v1/me, the personal feed (/api/v1/me/feed and its two controls) and notifications (/api/v1/me/notifications).

The feed is /feed/'s: the same papers in the same order, a page at a time, with the reasons the page shows.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client

from accounts.models import ApiToken
from papers import follows, notices
from papers.api.main import api
from papers.models import (
    Authorship,
    FeedSignal,
    Follow,
    Listing,
    Notification,
    Paper,
    PaperSimilarity,
    PaperTopic,
)
from tests.api.calls import bearer_header as bearer
from tests.api.calls import problem as assert_problem
from tests.factories import make_author, make_comment, make_organization, make_paper, make_topic, make_user

pytestmark = pytest.mark.django_db

LATEST = dt.date(2026, 8, 18)


@pytest.fixture
def token(member) -> dict[str, str]:
    return bearer(member)


# /api/v1/me


def test_me_says_who_the_token_is(client, member):
    member.display_name = "Ada L."
    member.save()
    paper = make_paper()
    mine = make_comment(paper, member, "A question")
    make_comment(paper, make_user("bob"), "An answer", mine)
    response = client.get("/api/v1/me", headers=bearer(member, ApiToken.Scope.READ))
    assert response.status_code == 200
    assert response.json() == {
        "username": "ada",
        "display_name": "Ada L.",
        "name": "Ada L.",
        "url": "http://testserver/users/ada/",
        "token_scope": "read",
        "can_write": True,
        "unread_notifications": 1,
    }
    assert response["ETag"] and "Authorization" in response["Vary"]


def test_me_in_a_browser_session_has_no_token_scope(member_client):
    body = member_client.get("/api/v1/me").json()
    assert body["username"] == "ada" and body["token_scope"] is None


def test_me_needs_a_member(client):
    assert_problem(client.get("/api/v1/me"), 401)


def test_me_tells_a_suspended_member_they_cannot_write(client, member):
    member.suspend("Spam")
    assert client.get("/api/v1/me", headers=bearer(member)).json()["can_write"] is False


# The feed


def make_papers(count: int, *, day, title: str, topics=(), authors=(), organization=None) -> list[Paper]:
    """`count` papers listed on `day(n)` in a few bulk queries; paper n has n Hugging Face upvotes."""
    papers = [
        Paper(
            arxiv_id=f"2608.{60000 + len(Paper.objects.all()) + n:05d}",
            title=title.format(n=n),
            hf_upvotes=n,
            first_listed_on=day(n),
            last_listed_on=day(n),
            organization=organization,
        )
        for n in range(count)
    ]
    for paper in papers:
        paper.refresh_sort_keys()
    Paper.objects.bulk_create(papers)
    Listing.objects.bulk_create(Listing(date=p.last_listed_on, paper=p, hf_position=i) for i, p in enumerate(papers))
    PaperTopic.objects.bulk_create(
        PaperTopic(paper=p, topic=make_topic(name), position=i) for p in papers for i, name in enumerate(topics)
    )
    Authorship.objects.bulk_create(
        Authorship(paper=p, author=make_author(name), position=i) for p in papers for i, name in enumerate(authors)
    )
    return papers


@pytest.fixture
def busy_feed(member):
    """A feed of about 80 papers over four days, brought by every kind of reason, with a mute overridden."""
    grace = make_user("grace", upvotes_public=True)
    acme = make_organization("acme", "Acme Research")
    days = lambda n: LATEST - dt.timedelta(days=n % 4)  # noqa: E731
    make_papers(40, day=days, title="Vision paper {n:02d}", topics=("vision",))
    lecun = make_papers(8, day=days, title="LeCun paper {n}", topics=("diffusion models",), authors=("Yann LeCun",))
    make_papers(10, day=days, title="Acme paper {n}", organization=acme)
    make_papers(10, day=days, title="Diffusion paper {n}", topics=("diffusion models",))  # muted: never shown
    others = make_papers(12, day=days, title="Other paper {n}")
    for paper in others[:6]:
        paper.upvote(grace)
    make_comment(others[6], grace, "Worth a read.")
    seed = make_paper(title="A saved seed", listed_on=LATEST - dt.timedelta(days=90))
    follows.save_paper(member, seed)
    PaperSimilarity.objects.bulk_create(
        PaperSimilarity(paper=seed, similar=paper, score=0.3 + n / 100) for n, paper in enumerate(others[7:])
    )
    for target in (make_topic("vision"), make_author("Yann LeCun"), acme, grace):
        follows.follow(member, target)
    follows.mute(member, make_topic("diffusion models"))
    return {"lecun": lecun, "seed": seed, "grace": grace, "others": others}


FEED_ITEM = re.compile(r'<li class="feed-item" id="feed-item-(\d+)"')


def page_order(client: Client) -> list[str]:
    """The papers of every page of /feed/, in order, as arXiv ids."""
    ids, number = [], 1
    while True:
        response = client.get(f"/feed/?page={number}")
        if response.status_code != 200:
            break
        found = [int(pk) for pk in FEED_ITEM.findall(response.text)]
        if not found:
            break
        ids += found
        if not response.context["page"].has_next:
            break
        number += 1
    by_pk = dict(Paper.objects.filter(pk__in=ids).values_list("pk", "arxiv_id"))
    return [by_pk[pk] for pk in ids]


def api_order(client: Client, headers: dict, limit: int) -> list[dict]:
    items, url = [], f"/api/v1/me/feed?limit={limit}"
    while url:
        page = client.get(url, headers=headers).json()
        items += page["items"]
        url = page["next"]
    return items


@pytest.mark.parametrize("limit", [30, 7, 100])
def test_the_feed_has_the_papers_of_the_feed_page_in_its_order(member_client, member, busy_feed, token, limit):
    expected = page_order(member_client)
    assert len(expected) > 60  # more than two pages of /feed/
    items = api_order(Client(), token, limit)
    assert [item["paper"]["arxiv_id"] for item in items] == expected
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)


def test_each_item_says_why_it_is_here_as_the_page_does(member_client, busy_feed, token):
    items = {item["paper"]["title"]: item for item in api_order(Client(), token, 100)}
    lecun = items["LeCun paper 0"]
    assert lecun["reasons"][0] == {
        "kind": "author",
        "name": "Yann LeCun",
        "url": "http://testserver/authors/yann-lecun/",
        "label": "You follow Yann LeCun",
        "weight": 3.0,
        "mute": {"kind": "author", "target_id": make_author("Yann LeCun").pk},
    }
    assert lecun["despite_mute"] == "Shown although you mute “diffusion models”: you follow Yann LeCun"
    assert items["Vision paper 00"]["reasons"][0]["label"] == "You follow vision"
    assert items["Vision paper 00"]["despite_mute"] is None
    assert items["Acme paper 1"]["reasons"][0]["kind"] == "organization"
    assert items["Other paper 0"]["reasons"][0] == {
        "kind": "member_upvoted",
        "name": "@grace",
        "url": "http://testserver/users/grace/",
        "label": "Upvoted by @grace",
        "weight": 1.5,
        "mute": {"kind": "member", "target_id": busy_feed["grace"].pk},
    }
    assert items["Other paper 6"]["reasons"][0]["label"] == "Commented on by @grace"
    similar = items["Other paper 7"]["reasons"][0]
    assert similar["kind"] == "similar" and similar["name"] == "A saved seed"
    assert similar["label"] == "Similar to “A saved seed” that you saved"
    assert similar["mute"] == {"kind": "similar", "target_id": busy_feed["seed"].pk}
    assert not any(title.startswith("Diffusion paper") for title in items)
    # The sentences are those of the page, word for word (its first 30 papers are the API's first 30).
    page = html.unescape(member_client.get("/feed/").text)
    for item in list(items.values())[:30]:
        for reason in item["reasons"]:
            assert f">{reason['label']}</a>" in page
        if item["despite_mute"]:
            assert f'<p class="feed-despite">{item["despite_mute"]}</p>' in page


def test_the_feed_and_its_papers_carry_the_members_own_state(busy_feed, member, token):
    paper = Paper.objects.get(title="Vision paper 39")
    paper.upvote(member)
    item = next(i for i in api_order(Client(), token, 100) if i["paper"]["arxiv_id"] == paper.arxiv_id)
    assert item["paper"]["viewer"] == {"upvoted": True, "saved": False}
    assert item["paper"]["counts"]["upvotes"] == 1


def test_the_feed_asks_a_fixed_number_of_queries(busy_feed, token, django_assert_max_num_queries):
    client = Client()
    client.get("/api/v1/me", headers=token)  # the token's first use is noted once, outside the count
    client.get("/api/v1/me/feed?limit=1", headers=token)  # and the first read builds the stored feed
    with django_assert_max_num_queries(15):
        first = client.get("/api/v1/me/feed?limit=100", headers=token)
    assert len(first.json()["items"]) > 60
    with django_assert_max_num_queries(15):
        client.get(first.json()["next"] or "/api/v1/me/feed?limit=5", headers=token)


def test_a_page_goes_on_after_its_last_paper_when_papers_leave_meanwhile(busy_feed, token):
    client = Client()
    first = client.get("/api/v1/me/feed?limit=10", headers=token).json()
    shown = [item["paper"]["arxiv_id"] for item in first["items"]]
    expected_next = [item["paper"]["arxiv_id"] for item in api_order(client, token, 100)][10:20]
    for arxiv_id in shown[:3]:  # "less like this" on the first page, from another device
        assert client.post(f"/api/v1/me/feed/less/{arxiv_id}", headers=token).status_code == 200
    second = client.get(first["next"], headers=token).json()
    assert [item["paper"]["arxiv_id"] for item in second["items"]] == expected_next


def test_an_empty_feed_is_an_empty_page(client, member, token):
    assert client.get("/api/v1/me/feed", headers=token).json() == {"items": [], "next": None}


def test_the_feed_refuses_a_damaged_cursor(client, token):
    assert_problem(client.get("/api/v1/me/feed?cursor=bm9wZQ", headers=token), 400, "cursor")
    assert_problem(client.get("/api/v1/me/feed?cursor=WyJhIiwxXQ", headers=token), 400, "cursor")  # ["a",1]
    assert_problem(client.get("/api/v1/me/feed?limit=101", headers=token), 422)


def test_the_feed_needs_a_member(client):
    assert_problem(client.get("/api/v1/me/feed"), 401)


# Less like this, and Mute this reason


def test_less_like_this_takes_the_paper_out_of_the_feed(client, member, busy_feed, token):
    paper = busy_feed["lecun"][0]
    response = client.post(f"/api/v1/me/feed/less/{paper.arxiv_id}", headers=token)
    assert response.status_code == 200
    assert response.json() == {"detail": "You will see less like “LeCun paper 0”."}
    assert FeedSignal.objects.filter(user=member, paper=paper, kind=FeedSignal.Kind.LESS_LIKE_THIS).count() == 1
    assert client.post(f"/api/v1/me/feed/less/{paper.arxiv_id}", headers=token).status_code == 200  # idempotent
    assert paper.arxiv_id not in [i["paper"]["arxiv_id"] for i in api_order(client, token, 100)]


def test_less_like_this_of_an_old_style_arxiv_id(client, member, token):
    paper = make_paper("hep-th/9901001")
    assert client.post("/api/v1/me/feed/less/hep-th/9901001", headers=token).status_code == 200
    assert FeedSignal.objects.filter(user=member, paper=paper).exists()


def test_less_like_this_refusals(client, member, busy_feed):
    paper = busy_feed["lecun"][0]
    assert_problem(client.post(f"/api/v1/me/feed/less/{paper.arxiv_id}"), 401)
    read = bearer(member, ApiToken.Scope.READ)
    assert_problem(client.post(f"/api/v1/me/feed/less/{paper.arxiv_id}", headers=read), 403, "can only read")
    write = bearer(member)
    assert_problem(client.post("/api/v1/me/feed/less/2699.99999", headers=write), 404, "No paper 2699.99999.")
    assert_problem(client.post("/api/v1/me/feed/less/not-an-id", headers=write), 422)
    assert not FeedSignal.objects.exists()


def test_muting_a_reason_mutes_its_target(client, member, busy_feed, token):
    vision = make_topic("vision")
    response = client.post(
        "/api/v1/me/feed/mute",
        {"kind": "topic", "target_id": vision.pk},
        content_type="application/json",
        headers=token,
    )
    assert response.status_code == 200 and response.json() == {"detail": "Muted vision."}
    assert follows.stance(member, vision) == "mute"
    titles = [item["paper"]["title"] for item in api_order(client, token, 100)]
    assert titles and not any(title.startswith("Vision paper") for title in titles)


def test_muting_a_similar_reason_stops_using_its_seed(client, member, busy_feed, token):
    seed = busy_feed["seed"]
    body = {"kind": "similar", "target_id": seed.pk}
    response = client.post("/api/v1/me/feed/mute", body, content_type="application/json", headers=token)
    assert response.json()["detail"] == "You will no longer see papers because they are similar to “A saved seed”."
    assert FeedSignal.objects.filter(user=member, paper=seed, kind=FeedSignal.Kind.NOT_A_SEED).exists()
    reasons = {r["kind"] for item in api_order(client, token, 100) for r in item["reasons"]}
    assert "similar" not in reasons


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "topic", "target_id": 999999}, 404),
        ({"kind": "similar", "target_id": 999999}, 404),
        ({"kind": "member", "target_id": 999999}, 404),
        ({"kind": "paper", "target_id": 1}, 422),
        ({"kind": "topic", "target_id": 0}, 422),
        ({"kind": "topic", "target_id": 2**64}, 422),
        ({"kind": "topic"}, 422),
    ],
)
def test_muting_a_reason_refuses_what_names_nothing(client, member, token, body, status):
    response = client.post("/api/v1/me/feed/mute", body, content_type="application/json", headers=token)
    body = assert_problem(response, status)
    if status == 404:
        assert body["detail"] in {"No topic 999999.", "No seed paper 999999.", "No member 999999."}
    assert not Follow.objects.exists()


def test_muting_a_reason_refuses_a_body_that_is_not_json(client, token):
    response = client.post("/api/v1/me/feed/mute", "kind=topic", content_type="application/json", headers=token)
    assert_problem(response, 400)


def test_muting_oneself_as_a_reason_is_refused(client, member, token):
    body = {"kind": "member", "target_id": member.pk}
    response = client.post("/api/v1/me/feed/mute", body, content_type="application/json", headers=token)
    assert_problem(response, 403, "You cannot follow or mute yourself.")


def test_the_feed_controls_with_a_session_need_the_csrf_token(member, busy_feed):
    paper = busy_feed["lecun"][0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/settings/")
    assert_problem(client.post(f"/api/v1/me/feed/less/{paper.arxiv_id}"), 403, "CSRF")
    csrf = {"X-CSRFToken": client.cookies["csrftoken"].value}
    assert client.post(f"/api/v1/me/feed/less/{paper.arxiv_id}", headers=csrf).status_code == 200


def test_the_feed_controls_share_the_pages_rate_limit(client, busy_feed, token, settings):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "vote": "1/60"}
    lecun = busy_feed["lecun"]
    assert client.post(f"/api/v1/me/feed/less/{lecun[0].arxiv_id}", headers=token).status_code == 200
    response = client.post(f"/api/v1/me/feed/less/{lecun[1].arxiv_id}", headers=token)
    assert_problem(response, 429)
    assert response["Retry-After"]


# Notifications


@pytest.fixture
def notified(member):
    """A reply, a mention, a comment where the member took part, and a new paper by an author they follow."""
    bob = make_user("bob", display_name="Bob B.")
    paper = make_paper(title="Engines", authors=("Charles Babbage",))
    mine = make_comment(paper, member, "What about the mill?")
    make_comment(paper, bob, "It is in the appendix.", mine)  # reply
    other = make_paper(title="Looms")
    make_comment(other, bob, "Ask @ada about this.")  # mention
    make_comment(paper, bob, "Another thought.")  # paper_comment
    follows.follow(member, make_author("Charles Babbage"))
    new = make_paper(title="The analytical engine", authors=("Charles Babbage",))
    notices.notify_new_papers([new.pk])
    return {"bob": bob, "paper": paper, "new": new}


def test_notifications_come_newest_first_with_their_text(client, member, notified, token):
    response = client.get("/api/v1/me/notifications", headers=token)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["kind"] for item in items] == ["new_paper", "paper_comment", "mention", "reply"]
    assert [item["text"] for item in items] == [
        "A new paper by Charles Babbage: The analytical engine",
        "Bob B. commented on Engines",
        "Bob B. mentioned you on Looms",
        "Bob B. replied to your comment on Engines",
    ]
    new_paper, _, mention, reply = items
    assert new_paper["actor"] is None and new_paper["comment"] is None and new_paper["read"] is False
    assert new_paper["paper"] == {
        "arxiv_id": notified["new"].arxiv_id,
        "title": "The analytical engine",
        "url": f"http://testserver/papers/{notified['new'].arxiv_id}/",
    }
    assert reply["actor"] == {"username": "bob", "name": "Bob B.", "url": "http://testserver/users/bob/"}
    comment = Notification.objects.get(pk=reply["id"]).comment
    assert reply["comment"] == {
        "id": comment.pk,
        "url": "http://testserver" + comment.get_absolute_url(),
        "removed": False,
    }
    assert mention["read_at"] is None and mention["created_at"]


def test_notifications_pages_and_the_unread_filter(client, member, notified, token, django_assert_max_num_queries):
    client.get("/api/v1/me", headers=token)
    with django_assert_max_num_queries(4):  # the token, the notifications, the followed authors of new papers
        first = client.get("/api/v1/me/notifications?limit=3", headers=token).json()
    second = client.get(first["next"], headers=token).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 1 and second["next"] is None
    Notification.objects.filter(kind="reply").update(read_at=dt.datetime(2026, 8, 19, tzinfo=dt.UTC))
    unread = client.get("/api/v1/me/notifications?unread=true", headers=token).json()["items"]
    assert [item["kind"] for item in unread] == ["new_paper", "paper_comment", "mention"]


@pytest.mark.parametrize("cursor", ["x", "WyJhYmMiLCAxXQ", "WzEuNSwgMl0"])
def test_notifications_refuse_a_damaged_cursor(client, notified, token, cursor):
    assert_problem(client.get(f"/api/v1/me/notifications?cursor={cursor}", headers=token), 400, "cursor")


def test_a_deleted_actor_shows_as_deleted(client, member, notified, token):
    from papers import account_deletion

    account_deletion.delete_account(notified["bob"])
    items = client.get("/api/v1/me/notifications", headers=token).json()["items"]
    assert items  # the member's own notifications stay; Bob's comments are "[deleted]"
    for item in items:
        if item["actor"]:
            assert item["actor"] == {"username": None, "name": "[deleted]", "url": None}
            assert item["text"].startswith("[deleted] ")
            assert item["comment"]["removed"] is True


def test_marking_one_read(client, member, notified, token):
    notification = Notification.objects.filter(recipient=member, kind="mention").get()
    response = client.post(f"/api/v1/me/notifications/{notification.pk}/read", headers=token)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == notification.pk and body["read"] is True and body["read_at"]
    assert client.post(f"/api/v1/me/notifications/{notification.pk}/read", headers=token).json()["read"] is True
    assert client.get("/api/v1/me", headers=token).json()["unread_notifications"] == 3


def test_marking_all_read(client, member, notified, token):
    response = client.post("/api/v1/me/notifications/read-all", headers=token)
    assert response.status_code == 200
    assert response.json() == {"marked": 4, "detail": "Marked 4 notifications read."}
    assert not Notification.objects.filter(recipient=member, read_at=None).exists()
    assert client.post("/api/v1/me/notifications/read-all", headers=token).json()["marked"] == 0


def test_nobody_reads_or_marks_another_members_notifications(client, member, notified):
    theirs = Notification.objects.filter(recipient=member).first()
    bob = bearer(notified["bob"])
    assert_problem(client.post(f"/api/v1/me/notifications/{theirs.pk}/read", headers=bob), 404, "no notification")
    assert client.get("/api/v1/me/notifications", headers=bob).json()["items"] == []
    assert client.post("/api/v1/me/notifications/read-all", headers=bob).json()["marked"] == 0
    assert not Notification.objects.filter(recipient=member).exclude(read_at=None).exists()


def test_notification_refusals(client, member, notified):
    notification = Notification.objects.filter(recipient=member).first()
    path = f"/api/v1/me/notifications/{notification.pk}/read"
    assert_problem(client.post(path), 401)
    assert_problem(client.post("/api/v1/me/notifications/read-all"), 401)
    assert_problem(client.get("/api/v1/me/notifications"), 401)
    read = bearer(member, ApiToken.Scope.READ)
    assert_problem(client.post(path, headers=read), 403, "can only read")
    assert_problem(client.post("/api/v1/me/notifications/read-all", headers=read), 403)
    write = bearer(member)
    assert_problem(client.post("/api/v1/me/notifications/abc/read", headers=write), 422)
    assert_problem(client.post(f"/api/v1/me/notifications/{2**64}/read", headers=write), 422)
    assert_problem(client.post("/api/v1/me/notifications/999999/read", headers=write), 404)
    assert not Notification.objects.exclude(read_at=None).exists()


def test_marking_read_in_a_session_needs_the_csrf_token(member, notified):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/settings/")
    assert_problem(client.post("/api/v1/me/notifications/read-all"), 403, "CSRF")
    csrf = {"X-CSRFToken": client.cookies["csrftoken"].value}
    assert client.post("/api/v1/me/notifications/read-all", headers=csrf).json()["marked"] == 4


# The schema


def test_the_schema_documents_every_answer_of_these_routes():
    paths = api.get_openapi_schema()["paths"]
    expected = {
        ("/api/v1/me", "get"): {"200", "401"},
        ("/api/v1/me/feed", "get"): {"200", "400", "401", "422"},
        ("/api/v1/me/feed/less/{arxiv_id}", "post"): {"200", "401", "403", "404", "422", "429"},
        ("/api/v1/me/feed/mute", "post"): {"200", "400", "401", "403", "404", "422", "429"},
        ("/api/v1/me/notifications", "get"): {"200", "400", "401", "422"},
        ("/api/v1/me/notifications/{notification_id}/read", "post"): {"200", "401", "403", "404", "422"},
        ("/api/v1/me/notifications/read-all", "post"): {"200", "401", "403"},
    }
    for (path, method), statuses in expected.items():
        operation = paths[path][method]
        assert {str(status) for status in operation["responses"]} == statuses, (path, method)
        assert operation["summary"] and operation["description"]
