"""Celery tasks of the papers app: thin wrappers over papers.ingest and papers.emails."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from papers import ingest

logger = logging.getLogger(__name__)


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


@shared_task(name="papers.tasks.send_notification_email")
def send_notification_email(notification_id: int) -> bool:
    """Email one reply or mention notification, once, if its recipient still wants such emails."""
    from papers import emails

    return emails.send_notification(notification_id)
