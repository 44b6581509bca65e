"""Cursor pagination: each page says where the next one starts, so pages stay right while papers are added.

A cursor is the sort key of the last item shown (its values and its primary key), as signed, URL-safe
JSON (django.core.signing); it is opaque to clients, and one they alter is refused.
`page(queryset, ordering, cursor, limit)` needs an ordering whose last field is the primary key, so that the
key is unique, and reads `limit + 1` rows to know whether more follow.

    {"items": [...], "next": "https://…/api/v1/papers?cursor=eyJ2Ijpb…&limit=20"}   ("next": null at the end)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from ninja import Schema

from .problems import Problem

DEFAULT_LIMIT = 20
SALT = "papers.api.cursor"
MAX_LIMIT = 100


class Page[T](Schema):
    items: list[T]
    next: str | None = None


def encode(values: list[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return {"t": value.isoformat()}
        if isinstance(value, dt.date):
            return {"d": value.isoformat()}
        return value

    # No timestamp in the signature: the same page always has the same `next`, and so the same ETag.
    return signing.Signer(salt=SALT).sign_object([plain(value) for value in values], compress=True)


def decode(cursor: str, count: int) -> list[Any]:
    """The values of a cursor this API made; any other string (altered, truncated, made up) is a 400 problem.

    Cursors are signed (django.core.signing), so a value of the wrong type never reaches the database."""
    try:
        values = signing.Signer(salt=SALT).unsign_object(cursor)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        try:  # a cursor made before they were signed without a timestamp
            values = signing.loads(cursor, salt=SALT)
        except (signing.BadSignature, ValueError, UnicodeDecodeError):
            values = None
    if not isinstance(values, list) or len(values) != count:
        raise Problem(400, "The cursor is not one this API made: use the `next` link of the previous page.")
    return [_typed(value) for value in values]


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:
        return dt.datetime.fromisoformat(value["t"])
    if isinstance(value, dict) and "d" in value:
        return dt.date.fromisoformat(value["d"])
    return value


def _after(ordering: list[str], values: list[Any]) -> Q:
    """Rows that come after `values` in `ordering` ("-points", "-pk"): a keyset condition, NULLs last."""
    condition = Q()
    for i, field in enumerate(ordering):
        name = field.lstrip("-")
        descending = field.startswith("-")
        value = values[i]
        if value is None:
            continue  # NULLs sort last: nothing comes after a NULL on this column, only on the next ones
        step = Q(**{f"{name}__lt" if descending else f"{name}__gt": value}) | Q(**{f"{name}__isnull": True})
        equal = Q()
        for prev_index in range(i):
            prev = ordering[prev_index].lstrip("-")
            previous = values[prev_index]
            equal &= Q(**{f"{prev}__isnull": True}) if previous is None else Q(**{prev: previous})
        condition |= equal & step
    return condition


def page(
    request: HttpRequest, queryset: QuerySet, ordering: list[str], cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page of `queryset` in `ordering` after `cursor`, and the URL of the next page (or None)."""
    if ordering[-1].lstrip("-") not in ("pk", "id"):
        raise ValueError("the last field of a cursor ordering must be the primary key")
    order_by = [
        F(f.lstrip("-")).desc(nulls_last=True) if f.startswith("-") else F(f).asc(nulls_last=True) for f in ordering
    ]
    queryset = queryset.order_by(*order_by)
    if cursor:
        queryset = queryset.filter(_after(ordering, decode(cursor, len(ordering))))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    values = [_value(last, field.lstrip("-")) for field in ordering]
    query = request.GET.copy()
    query["cursor"] = encode(values)
    query["limit"] = str(limit)
    return rows, request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _value(row: Any, name: str) -> Any:
    value = row
    for part in name.split("__"):
        value = getattr(value, part)
    return value
