from __future__ import annotations

import hashlib
import secrets
from functools import cached_property
from typing import Self

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as AuthUserManager
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

MODERATORS_GROUP = "moderators"
BIO_MAX_LENGTH = 2000
MAX_LINKS = 4
# The signed-in member is read from the cache (User.objects.cached), each copy for this long at most. A write of
# the row deletes the copy at once and, after the commit, puts a CHANGED mark in its place for CHANGED_SECONDS,
# during which the row is read from the database and not kept: a request that read the row before the commit
# cannot put its stale copy back after it (cache.add never replaces the mark, and the mark replaces a copy put
# back before it).
MEMBER_CACHE_SECONDS = 300
CHANGED = "changed"
CHANGED_SECONDS = 5


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class UserQuerySet(models.QuerySet):
    def present(self) -> Self:
        """Members who are here: active, and not deleted (a deleted account stays as a "[deleted]" row)."""
        return self.filter(is_active=True, deleted_at=None)

    def update(self, **kwargs) -> int:
        """UPDATE the rows, and drop the cached copies of the members written (one more query: their ids)."""
        ids = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        forget_cached_members(ids)
        return count

    update.alters_data = True

    def delete(self) -> tuple[int, dict[str, int]]:
        ids = list(self.values_list("pk", flat=True))
        deleted = super().delete()
        forget_cached_members(ids)
        return deleted

    delete.alters_data = True


class UserManager(AuthUserManager.from_queryset(UserQuerySet)):
    """Django's UserManager (create_user, create_superuser, …) with the UserQuerySet verbs."""

    # To migrations this is Django's UserManager (as in 0001_initial): the verbs added here are queries that no
    # migration runs, so the manager needs no migration of its own.
    def deconstruct(self):
        return (False, "django.contrib.auth.models.UserManager", None, (), {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AuthUserManager) and self._constructor_args == other._constructor_args

    __hash__ = AuthUserManager.__hash__

    def cached(self, pk: int | str) -> User | None:
        """The member with this id, from the cache when a copy is there, else from the database (and kept).

        What the authentication backends (accounts/backends.py) give as `request.user`: the whole row, as a
        query would read it, and whether the member is a moderator (every page asks; the `moderators` command and
        any save of the row drop the copy). Other groups and permissions are read as usual.
        """
        try:
            pk = self.model._meta.pk.to_python(pk)
        except ValidationError:
            return None
        key, changed_key = member_cache_key(pk), member_changed_key(pk)
        found = cache.get_many([key, changed_key])  # one round trip
        kept = found.get(key)
        names = [field.attname for field in self.model._meta.concrete_fields]
        if isinstance(kept, dict) and list(kept) == [*names, "is_moderator"]:  # the same fields as this code's model
            user = self.model.from_db(self.db, names, [kept[name] for name in names])
            user.is_moderator = kept["is_moderator"]  # set, as its cached_property would be
            user.changed_at = found.get(changed_key, 0.0)
            return user
        user = self.filter(pk=pk).first()
        if user is not None:
            user.changed_at = found.get(changed_key, 0.0)
            if kept != CHANGED:
                copy = {name: getattr(user, name) for name in names} | {"is_moderator": user.is_moderator}
                cache.add(key, copy, MEMBER_CACHE_SECONDS)
        return user


class User(AbstractUser):
    """A member of the site. Votes, comments and follows hang off this model (in `papers`)."""

    display_name = models.CharField(max_length=100, blank=True)
    bio = models.TextField(max_length=BIO_MAX_LENGTH, blank=True, help_text="Markdown")
    links = models.JSONField(default=list, blank=True, help_text="Up to four http(s) URLs")
    upvotes_public = models.BooleanField(default=False, help_text="Show the papers I upvote on my profile")
    email_on_reply = models.BooleanField(default=True)
    email_on_mention = models.BooleanField(default=True)
    karma = models.IntegerField(default=0, help_text="Upvotes received on comments, recounted from the votes")
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=300, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Recency(models.IntegerChoices):
        LITTLE = 1, "A little: good papers stay for weeks"
        SOME = 2, "Some: this week's papers first"
        MUCH = 3, "Much: today's papers first"

    class Digest(models.TextChoices):
        OFF = "off", "Off"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly (on Mondays)"

    recency = models.PositiveSmallIntegerField(choices=Recency.choices, default=Recency.SOME)
    digest = models.CharField(max_length=10, choices=Digest.choices, default=Digest.OFF)
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    onboarded_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        db_table = "accounts_user"
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_unique_whatever_the_case"),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        forget_cached_members([self.pk])

    def delete(self, *args, **kwargs):
        pk = self.pk
        deleted = super().delete(*args, **kwargs)
        forget_cached_members([pk])
        return deleted

    @property
    def shown_name(self) -> str:
        if self.deleted_at:
            return "[deleted]"
        return self.display_name or self.username

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @cached_property
    def is_moderator(self) -> bool:
        return self.is_active and (self.is_staff or self.groups.filter(name=MODERATORS_GROUP).exists())

    @property
    def can_write(self) -> bool:
        """Whether this member may vote, comment, flag and submit."""
        return self.is_active and not self.is_suspended and not self.is_deleted

    def suspend(self, reason: str) -> None:
        self.suspended_at = timezone.now()
        self.suspension_reason = reason
        self.save(update_fields=["suspended_at", "suspension_reason"])

    def unsuspend(self) -> None:
        self.suspended_at = None
        self.suspension_reason = ""
        self.save(update_fields=["suspended_at", "suspension_reason"])

    def regenerate_feed_token(self) -> str:
        """A new secret address for the private feed; the old one stops working at once."""
        self.feed_token = new_feed_token()
        self.save(update_fields=["feed_token"])
        return self.feed_token

    def anonymize(self) -> None:
        """Remove personal data and end every session (the session hash changes with the password).

        The row stays so that the member's comments keep their place in threads as "[deleted]".
        """
        from allauth.account.models import EmailAddress
        from allauth.socialaccount.models import SocialAccount
        from allauth.usersessions.models import UserSession

        for session in UserSession.objects.filter(user=self):
            session.end()
        EmailAddress.objects.filter(user=self).delete()
        SocialAccount.objects.filter(user=self).delete()
        self.username = f"deleted-{self.pk}"
        self.email = ""
        self.first_name = self.last_name = self.display_name = self.bio = ""
        self.links = []
        self.upvotes_public = self.email_on_reply = self.email_on_mention = False
        self.digest = self.Digest.OFF
        self.feed_token = new_feed_token()
        self.api_tokens.live().update(revoked_at=timezone.now())  # a script must not go on acting as "[deleted]"
        self.is_active = self.is_staff = self.is_superuser = False
        self.deleted_at = timezone.now()
        self.set_unusable_password()
        self.save()
        self.groups.clear()
        self.user_permissions.clear()


def member_changed_key(pk: int) -> str:
    """Where the time the member last changed something is kept (papers.caching.mark_members_changed); read with
    the member's copy, in the same round trip, as `changed_at`."""
    return f"members:changed:{pk}"


def member_cache_key(pk: int) -> str:
    return f"member:{pk}"


def forget_cached_members(ids: list[int]) -> None:
    """Drop these members' cached copies now, and mark them changed once the transaction commits (see CHANGED)."""
    if not ids:
        return
    keys = [member_cache_key(pk) for pk in ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, CHANGED), CHANGED_SECONDS), robust=True)


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> Self:
        return self.filter(revoked_at=None)


class ApiToken(models.Model):
    """A personal access token for the API (`Authorization: Bearer pc_…`).

    The secret is shown once, when it is made; only its SHA-256 is stored (the secret is 32 random bytes,
    so a fast hash is enough: nothing can be guessed from it). `prefix` is its first characters, shown in
    /settings/ so that a member can tell tokens apart.
    """

    PREFIX = "pc_"
    LAST_USED_RESOLUTION = 60  # seconds: `last_used_at` is written at most once a minute per token
    MAX_LIVE = 20  # live tokens per member: enough for every script and device, few enough to keep track of

    class LimitReached(Exception):
        """The member has MAX_LIVE live tokens already."""

    class Scope(models.TextChoices):
        READ = "read", "Read: see what you can see in the browser"
        WRITE = "write", "Read and write: also vote, comment, save, follow and mute"

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.name} ({self.prefix}…)"

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def limit_message(cls) -> str:
        return (
            f"You have {cls.MAX_LIVE} tokens, the most a member can have at once: "
            "revoke one you no longer use, then make the new one."
        )

    @classmethod
    def issue(cls, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
        """A new token and its secret (which is stored nowhere: show it once).

        Raises LimitReached when the member has MAX_LIVE live tokens. The member's row is locked while counting, so
        two requests at once cannot both make the twentieth (a count is no constraint the database can keep).
        """
        secret = cls.PREFIX + secrets.token_urlsafe(32)
        with transaction.atomic():
            list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
            if cls.objects.live().filter(user=user).count() >= cls.MAX_LIVE:
                raise cls.LimitReached(cls.limit_message())
            token = cls.objects.create(
                user=user, name=name, scope=scope, prefix=secret[: len(cls.PREFIX) + 6], digest=cls.hash(secret)
            )
        return token, secret

    @classmethod
    def authenticate(cls, secret: str) -> ApiToken | None:
        """The live token of a present member that `secret` is, or None; notes when it was used."""
        if not secret.startswith(cls.PREFIX) or len(secret) > 100:
            return None
        token = (
            cls.objects.live()
            .select_related("user")
            .filter(digest=cls.hash(secret), user__is_active=True, user__deleted_at=None)
            .first()
        )
        if token is not None:
            token.mark_used()
        return token

    def mark_used(self) -> None:
        now = timezone.now()
        if self.last_used_at and (now - self.last_used_at).total_seconds() < self.LAST_USED_RESOLUTION:
            return
        ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
