"""Listing rows, rendered once per paper version and cached.

A listing page shows 30 rows, each linking authors, topics, an organisation and
code; rendering them is most of a page's cost. The part of a row that depends
only on the paper (thumbnail, title, authors, meta, topics) is cached under a key
that changes whenever the paper does, and the database is asked for authors and
topics only for rows missing from the cache. Counters and (later) the viewer's own
state are rendered around it on every request.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch, Value, prefetch_related_objects
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

from . import caching
from .caching import pages_version
from .models import (
    Authorship,
    CommentVote,
    Flag,
    Follow,
    Notification,
    Paper,
    PaperTopic,
    PaperVote,
    SavedPaper,
)

ROW_TEMPLATE = "papers/includes/paper_row.html"
# The columns of a paper that a member's shared render depends on (papers.shared_pages.paper_fingerprint): what
# a page reads of its papers when the render is likely kept already.
FINGERPRINT_FIELDS = ("pk", "points", "comment_count", "updated_at")


def row_prefetches() -> list[Prefetch]:
    return [
        Prefetch(
            "authorships",
            queryset=Authorship.objects.filter(position__lt=Paper.ROW_AUTHORS).select_related("author"),
            to_attr="row_authorships",
        ),
        Prefetch(
            "paper_topics",
            queryset=PaperTopic.objects.filter(position__lt=Paper.ROW_TOPICS).select_related("topic"),
            to_attr="row_topics",
        ),
    ]


@memoize
def template_version() -> str:
    """Changes when the row template does, so a deploy never serves rows in an old layout."""
    source = get_template(ROW_TEMPLATE).template.source
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def row_key(paper: Paper, version: int) -> str:
    return f"row:{template_version()}:{version}:{paper.pk}:{paper.updated_at.timestamp()}"


def with_rows(papers: Sequence[Paper]) -> Sequence[Paper]:
    """Give each paper its `row_html`, from the cache where possible; returns `papers`."""
    if not papers:
        return papers
    seconds = settings.ROW_CACHE_SECONDS
    version = pages_version()
    keys = {paper.pk: row_key(paper, version) for paper in papers}
    cached = cache.get_many(list(keys.values())) if seconds > 0 else {}
    missing = [paper for paper in papers if keys[paper.pk] not in cached]
    if missing:
        prefetch_related_objects(missing, *row_prefetches())
        fresh = {keys[paper.pk]: render_to_string(ROW_TEMPLATE, {"paper": paper}) for paper in missing}
        if seconds > 0:
            cache.set_many(fresh, seconds)
        cached |= fresh
    for paper in papers:
        paper.row_html = mark_safe(cached[keys[paper.pk]])  # noqa: S308 - rendered by our own template
    return papers


def viewer_state(user, paper_ids) -> set[tuple[int, str]]:
    """(paper id, "upvote") and (paper id, "save") for each of `paper_ids` that `user` upvoted or saved: one query."""
    if not user.is_authenticated or not paper_ids:
        return set()
    ids = list(paper_ids)
    votes = PaperVote.objects.filter(user=user, paper_id__in=ids).annotate(kind=Value("upvote"))
    saves = SavedPaper.objects.filter(user=user, paper_id__in=ids).annotate(kind=Value("save"))
    return set(votes.values_list("paper_id", "kind").union(saves.values_list("paper_id", "kind"), all=True))


FOLLOW_KINDS = ("topic", "author", "organization", "member")  # papers.models.Follow.Target, as its columns name them


def viewer_state_and_unread(
    user, paper_ids, comment_ids=(), follow_targets: dict[str, Iterable[int]] | None = None
) -> tuple[set[tuple[Any, str]], int]:
    """`viewer_state`, with ("comment_upvote" and "flag") the member's votes and flags of `comment_ids`, with
    ((kind, id), "follow" or "mute") their stance on each of `follow_targets` (ids by Follow target kind), and how
    many notifications the member has not read (the header's badge), in one query.

    Every member's page asks this, so it is one plain statement: the ORM would take longer to write its union of
    queries (about 1 ms) than the database takes to answer it. On PostgreSQL it is a prepared statement, with each
    list of ids one parameter: planned once per connection, where planning it took longer than answering it.
    """
    wanted = {"paper_id": paper_ids, "comment_id": comment_ids} | {
        f"{kind}_id": (follow_targets or {}).get(kind, ()) for kind in FOLLOW_KINDS
    }
    sql, params = _unread(), [user.pk]
    prepared = connection.vendor == "postgresql"
    for selected, column in _state_selects(follows=follow_targets is not None):
        ids = [int(pk) for pk in wanted[column]]
        if prepared:  # the same statement whatever the ids: an array, written as text
            sql += f" UNION ALL SELECT {selected} WHERE user_id = %s AND {column} = ANY(%s::bigint[])"
            params += [user.pk, "{" + ",".join(map(str, ids)) + "}"]
        elif ids:
            sql += f" UNION ALL SELECT {selected} WHERE user_id = %s AND {column} IN ({', '.join(['%s'] * len(ids))})"
            params += [user.pk, *ids]
    return _decoded(_fetch(sql, params))


def _unread() -> str:
    """How many notifications the member has not read (Notification's unread(): `read_at` is NULL), as kind 0."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    return f"SELECT 0, COUNT(*) FROM {table} WHERE recipient_id = %s AND read_at IS NULL"


def _state_selects(follows: bool = True) -> list[tuple[str, str]]:
    """Each kind of the member's state as (its SELECT's columns and table, its id column): votes (kind 1), saves
    (2), comment votes (3), flags (4), then for each Follow target kind its follows (5 + 2i) and mutes (6 + 2i)."""
    models = (PaperVote, SavedPaper, CommentVote, Flag, Follow)
    table = {model: connection.ops.quote_name(model._meta.db_table) for model in models}
    selects = [
        (f"{kind}, {column} FROM {table[model]}", column)
        for kind, (model, column) in enumerate(
            [(PaperVote, "paper_id"), (SavedPaper, "paper_id"), (CommentVote, "comment_id"), (Flag, "comment_id")],
            start=1,
        )
    ]
    for index, kind in enumerate(FOLLOW_KINDS if follows else ()):
        code = 5 + 2 * index
        mode = f"CASE WHEN mode = 'mute' THEN {code + 1} ELSE {code} END"
        selects.append((f"{mode}, {kind}_id FROM {table[Follow]}", f"{kind}_id"))
    return selects


def _fetch(sql: str, params: list) -> list[tuple[int, int]]:
    with prepared_cursor() if connection.vendor == "postgresql" else connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _decoded(rows: list[tuple[int, int]]) -> tuple[set[tuple[Any, str]], int]:
    """The rows of the statements above as (state, unread count)."""
    kinds: dict[int, str] = {1: "upvote", 2: "save", 3: "comment_upvote", 4: "flag"}
    unread = next(value for kind, value in rows if kind == 0)
    state: set[tuple[Any, str]] = set()
    for kind, value in rows:
        if kind >= 5:
            follow_kind, mode = FOLLOW_KINDS[(kind - 5) // 2], ("follow", "mute")[(kind - 5) % 2]
            state.add(((follow_kind, value), mode))
        elif kind:
            state.add((value, kinds[kind]))
    return state, unread


# The member's whole state (every vote, save, comment vote, flag and follow, and the unread count), kept in this
# process for MEMBER_PAGE_LAG_SECONDS and read again as soon as the member changes something (their change mark,
# papers.caching.mark_members_changed, comes with their row from the cache): their pages in a row cost no query.
# A member with more than SNAPSHOT_LIMIT rows of one kind is asked per page instead.
SNAPSHOT_LIMIT = 2_000
snapshots = caching.LocalCache(entries=10_000)


@dataclass(frozen=True)
class Snapshot:
    taken: float  # a Unix time, before it was read
    state: set[tuple[Any, str]] | None  # None: too many rows to keep
    unread: int


def member_state(
    user, paper_ids, comment_ids=(), follow_targets: dict[str, Iterable[int]] | None = None
) -> tuple[set[tuple[Any, str]], int]:
    """What viewer_state_and_unread says (with the state of more than the ids asked), from the member's snapshot
    in this process when it was read after their last change."""
    seconds = settings.MEMBER_PAGE_LAG_SECONDS
    if seconds <= 0:
        return viewer_state_and_unread(user, paper_ids, comment_ids, follow_targets)
    snapshot = snapshots.get(user.pk)
    if snapshot is None or snapshot.taken <= caching.members_changed_at(user):
        snapshot = read_snapshot(user)
        snapshots.set(user.pk, snapshot, seconds, 64 * len(snapshot.state or ()))
    if snapshot.state is None:
        return viewer_state_and_unread(user, paper_ids, comment_ids, follow_targets)
    return snapshot.state, snapshot.unread


def read_snapshot(user) -> Snapshot:
    """Every vote, save, comment vote, flag and follow of the member, and their unread count: one statement."""
    taken = time.time()
    sql, selects = _unread(), _state_selects()
    for number, (selected, column) in enumerate(selects):  # each kind's rows, SNAPSHOT_LIMIT + 1 at most
        where = f"user_id = %s AND {column} IS NOT NULL"
        sql += f" UNION ALL SELECT * FROM (SELECT {selected} WHERE {where} LIMIT {SNAPSHOT_LIMIT + 1}) AS kind{number}"
    rows = _fetch(sql, [user.pk] * (1 + len(selects)))
    counts: dict[int, int] = {}
    for kind, _value in rows:
        counts[kind] = counts.get(kind, 0) + 1
    state, unread = _decoded(rows)
    too_many = any(count > SNAPSHOT_LIMIT for kind, count in counts.items() if kind)
    return Snapshot(taken, None if too_many else state, unread)


def prepared_cursor():
    """A cursor on PostgreSQL whose statements are bound on the server and prepared on first use: planned once per
    connection (Django's cursors bind parameters in the client, so PostgreSQL plans every statement anew). Without
    prepared statements on the connection (DATABASE_NO_PREPARED_STATEMENTS), they are only bound on the server."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = _prepared_cursor_class()(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


@memoize
def _prepared_cursor_class():
    import psycopg  # only on PostgreSQL

    class PreparedCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor


def mark_upvoted(papers: Sequence[Paper], user) -> Sequence[Paper]:
    """Set `is_upvoted` and `is_saved` on each paper for `user`, in one query for the whole page."""
    state = viewer_state(user, [p.pk for p in papers])
    for paper in papers:
        paper.is_upvoted = (paper.pk, "upvote") in state
        paper.is_saved = (paper.pk, "save") in state
    return papers
