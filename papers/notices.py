"""New-paper notices: a member hears when an author they follow has a new paper listed.

Written after an import or sync commits, for the papers that run created (papers.ingest queues
`papers.tasks.notify_new_papers`), and again by an hourly sweep over the last day's papers in case that task was
lost with the broker's queue. One `Notification(kind=NEW_PAPER)` per member and paper, enforced
by the database, so running twice writes nothing new. No email: the notice shows on /notifications/
and in the header's count.

A member who mutes one of the paper's authors hears nothing of it (follow and mute at the same
level: the mute wins, as in the feed), nor one who said "less like this" about the paper. Topic and
organisation mutes do not silence a followed author: the author is more specific.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import caching
from .models import Authorship, FeedSignal, Follow, Notification, Paper

CHUNK = 1000  # papers per round of queries
# The hourly sweep offers again the notices of the papers that came in this long ago: the task an import queued
# can be lost with the broker's queue (a Redis restarted empty after the outbox relayed it).
SWEEP_WINDOW = dt.timedelta(hours=26)


def notify_new_papers(paper_ids: Iterable[int]) -> int:
    """Notify the followers of each paper's authors; returns how many notices were offered (existing ones stay)."""
    ids = sorted(set(paper_ids))
    offered = 0
    for start in range(0, len(ids), CHUNK):
        notices = _notices(ids[start : start + CHUNK])
        Notification.objects.bulk_create(notices, ignore_conflicts=True)
        # Their unread counts show the notices on their next page (papers.rows.member_state).
        recipients = {notice.recipient_id for notice in notices}
        transaction.on_commit(lambda recipients=recipients: caching.mark_members_changed(recipients))
        offered += len(notices)
    return offered


def notify_recent_papers(now: dt.datetime | None = None) -> int:
    """Offer again the notices of every paper that came in within SWEEP_WINDOW (those already written stay)."""
    since = (now or timezone.now()) - SWEEP_WINDOW
    return notify_new_papers(Paper.objects.filter(created_at__gte=since).values_list("pk", flat=True))


def _notices(paper_ids: list[int]) -> list[Notification]:
    authors: dict[int, set[int]] = defaultdict(set)
    for paper_id, author_id in Authorship.objects.filter(paper_id__in=paper_ids).values_list("paper_id", "author_id"):
        authors[paper_id].add(author_id)
    stances = Follow.objects.filter(
        target=Follow.Target.AUTHOR,
        author_id__in={author for ids in authors.values() for author in ids},
        user__in=User.objects.present(),
    ).values_list("user_id", "author_id", "mode")
    followers: dict[int, set[int]] = defaultdict(set)
    muters: dict[int, set[int]] = defaultdict(set)
    for user_id, author_id, mode in stances:
        (followers if mode == Follow.Mode.FOLLOW else muters)[author_id].add(user_id)
    not_wanted = set(
        FeedSignal.objects.filter(paper_id__in=paper_ids, kind=FeedSignal.Kind.LESS_LIKE_THIS).values_list(
            "user_id", "paper_id"
        )
    )
    notices = []
    for paper_id, author_ids in sorted(authors.items()):
        recipients = set().union(*(followers[a] for a in author_ids)) - set().union(*(muters[a] for a in author_ids))
        notices += [
            Notification(recipient_id=user_id, kind=Notification.Kind.NEW_PAPER, paper_id=paper_id)
            for user_id in sorted(recipients)
            if (user_id, paper_id) not in not_wanted
        ]
    return notices


def name_followed_authors(notifications: Sequence[Notification], user: User) -> None:
    """Give each new-paper notice `followed_authors`: the names, among its paper's authors, that `user` follows."""
    new_papers = [n for n in notifications if n.kind == Notification.Kind.NEW_PAPER]
    if not new_papers:
        return
    names: dict[int, list[str]] = defaultdict(list)
    followed = Authorship.objects.filter(
        paper_id__in={n.paper_id for n in new_papers},
        author__follows__user=user,
        author__follows__mode=Follow.Mode.FOLLOW,
    ).order_by("position")
    for paper_id, name in followed.values_list("paper_id", "author__name"):
        names[paper_id].append(name)
    for notification in new_papers:
        notification.followed_authors = ", ".join(names[notification.paper_id])
