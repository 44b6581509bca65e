"""Cursor pagination: each page says where the next one starts, so pages stay right while papers are added.

A cursor is the sort key of the last item shown (its values and its primary key), encoded as URL-safe
base64 JSON; it is opaque to clients. `page(queryset, ordering, cursor, limit)` needs an ordering whose last
field is the primary key, so that the key is unique, and reads `limit + 1` rows to know whether more follow.

    {"items": [...], "next": "https://…/api/v1/papers?cursor=eyJ2Ijpb…&limit=20"}   ("next": null at the end)
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Field, Q, QuerySet
from django.http import HttpRequest
from ninja import Schema

from .problems import Problem

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page[T](Schema):
    items: list[T]
    next: str | None = None


def _encode(values: list[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, dt.datetime | dt.date):
            return {"t": value.isoformat()}
        return value

    raw = json.dumps([plain(value) for value in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != count:
        raise Problem(400, "The cursor is not one this API made: use the `next` link of the previous page.")
    decoded = []
    for value in values:
        if isinstance(value, dict) and isinstance(value.get("t"), str):
            try:
                value = dt.datetime.fromisoformat(value["t"])
            except ValueError:
                raise Problem(400, "The cursor is damaged: use the `next` link of the previous page.") from None
        elif value is not None and not isinstance(value, int | float | str):
            raise Problem(400, "The cursor is damaged: use the `next` link of the previous page.")
        decoded.append(value)
    return decoded


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
        values = _decode(cursor, len(ordering))
        values = [_typed(queryset, field.lstrip("-"), value) for field, value in zip(ordering, values, strict=True)]
        queryset = queryset.filter(_after(ordering, values))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    values = [_value(last, field.lstrip("-")) for field in ordering]
    query = request.GET.copy()
    query["cursor"] = _encode(values)
    query["limit"] = str(limit)
    return rows, request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _typed(queryset: QuerySet, name: str, value: Any) -> Any:
    """A cursor's `value` for the column `name` as that column's type, or a 400 problem: a forged cursor (text for a
    date, a number too large for any column) must not reach the database, where it would fail."""
    if value is None:
        return None
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise Problem(400, "The cursor is damaged: use the `next` link of the previous page.")
    field = _field(queryset, name)
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        raise Problem(400, "The cursor is damaged: use the `next` link of the previous page.") from None


def _field(queryset: QuerySet, name: str) -> Field:
    """The model field (or annotation's output field) a cursor ordering names: "points", "pk", "saves__created_at"."""
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field
    model = queryset.model
    *path, last = name.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model
    try:
        return model._meta.pk if last == "pk" else model._meta.get_field(last)
    except FieldDoesNotExist:
        raise ValueError(f"a cursor ordering names {name}, which {model.__name__} does not have") from None


def _value(row: Any, name: str) -> Any:
    value = row
    for part in name.split("__"):
        value = getattr(value, part)
    return value
