"""Members who can log in, as after signing up and verifying their address."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from tests.accounts.helpers import PASSWORD
from tests.factories import make_user


@pytest.fixture
def make_member(db) -> Callable[..., User]:
    """A member with a password and a (by default verified) primary email address, as after sign-up,
    and past the welcome page (pass onboarded_at=None for one whose next login leads there)."""

    def make(username: str = "ada", email: str | None = None, *, verified: bool = True, **fields) -> User:
        email = (email or f"{username}@example.com").lower()  # allauth stores addresses in lower case
        fields.setdefault("onboarded_at", timezone.now())
        user = make_user(username, email=email, password=PASSWORD, **fields)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
        return user

    return make
