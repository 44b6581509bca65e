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
points, comment count and last change. Reading the fingerprint takes the view's queries, so the render is also
kept under its address alone as a recent render (`member_page`), which answers a member's request before the view
runs, for MEMBER_PAGE_LAG_SECONDS after the fingerprint was last read, unless the member changed something since
(papers.caching.mark_members_changed). A member's own vote, comment or edit therefore shows to them at once, and to
other members within MEMBER_PAGE_LAG_SECONDS; anything else within MEMBER_PAGE_SECONDS, as on the visitors' cached
pages. Filling a page in costs one indexed statement (prepared on PostgreSQL): the member's votes and saves of the
papers shown, their votes and flags of its comments, their stances on what its follow buttons follow, and their
unread count; and what the live parts read.

Moderators, and requests with messages to show, get the page rendered for them as before.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers

from . import caching
from .models import Follow, Paper, cached_reverse
from .rows import mark_upvoted, member_state, with_rows
from .templatetags.papers_tags import one_time_key

COLLECTOR = "shared_render"  # the context variable that holds the SharedRender while a shared render runs
BUTTONS = ("upvote", "save", "follow", "comment")
AUTHOR = "author"  # the state of a comment's controls for its author
LIVE = "live"
HEADER = "papers/includes/user_nav.html"  # the live part every page has
CSRF_SLOT = "\ue000csrf\ue001"  # the CSRF token in a kept live part
FORM_KEY_SLOT = "\ue000form-key\ue001"  # a one-time form key in a kept live part
COMPOSE = "papers/includes/comment_compose.html"
MODES = (Follow.Mode.FOLLOW, Follow.Mode.MUTE)
FORMAT = 2  # of what is kept (StoredPage, Recent): in their keys, so that a deploy never reads an older one

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

    def stored(self, html: str, seconds: int, live: dict[str, dict], vary_htmx: bool) -> StoredPage:
        pieces: list[Any] = re.split(f"\ue000{self.nonce}:(\\d+)\ue001", html)
        for position, piece in enumerate(pieces):
            pieces[position] = self.chunks(piece) if position % 2 == 0 else int(piece)
        parts = [
            (kind, key, {state: self.chunks(variant) for state, variant in value.items()} if kind in BUTTONS else value)
            for kind, key, value in self.parts
        ]
        buttons = (variants for kind, _key, variants in self.parts if kind in BUTTONS)
        size = len(html) + sum(len(variant) for variants in buttons for variant in variants.values())
        return StoredPage(pieces, parts, time.time() + seconds, size, live, vary_htmx)

    def chunks(self, html: str) -> tuple[bytes, ...]:
        """`html` as UTF-8, split where the CSRF token goes."""
        return tuple(html.encode().split(self.csrf_marker.encode()))


@dataclass
class StoredPage:
    """A shared render, as bytes: literal HTML at even positions of `pieces`, the index of a part at odd ones. Each
    literal (and each state of a button part) is a tuple of chunks, with the request's CSRF token between them."""

    pieces: list[Any]
    parts: list[tuple[str, Any, Any]]
    expires: float  # a Unix time: when the shared cache forgets it
    size: int  # about how many characters it holds
    live: dict[str, dict]  # the context the view gave each live part, as it was at the render
    vary_htmx: bool  # whether the answer depends on HX-Request (a page with a fragment)
    # Live parts rendered for this copy, by what they show (never stored: filled in after the copy is kept).
    kept_parts: dict[tuple, str] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict:
        return self.__dict__ | {"kept_parts": {}}

    def response(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(self.fill(request))
        if self.vary_htmx:
            patch_vary_headers(response, ("HX-Request",))
        return response

    def fill(self, request: HttpRequest) -> bytes:
        """The page for the member of `request`."""
        kinds = {kind for kind, _key, _value in self.parts}
        papers = {key for kind, key, _variants in self.parts if kind in ("upvote", "save")}
        comments = {key[0] for kind, key, _variants in self.parts if kind == "comment"}
        targets: dict[str, list[int]] | None = None
        if "follow" in kinds:
            targets = {}
            for kind, key, _variants in self.parts:
                if kind == "follow":
                    targets.setdefault(key[0], []).append(key[1])
        state, unread = member_state(request.user, papers, comments, targets)
        provided: dict[str, dict] = {HEADER: {"unread_notification_count": unread}}
        token = get_token(request)
        out: list[bytes] = []

        def add(chunks: tuple[bytes, ...]) -> None:
            out.append(chunks[0])
            for chunk in chunks[1:]:
                out.append(token.encode())
                out.append(chunk)

        for position, piece in enumerate(self.pieces):
            if position % 2 == 0:
                add(piece)
                continue
            kind, key, value = self.parts[piece]
            if kind == "follow":
                add(value[next((mode for mode in MODES if (key, mode) in state), None)])
            elif kind in ("upvote", "save"):
                add(value[(key, kind) in state])
            elif kind == "comment":
                comment, author = key
                mine = author is not None and author == request.user.pk
                add(value[AUTHOR if mine else ((comment, "comment_upvote") in state, (comment, "flag") in state)])
            elif key == HEADER:
                out.append(header(request, value | provided[key]).replace(CSRF_SLOT, token).encode())
            elif key == COMPOSE:
                html = self.compose(request, value).replace(CSRF_SLOT, token).replace(FORM_KEY_SLOT, one_time_key())
                out.append(html.encode())
            else:
                if key not in provided:
                    provided[key] = self.live.get(key, {})
                out.append(render_to_string(key, value | provided[key], request).encode())
        return b"".join(out)

    def compose(self, request: HttpRequest, values: dict) -> str:
        """The comment form above the thread (COMPOSE, with slots for the CSRF token and the form key): kept with this
        copy of the page under what it shows of the member (whether they may write, and why not) and the address."""
        user = request.user
        shows = (user.can_write, user.suspension_reason, request.get_full_path(), repr(sorted(values.items())))
        if (html := self.kept_parts.get(shows)) is None:
            if len(self.kept_parts) > 100:
                self.kept_parts.clear()
            context = values | self.live.get(COMPOSE, {}) | {"csrf_token": CSRF_SLOT, "form_key_slot": FORM_KEY_SLOT}
            html = self.kept_parts[shows] = render_to_string(COMPOSE, context, request)
        return html


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
    return caching.page_key(request, f"members:{FORMAT}", template, repr(list(fingerprint)))


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
        if partial:
            patch_vary_headers(response, ("HX-Request",))
        return response
    key = shared_key(request, template, fingerprint)
    stored = kept(key)
    if stored is None:
        context = context | prepare()
        with_rows(rows)
        collector = SharedRender()
        html = render_to_string(
            template, context | {COLLECTOR: collector, "csrf_token": collector.csrf_marker}, request
        )
        live_context = {name: provide() for name, provide in live.items()}
        stored = collector.stored(html, settings.MEMBER_PAGE_SECONDS, live_context, bool(partial))
        cache.set(key, stored, settings.MEMBER_PAGE_SECONDS)
        caching.local.set(key, stored, settings.PAGE_CACHE_LOCAL_SECONDS, stored.size)
    if (recent := getattr(request, "_recent_page", None)) is not None:
        keep_recent(*recent, stored)
    return stored.response(request)


# Recent renders: what a member's request for a page is answered with before its view reads anything.
#
# A shared render's key holds what the page shows that members change (the fingerprint), so finding it takes the
# view's queries. The render is also kept under its address alone (`recent_key`), stamped with the time its
# fingerprint was last checked, for MEMBER_PAGE_LAG_SECONDS. `member_page` answers from it without running the view
# unless the member changed something since that time (papers.caching.mark_members_changed: every member's POST,
# and the notifications a reply sends): their own vote, comment or edit shows at once, and other members' changes
# within MEMBER_PAGE_LAG_SECONDS.


@dataclass
class Recent:
    checked: float  # a Unix time: when what the page shows was last read from the database
    page: StoredPage


def recent_key(request: HttpRequest, personal: bool) -> str:
    return caching.page_key(request, f"recent:{FORMAT}", str(request.user.pk) if personal else "")


def keep_recent(key: str, checked: float, page: StoredPage) -> None:
    seconds = min(settings.MEMBER_PAGE_LAG_SECONDS, page.expires - time.time())
    if seconds > 0:
        recent = Recent(checked, page)
        cache.set(key, recent, seconds)
        caching.local.set(key, recent, min(seconds, settings.PAGE_CACHE_LOCAL_SECONDS), page.size)


def member_page(personal: bool | Callable[[HttpRequest], bool] = False) -> Callable:
    """Answer a member's GET of a page whose view ends in respond() from its recent render, without running the view
    (see above). `personal` (or `personal(request)`) says whether the page is the member's own (their feed), rather
    than one that members share."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if settings.MEMBER_PAGE_LAG_SECONDS <= 0 or not shares_renders(request):
                return view(request, *args, **kwargs)
            now = time.time()
            changed = caching.members_changed_at(request.user)
            own = member_memo(request, personal, changed) if callable(personal) else personal
            key = recent_key(request, own)
            recent = caching.local.get(key)
            if recent is None and (recent := cache.get(key)) is not None:
                seconds = min(settings.PAGE_CACHE_LOCAL_SECONDS, recent.page.expires - now)
                caching.local.set(key, recent, seconds, recent.page.size)
            if recent is not None and changed < recent.checked > now - settings.MEMBER_PAGE_LAG_SECONDS:
                return recent.page.response(request)
            request._recent_page = (key, now)  # type: ignore[attr-defined]  # for respond()
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def member_memo(request: HttpRequest, answer: Callable[[HttpRequest], bool], changed: float) -> bool:
    """`answer(request)`, kept in this process for the member until they change something (their change mark
    comes with their row), or MEMBER_PAGE_LAG_SECONDS."""
    key = f"members:memo:{request.user.pk}:{answer.__module__}.{answer.__qualname__}"
    now = time.time()
    kept_answer = caching.local.get(key)
    if kept_answer is not None and kept_answer[0] > changed:
        return kept_answer[1]
    value = answer(request)
    caching.local.set(key, (now, value), settings.MEMBER_PAGE_LAG_SECONDS)
    return value
