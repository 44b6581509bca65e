"""Moderators correct the author identities (papers.authors): merge two people into one, split papers off a person.

Each operation is one transaction that moves the authorships (pinned, so that no later clustering moves them back;
a re-import keeps them anyway, as it keeps every byline's identities), moves follows with the person, recounts the
namesakes and writes one line of the public moderation log with the details.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from accounts.models import User

from .caching import bump_pages_version
from .ingest import lock_catalog
from .models import Author, Authorship, Follow, ModerationAction
from .moderation import check_moderator, clean_reason, log_action


def merge_authors(source: Author, target: Author, moderator: User, reason: str) -> bool:
    """Merge `source` into `target`: its papers and follows go to `target`, its address redirects there.

    False if `source` was already merged. Members who had a stance on both keep the one on `target`.
    """
    check_moderator(moderator)
    reason = clean_reason(reason)
    if source.pk == target.pk:
        raise ValidationError("Choose another identity to merge with.", code="same")
    with transaction.atomic():
        lock_catalog()
        source = Author.objects.select_for_update().get(pk=source.pk)
        target = Author.objects.select_for_update().get(pk=target.pk)
        if source.merged_into_id is not None or target.merged_into_id is not None:
            return False
        papers = list(source.authorships.order_by("paper__arxiv_id").values_list("paper__arxiv_id", flat=True))
        source.authorships.update(author=target, pinned=True)
        both = Follow.objects.filter(author=target).values("user")
        Follow.objects.filter(author=source, user__in=both).delete()
        Follow.objects.filter(author=source).update(author=target)
        Author.objects.filter(merged_into=source).update(merged_into=target)
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        if target.hf_user_id is None and source.hf_user_id is not None:
            target.hf_user_id = source.hf_user_id
            target.save(update_fields=["hf_user"])
        Author.objects.filter(slug__in={source.slug, target.slug}).refresh_namesakes()
        details = {"from": source.numbered_key, "into": target.numbered_key, "name": target.name, "papers": papers}
        log_action(moderator, ModerationAction.Action.MERGE_AUTHORS, reason, author=target, details=details)
        transaction.on_commit(bump_pages_version)
    return True


def split_author(author: Author, arxiv_ids: list[str], moderator: User, reason: str) -> Author:
    """Move the papers `arxiv_ids` of `author` to a new identity of the same name, and return it.

    At least one paper must stay: moving them all would only renumber the person.
    """
    check_moderator(moderator)
    reason = clean_reason(reason)
    with transaction.atomic():
        lock_catalog()
        author = Author.objects.select_for_update().get(pk=author.pk)
        if author.merged_into_id is not None:
            raise ValidationError("This identity was merged into another; split that one.", code="merged")
        moved = author.authorships.filter(paper__arxiv_id__in=arxiv_ids)
        papers = sorted(moved.values_list("paper__arxiv_id", flat=True).distinct())
        if not papers:
            raise ValidationError("Choose the papers to move to a new identity.", code="none")
        if not author.authorships.exclude(paper__arxiv_id__in=papers).exists():
            raise ValidationError("Leave at least one paper: these are all of this person's papers.", code="all")
        last = Author.objects.filter(slug=author.slug).aggregate(n=Max("number"))["n"] or 0
        new = Author.objects.create(slug=author.slug, name=author.name, number=last + 1)
        Authorship.objects.filter(pk__in=list(moved.values_list("pk", flat=True))).update(author=new, pinned=True)
        Author.objects.filter(slug=author.slug).refresh_namesakes()
        details = {"from": author.numbered_key, "new": new.numbered_key, "name": author.name, "papers": papers}
        log_action(moderator, ModerationAction.Action.SPLIT_AUTHOR, reason, author=author, details=details)
        transaction.on_commit(bump_pages_version)
    new.refresh_from_db()
    return new
