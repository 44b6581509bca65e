"""Import Hugging Face Daily Papers responses (`GET /api/daily_papers`) into the papers tables.

Two steps, never mixed:

1. Read and validate: `read_file()` / `parse_json()` / `validate_items()` turn raw bytes into a
   `Batch` of plain `DailyItem` records, or raise `IngestError` naming the source and where
   (`file:line:col` for JSON, `item N (id …): field.path` for the schema). Nothing touches the
   database here, so a bad file in a run of many leaves the database exactly as it was.
2. Write: `write_batches()` upserts every batch in one `transaction.atomic()`, loading existing
   rows in bulk and saving only what really changed, so importing the same data twice is a no-op
   (no INSERT, no UPDATE, timestamps untouched).

The schema follows tests/fixtures/hf/SCHEMA.md: `paper.*` is the source of truth, top-level
fields are fallbacks, optional data is an absent key, unknown keys are ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import requests
from celery import current_app
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic import ValidationError as SchemaError

from papers import hf
from papers.caching import bump_pages_version
from papers.models import (
    Author,
    Authorship,
    HFUser,
    Listing,
    Organization,
    Paper,
    PaperTopic,
    Topic,
    absolute_hf_url,
    author_slug,
    normalize_arxiv_id,
    normalize_whitespace,
    topic_slug,
)

# Fixed key of the PostgreSQL advisory lock that serialises imports and syncs ("PCHF").
ADVISORY_LOCK_KEY = 0x50434846
MAX_COUNT = 2**31 - 1
MAX_URL_LENGTH = 500
IN_CHUNK = 2000  # values per `__in` lookup
THUMBNAIL_URL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png"
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_IN_NAME_RE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_NON_FINITE_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')
_http_url = URLValidator(schemes=["http", "https"])


class IngestError(Exception):
    """Bad input: the message names the source and where (line:col, or item and field)."""


# --- Schema -------------------------------------------------------------------------------------


def _timestamp(value: Any) -> dt.datetime:
    """An ISO-8601 string with a time zone ("2026-08-18T00:00:00.000Z"), as a UTC datetime."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO-8601 timestamp string, got {_json_type(value)}")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{_short(value)} is not an ISO-8601 timestamp") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{_short(value)} has no time zone")
    return parsed.astimezone(dt.UTC)


def _arxiv_id(value: str) -> str:
    arxiv_id = normalize_arxiv_id(value)
    if arxiv_id is None:
        raise ValueError(f"{_short(value)} is not a valid arXiv id")
    return arxiv_id


def _text(value: str) -> str:
    return normalize_whitespace(value)


def _non_blank_text(value: str) -> str:
    value = normalize_whitespace(value)
    if not value:
        raise ValueError("must not be blank")
    return value


# Timestamps must be JSON strings (ISO-8601 with a zone, "Z" included); strict mode checks every other type.
Timestamp = Annotated[dt.datetime, BeforeValidator(_timestamp)]
ArxivId = Annotated[str, AfterValidator(_arxiv_id)]
Title = Annotated[str, AfterValidator(_non_blank_text)]
Text = Annotated[str, AfterValidator(_text)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Handle = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
ObjectId = Annotated[str, Field(max_length=24)]
DisplayName = Annotated[str, Field(max_length=200)]


class _Schema(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class UserIn(_Schema):
    """A user nested in a paper (`submittedOnDailyBy`, `authors[].user`): username under `user` (or `name`, 2026)."""

    id: ObjectId | None = Field(None, alias="_id")
    user: Handle | None = None
    name: Handle | None = None
    fullname: DisplayName | None = None
    avatarUrl: str | None = None

    @model_validator(mode="after")
    def _has_username(self) -> UserIn:
        if not (self.user or self.name):
            raise ValueError("a user needs a username ('user' or 'name')")
        return self

    @property
    def username(self) -> str:
        return self.user or self.name or ""


class SubmitterIn(_Schema):
    """The top-level `submittedBy` user: username under `name`."""

    id: ObjectId | None = Field(None, alias="_id")
    name: Handle
    fullname: DisplayName | None = None
    avatarUrl: str | None = None


class OrganizationIn(_Schema):
    id: ObjectId | None = Field(None, alias="_id")
    name: Handle
    fullname: DisplayName | None = None
    avatar: str | None = None


class AuthorIn(_Schema):
    name: Annotated[str, Field(max_length=300)]
    hidden: bool = False
    user: UserIn | None = None


class PaperIn(_Schema):
    id: ArxivId
    title: Title
    summary: Text
    authors: list[AuthorIn]
    publishedAt: Timestamp
    upvotes: Count
    submittedOnDailyAt: Timestamp | None = None
    submittedOnDailyBy: UserIn | None = None
    discussionId: ObjectId | None = None
    mediaUrls: list[str] | None = None
    projectPage: str | None = None
    githubRepo: str | None = None
    githubStars: Count | None = None
    ai_summary: str | None = None
    ai_summary_model: DisplayName | None = None
    ai_keywords: list[str] | None = None
    organization: OrganizationIn | None = None


class ItemIn(_Schema):
    """One element of the daily_papers array."""

    paper: PaperIn
    numComments: Count
    publishedAt: Timestamp | None = None
    thumbnail: str | None = None
    mediaUrl: str | None = None
    mediaUrls: list[str] | None = None
    submittedBy: SubmitterIn | None = None
    organization: OrganizationIn | None = None
    submitterOrganization: OrganizationIn | None = None


# --- Validated records --------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRecord:
    username: str
    fullname: str = ""
    avatar_url: str = ""
    hf_id: str = ""


@dataclass(frozen=True)
class OrganizationRecord:
    handle: str
    name: str = ""
    avatar_url: str = ""
    hf_id: str = ""


@dataclass(frozen=True)
class AuthorRecord:
    name: str
    slug: str
    username: str | None = None


@dataclass(frozen=True)
class DailyItem:
    """One validated, normalised item, ready to write."""

    position: int
    arxiv_id: str
    listing_date: dt.date
    title: str
    abstract: str
    published_at: dt.datetime
    authors: tuple[AuthorRecord, ...]
    keywords: tuple[str, ...]
    ai_summary: str
    ai_summary_model: str
    thumbnail_url: str
    media_urls: tuple[str, ...]
    github_repo: str
    github_stars: int | None
    project_page: str
    hf_discussion_id: str
    hf_upvotes: int
    hf_comments: int
    organization: OrganizationRecord | None
    submitter: UserRecord | None
    submitter_organization: OrganizationRecord | None
    users: tuple[UserRecord, ...]  # every user object in the item, for the HFUser rows


@dataclass
class Batch:
    """The validated items of one source (a file, or one day fetched from Hugging Face)."""

    source: str
    items: list[DailyItem]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __iadd__(self, other: Counts) -> Counts:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class Summary:
    source: str
    items: int = 0
    papers: Counts = field(default_factory=Counts)
    listings: Counts = field(default_factory=Counts)

    def __str__(self) -> str:
        return f"{self.source}: {self.items} items; papers {self.papers}; listings {self.listings}"

    def __iadd__(self, other: Summary) -> Summary:
        self.items += other.items
        self.papers += other.papers
        self.listings += other.listings
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportResult:
    sources: list[Summary]
    total: Summary  # the sum of the sources' summaries
    warnings: list[str]
    changed_paper_ids: list[int]
    written_listings: int = 0  # listing rows inserted or updated
    changed_topic_ids: list[int] = field(default_factory=list)
    created_paper_ids: list[int] = field(default_factory=list)  # the new papers (also in changed_paper_ids)


# --- Reading and validation ---------------------------------------------------------------------


def parse_day(value: str | dt.date) -> dt.date:
    """A `YYYY-MM-DD` day (dates pass through); ValueError with a readable message otherwise."""
    if isinstance(value, dt.date):
        return value
    try:
        if not _DAY_RE.match(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def day_from_name(name: str) -> dt.date | None:
    """The first real `YYYY-MM-DD` date in a file name, if any."""
    for match in _DAY_IN_NAME_RE.finditer(name):
        try:
            return dt.date.fromisoformat(match[1])
        except ValueError:
            continue
    return None


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders expanded to their `*.json` files (sorted); each file once."""
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            if not found:
                raise IngestError(f"{path}: no *.json files in this folder")
        elif path.exists():
            found = [path]
        else:
            raise IngestError(f"{path}: no such file or folder")
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                files.append(file)
    return files


def read_file(path: Path, day: dt.date | None = None) -> Batch:
    """Read and validate one recorded response; `day` (else a date in the file name) is the fallback listing date."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise IngestError(f"{source}: cannot read: {error.strerror or error}") from None
    return validate_items(parse_json(data, source), source, day or day_from_name(path.name))


def parse_json(data: bytes, source: str) -> Any:
    """Strict JSON: UTF-8 only, no NaN/Infinity; errors say `source:line:col`."""
    if not data.strip():
        raise IngestError(f"{source}: empty file, expected a JSON array")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _byte_position(data, error.start)
        raise IngestError(
            f"{source}:{line}:{col}: invalid UTF-8: byte 0x{data[error.start]:02x} ({error.reason})"
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise IngestError(f"{source}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    except _NonFiniteNumber as error:
        line, col = _non_finite_position(text)
        raise IngestError(f"{source}:{line}:{col}: invalid JSON: {error} is not a number JSON allows") from None


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
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object, got {_json_type(raw)}")
    if where := _nul_character(raw):
        raise ValueError(f"{where}: contains a NUL character (\\u0000), which no text column can store")
    item = ItemIn.model_validate(raw, strict=True)
    paper = item.paper
    arxiv_id = paper.id

    def url(value: str | None, where: str) -> str:
        if not value or not value.strip():
            return ""
        if _is_http_url(value.strip()):
            return value.strip()
        warnings.append(f"{label}: {where}: {_short(value)} is not an absolute http(s) URL; ignored")
        return ""

    def user(value: UserIn | SubmitterIn | None, where: str) -> UserRecord | None:
        if value is None:
            return None
        username = value.username if isinstance(value, UserIn) else value.name
        avatar = url(absolute_hf_url(value.avatarUrl or ""), f"{where}.avatarUrl")
        return UserRecord(username, _text(value.fullname or ""), avatar, value.id or "")

    def organization(value: OrganizationIn | None, where: str) -> OrganizationRecord | None:
        if value is None:
            return None
        avatar = url(absolute_hf_url(value.avatar or ""), f"{where}.avatar")
        return OrganizationRecord(value.name, _text(value.fullname or ""), avatar, value.id or "")

    if paper.submittedOnDailyAt is not None:
        listing_date = paper.submittedOnDailyAt.date()
    elif day is not None:
        listing_date = day
    elif item.publishedAt is not None:
        listing_date = item.publishedAt.date()
    else:
        raise ValueError("no listing date: no paper.submittedOnDailyAt, no --date, no date in the name, no publishedAt")

    authors = []
    author_users = []
    for i, author in enumerate(paper.authors):
        if author.hidden:
            continue
        name = _non_blank_author(author.name, i)
        slot_user = user(author.user, f"paper.authors[{i}].user")
        if slot_user:
            author_users.append(slot_user)
        slug = author_slug(name)
        authors.append(AuthorRecord(name, slug, slot_user.username if slot_user else None))

    keywords: list[str] = []
    keyword_slugs: set[str] = set()
    for keyword in map(_text, paper.ai_keywords or ()):
        slug = topic_slug(keyword)
        if keyword and slug and slug not in keyword_slugs:
            keyword_slugs.add(slug)
            keywords.append(keyword)

    if paper.mediaUrls is not None:
        media = [url(value, f"paper.mediaUrls[{i}]") for i, value in enumerate(paper.mediaUrls)]
    else:
        media = [url(value, f"mediaUrls[{i}]") for i, value in enumerate(item.mediaUrls or ())]

    submitted_by = user(item.submittedBy, "submittedBy")
    submitted_on_daily_by = user(paper.submittedOnDailyBy, "paper.submittedOnDailyBy")
    return DailyItem(
        position=index,
        arxiv_id=arxiv_id,
        listing_date=listing_date,
        title=paper.title,
        abstract=paper.summary,
        published_at=paper.publishedAt,
        authors=tuple(authors),
        keywords=tuple(keywords),
        ai_summary=_text(paper.ai_summary or ""),
        ai_summary_model=paper.ai_summary_model or "",
        thumbnail_url=(
            url(item.thumbnail, "thumbnail")
            or url(item.mediaUrl, "mediaUrl")
            or THUMBNAIL_URL.format(arxiv_id=arxiv_id)
        ),
        media_urls=tuple(value for value in media if value),
        github_repo=url(paper.githubRepo, "paper.githubRepo"),
        github_stars=paper.githubStars,
        project_page=url(paper.projectPage, "paper.projectPage"),
        hf_discussion_id=paper.discussionId or "",
        hf_upvotes=paper.upvotes,
        hf_comments=item.numComments,
        organization=(
            organization(paper.organization, "paper.organization") or organization(item.organization, "organization")
        ),
        submitter=submitted_by or submitted_on_daily_by,
        submitter_organization=organization(item.submitterOrganization, "submitterOrganization"),
        users=tuple(u for u in (submitted_by, submitted_on_daily_by, *author_users) if u),
    )


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


def _short(value: Any) -> str:
    if isinstance(value, dict | list):
        return f"a JSON {_json_type(value)}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


class _NonFiniteNumber(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFiniteNumber(name)


def _non_finite_position(text: str) -> tuple[int, int]:
    for match in _NON_FINITE_RE.finditer(text):
        if match[1]:
            start = match.start(1)
            return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1
    return 1, 1


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[line_start:offset].decode("utf-8", "replace")) + 1


# --- Writing ------------------------------------------------------------------------------------

# Paper columns the import owns; compared one by one so only real changes are saved.
PAPER_FIELDS = (
    "title",
    "abstract",
    "published_at",
    "keywords",
    "ai_summary",
    "ai_summary_model",
    "thumbnail_url",
    "media_urls",
    "github_repo",
    "github_stars",
    "project_page",
    "hf_discussion_id",
    "organization_id",
    "submitted_by_id",
    "hf_upvotes",
    "hf_comments",
    "author_count",
    "authors_text",
    "first_listed_on",
    "last_listed_on",
    "points",
    "hotness",
)
LISTING_FIELDS = ("submitter_id", "submitter_organization_id", "hf_upvotes", "hf_comments", "hf_position")


@dataclass
class _PaperState:
    """A paper as the run sees it: the row (loaded or new), its listing dates, authorships and topics."""

    paper: Paper
    dates: set[dt.date]
    authorships: tuple[tuple[int, int | None], ...] = ()
    topics: tuple[int, ...] = ()
    original: tuple[Any, ...] | None = None  # None for a paper the run creates

    def snapshot(self) -> tuple[Any, ...]:
        return (*(_copy(getattr(self.paper, name)) for name in PAPER_FIELDS), self.authorships, self.topics)


def lock_catalog() -> None:
    """Serialise writers of papers and authors until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def write_batches(batches: Sequence[Batch]) -> ImportResult:
    """Upsert validated batches in one transaction; later listing dates win, identical data writes nothing.

    After commit, the followers of the new papers' authors are notified (papers.notices), never for re-imports.
    """
    items = [item for batch in batches for item in batch.items]
    by_age = sorted(items, key=lambda item: item.listing_date)  # stable: input order breaks ties
    with transaction.atomic():
        lock_catalog()
        users = _upsert_users(by_age)
        organizations = _upsert_organizations(by_age)
        authors = _upsert_authors(by_age, users)
        topics = _create_topics(items)
        result = _upsert_papers(batches, users, organizations, authors, topics)
        for chunk in _chunks(result.changed_paper_ids):
            Paper.objects.filter(pk__in=chunk).refresh_search_vectors()
        for chunk in _chunks(result.changed_topic_ids):
            Topic.objects.filter(pk__in=chunk).refresh_paper_counts()
        if result.changed_paper_ids or result.written_listings:
            transaction.on_commit(bump_pages_version)
        if result.created_paper_ids:
            notice = current_app.signature("papers.tasks.notify_new_papers", args=(result.created_paper_ids,))
            transaction.on_commit(notice.delay)  # queued by name: papers.tasks builds on this module
    return result


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


def _upsert_authors(items: list[DailyItem], users: dict[str, int]) -> dict[str, int]:
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        for author in item.authors:
            hf_user_id = users[author.username] if author.username else None
            _merge(merged, author.slug, name=author.name, hf_user_id=hf_user_id)
    return _upsert_rows(Author, "slug", merged)


def _create_topics(items: list[DailyItem]) -> dict[str, int]:
    """Topics are created once; the first name seen is kept."""
    names: dict[str, str] = {}
    for item in items:
        for keyword in item.keywords:
            names.setdefault(topic_slug(keyword), keyword[: Topic._meta.get_field("name").max_length])
    existing = _ids(Topic, "slug", list(names))
    Topic.objects.bulk_create(Topic(slug=slug, name=name) for slug, name in names.items() if slug not in existing)
    return _ids(Topic, "slug", list(names))


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
    return _ids(model, key_field, list(merged))


def _ids(model: type[Model], key_field: str, keys: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(keys):
        ids.update(model.objects.filter(**{f"{key_field}__in": chunk}).values_list(key_field, "pk"))
    return ids


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices small enough for one `__in` lookup on every database (SQLite and PostgreSQL cap query parameters)."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def _upsert_papers(
    batches: Sequence[Batch],
    users: dict[str, int],
    organizations: dict[str, int],
    authors: dict[str, int],
    topics: dict[str, int],
) -> ImportResult:
    arxiv_ids = list({item.arxiv_id for batch in batches for item in batch.items})
    # Rows locked against concurrent vote recounts: the sort keys written here include upvote_count.
    loaded = (
        Paper.objects.select_for_update(no_key=True).defer("search_vector").in_bulk(arxiv_ids, field_name="arxiv_id")
    )
    by_pk = {paper.pk: paper for paper in loaded.values()}
    states = {arxiv_id: _PaperState(paper=paper, dates=set()) for arxiv_id, paper in loaded.items()}
    listing_rows: dict[tuple[str, dt.date], Listing] = {}
    authorships: dict[int, list[tuple[int, int | None]]] = {pk: [] for pk in by_pk}
    paper_topics: dict[int, list[int]] = {pk: [] for pk in by_pk}
    for chunk in _chunks(list(by_pk)):
        for listing in Listing.objects.filter(paper_id__in=chunk):
            arxiv_id = by_pk[listing.paper_id].arxiv_id
            states[arxiv_id].dates.add(listing.date)
            listing_rows[arxiv_id, listing.date] = listing
        rows = Authorship.objects.filter(paper_id__in=chunk).order_by("position")
        for paper_id, author_id, hf_user_id in rows.values_list("paper_id", "author_id", "hf_user_id"):
            authorships[paper_id].append((author_id, hf_user_id))
        rows = PaperTopic.objects.filter(paper_id__in=chunk).order_by("position")
        for paper_id, topic_id in rows.values_list("paper_id", "topic_id"):
            paper_topics[paper_id].append(topic_id)
    for state in states.values():
        state.authorships = tuple(authorships[state.paper.pk])
        state.topics = tuple(paper_topics[state.paper.pk])
        state.original = state.snapshot()

    # Apply every item in input order, counting per source what it did to the run's state.
    listings: dict[tuple[str, dt.date], tuple[Any, ...]] = {
        key: tuple(getattr(row, name) for name in LISTING_FIELDS) for key, row in listing_rows.items()
    }
    touched_listings: set[tuple[str, dt.date]] = set()
    summaries = []
    warnings = []
    for batch in batches:
        summary = Summary(batch.source, items=len(batch.items))
        warnings.extend(batch.warnings)
        for item in batch.items:
            state = states.get(item.arxiv_id)
            before = state.snapshot() if state else None
            if state is None:
                state = states[item.arxiv_id] = _PaperState(paper=Paper(arxiv_id=item.arxiv_id), dates=set())
            _apply_item(state, item, users, organizations, authors, topics)
            summary.papers.add(_outcome(before, state.snapshot()))

            key = (item.arxiv_id, item.listing_date)
            values = (
                users.get(item.submitter.username) if item.submitter else None,
                organizations[item.submitter_organization.handle] if item.submitter_organization else None,
                item.hf_upvotes,
                item.hf_comments,
                item.position,
            )
            previous = listings.get(key)
            summary.listings.add(_outcome(previous, values))
            listings[key] = values
            touched_listings.add(key)
        summaries.append(summary)

    # The total adds up the sources' lines, so they always agree: a paper created by one file and
    # updated by a later one counts once as created and once as updated, as the two lines say.
    total = Summary("Total")
    for summary in summaries:
        total += summary

    now = timezone.now()
    touched_ids = {item.arxiv_id for batch in batches for item in batch.items}
    new_papers, changed_papers, changed_fields = [], [], set()
    replace_authorships, replace_topics = [], []
    for arxiv_id in touched_ids:
        state = states[arxiv_id]
        if state.original is None:
            state.paper.created_at = state.paper.updated_at = now
            new_papers.append(state)
            continue
        after = state.snapshot()
        diff = [name for name, old, new in zip(PAPER_FIELDS, state.original, after, strict=False) if old != new]
        authorships_changed = after[-2] != state.original[-2]
        topics_changed = after[-1] != state.original[-1]
        if not (diff or authorships_changed or topics_changed):
            continue
        state.paper.updated_at = now
        changed_papers.append(state.paper)
        changed_fields.update(diff)
        if authorships_changed:
            replace_authorships.append(state)
        if topics_changed:
            replace_topics.append(state)

    Paper.objects.bulk_create([state.paper for state in new_papers])
    if any(state.paper.pk is None for state in new_papers):  # backends that return no ids from bulk inserts
        ids = _ids(Paper, "arxiv_id", [state.paper.arxiv_id for state in new_papers])
        for state in new_papers:
            state.paper.pk = ids[state.paper.arxiv_id]
    if changed_papers:
        Paper.objects.bulk_update(changed_papers, [*sorted(changed_fields), "updated_at"])
    replace_authorships += new_papers
    replace_topics += new_papers
    for chunk in _chunks([state.paper.pk for state in replace_authorships if state.original]):
        Authorship.objects.filter(paper_id__in=chunk).delete()
    Authorship.objects.bulk_create(
        Authorship(paper_id=state.paper.pk, author_id=author_id, hf_user_id=hf_user_id, position=position)
        for state in replace_authorships
        for position, (author_id, hf_user_id) in enumerate(state.authorships)
    )
    for chunk in _chunks([state.paper.pk for state in replace_topics if state.original]):
        PaperTopic.objects.filter(paper_id__in=chunk).delete()
    PaperTopic.objects.bulk_create(
        PaperTopic(paper_id=state.paper.pk, topic_id=topic_id, position=position)
        for state in replace_topics
        for position, topic_id in enumerate(state.topics)
    )

    new_listings, changed_listings = [], []
    for key in sorted(touched_listings):
        values = dict(zip(LISTING_FIELDS, listings[key], strict=True))
        row = listing_rows.get(key)
        if row is None:
            paper_id = states[key[0]].paper.pk
            new_listings.append(Listing(date=key[1], paper_id=paper_id, created_at=now, updated_at=now, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            changed_listings.append(row)
    Listing.objects.bulk_create(new_listings)
    if changed_listings:
        Listing.objects.bulk_update(changed_listings, [*LISTING_FIELDS, "updated_at"])

    created_ids = sorted(state.paper.pk for state in new_papers)
    changed_ids = created_ids + sorted(paper.pk for paper in changed_papers)
    changed_topic_ids = sorted(
        {topic_id for state in replace_topics for topic_id in (*(state.original or ((),))[-1], *state.topics)}
    )
    return ImportResult(
        sources=summaries,
        total=total,
        warnings=warnings,
        changed_paper_ids=changed_ids,
        written_listings=len(new_listings) + len(changed_listings),
        changed_topic_ids=changed_topic_ids,
        created_paper_ids=created_ids,
    )


def _apply_item(
    state: _PaperState,
    item: DailyItem,
    users: dict[str, int],
    organizations: dict[str, int],
    authors: dict[str, int],
    topics: dict[str, int],
) -> None:
    """Fold one item into a paper: its listing date always; its content only if no newer listing is known."""
    newest = max(state.dates, default=None)
    state.dates.add(item.listing_date)
    paper = state.paper
    if newest is None or item.listing_date >= newest:
        paper.title = item.title
        paper.abstract = item.abstract
        paper.published_at = item.published_at
        paper.keywords = list(item.keywords)
        paper.ai_summary = item.ai_summary
        paper.ai_summary_model = item.ai_summary_model
        paper.thumbnail_url = item.thumbnail_url
        paper.media_urls = list(item.media_urls)
        paper.github_repo = item.github_repo
        paper.github_stars = item.github_stars
        paper.project_page = item.project_page
        paper.hf_discussion_id = item.hf_discussion_id
        paper.organization_id = organizations[item.organization.handle] if item.organization else None
        paper.submitted_by_id = users[item.submitter.username] if item.submitter else None
        paper.hf_upvotes = item.hf_upvotes
        paper.hf_comments = item.hf_comments
        paper.author_count = len(item.authors)
        paper.authors_text = ", ".join(author.name for author in item.authors)
        state.authorships = tuple(
            (authors[author.slug], users[author.username] if author.username else None) for author in item.authors
        )
        state.topics = tuple(topics[topic_slug(keyword)] for keyword in item.keywords)
    paper.first_listed_on = min(state.dates)
    paper.last_listed_on = max(state.dates)
    paper.refresh_sort_keys()


def _outcome(before: Any, after: Any) -> str:
    return "created" if before is None else "updated" if before != after else "unchanged"


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


# --- Syncing from Hugging Face ------------------------------------------------------------------


def utc_today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def default_sync_days(today: dt.date | None = None) -> list[dt.date]:
    """Yesterday and today (UTC): today's list still grows, yesterday's counts still move."""
    today = today or utc_today()
    return [today - dt.timedelta(days=1), today]


def sync_day(day: dt.date, session: requests.Session | None = None) -> ImportResult:
    """Fetch one day from Hugging Face, validate it whole, write it in one transaction."""
    items = hf.fetch_daily_papers(day, session=session)
    return write_batches([validate_items(items, hf.source_name(day), day)])


def sync_days(
    days: Iterable[dt.date], session: requests.Session | None = None
) -> Iterator[tuple[dt.date, ImportResult | None, str | None]]:
    """Sync day by day; a failing day yields its error and the next days still run."""
    session = session or hf.make_session()
    for day in days:
        try:
            yield day, sync_day(day, session), None
        except (hf.HFError, IngestError) as error:
            yield day, None, str(error)
