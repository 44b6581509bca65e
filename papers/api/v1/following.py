"""Following and muting: topics, authors, organisations and members, as on their pages' Follow and Mute buttons.

The rules are the site's (papers.follows): one stance per target, follow or mute, so following a muted target
unmutes it and muting a followed one unfollows it; nobody follows or mutes themself. A topic is found by any of
its spellings' slugs (`3dgs` finds “3D Gaussian Splatting”), or by its name; an author by their key, which with
namesakes is `slug/number` (so the key is a path: /api/v1/follows/author/kaipeng-zhang/6).
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from papers import follows
from papers.converters import AuthorKeyConverter, KeyConverter
from papers.models import Follow, topic_slug

from ..auth import member, throttle
from ..paging import DEFAULT_LIMIT, MAX_LIMIT, Page, page
from ..problems import Problem, responses
from .schemas import StanceOut, TargetKind, absolute

router = Router(tags=["Following"])

Target = Follow.Target
Mode = Follow.Mode
# What a key may look like, as the site's addresses say (papers.converters): anything else names nothing.
KEY_PATTERNS = {
    kind: re.compile(AuthorKeyConverter.regex if kind == Target.AUTHOR else KeyConverter.regex)
    for kind in follows.TARGET_MODELS
}
# The write limit of the Follow and Mute buttons (papers.views.following.follow_toggle).
ACTION = "vote"


class StanceFilters(Schema):
    kind: TargetKind | None = Field(None, description="Only topics, authors, organisations or members.")
    cursor: str | None = Field(None, max_length=500, description="The `next` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def find(kind: str, key: str) -> Model:
    """The target `kind` and `key` name (`follows.find_target`, a topic also by its name), or a 404 problem."""
    label = follows.KIND_LABELS[kind]
    if not KEY_PATTERNS[kind].fullmatch(key):
        raise Problem(404, f"No such {label}: “{key[:100]}” is not a key this site makes.")
    try:
        return follows.find_target(kind, key)
    except Http404 as missing:
        if kind == Target.TOPIC and (slug := topic_slug(key)) and slug != key:
            try:
                return follows.find_target(kind, slug)
            except Http404:
                pass
        detail = str(missing) if kind in (Target.TOPIC, Target.AUTHOR) else f"No such {label}."
        raise Problem(404, detail) from None


def stance_out(request: HttpRequest, item: follows.Followable) -> dict:
    return {
        "kind": item.kind,
        "key": item.key,
        "name": item.name,
        "url": absolute(request, item.url),
        "mode": item.mode,
    }


def stance_now(request: HttpRequest, target: Model) -> dict:
    return stance_out(request, follows.Followable(target, follows.stance(request.user, target)))


def stances_page(request: HttpRequest, mode: str, filters: StanceFilters) -> dict:
    """A page of the member's follows (or mutes), newest first: one query for the rows and their targets."""
    rows = Follow.objects.filter(user=request.user, mode=mode).select_related(
        "topic", "author", "organization", "member"
    )
    if filters.kind:
        rows = rows.filter(target=filters.kind)
    found, next_url = page(request, rows, ["-created_at", "-pk"], filters.cursor, filters.limit)
    return {
        "items": [stance_out(request, follows.Followable(row.target_object, row.mode)) for row in found],
        "next": next_url,
    }


@router.get(
    "/me/follows",
    response={200: Page[StanceOut], **responses(400, 401, 422)},
    auth=member,
    summary="What you follow",
)
def list_follows(request: HttpRequest, filters: Query[StanceFilters]):
    """The topics, authors, organisations and members you follow, newest first, a page at a time."""
    return stances_page(request, Mode.FOLLOW, filters)


@router.get(
    "/me/mutes",
    response={200: Page[StanceOut], **responses(400, 401, 422)},
    auth=member,
    summary="What you mute",
)
def list_mutes(request: HttpRequest, filters: Query[StanceFilters]):
    """The topics, authors, organisations and members you mute (your feed leaves them out), newest first."""
    return stances_page(request, Mode.MUTE, filters)


def set_stance(request: HttpRequest, kind: str, key: str, mode: str) -> dict:
    throttle(request, ACTION)
    target = find(kind, key)
    with transaction.atomic():
        follows.set_mode(request.user, target, mode)  # PermissionDenied (403) for oneself
    return stance_now(request, target)


def drop_stance(request: HttpRequest, kind: str, key: str, mode: str) -> dict:
    throttle(request, ACTION)
    target = find(kind, key)
    with transaction.atomic():
        follows.remove(request.user, target, mode)
    return stance_now(request, target)


WRITE_RESPONSES = {200: StanceOut, **responses(401, 403, 404, 422, 429)}
KIND = Path(..., description="topic, author, organization or member.")
KEY = Path(
    ...,
    min_length=1,
    description="A topic's slug (any of its spellings, or its name), an author's key (`slug` or `slug/number`), "
    "an organisation's handle, a member's username.",
)


@router.put("/follows/{kind}/{path:key}", response=WRITE_RESPONSES, auth=member, summary="Follow")
def follow(request: HttpRequest, kind: TargetKind = KIND, key: str = KEY):
    """Follow a topic, author, organisation or member: their papers (a member's upvotes when public, comments and
    submissions) come to your feed. Following a muted target unmutes it. Idempotent. Not yourself (403)."""
    return set_stance(request, kind, key, Mode.FOLLOW)


@router.delete("/follows/{kind}/{path:key}", response=WRITE_RESPONSES, auth=member, summary="Unfollow")
def unfollow(request: HttpRequest, kind: TargetKind = KIND, key: str = KEY):
    """Stop following; a mute stays as it is. Idempotent: the answer says your stance now."""
    return drop_stance(request, kind, key, Mode.FOLLOW)


@router.put("/mutes/{kind}/{path:key}", response=WRITE_RESPONSES, auth=member, summary="Mute")
def mute(request: HttpRequest, kind: TargetKind = KIND, key: str = KEY):
    """Mute a topic, author, organisation or member: your feed leaves their papers out (a follow of something more
    specific still shows a paper). Muting a followed target unfollows it. Idempotent. Not yourself (403)."""
    return set_stance(request, kind, key, Mode.MUTE)


@router.delete("/mutes/{kind}/{path:key}", response=WRITE_RESPONSES, auth=member, summary="Unmute")
def unmute(request: HttpRequest, kind: TargetKind = KIND, key: str = KEY):
    """Stop muting; a follow stays as it is. Idempotent: the answer says your stance now."""
    return drop_stance(request, kind, key, Mode.MUTE)
