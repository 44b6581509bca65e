"""Emails to members: reply and mention notifications, and the one-click unsubscribe links of all our emails.

Digests are built and sent by papers.digests; their unsubscribe link turns `User.digest` off.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User

from .markdown import render_plain_excerpt
from .models import Notification

UNSUBSCRIBE_SALT = "papers.emails.unsubscribe"
# Which notification kinds email, and the member preference that governs each.
SWEEP_BATCH = 500
PREFERENCES = {Notification.Kind.REPLY: "email_on_reply", Notification.Kind.MENTION: "email_on_mention"}
# Every preference an unsubscribe link can turn off, named as "We will no longer email you about …".
PREFERENCE_LABELS = {
    "email_on_reply": "replies to your comments",
    "email_on_mention": "mentions of you",
    "digest": "the digest of papers picked for you",
}
# What unsubscribing sets; the email_on_* flags turn False.
UNSUBSCRIBED_VALUES = {"digest": User.Digest.OFF}


def unsubscribe_token(user: User, preference: str) -> str:
    return signing.dumps({"user": user.pk, "pref": preference}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The member and preference a token names, or None when it is forged, damaged or the member is gone."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("pref") not in PREFERENCE_LABELS:
        return None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    return (user, data["pref"]) if user else None


def unsubscribe(user: User, preference: str) -> None:
    """Turn off the emails a preference governs (idempotent)."""
    User.objects.filter(pk=user.pk).update(**{preference: UNSUBSCRIBED_VALUES.get(preference, False)})


def unsubscribe_url(user: User, preference: str) -> str:
    return settings.SITE_URL + reverse("papers:unsubscribe", args=[unsubscribe_token(user, preference)])


def unsent_notifications(older_than: dt.timedelta = dt.timedelta(minutes=2)) -> list[int]:
    """Reply and mention notifications whose email was never sent, oldest first: the task that was to send it
    is lost when the broker loses its queue (a Redis restarted without persistence). Sending is idempotent, so
    the sweep (`papers.tasks.send_unsent_emails`) may queue one whose task is merely late."""
    kinds = list(PREFERENCES)
    pending = Notification.objects.filter(kind__in=kinds, emailed_at=None, created_at__lte=timezone.now() - older_than)
    return list(pending.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])


def send_notification(notification_id: int) -> bool:
    """Send the email for one notification at most once; False when there is nothing to send."""
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification_id, emailed_at=None).update(emailed_at=timezone.now())
        if not claimed:
            return False
        notification = Notification.objects.select_related("recipient", "actor", "paper", "comment").get(
            pk=notification_id
        )
        preference = PREFERENCES.get(notification.kind)
        recipient = notification.recipient
        if not preference or not getattr(recipient, preference) or not recipient.email or not recipient.is_active:
            return False
        comment = notification.comment
        context = {
            "notification": notification,
            "recipient": recipient,
            "actor": notification.actor,
            "paper": notification.paper,
            "comment": comment,
            "excerpt": render_plain_excerpt(comment.body, 500),
            "comment_url": settings.SITE_URL + comment.get_absolute_url(),
            "unsubscribe_url": unsubscribe_url(recipient, preference),
            "preference_label": PREFERENCE_LABELS[preference],
            "SITE_NAME": settings.SITE_NAME,
        }
        actor = notification.actor.shown_name if notification.actor else "Someone"
        verb = "replied to you" if notification.kind == Notification.Kind.REPLY else "mentioned you"
        message = EmailMultiAlternatives(
            subject=f"{actor} {verb} on “{notification.paper.title[:80]}”",
            body=render_to_string("papers/email/notification.txt", context),
            to=[recipient.email],
            headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
        )
        message.attach_alternative(render_to_string("papers/email/notification.html", context), "text/html")
        message.send()
    return True
