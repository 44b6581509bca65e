"""Validate a decoded response into a `Batch` of `DailyItem` records; nothing here touches the database."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from pydantic import ValidationError as SchemaError

from papers.ingest.schema import (
    AuthorIn,
    AuthorRecord,
    Batch,
    DailyItem,
    IngestError,
    ItemIn,
    OrganizationIn,
    OrganizationRecord,
    SubmitterIn,
    UserIn,
    UserRecord,
    _json_type,
    _short,
    _text,
)
from papers.models import absolute_hf_url, author_slug, normalize_arxiv_id, normalize_whitespace, topic_slug

MAX_URL_LENGTH = 500
THUMBNAIL_URL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png"
_http_url = URLValidator(schemes=["http", "https"])


def validate_items(data: Any, source: str, day: dt.date | None = None) -> Batch:
    """Validate a whole decoded response; `day` is the listing date of items without `submittedOnDailyAt`."""
    if not isinstance(data, list):
        raise IngestError(f"{source}: expected a JSON array of items at the top level, got {_json_type(data)}")
    batch = Batch(source=source, items=[])
    problems: list[str] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(data):
        label = _item_label(raw, index)
        try:
            item = _validate_item(raw, index, label, day, batch.warnings)
        except SchemaError as error:  # before ValueError, which it subclasses
            problems.extend(f"{source}: {label}: {_describe(detail)}" for detail in error.errors())
            continue
        except ValueError as error:
            problems.append(f"{source}: {label}: {error}")
            continue
        if item.arxiv_id in first_index:
            problems.append(f"{source}: {label}: repeats item {first_index[item.arxiv_id]}")
            continue
        first_index[item.arxiv_id] = index
        batch.items.append(item)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise IngestError(problems[0] + more)
    batch.warnings[:] = [f"{source}: {warning}" for warning in batch.warnings]
    return batch


def _nul_character(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) holding U+0000 in a decoded JSON value, if any."""
    if isinstance(value, str):
        return (path or "value") if "\x00" in value else None
    if isinstance(value, dict):
        for key, child in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                return here
            if found := _nul_character(child, here):
                return found
    if isinstance(value, list):
        for position, child in enumerate(value):
            if found := _nul_character(child, f"{path}[{position}]"):
                return found
    return None


def _validate_item(raw: Any, index: int, label: str, day: dt.date | None, warnings: list[str]) -> DailyItem:
    item = _parse_item(raw)
    paper = item.paper
    clean = _Cleaner(label, warnings)
    listing_date = _listing_date(item, day)
    byline = _byline(paper.authors, clean)
    keywords = _keywords(paper.ai_keywords or ())
    # Every URL is checked, also those the columns do not take, because the listing keeps the item as received.
    paper_media = [clean.url(value, f"paper.mediaUrls[{i}]") for i, value in enumerate(paper.mediaUrls or ())]
    item_media = [clean.url(value, f"mediaUrls[{i}]") for i, value in enumerate(item.mediaUrls or ())]
    media = paper_media if paper.mediaUrls is not None else item_media
    thumbnail, media_url = clean.url(item.thumbnail, "thumbnail"), clean.url(item.mediaUrl, "mediaUrl")
    organization = clean.organization(paper.organization, "paper.organization")
    item_organization = clean.organization(item.organization, "organization")
    submitted_by = clean.user(item.submittedBy, "submittedBy")
    submitted_on_daily_by = clean.user(paper.submittedOnDailyBy, "paper.submittedOnDailyBy")
    return DailyItem(
        position=index,
        arxiv_id=paper.id,
        listing_date=listing_date,
        title=paper.title,
        abstract=paper.summary,
        published_at=paper.publishedAt,
        authors=byline.authors,
        keywords=keywords,
        ai_summary=_text(paper.ai_summary or ""),
        ai_summary_model=paper.ai_summary_model or "",
        thumbnail_url=thumbnail or media_url or THUMBNAIL_URL.format(arxiv_id=paper.id),
        media_urls=tuple(value for value in media if value),
        github_repo=clean.url(paper.githubRepo, "paper.githubRepo"),
        github_stars=paper.githubStars,
        project_page=clean.url(paper.projectPage, "paper.projectPage"),
        hf_discussion_id=paper.discussionId or "",
        hf_upvotes=paper.upvotes,
        hf_comments=item.numComments,
        organization=organization or item_organization,
        submitter=submitted_by or submitted_on_daily_by,
        submitter_organization=clean.organization(item.submitterOrganization, "submitterOrganization"),
        users=tuple(u for u in (submitted_by, submitted_on_daily_by, *byline.users) if u),
        hf_item=_stored_item(raw, clean.dropped),
    )


_PATH_PART_RE = re.compile(r"(\w+)|\[(\d+)\]")


def _stored_item(raw: dict[str, Any], dropped: list[str]) -> dict[str, Any]:
    """The item as received, for the listing: a copy without its hidden authors (never stored, not even here)
    and without the URLs validation dropped (`paper.mediaUrls[1]`, `submittedBy.avatarUrl`): no `javascript:`
    link is kept anywhere, and like Hugging Face the copy says "none" with an absent key, never a null.

    `_parse_item` has checked the shape already. The caller's decoded response is left as it was.
    """
    item = copy.deepcopy(raw)
    # Deepest and last first, so that taking out one list element leaves the indexes of the others right.
    for where in sorted(dropped, key=_path, reverse=True):
        *parents, last = _path(where)
        container = item
        for part in parents:
            container = container[part]
        del container[last]
    for container, received in ((item, raw), (item["paper"], raw["paper"])):
        if received.get("mediaUrls") and not container.get("mediaUrls", True):
            del container["mediaUrls"]  # every URL of the list was dropped
    item["paper"]["authors"] = [author for author in item["paper"]["authors"] if author.get("hidden") is not True]
    return item


def _path(where: str) -> tuple[str | int, ...]:
    """`paper.authors[2].user.avatarUrl` as ("paper", "authors", 2, "user", "avatarUrl")."""
    return tuple(int(index) if index else key for key, index in _PATH_PART_RE.findall(where))


def _parse_item(raw: Any) -> ItemIn:
    """The schema's view of one raw item; NUL characters are refused first, wherever they are."""
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object, got {_json_type(raw)}")
    if where := _nul_character(raw):
        raise ValueError(f"{where}: contains a NUL character (\\u0000), which no text column can store")
    return ItemIn.model_validate(raw, strict=True)


def _listing_date(item: ItemIn, day: dt.date | None) -> dt.date:
    """The day the item was listed: its submission to Daily Papers, else the given day, else its publication."""
    if item.paper.submittedOnDailyAt is not None:
        return item.paper.submittedOnDailyAt.date()
    if day is not None:
        return day
    if item.publishedAt is not None:
        return item.publishedAt.date()
    raise ValueError("no listing date: no paper.submittedOnDailyAt, no --date, no date in the name, no publishedAt")


@dataclass
class _Cleaner:
    """Normalises the optional parts of one item; a URL that is not absolute http(s) is dropped with a warning."""

    label: str
    warnings: list[str]
    dropped: list[str] = field(default_factory=list)  # where the URLs it dropped were (`paper.githubRepo`)

    def url(self, value: str | None, where: str) -> str:
        if not value or not value.strip():
            return ""
        if _is_http_url(value.strip()):
            return value.strip()
        self.warnings.append(f"{self.label}: {where}: {_short(value)} is not an absolute http(s) URL; ignored")
        self.dropped.append(where)
        return ""

    def user(self, value: UserIn | SubmitterIn | None, where: str) -> UserRecord | None:
        if value is None:
            return None
        username = value.username if isinstance(value, UserIn) else value.name
        avatar = self.url(absolute_hf_url(value.avatarUrl or ""), f"{where}.avatarUrl")
        return UserRecord(username, _text(value.fullname or ""), avatar, value.id or "")

    def organization(self, value: OrganizationIn | None, where: str) -> OrganizationRecord | None:
        if value is None:
            return None
        avatar = self.url(absolute_hf_url(value.avatar or ""), f"{where}.avatar")
        return OrganizationRecord(value.name, _text(value.fullname or ""), avatar, value.id or "")


@dataclass(frozen=True)
class _Byline:
    authors: tuple[AuthorRecord, ...]  # the visible authors, in order
    users: tuple[UserRecord, ...]  # the Hugging Face users they link to


def _byline(authors: list[AuthorIn], clean: _Cleaner) -> _Byline:
    records, users = [], []
    for i, author in enumerate(authors):
        if author.hidden:
            continue
        name = _non_blank_author(author.name, i)
        slot_user = clean.user(author.user, f"paper.authors[{i}].user")
        if slot_user:
            users.append(slot_user)
        records.append(AuthorRecord(name, author_slug(name), slot_user.username if slot_user else None))
    return _Byline(tuple(records), tuple(users))


def _keywords(raw: Iterable[str]) -> tuple[str, ...]:
    """Normalised keywords, without blanks and without two that make the same topic (the first one wins)."""
    keywords: list[str] = []
    slugs: set[str] = set()
    for keyword in map(_text, raw):
        slug = topic_slug(keyword)
        if keyword and slug and slug not in slugs:
            slugs.add(slug)
            keywords.append(keyword)
    return tuple(keywords)


def _non_blank_author(name: str, index: int) -> str:
    name = normalize_whitespace(name)
    if not name:
        raise ValueError(f"paper.authors[{index}].name: must not be blank")
    return name


def _is_http_url(value: str) -> bool:
    if len(value) > MAX_URL_LENGTH:
        return False
    try:
        _http_url(value)
    except DjangoValidationError:
        return False
    return True


def _item_label(raw: Any, index: int) -> str:
    paper = raw.get("paper") if isinstance(raw, dict) else None
    raw_id = paper.get("id") if isinstance(paper, dict) else None
    arxiv_id = normalize_arxiv_id(raw_id) if isinstance(raw_id, str) else None
    return f"item {index} (id {arxiv_id})" if arxiv_id else f"item {index}"


def _describe(detail: Any) -> str:
    """One pydantic error as `paper.authors[2].hidden: reason`."""
    where = ""
    for part in detail["loc"]:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    if detail["type"] == "value_error":
        reason = str(detail["ctx"]["error"])
    elif detail["type"] == "missing":
        reason = "required field is missing"
    else:
        reason = f"{detail['msg']}, got {_short(detail['input'])}"
    return f"{where}: {reason}" if where else reason
