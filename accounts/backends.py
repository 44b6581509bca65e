"""The authentication backends: Django's and allauth's, reading the signed-in member from the cache.

`request.user` comes from `get_user` on every signed-in request; these read it through User.objects.cached,
so a page view costs no query for the member's row. Every write of the row drops the cached copy
(accounts/models.py), so a password change still ends the member's other sessions on their next request
(Django compares the session's hash with the row's password), and a deactivation, a suspension or a new
name shows at once.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .models import User


class CachedUserMixin:
    def get_user(self, user_id: int | str) -> User | None:
        user = User.objects.cached(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id: int | str) -> User | None:
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(CachedUserMixin, DjangoModelBackend):
    """Username (or email) and password, as Django checks them (the admin's login)."""


class AuthenticationBackend(CachedUserMixin, AllauthBackend):
    """allauth's: the login form, login by code, GitHub and Hugging Face."""
