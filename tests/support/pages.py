"""Pages and fragments for the HTML checkers: a member's client, and a document to wrap a fragment in."""

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
