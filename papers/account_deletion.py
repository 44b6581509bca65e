"""Deleting an account: the member's personal data and presence go, their comments' places stay as "[deleted]".

It lives in papers because most of what it removes and recounts (votes, flags, comments, follows, saves) are
papers' rows; accounts never imports papers, so `User.anonymize()` is the accounts half.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import feed, outbox
from .discussion import recount_karma
from .models import Comment, Follow, Paper, Timeline, TimelineEntry


def delete_account(user: User) -> None:
    """Remove a member's personal data and presence, keeping their comments' places as "[deleted]".

    Their votes and flags go and every count they touched is recounted; their comments
    lose their text; their follows and mutes (and other members' follows and mutes of them),
    saved papers and feed signals go; then the account is anonymised, which ends all of its sessions.
    """
    with transaction.atomic():
        voted_papers = list(user.paper_votes.values_list("paper_id", flat=True))
        commented_papers = set(Comment.objects.filter(author=user).values_list("paper_id", flat=True))
        for paper in Paper.objects.filter(pk__in=set(voted_papers) | commented_papers).order_by("pk"):
            Paper.objects.lock(paper.pk)
        voted_comments = list(user.comment_votes.values_list("comment_id", flat=True))
        followers = list(Follow.objects.following().filter(member=user).values_list("user_id", flat=True))
        flagged_comments = list(user.flags.values_list("comment_id", flat=True))
        user.paper_votes.all().delete()
        user.comment_votes.all().delete()
        user.flags.all().delete()
        user.notifications.all().delete()
        user.follows.all().delete()
        user.followers.all().delete()  # others' follows and mutes of this member: "[deleted]" they could not undo
        user.saved_papers.all().delete()
        user.feed_signals.all().delete()
        Comment.objects.filter(author=user, deleted_at=None).update(deleted_at=timezone.now(), body="", body_html="")
        for comment in Comment.objects.filter(pk__in={*voted_comments, *flagged_comments}).order_by("pk"):
            comment.refresh_scores()
        for comment in Comment.objects.filter(author=user):
            comment.refresh_scores()
        for author_id in set(
            Comment.objects.filter(pk__in=voted_comments, author__isnull=False).values_list("author_id", flat=True)
        ):
            recount_karma(author_id)
        for paper in Paper.objects.filter(pk__in=set(voted_papers) | commented_papers):
            paper.recount_upvotes()
            paper.recount_comments()
        Timeline.objects.filter(user=user).delete()  # their stored feed
        TimelineEntry.objects.filter(user=user).delete()
        for paper_id in voted_papers:  # their points, in the stored feeds
            feed.points_changed(paper_id)
        if followers:  # their activity is no reason any more (queued by name: papers.tasks builds on this module)
            outbox.queue("papers.tasks.rebuild_timelines", followers)
        user.anonymize()
