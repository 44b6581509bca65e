"""Celery tasks of the papers app: thin wrappers over papers.ingest, emails, digests, notices, similarity,
related_papers and the stored feeds (papers.feed).

This module is the top of the papers layers: it imports those modules, and they queue these tasks by name
(`current_app.signature("papers.tasks.…")`), never by importing this module. PapersConfig.ready() imports it
so that the tasks are registered (and run eagerly when so configured) in every process.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import Counter
from typing import Any

from celery import shared_task

from papers import digests, emails, feed, ingest, notices, outbox, related_papers, similarity
from papers.models import Timeline

logger = logging.getLogger(__name__)


@shared_task(name="papers.tasks.relay_outbox")
def relay_outbox() -> int:
    """Hand Celery the tasks that waited in the outbox while the broker was away (papers.outbox)."""
    return outbox.relay_waiting()


@shared_task(name="papers.tasks.sync_daily_papers")
def sync_daily_papers(date: str | None = None) -> dict[str, Any]:
    """Sync one day (YYYY-MM-DD), or yesterday and today (UTC); return per-day and total counts, and failures."""
    days = [ingest.parse_day(date)] if date else ingest.default_sync_days()
    total = ingest.Summary("total")
    report: dict[str, Any] = {"days": {}, "failed": {}}
    for day, result, error in ingest.sync_days(days):
        if error is not None:
            logger.error("Daily Papers sync of %s failed: %s", day, error)
            report["failed"][day.isoformat()] = error
            continue
        assert result is not None
        result.total.source = day.isoformat()
        report["days"][day.isoformat()] = result.total.as_dict()
        total.items += result.total.items
        total.papers += result.total.papers
        total.listings += result.total.listings
    report["total"] = total.as_dict()
    return report


@shared_task(
    name="papers.tasks.send_notification_email",
    # An SMTP server that is down or refuses for now: try again after 1, 2, 4… minutes (jittered), for about
    # an hour. A failed send rolls back its claim on the notification, so a retry can send it, once.
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def send_notification_email(notification_id: int) -> bool:
    """Email one reply or mention notification, once, if its recipient still wants such emails."""
    return emails.send_notification(notification_id)


@shared_task(name="papers.tasks.send_unsent_emails")
def send_unsent_emails() -> int:
    """Queue the reply and mention emails whose task was lost with the broker's queue; beat runs it each minute."""
    pending = emails.unsent_notifications()
    for notification_id in pending:
        send_notification_email.delay(notification_id)
    return len(pending)


@shared_task(name="papers.tasks.send_digests")
def send_digests(now: str | None = None) -> dict[str, int]:
    """Send the daily and weekly digests due now, or at `now` (ISO 8601); beat runs this hourly. Counts outcomes."""
    moment = dt.datetime.fromisoformat(now) if now else None
    return dict(Counter(outcome.result for outcome in digests.send_digests(moment)))


@shared_task(name="papers.tasks.notify_new_papers")
def notify_new_papers(paper_ids: list[int]) -> int:
    """Tell the followers of their authors about papers an import or sync created."""
    return notices.notify_new_papers(paper_ids)


@shared_task(name="papers.tasks.notify_recent_papers")
def notify_recent_papers() -> int:
    """Offer again the last day's new-paper notices, whose task the broker may have lost; beat runs it hourly."""
    return notices.notify_recent_papers()


@shared_task(name="papers.tasks.refresh_similarities")
def refresh_similarities(paper_id: int | None = None) -> int:
    """Store the nearest papers of one seed paper, or of every seed (after a sync, and hourly); count the changes."""
    return similarity.refresh(None if paper_id is None else [paper_id])


@shared_task(name="papers.tasks.refresh_related")
def refresh_related() -> int:
    """Store every paper's related papers by content (after each import that adds papers or topics); count changes."""
    return related_papers.refresh()


@shared_task(name="papers.tasks.refresh_timeline_points")
def refresh_timeline_points(paper_id: int) -> int:
    """Give one paper's entries in the stored feeds its points now (votes changed them); count the entries."""
    return feed.refresh_timeline_points(paper_id)


@shared_task(name="papers.tasks.rebuild_timelines_of_followers")
def rebuild_timelines_of_followers(member_id: int) -> int:
    """Rebuild the stored feeds of a member's followers (the member upvoted, commented or submitted); count them."""
    return feed.rebuild_timelines_of_followers(member_id)


@shared_task(name="papers.tasks.rebuild_timelines_for_papers")
def rebuild_timelines_for_papers(paper_ids: list[int]) -> int:
    """Rebuild the stored feeds that new or changed papers can change (an import, a submission); count them."""
    return feed.rebuild_timelines_for_papers(paper_ids)


@shared_task(name="papers.tasks.rebuild_timelines_of_seeds")
def rebuild_timelines_of_seeds(seed_ids: list[int]) -> int:
    """Rebuild the stored feeds of the members of seeds whose neighbours changed; count them."""
    return feed.rebuild_timelines_of_seeds(seed_ids)


@shared_task(name="papers.tasks.rebuild_timelines")
def rebuild_timelines(user_ids: list[int]) -> int:
    """Rebuild the stored feeds of these members (those built before); count them."""
    return feed.rebuild_timelines(user_ids)


@shared_task(name="papers.tasks.rebuild_all_timelines")
def rebuild_all_timelines() -> int:
    """Rebuild every stored feed from the source rows (daily): heals what no fan-out follows (an author merged or
    split, a topic renamed or merged, a followed member suspended or gone); count them."""
    return feed.rebuild_timelines(Timeline.objects.values_list("user_id", flat=True))
