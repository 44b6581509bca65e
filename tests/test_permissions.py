"""Every route that changes something, tried by each persona: anonymous, another member, the owner, a moderator.

Where a persona is not allowed, the answer is a login redirect, 403 or 404, and nothing in the
database changes. GET on a route that changes something never changes anything. A route added to
the site must be listed here (as changing something, or as read-only) or the coverage test fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import ApiToken, User
from papers.models import (
    Author,
    Comment,
    CommentVote,
    FeedSignal,
    Flag,
    Follow,
    ModerationAction,
    Notification,
    PaperVote,
    SavedPaper,
    Submission,
    Topic,
    TopicAlias,
)
from tests.factories import make_author, make_comment, make_organization, make_paper, make_topic, make_user

pytestmark = pytest.mark.django_db

# Routes that only read. Everything else in the papers app must appear in ROUTES below.
READ_ONLY = {
    "home", "day", "week", "month", "trending", "daily-feed", "detail", "bibtex", "comment", "author",
    "author-feed", "organization", "organization-feed", "topic", "topic-feed", "search", "about-ranking",
    "healthz", "readyz", "profile", "notifications", "moderation-log", "moderation-queue", "moderation-comment",
    "moderation-member", "private-feed", "saved", "saved-bibtex", "feed", "all-papers", "detail-version",
    "robots", "favicon", "sitemap", "sitemap-section", "day-feed", "week-feed", "month-feed", "trending-feed",
    "search-feed", "api-docs", "markdown", "markdown-version",
}  # fmt: skip


def make_namesake(name: str) -> Author:
    """A second person of the name of `make_author(name)`, without papers."""
    first = make_author(name)
    return Author.objects.create(slug=first.slug, name=name, number=2)


def snapshot() -> tuple:
    """Everything a write could touch, as plain values."""
    return (
        list(PaperVote.objects.values_list("user_id", "paper_id").order_by("pk")),
        list(
            Comment.objects.values_list("body", "deleted_at", "hidden_at", "upvote_count", "flag_count").order_by("pk")
        ),
        list(CommentVote.objects.values_list("user_id", "comment_id").order_by("pk")),
        list(Flag.objects.values_list("user_id", "comment_id", "resolved_at").order_by("pk")),
        list(Notification.objects.values_list("recipient_id", "read_at").order_by("pk")),
        list(Submission.objects.values_list("paper_id").order_by("pk")),
        list(ModerationAction.objects.values_list("action").order_by("pk")),
        list(
            User.objects.values_list(
                "username", "display_name", "suspended_at", "deleted_at", "feed_token", "digest", "recency"
            ).order_by("pk")
        ),
        list(User.objects.values_list("onboarded_at").order_by("pk")),
        list(
            Follow.objects.values_list(
                "user_id", "target", "mode", "topic_id", "author_id", "organization_id", "member_id"
            ).order_by("pk")
        ),
        list(SavedPaper.objects.values_list("user_id", "paper_id").order_by("pk")),
        list(FeedSignal.objects.values_list("user_id", "paper_id", "kind").order_by("pk")),
        list(ApiToken.objects.values_list("user_id", "name", "revoked_at").order_by("pk")),
    )


@dataclass
class World:
    owner: User
    other: User
    moderator: User
    comment: Comment
    notification: Notification

    @property
    def paper(self):
        return self.comment.paper


@pytest.fixture
def world(moderator) -> World:
    owner, other = make_user("owner"), make_user("other")
    paper = make_paper("2608.15265")
    comment = make_comment(paper, owner, "The owner's comment")
    make_comment(paper, other, "A reply", parent=comment)
    ApiToken.issue(owner, "The owner's script", ApiToken.Scope.READ)
    return World(owner, other, moderator, comment, Notification.objects.get(recipient=owner))


def two_spellings() -> Topic:
    """The topic "agents", also spelt "agent"."""
    topic = make_topic("agents")
    TopicAlias.objects.get_or_create(slug="agent", defaults={"topic": topic, "name": "agent", "key": "agent"})
    return topic


@dataclass
class Route:
    name: str
    url: Callable[[World], str]
    data: dict | Callable[[World], dict]  # a callable for data that needs rows made in the test
    # Expected status for anonymous, another member, the owner, a moderator; "login" is a redirect to log in.
    anonymous: str
    other: str
    owner: str
    moderator: str


ROUTES = [
    Route("upvote", lambda w: f"/papers/{w.paper.arxiv_id}/upvote/", {}, "login", "ok", "ok", "ok"),
    Route("comments", lambda w: f"/papers/{w.paper.arxiv_id}/comments/", {"body": "Hi"}, "login", "ok", "ok", "ok"),
    Route("save", lambda w: f"/papers/{w.paper.arxiv_id}/save/", {}, "login", "ok", "ok", "ok"),
    Route("follow-topic", lambda w: f"/topics/{make_topic('agents').slug}/follow/", {}, "login", "ok", "ok", "ok"),
    Route("mute-topic", lambda w: f"/topics/{make_topic('agents').slug}/mute/", {}, "login", "ok", "ok", "ok"),
    Route("follow-author", lambda w: "/authors/ada-lovelace/follow/", {}, "login", "ok", "ok", "ok"),
    Route("mute-author", lambda w: "/authors/ada-lovelace/mute/", {}, "login", "ok", "ok", "ok"),
    Route("follow-organization", lambda w: f"/orgs/{make_organization().handle}/follow/", {},
          "login", "ok", "ok", "ok"),
    Route("mute-organization", lambda w: f"/orgs/{make_organization().handle}/mute/", {}, "login", "ok", "ok", "ok"),
    # Members follow others, never themselves: the owner here is the member followed.
    Route("follow-member", lambda w: "/users/owner/follow/", {}, "login", "ok", "403", "ok"),
    Route("mute-member", lambda w: "/users/owner/mute/", {}, "login", "ok", "403", "ok"),
    Route("feed-less", lambda w: f"/feed/less/{w.paper.arxiv_id}/", {}, "login", "ok", "ok", "ok"),
    Route("feed-mute", lambda w: "/feed/mute/", lambda w: {"kind": "topic", "target_id": make_topic("agents").pk},
          "login", "ok", "ok", "ok"),
    Route("following", lambda w: "/settings/following/", {"names": "Ada Lovelace"}, "login", "ok", "ok", "ok"),
    Route("welcome", lambda w: "/welcome/", {"skip": "1"}, "login", "ok", "ok", "ok"),
    Route("comment-edit", lambda w: f"{w.comment.get_absolute_url()}edit/", {"body": "Changed"},
          "login", "403", "ok", "403"),
    Route("comment-delete", lambda w: f"{w.comment.get_absolute_url()}delete/", {}, "login", "403", "ok", "403"),
    Route("comment-upvote", lambda w: f"{w.comment.get_absolute_url()}upvote/", {}, "login", "ok", "403", "ok"),
    Route("comment-flag", lambda w: f"{w.comment.get_absolute_url()}flag/", {"reason": "spam"},
          "login", "ok", "403", "ok"),
    Route("comment-preview", lambda w: "/comments/preview/", {"body": "x"}, "403", "none", "none", "none"),
    Route("settings", lambda w: "/settings/", {"display_name": "New name"}, "login", "ok", "ok", "ok"),
    Route("delete-account", lambda w: "/settings/delete/", {"confirm": "owner"}, "login", "none", "ok", "none"),
    Route("regenerate-feed-token", lambda w: "/settings/feed-token/", {}, "login", "ok", "ok", "ok"),
    Route("api-tokens", lambda w: "/settings/api-tokens/", {"name": "A script", "scope": "read"},
          "login", "ok", "ok", "ok"),
    Route("api-token-revoke", lambda w: f"/settings/api-tokens/{w.owner.api_tokens.get().pk}/revoke/", {},
          "login", "404", "ok", "404"),
    Route("notification-read", lambda w: f"/notifications/{w.notification.pk}/read/", {}, "login", "404", "ok", "404"),
    Route("notifications-read-all", lambda w: "/notifications/read-all/", {}, "login", "none", "ok", "none"),
    Route("submit", lambda w: "/submit/", {"reference": "not an id"}, "login", "none", "none", "none"),
    Route(
        "moderation-comment-hide", lambda w: f"/moderation/comments/{w.comment.pk}/hide/", {"reason": "Off topic"},
        "login", "403", "403", "ok",
    ),
    Route(
        "moderation-comment-restore", lambda w: f"/moderation/comments/{w.comment.pk}/restore/", {"reason": "Fine"},
        "login", "403", "403", "none",
    ),
    Route(
        "moderation-comment-dismiss", lambda w: f"/moderation/comments/{w.comment.pk}/dismiss/", {"reason": "Fine"},
        "login", "403", "403", "none",
    ),
    Route(
        "moderation-member-suspend", lambda w: "/moderation/members/owner/suspend/", {"reason": "Spamming"},
        "login", "403", "403", "ok",
    ),
    Route("topic-merge", lambda w: f"/topics/{make_topic('agents').slug}/merge/",
          lambda w: {"into": make_topic("AI agents").slug, "reason": "Same thing"}, "login", "403", "403", "ok"),
    Route("topic-split", lambda w: f"/topics/{two_spellings().slug}/split/", {"alias": "agent", "reason": "Not one"},
          "login", "403", "403", "ok"),
    Route("topic-rename", lambda w: f"/topics/{make_topic('agents').slug}/rename/",
          {"name": "Agents (AI)", "reason": "Clearer"}, "login", "403", "403", "ok"),
    Route(
        "author-merge", lambda w: f"/authors/{make_namesake('Ada Lovelace').numbered_key}/merge/",
        {"into": "1", "reason": "Same person"}, "login", "403", "403", "ok",
    ),
    Route(
        "author-split", lambda w: f"/authors/{make_paper(authors=('Ada Lovelace',)).authors.get().key}/split/",
        lambda w: {"papers": [w.paper.arxiv_id], "reason": "Another Ada"}, "login", "403", "403", "ok",
    ),
    Route(
        "moderation-member-unsuspend", lambda w: "/moderation/members/owner/unsuspend/", {"reason": "Appeal"},
        "login", "403", "403", "none",
    ),
]  # fmt: skip
PERSONAS = ["anonymous", "other", "owner", "moderator"]


def persona_user(world: World, persona: str) -> User | None:
    return {"anonymous": None, "other": world.other, "owner": world.owner, "moderator": world.moderator}[persona]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_what_it_may_and_nothing_else(client, world, route, persona):
    user = persona_user(world, persona)
    if user:
        client.force_login(user)
    before = snapshot()
    response = client.post(route.url(world), route.data(world) if callable(route.data) else route.data)
    expected = getattr(route, persona)
    after = snapshot()
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert after == before, "an anonymous request changed something"
    elif expected in {"403", "404"}:
        assert response.status_code == int(expected)
        assert after == before, f"a refused request ({expected}) changed something"
    elif expected == "none":  # allowed, but this request changes nothing (invalid input or nothing to do)
        assert response.status_code < 500
        assert after == before
    else:
        assert response.status_code in {200, 302}, response.status_code
        assert after != before, "the allowed request changed nothing"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_get_never_changes_anything(client, world, route):
    client.force_login(world.owner)
    before = snapshot()
    response = client.get(route.url(world))
    assert response.status_code in {200, 302, 403, 404, 405}
    assert snapshot() == before


def all_route_names(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "papers":
            names |= {p.name for p in pattern.url_patterns if isinstance(p, URLPattern) and p.name}
        elif isinstance(pattern, URLResolver):
            names |= all_route_names(pattern)
    return names


def test_every_route_of_the_site_is_classified():
    listed = {route.name for route in ROUTES} | READ_ONLY | {"unsubscribe"}  # unsubscribe: tests/papers/test_comments
    assert all_route_names() - listed == set(), "a new route: add it to ROUTES or READ_ONLY"
    assert listed - all_route_names() == set(), "a listed route no longer exists"
