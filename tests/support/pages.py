"""Pages and fragments for the HTML checkers and the browser: a member's client, a signed-in browser tab, and a
document to wrap a fragment in."""

from django.conf import settings
from django.test import Client

from accounts.models import User

# A fragment is checked inside a minimal valid document.
FRAGMENT_DOCUMENT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Fragment</title></head>
<body><main>{}</main></body></html>
"""


def signed_in_client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def sign_in(page, member: User, url: str) -> None:
    """Sign a browser tab (Playwright page) in as `member` on the live server at `url`."""
    cookie = signed_in_client(member).cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])
