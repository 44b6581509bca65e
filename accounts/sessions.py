"""The session engine: Django's cached_db (read from the cache, written to the cache and the database).

A signed-in request reads its session from the cache (Redis in production) and the database only on a miss;
a save or a delete (logout, "end other sessions", an account deletion) writes both, so an ended session is gone
from the cache at once.

Sessions made before the backends moved to accounts/backends.py name Django's or allauth's backend: they are
read as naming ours, so nobody is signed out by the move. The renaming is never written back unless the session
is saved for another reason; it can go once those sessions have expired (SESSION_COOKIE_AGE, two weeks).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore

RENAMED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AuthenticationBackend",
}


class SessionStore(CachedDbSessionStore):
    def load(self) -> dict[str, Any]:
        return _renamed(super().load())

    async def aload(self) -> dict[str, Any]:
        return _renamed(await super().aload())


def _renamed(data: dict[str, Any]) -> dict[str, Any]:
    if (backend := RENAMED_BACKENDS.get(data.get(BACKEND_SESSION_KEY, ""))) is not None:
        data[BACKEND_SESSION_KEY] = backend
    return data
