"""Email digests of the personal feed: which period is due, what goes in, and sending each period once.

Periods are UTC days. A daily digest covers one listing day and goes out the next day, at or
after `settings.DIGEST_HOUR_UTC`; a weekly digest covers one ISO week (Monday to Sunday) and goes
out on the Monday after, at or after that hour, never on another day. `DigestDelivery.period_start`
is that day, or that week's Monday. A digest holds the member's top papers (`papers.feed.top_items`)
last listed from the end of the last digest they got (or the period start when they got none, and
never more than a week earlier) up to the end of the period.

Each member and period at most once, however often and however concurrently the task runs:

1. claim: insert the `DigestDelivery` row in its own transaction; the unique constraint decides,
   and a run that loses (IntegrityError) leaves that member alone;
2. build: with nothing to read, the row stays as claimed (papers=0, no sent_at): the period is
   recorded, nobody is emailed, and later runs do not look at it again;
3. record `papers`, hand the email to the mail backend, then set `sent_at`.

A build or send that raises deletes the row, so a later hourly run tries again while the period is
still due (the rest of that day); past periods are never reconsidered. A process that dies between
the mail backend and `sent_at` leaves a row with papers and no sent_at: the email may have gone, so
it is never sent again (at most once). `sent_at` is therefore "delivered to the mail backend".
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User

from .emails import unsubscribe_url
from .feed import FeedItem, top_items
from .models import DigestDelivery

logger = logging.getLogger(__name__)

DIGEST_PAPERS = 10
MAX_CATCH_UP = dt.timedelta(days=7)
UNSUBSCRIBE_PREFERENCE = "digest"


@dataclass(frozen=True)
class Period:
    frequency: str  # User.Digest.DAILY or WEEKLY
    start: dt.date

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return self.start + dt.timedelta(days=7 if self.frequency == User.Digest.WEEKLY else 1)

    def __str__(self) -> str:
        day = f"{self.start.day} {self.start:%B %Y}"
        return f"the week of {day}" if self.frequency == User.Digest.WEEKLY else f"{self.start:%A} {day}"


@dataclass
class Digest:
    member: User
    period: Period
    since: dt.date
    items: list[FeedItem]


@dataclass(frozen=True)
class Outcome:
    member: User
    period: Period
    result: str  # "sent", "empty", "taken" (another run has it), "failed", or "would send" in a dry run
    papers: int = 0


def due_period(frequency: str, now: dt.datetime) -> Period | None:
    """The period whose digest is due at `now`, if any: yesterday, or last week on a Monday."""
    now = now.astimezone(dt.UTC)
    if now.hour < settings.DIGEST_HOUR_UTC:
        return None
    today = now.date()
    if frequency == User.Digest.DAILY:
        return Period(frequency, today - dt.timedelta(days=1))
    if frequency == User.Digest.WEEKLY and today.weekday() == 0:
        return Period(frequency, today - dt.timedelta(days=7))
    return None


def digest_addresses() -> QuerySet[EmailAddress]:
    """The addresses digests go to: primary and verified."""
    return EmailAddress.objects.filter(primary=True, verified=True)


def due_members(now: dt.datetime) -> QuerySet[User]:
    """Members owed a digest at `now`: digest on, active, a verified primary address, no row for the period.

    Each comes with `digest_email`, the address to write to.
    """
    owed = Q()
    for frequency in (User.Digest.DAILY, User.Digest.WEEKLY):
        if period := due_period(frequency, now):
            recorded = DigestDelivery.objects.filter(
                user=OuterRef("pk"), frequency=frequency, period_start=period.start
            )
            owed |= Q(digest=frequency) & ~Exists(recorded)
    if not owed:
        return User.objects.none()
    verified = digest_addresses().filter(user=OuterRef("pk")).values("email")
    return (
        User.objects.present()
        .filter(owed)
        .annotate(digest_email=Subquery(verified[:1]))
        .exclude(digest_email=None)
        .order_by("pk")
    )


def address(member: User) -> str | None:
    """Where the member's digests go: their verified primary address, if they have one."""
    return digest_addresses().filter(user=member).values_list("email", flat=True).first()


def digest_since(member: User, period: Period) -> dt.date:
    """From the end of the last digest the member got, else the period start; at most a week before it.

    "Last" is the latest end, not the latest start: after a switch from daily to weekly, the week's digest
    starts before the last daily one but ends after it. Within one frequency the latest start ends last,
    so one grouped query gives at most a row per frequency.
    """
    latest = member.digests.exclude(sent_at=None).order_by().values("frequency").annotate(start=Max("period_start"))
    since = max((Period(row["frequency"], row["start"]).end for row in latest), default=period.start)
    return max(since, period.start - MAX_CATCH_UP)


def build_digest(member: User, period: Period) -> Digest:
    """The member's best papers listed from `digest_since` to the period's last day, ranked as on that day."""
    since = digest_since(member, period)
    items = top_items(member, since=since, until=period.end - dt.timedelta(days=1), limit=DIGEST_PAPERS)
    return Digest(member, period, since, items)


def digest_message(digest: Digest, address: str) -> EmailMultiAlternatives:
    period = digest.period
    context = {
        "member": digest.member,
        "period": period,
        "daily": period.frequency == User.Digest.DAILY,
        "entries": [
            {
                "paper": item.paper,
                "url": settings.SITE_URL + item.paper.get_absolute_url(),
                "reasons": [reason.label for reason in item.reasons],
                "despite_mute": item.despite_mute,
            }
            for item in digest.items
        ],
        "feed_url": settings.SITE_URL + reverse("papers:feed"),
        "settings_url": settings.SITE_URL + reverse("papers:settings"),
        "unsubscribe_url": unsubscribe_url(digest.member, UNSUBSCRIBE_PREFERENCE),
        "SITE_NAME": settings.SITE_NAME,
    }
    count = len(digest.items)
    kind = "daily" if context["daily"] else "weekly"
    message = EmailMultiAlternatives(
        subject=f"Your {kind} digest: {count} paper{'s' if count != 1 else ''} for {period}",
        body=render_to_string("papers/email/digest.txt", context),
        to=[address],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )
    message.attach_alternative(render_to_string("papers/email/digest.html", context), "text/html")
    return message


def deliver(member: User, period: Period, address: str) -> Outcome:
    """Claim the period, build the digest and send it: once, whatever else runs (see the module's notes)."""
    try:
        with transaction.atomic():
            delivery = DigestDelivery.objects.create(user=member, frequency=period.frequency, period_start=period.start)
    except IntegrityError:
        return Outcome(member, period, "taken")
    rows = DigestDelivery.objects.filter(pk=delivery.pk)
    try:
        digest = build_digest(member, period)
        if not digest.items:
            return Outcome(member, period, "empty")
        rows.update(papers=len(digest.items))
        digest_message(digest, address).send()
    except Exception:
        logger.exception("The %s digest of %s for %s failed; a later run retries it", period.frequency, period, member)
        rows.delete()
        return Outcome(member, period, "failed")
    rows.update(sent_at=timezone.now())
    return Outcome(member, period, "sent", len(digest.items))


def send_digests(now: dt.datetime | None = None, *, dry_run: bool = False) -> list[Outcome]:
    """Send every digest due at `now` (default: the current time; UTC when naive). A dry run builds them, records
    and sends nothing."""
    now = now or timezone.now()
    if timezone.is_naive(now):
        now = now.replace(tzinfo=dt.UTC)
    outcomes = []
    for member in due_members(now):
        period = due_period(member.digest, now)
        assert period is not None
        if dry_run:
            papers = len(build_digest(member, period).items)
            outcomes.append(Outcome(member, period, "would send" if papers else "empty", papers))
        else:
            outcomes.append(deliver(member, period, member.digest_email))
    return outcomes
