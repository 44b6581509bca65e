"""The rows a paper points to (Hugging Face users, organisations, authors, topics), upserted by natural key
before the papers; and the chunked `__in` lookups every write uses."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from papers.authors import IdentityResolver
from papers.ingest.schema import DailyItem
from papers.models import HFUser, Organization
from papers.topics import resolve_keywords

IN_CHUNK = 2000  # values per `__in` lookup


@dataclass(frozen=True)
class RelatedIds:
    """Primary keys of the rows the papers point to, by natural key."""

    users: dict[str, int]  # HFUser by username
    organizations: dict[str, int]  # Organization by handle
    authors: IdentityResolver  # puts each paper's author slots on identities (papers.authors)
    topics: dict[str, int]  # Topic (the concept) by the slug of a keyword spelling


def upsert_related(items: list[DailyItem]) -> RelatedIds:
    """Users and organisations take their newest values (by listing date); topics are only created; author
    identities are found for each paper's byline as it is applied (`RelatedIds.authors`)."""
    by_age = sorted(items, key=lambda item: item.listing_date)  # stable: input order breaks ties
    users = _upsert_users(by_age)
    organizations = _upsert_organizations(by_age)
    authors = IdentityResolver(author.slug for item in items for author in item.authors)
    return RelatedIds(users, organizations, authors, _create_topics(items))


def _upsert_users(items: list[DailyItem]) -> dict[str, int]:
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        for user in item.users:
            _merge(merged, user.username, fullname=user.fullname, avatar_url=user.avatar_url, hf_id=user.hf_id)
    return _upsert_rows(HFUser, "username", merged)


def _upsert_organizations(items: list[DailyItem]) -> dict[str, int]:
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        for org in (item.organization, item.submitter_organization):
            if org:
                _merge(merged, org.handle, name=org.name, avatar_url=org.avatar_url, hf_id=org.hf_id)
    return _upsert_rows(Organization, "handle", merged, create_defaults=lambda handle: {"name": handle})


def _create_topics(items: list[DailyItem]) -> dict[str, int]:
    """Each keyword's concept, by the keyword's slug: papers.topics merges the spellings of one concept."""
    return resolve_keywords((item.title, item.abstract, item.keywords) for item in items)


def _merge(merged: dict[str, dict[str, Any]], key: str, **values: Any) -> None:
    """Fold in one occurrence: present (non-empty) values replace earlier ones, absent ones never clear."""
    merged.setdefault(key, {}).update((name, value) for name, value in values.items() if value)


def _upsert_rows(
    model: type[Model],
    key_field: str,
    merged: dict[str, dict[str, Any]],
    create_defaults: Callable[[str], dict[str, Any]] | None = None,
) -> dict[str, int]:
    """Create missing rows, update the fields that differ, leave the rest alone; return key → pk."""
    existing = model.objects.in_bulk(list(merged), field_name=key_field)
    to_create, to_update, fields = [], [], set()
    for key, values in merged.items():
        row = existing.get(key)
        if row is None:
            defaults = create_defaults(key) if create_defaults else {}
            to_create.append(model(**{key_field: key, **defaults, **values}))
            continue
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, values[name])
        if changed:
            to_update.append(row)
            fields.update(changed)
    model.objects.bulk_create(to_create)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields))
    return ids_by_key(model, key_field, list(merged))


def ids_by_key(model: type[Model], key_field: str, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(keys):
        ids.update(model.objects.filter(**{f"{key_field}__in": chunk}).values_list(key_field, "pk"))
    return ids


def chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices small enough for one `__in` lookup on every database (SQLite and PostgreSQL cap query parameters)."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]
