"""The member themself: who they are, their personal feed with its two controls, and their notifications.

The feed is /feed/'s (papers.feed): the same papers in the same order, each with the reasons the page shows as
data and as its sentences. Its cursor is the last paper of a page, so that a paper taken out meanwhile ("less
like this", a mute) neither hides nor repeats another, as the page's "Load more" does.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from papers import feed as engine
from papers import follows, notices
from papers.models import ARXIV_NEW_ID, ARXIV_OLD_ID, Notification, Paper

from ..auth import member, throttle
from ..paging import MAX_LIMIT, Page, decode, encode, page
from ..problems import Problem, responses
from .schemas import (
    FeedActionOut,
    FeedItemOut,
    FeedMuteIn,
    MeOut,
    NotificationOut,
    NotificationsReadOut,
    absolute,
    paper_queryset,
    papers_out,
)

router = Router(tags=["You"])

# The write limit of the feed's controls (papers.views.feed.less and .mute).
FEED_ACTION = "vote"
ARXIV_ID = rf"^(?:{ARXIV_NEW_ID}|{ARXIV_OLD_ID})$"
MAX_ID = 2**63 - 1


@router.get("/me", response={200: MeOut, **responses(401)}, auth=member, summary="Who you are")
def me(request: HttpRequest):
    """The member the token (or session) is: names, profile, the token's scope, and unread notifications."""
    user = request.user
    token = getattr(request, "api_token", None)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "name": user.shown_name,
        "url": absolute(request, reverse("papers:profile", args=[user.username])),
        "token_scope": token.scope if token else None,
        "can_write": user.can_write,
        "unread_notifications": user.notifications.unread().count(),
    }


# The feed


class FeedQuery(Schema):
    cursor: str | None = Field(None, max_length=500, description="The `next` of the previous page.")
    limit: int = Field(engine.PER_PAGE, ge=1, le=MAX_LIMIT)


def feed_cursor(cursor: str | None) -> tuple[int | None, int]:
    """(the last paper of the previous page, where that page ended) from a cursor; (None, 0) for the first page."""
    if not cursor:
        return None, 0
    after, start = decode(cursor, 2)
    if not (isinstance(after, int) and isinstance(start, int) and 0 < after <= MAX_ID and 0 <= start <= MAX_ID):
        raise Problem(400, "The cursor is damaged: use the `next` link of the previous page.")
    return after, start


def reason_out(request: HttpRequest, reason: engine.Reason) -> dict:
    return {
        "kind": reason.kind,
        "name": reason.name,
        "url": absolute(request, reason.url),
        "label": reason.label,
        "weight": round(reason.weight, 4),
        "mute": {"kind": reason.mute_kind, "target_id": reason.target_id},
    }


@router.get(
    "/me/feed",
    response={200: Page[FeedItemOut], **responses(400, 401, 422)},
    auth=member,
    summary="Your feed",
)
def feed(request: HttpRequest, query: Query[FeedQuery]):
    """Your personal feed, as /feed/ shows it: the papers of the last listing days that what you follow, upvote
    and save brings, best first, each with why it is here. Empty when nothing brings any (follow something, or see
    GET /api/v1/papers?sort=trending). A fixed number of queries, whatever you follow."""
    after, start = feed_cursor(query.cursor)
    rows, start, has_next = engine.stored_slice(
        request.user, start=start, limit=query.limit, after=after, position=True
    )
    found = paper_queryset().in_bulk([row.paper_id for row in rows])
    rows = [row for row in rows if row.paper_id in found]
    papers = papers_out(request, [found[row.paper_id] for row in rows])
    items = [
        {
            "paper": paper,
            "score": round(row.score, 6),
            "reasons": [reason_out(request, reason) for reason in row.reasons],
            "despite_mute": row.despite_mute or None,
        }
        for row, paper in zip(rows, papers, strict=True)
    ]
    next_url = None
    end = start + query.limit
    if rows and has_next:
        params = request.GET.copy()
        params["cursor"] = encode([rows[-1].paper_id, end])
        params["limit"] = str(query.limit)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return {"items": items, "next": next_url}


FEED_WRITE = {200: FeedActionOut, **responses(401, 403, 404, 422, 429)}


@router.post("/me/feed/less/{path:arxiv_id}", response=FEED_WRITE, auth=member, summary="Less like this")
def less_like_this(request: HttpRequest, arxiv_id: str = Path(..., pattern=ARXIV_ID)):
    """ "Less like this": the paper leaves your feed for good, and papers like it lose some score. Idempotent."""
    throttle(request, FEED_ACTION)
    paper = Paper.objects.only("pk", "title").filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Problem(404, f"No paper {arxiv_id}.")
    with transaction.atomic():
        engine.show_less(request.user, paper)
    return {"detail": f"You will see less like “{paper.title}”."}


@router.post(
    "/me/feed/mute",
    response={200: FeedActionOut, **responses(400, 401, 403, 404, 422, 429)},
    auth=member,
    summary="Mute this reason",
)
def mute_reason(request: HttpRequest, body: FeedMuteIn):
    """ "Mute this reason": send a reason's `mute`. Mutes its topic, author, organisation or member (as PUT
    /api/v1/mutes/…), or for a `similar` reason stops suggesting papers because they resemble that seed paper."""
    throttle(request, FEED_ACTION)
    try:
        with transaction.atomic():
            detail = follows.mute_reason(request.user, body.kind, body.target_id)
    except Http404:
        what = "seed paper" if body.kind == engine.SIMILAR else follows.KIND_LABELS[body.kind]
        raise Problem(404, f"No {what} {body.target_id}.") from None
    return {"detail": detail}


# Notifications


class NotificationQuery(Schema):
    unread: bool = Field(False, description="Only the unread ones.")
    cursor: str | None = Field(None, max_length=500, description="The `next` of the previous page.")
    limit: int = Field(engine.PER_PAGE, ge=1, le=MAX_LIMIT)


NOTIFICATION_VERBS = {
    Notification.Kind.REPLY: "replied to your comment on",
    Notification.Kind.MENTION: "mentioned you on",
    Notification.Kind.PAPER_COMMENT: "commented on",
}


def notification_text(notification: Notification) -> str:
    """What /notifications/ says of it (papers/notifications.html), as plain text."""
    title = notification.paper.title
    if notification.kind == Notification.Kind.NEW_PAPER:
        return f"A new paper by {notification.followed_authors or 'an author you follow'}: {title}"
    actor = notification.actor.shown_name if notification.actor else "[deleted]"
    return f"{actor} {NOTIFICATION_VERBS.get(notification.kind, 'commented on')} {title}"


def notification_out(request: HttpRequest, notification: Notification) -> dict:
    actor, paper, comment = notification.actor, notification.paper, notification.comment
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "read": notification.read_at is not None,
        "read_at": notification.read_at,
        "created_at": notification.created_at,
        "actor": actor
        and {
            "username": None if actor.is_deleted else actor.username,
            "name": actor.shown_name,
            "url": None if actor.is_deleted else absolute(request, reverse("papers:profile", args=[actor.username])),
        },
        "paper": {"arxiv_id": paper.arxiv_id, "title": paper.title, "url": absolute(request, paper.get_absolute_url())},
        "comment": comment
        and {"id": comment.pk, "url": absolute(request, comment.get_absolute_url()), "removed": comment.is_removed},
        "text": notification_text(notification),
    }


def notifications_out(request: HttpRequest, notifications: list[Notification]) -> list[dict]:
    notices.name_followed_authors(notifications, request.user)
    return [notification_out(request, notification) for notification in notifications]


def member_notifications(request: HttpRequest):
    return request.user.notifications.select_related("actor", "paper", "comment__paper")


@router.get(
    "/me/notifications",
    response={200: Page[NotificationOut], **responses(400, 401, 422)},
    auth=member,
    summary="Your notifications",
)
def notifications(request: HttpRequest, query: Query[NotificationQuery]):
    """Replies to your comments, mentions of you, new comments where you take part, and new papers by authors you
    follow: newest first, a page at a time, as /notifications/ lists them."""
    items = member_notifications(request)
    if query.unread:
        items = items.unread()
    rows, next_url = page(request, items, ["-created_at", "-pk"], query.cursor, query.limit)
    return {"items": notifications_out(request, rows), "next": next_url}


@router.post(
    "/me/notifications/{notification_id}/read",
    response={200: NotificationOut, **responses(401, 403, 404, 422)},
    auth=member,
    summary="Mark a notification read",
)
def notification_read(request: HttpRequest, notification_id: int = Path(..., ge=1, le=MAX_ID)):
    """Mark one of your notifications read (another member's is a 404). Idempotent."""
    with transaction.atomic():
        request.user.notifications.filter(pk=notification_id).mark_read()
        notification = member_notifications(request).filter(pk=notification_id).first()
    if notification is None:
        raise Problem(404, f"You have no notification {notification_id}.")
    return notifications_out(request, [notification])[0]


@router.post(
    "/me/notifications/read-all",
    response={200: NotificationsReadOut, **responses(401, 403)},
    auth=member,
    summary="Mark every notification read",
)
def notifications_read_all(request: HttpRequest):
    """Mark all your unread notifications read."""
    with transaction.atomic():
        count = request.user.notifications.mark_read()
    return {"marked": count, "detail": f"Marked {count} notification{'s' if count != 1 else ''} read."}
