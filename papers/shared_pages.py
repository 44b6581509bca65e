"""Pages for members from shared renders: the part that is the same for every member is rendered once, and each
request only fills in the member's own parts.

A listing or paper page looks the same to every member but for a few parts: the header (name, menu, unread
count), the pressed state of each upvote, save and follow button, the CSRF token, and on a paper page the
discussion (reply forms, the member's own edit links, comment votes). Rendering the whole page for every request
costs most of a member's request, so for members the page is rendered once with markers where those parts go:

- a button part (`{% member_part "upvote" paper %}…{% endmember_part %}`, templatetags/member_parts.py) is
  rendered in each of its states (pressed or not; followed, muted or neither), and the request picks one;
- a live part (`{% member_live "includes/user_nav.html" %}`) is rendered for the request, from its own small
  template;
- the CSRF token is a marker replaced by the request's token.

The render is kept in the cache for MEMBER_PAGE_SECONDS under a key made of the address, the htmx headers, the
pages version (an import bumps it) and a fingerprint of what the page shows that members change: each paper's
points, comment count and last change. A vote or comment therefore changes the key and shows at once to everyone;
anything else shows within that bound, as on the visitors' cached pages. Filling a page in costs a fixed
number of indexed lookups: the member's votes and saves of the papers shown (one query), their follows (one, on
pages with follow buttons) and what the live parts read (the unread count; a paper page's thread).

Moderators, and requests with messages to show, get the page rendered for them as before.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers

from . import caching, follows
from .caching import pages_version
from .models import Paper, cached_reverse
from .rows import mark_upvoted, viewer_state_and_unread, with_rows

COLLECTOR = "shared_render"  # the context variable that holds the SharedRender while a shared render runs
BUTTONS = ("upvote", "save", "follow", "comment")
AUTHOR = "author"  # the state of a comment's controls for its author
LIVE = "live"
HEADER = "papers/includes/user_nav.html"  # the live part every page has
CSRF_SLOT = "\ue000csrf\ue001"  # the CSRF token in a kept header

# What a view hands over for its live parts: template name → a function returning that part's context.
LiveContext = dict[str, Callable[[], dict]]


@dataclass
class SharedRender:
    """Collects the member's parts while a page renders for everyone, then splits the HTML around them."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(8))  # markers no page text can forge
    parts: list[tuple[str, Any, Any]] = field(default_factory=list)  # (kind, key, variants or live values)

    def marker(self, name: str) -> str:
        return f"\ue000{self.nonce}:{name}\ue001"

    @property
    def csrf_marker(self) -> str:
        return self.marker("csrf")

    def button(self, kind: str, key: Any, variants: dict[Any, str]) -> str:
        """Stand in for a button part: `variants` is its HTML in each state."""
        self.parts.append((kind, key, variants))
        return self.marker(str(len(self.parts) - 1))

    def live(self, template_name: str, values: dict) -> str:
        """Stand in for a live part: `template_name` is rendered for each request, with `values` in its context."""
        self.parts.append((LIVE, template_name, values))
        return self.marker(str(len(self.parts) - 1))

    def stored(self, html: str, seconds: int) -> StoredPage:
        pieces = re.split(f"\ue000{self.nonce}:(\\d+)\ue001", html)
        buttons = (variants for kind, _key, variants in self.parts if kind in BUTTONS)
        size = len(html) + sum(len(variant) for variants in buttons for variant in variants.values())
        return StoredPage(pieces, self.parts, self.csrf_marker, time.time() + seconds, size)


@dataclass
class StoredPage:
    """A shared render: literal HTML at even positions of `pieces`, the index of a part at odd ones."""

    pieces: list[str]
    parts: list[tuple[str, Any, Any]]
    csrf_marker: str
    expires: float  # a Unix time: when the shared cache forgets it
    size: int  # about how many characters it holds

    def fill(self, request: HttpRequest, live: LiveContext) -> str:
        """The page for the member of `request`."""
        kinds = {kind for kind, _key, _value in self.parts}
        papers = {key for kind, key, _variants in self.parts if kind in ("upvote", "save")}
        comments = {key[0] for kind, key, _variants in self.parts if kind == "comment"}
        state, unread = viewer_state_and_unread(request.user, papers, comments)
        stances = follows.request_stances(request) if "follow" in kinds else {}
        provided: dict[str, dict] = {HEADER: {"unread_notification_count": unread}}
        out = []
        for position, piece in enumerate(self.pieces):
            if position % 2 == 0:
                out.append(piece)
                continue
            kind, key, value = self.parts[int(piece)]
            if kind == "follow":
                out.append(value[stances.get(key)])
            elif kind in ("upvote", "save"):
                out.append(value[(key, kind) in state])
            elif kind == "comment":
                comment, author = key
                mine = author is not None and author == request.user.pk
                out.append(
                    value[AUTHOR if mine else ((comment, "comment_upvote") in state, (comment, "flag") in state)]
                )
            elif key == HEADER:
                out.append(header(request, value | provided[key]).replace(CSRF_SLOT, self.csrf_marker))
            else:
                if key not in provided:
                    provided[key] = live[key]() if key in live else {}
                out.append(render_to_string(key, value | provided[key], request))
        return "".join(out).replace(self.csrf_marker, get_token(request))


def header(request: HttpRequest, context: dict) -> str:
    """The header's account links for the member (HEADER, with CSRF_SLOT for the token): kept in this process for
    MEMBER_PAGE_SECONDS under everything they show, so most requests render nothing."""
    user = request.user
    on_profile = request.path == cached_reverse("papers:profile", user.username)
    shown = (user.pk, user.username, user.shown_name, user.is_moderator, on_profile, sorted(context.items()))
    key = "header:" + hashlib.sha256(repr(shown).encode()).hexdigest()
    if (html := caching.local.get(key)) is None:
        html = render_to_string(HEADER, context | {"csrf_token": CSRF_SLOT}, request)
        caching.local.set(key, html, settings.MEMBER_PAGE_SECONDS, len(html))
    return html


def kept(key: str) -> StoredPage | None:
    """The shared render kept under `key`: this process's copy (papers.caching.local), else the shared cache's,
    then copied here for PAGE_CACHE_LOCAL_SECONDS at most, and never beyond the shared cache's own copy."""
    if (stored := caching.local.get(key)) is not None:
        return stored
    stored = cache.get(key)
    if stored is not None:
        seconds = min(settings.PAGE_CACHE_LOCAL_SECONDS, stored.expires - time.time())
        caching.local.set(key, stored, seconds, stored.size)
    return stored


def shares_renders(request: HttpRequest) -> bool:
    """Whether `request` is served from a shared render: a member's GET, not a moderator's, with no messages.

    Asked by the view (to read only what a hit needs) and by respond(): answered once per request."""
    shares: bool | None = getattr(request, "_shares_renders", None)
    if shares is None:
        user = request.user
        shares = request._shares_renders = (  # type: ignore[attr-defined]  # a per-request memo
            settings.MEMBER_PAGE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and user.is_authenticated
            and not (user.is_moderator or user.is_staff)
            and not len(messages.get_messages(request))
        )
    return shares


def shared_key(request: HttpRequest, template: str, fingerprint: Iterable) -> str:
    parts = [
        request.build_absolute_uri(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
        template,
        repr(list(fingerprint)),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"pages:{pages_version()}:members:{digest}"


def paper_fingerprint(papers: Iterable) -> list[tuple]:
    """What members change of each paper a page shows: its points and comments (votes and replies show at once)."""
    return [(paper.pk, paper.points, paper.comment_count, paper.updated_at.timestamp()) for paper in papers]


def load_rows(papers: list[Paper]) -> dict[int, Paper]:
    """Replace, in place, papers read with FINGERPRINT_FIELDS only by the same papers with a row's columns: what
    a render needs, and a hit does not (for a `prepare` of respond()). Returns them by id."""
    found = Paper.objects.for_rows().in_bulk([paper.pk for paper in papers])
    papers[:] = [found[paper.pk] for paper in papers if paper.pk in found]
    return found


def respond(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    fingerprint: Iterable,
    buttons: Sequence[Paper] = (),
    rows: Sequence[Paper] = (),
    prepare: Callable[[], dict] = dict,
    live: LiveContext | None = None,
    partial: str = "",
) -> HttpResponse:
    """The page (or for htmx, `template#partial`) for `request`: from a shared render for members who can have
    one, else rendered for them. `fingerprint` is what, besides the address and the pages version, must change
    the shared render; `buttons` are the papers whose upvote and save buttons the page shows, `rows` those it
    lists as rows (papers.rows); `prepare` runs first when the page is rendered, and returns more context for the
    render only (a hit needs none of it); `live` gives the context of each live part."""
    live = live or {}
    if partial:
        context = context | {"listing_fragment": True}
        if getattr(request, "htmx", False) and not request.htmx.history_restore_request:
            template = f"{template}#{partial}"
    if not shares_renders(request):
        context = context | prepare()
        with_rows(rows)
        mark_upvoted(buttons, request.user)
        for provide in live.values():
            context = context | provide()
        response: HttpResponse = TemplateResponse(request, template, context)
    else:
        key = shared_key(request, template, fingerprint)
        stored = kept(key)
        if stored is None:
            context = context | prepare()
            with_rows(rows)
            collector = SharedRender()
            html = render_to_string(
                template, context | {COLLECTOR: collector, "csrf_token": collector.csrf_marker}, request
            )
            stored = collector.stored(html, settings.MEMBER_PAGE_SECONDS)
            cache.set(key, stored, settings.MEMBER_PAGE_SECONDS)
            caching.local.set(key, stored, settings.PAGE_CACHE_LOCAL_SECONDS, stored.size)
        response = HttpResponse(stored.fill(request, live))
    if partial:
        patch_vary_headers(response, ("HX-Request",))
    return response
