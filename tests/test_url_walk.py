"""Every URL pattern of the site, walked with odd values in each of its parts and in `next`, by each persona:
never a 5xx. The values are the ones crawlers, fuzzers and broken links send: NUL, an encoded lone surrogate
(invalid UTF-8), 20-digit and unicode digits, `../`, a bare word, a sign.

The admin is left out (staff only, Django's own code). Patterns written as regular expressions (a few of
allauth's) are requested as they are.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.factories import make_user

pytestmark = pytest.mark.django_db

ODD_VALUES = ["%00", "%ED%A0%80", "99999999999999999999", quote("٣"), "..%2F..%2Fetc%2Fpasswd", "abc", "-1"]
ODD_NEXT = ["\x00", "abc", "1", "//evil.example", "/\\evil.example", "javascript:alert(1)", "../../x"]
PARAMETER = re.compile(r"<(?:\w+:)?\w+>")


def walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern):
            yield prefix + str(pattern.pattern)


ROUTES = sorted({route for route in walk(get_resolver().url_patterns) if not route.startswith("admin/")})


def personas() -> dict[str, Client]:
    member, moderator = make_user("walker"), make_user("walking-mod")
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    clients = {"anonymous": Client(), "member": Client(), "moderator": Client()}
    clients["member"].force_login(member)
    clients["moderator"].force_login(moderator)
    return clients


def test_the_walk_covers_the_site():
    assert len(ROUTES) > 60 and "papers/<arxiv:arxiv_id>/comments/<int:comment_id>/flag/" in ROUTES


@pytest.mark.parametrize("route", ROUTES)
def test_odd_values_in_every_part_of_every_address(route, settings):
    settings.WRITE_RATE_LIMITS = dict.fromkeys(settings.WRITE_RATE_LIMITS, "100000/60")
    clients = personas()
    paths = {"/" + PARAMETER.sub(value, route) for value in ODD_VALUES} if PARAMETER.search(route) else {"/" + route}
    for name, client in clients.items():
        for path, odd_next in zip(sorted(paths) * len(ODD_NEXT), ODD_NEXT, strict=False):
            for method in (client.get, client.post):
                response = method(path, {"next": odd_next})
                assert response.status_code < 500, f"{name}: {method.__name__.upper()} {path} → {response.status_code}"
                if response.status_code in {301, 302, 303, 307, 308}:
                    location = response["Location"]
                    assert not location.startswith(("//", "/\\", "javascript:")), f"{path} sent {name} to {location}"
