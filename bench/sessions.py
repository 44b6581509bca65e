"""Session cookies of synthetic members, made by Django's own login, for the signed-in loads of bench.throughput.

bench.throughput runs `python -m bench.sessions USERNAME…` with gunicorn's environment, so each session is written
as the server will read it: with its SECRET_KEY (the session and its auth hash are signed with it), its session
engine, database and cache. It prints each member's cookies on a line, in the order of the usernames.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory


def session_cookie(username: str) -> str:
    """Sign `username` in as Django's `login` does (any session engine), and return the cookies a browser then
    sends: the session's, and the CSRF cookie its first page with a form set (`name=value;name=value`)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    request = RequestFactory().get("/")
    get_token(request)  # what a page with a form does: a new CSRF secret, for the cookie
    session = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return f"{session};{settings.CSRF_COOKIE_NAME}={request.META['CSRF_COOKIE']}"


def main(usernames: list[str]) -> None:
    for username in usernames:
        print(session_cookie(username))


if __name__ == "__main__":
    import django

    django.setup()
    main(sys.argv[1:])
