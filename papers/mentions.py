"""@mentions in Markdown: which typed names are members, and the links to their profiles.

`papers.markdown` calls `candidates`, `members_named` and `link` on the parsed inline tokens, so a
mention is only ever found in plain text (never inside code, math or an existing link).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from django.db.models.functions import Lower
from django.urls import NoReverseMatch, reverse
from markdown_it.token import Token

from accounts.models import User

MENTION_RE = re.compile(r"(?<![\w/@.])@([A-Za-z0-9_.+-]{1,150})")
# Past these a text is spam, not conversation: names looked up, and @mentions turned into links.
MAX_MENTION_LOOKUPS = 100
MAX_MENTION_LINKS = 200


def profile_url(username: str) -> str:
    try:
        return reverse("papers:profile", args=[username])
    except NoReverseMatch:  # until the profile page exists
        return f"/users/{quote(username, safe='')}/"


def text_token(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _mentionable_texts(children: Iterable[Token]) -> Iterable[Token]:
    """Text tokens outside links (code spans and math are other token types)."""
    depth = 0
    for child in children:
        depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if child.type == "text" and not depth:
            yield child


def candidates(inlines: Iterable[Token]) -> set[str]:
    names: dict[str, None] = {}
    for inline in inlines:
        for child in _mentionable_texts(inline.children or []):
            for match in MENTION_RE.finditer(child.content):
                for name in _name_variants(match[1]):
                    names[name.lower()] = None
    return set(list(names)[:MAX_MENTION_LOOKUPS])


def _name_variants(typed: str) -> list[str]:
    """The name as typed, and without trailing dots ("thanks @ada." mentions ada)."""
    stripped = typed.rstrip(".")
    return [typed, stripped] if stripped and stripped != typed else [typed]


def members_named(lowered_names: set[str]) -> dict[str, str]:
    """Stored usernames of active, not deleted members, by lowercased name, in one query."""
    if not lowered_names:
        return {}
    usernames = list(
        User.objects.present()
        .annotate(username_lower=Lower("username"))
        .filter(username_lower__in=lowered_names)
        .order_by("pk")
        .values_list("username", flat=True)
    )
    members: dict[str, str] = {}
    for username in usernames:
        members.setdefault(username.lower(), username)
    members.update({username: username for username in usernames})  # an exact-case match wins
    return members


def link(inlines: Iterable[Token], members: dict[str, str]) -> tuple[str, ...]:
    """Turn @name of the members into links to their profiles; the linked usernames, in order of appearance."""
    hrefs = {username: profile_url(username) for username in set(members.values())}
    mentioned: dict[str, None] = {}
    links_left = MAX_MENTION_LINKS
    for inline in inlines:
        texts = {id(token) for token in _mentionable_texts(inline.children or [])}
        result: list[Token] = []
        for child in inline.children or []:
            if id(child) not in texts:
                result.append(child)
                continue
            position = 0
            for match in MENTION_RE.finditer(child.content):
                found = _find_member(match[1], members) if links_left else None
                if found is None:
                    continue
                typed, username = found
                start, end = match.start(), match.start() + 1 + len(typed)
                if start > position:
                    result.append(text_token(child.content[position:start]))
                result += [
                    Token("link_open", "a", 1, attrs={"href": hrefs[username]}),
                    text_token(child.content[start:end]),
                    Token("link_close", "a", -1),
                ]
                mentioned[username] = None
                position = end
                links_left -= 1
            if position < len(child.content):
                result.append(text_token(child.content[position:]))
        inline.children = result
    return tuple(mentioned)


def _find_member(typed: str, members: dict[str, str]) -> tuple[str, str] | None:
    for name in _name_variants(typed):
        username = members.get(name) or members.get(name.lower())
        if username is not None:
            return name, username
    return None
