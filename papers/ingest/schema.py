"""What a Daily Papers response must look like (pydantic models), and the plain records validation makes of it.

The schema follows tests/fixtures/hf/SCHEMA.md: `paper.*` is the source of truth, top-level fields are
fallbacks, optional data is an absent key, unknown keys are ignored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from papers.models import normalize_arxiv_id, normalize_whitespace

MAX_COUNT = 2**31 - 1


class IngestError(Exception):
    """Bad input: the message names the source and where (line:col, or item and field)."""


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


def _short(value: Any) -> str:
    if isinstance(value, dict | list):
        return f"a JSON {_json_type(value)}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


# --- Input models -------------------------------------------------------------------------------

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
    # Not stored in columns, but kept in the listing's item, whose types the API promises (papers.api.hf).
    type: str | None = None
    isPro: bool | None = None

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
    type: str | None = None
    isPro: bool | None = None


class OrganizationIn(_Schema):
    id: ObjectId | None = Field(None, alias="_id")
    name: Handle
    fullname: DisplayName | None = None
    avatar: str | None = None


class AuthorIn(_Schema):
    id: ObjectId | None = Field(None, alias="_id")
    name: Annotated[str, Field(max_length=300)]
    hidden: bool = False
    user: UserIn | None = None
    status: str | None = None
    statusLastChangedAt: str | None = None


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
    title: str | None = None  # the top-level copies are kept in the listing's item only
    summary: str | None = None
    isAuthorParticipating: bool | None = None
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
    # The item as received, its hidden authors taken out: stored on the listing for /api/daily_papers. Not
    # compared or hashed with the records above (a dict is neither frozen nor hashable).
    hf_item: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass
class Batch:
    """The validated items of one source (a file, or one day fetched from Hugging Face)."""

    source: str
    items: list[DailyItem]
    warnings: list[str] = field(default_factory=list)
