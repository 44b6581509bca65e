"""Session cookies of synthetic members, made by Django's own login, for the signed-in loads of bench.throughput.

bench.throughput runs `python -m bench.sessions USERNAME…` with gunicorn's environment, so each session is written
as the server will read it: with its SECRET_KEY (the session and its auth hash are signed with it), its session
engine, database and cache. It prints one `name=value` cookie a line, in the order of the usernames.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client


def session_cookie(username: str) -> str:
    """Sign `username` in as Django's `login` does (any session engine), and return the cookie as `name=value`."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def main(usernames: list[str]) -> None:
    for username in usernames:
        print(session_cookie(username))


if __name__ == "__main__":
    import django

    django.setup()
    main(sys.argv[1:])
