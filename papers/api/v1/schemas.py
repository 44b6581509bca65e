"""What the community API answers with: papers (both sets of counts), and the names every part links to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse
from ninja import Schema
from pydantic import AfterValidator, Field

from papers.discussion import Node
from papers.models import Authorship, Comment, Paper, PaperTopic, cached_reverse
from papers.rows import mark_upvoted


def unicode_text(value: str) -> str:
    """`value`, if it is text: JSON can spell half a character (a lone surrogate, "\\ud800"), which no database
    stores and no page shows: a 422, not a 500."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("the text has a lone surrogate (half of a character): send whole characters") from None
    return value


Text = Annotated[str, AfterValidator(unicode_text)]  # a string a member writes, stored as it is


class AuthorRef(Schema):
    name: str
    key: str  # /authors/<key>/ on the site; PUT /api/v1/follows/author/<key> to follow
    url: str


class TopicRef(Schema):
    slug: str
    name: str
    url: str


class OrganizationRef(Schema):
    handle: str
    name: str
    url: str


class Counts(Schema):
    """Both sets of counts, apart: Hugging Face's (as of the last sync) and this site's (recounted from the rows)."""

    hf_upvotes: int
    hf_comments: int
    upvotes: int
    comments: int
    points: int  # hf_upvotes + upvotes: what "top" orders by


class ViewerState(Schema):
    """The asking member's own state; null for anonymous requests."""

    upvoted: bool
    saved: bool


class PaperOut(Schema):
    arxiv_id: str
    title: str
    url: str
    arxiv_url: str
    pdf_url: str
    hf_url: str
    published_at: dt.datetime | None
    first_listed_on: dt.date | None
    last_listed_on: dt.date | None
    authors: list[AuthorRef]
    hidden_author_count: int
    topics: list[TopicRef]
    organization: OrganizationRef | None
    ai_summary: str
    github_repo: str
    project_page: str
    thumbnail_url: str
    counts: Counts
    viewer: ViewerState | None


class PaperDetailOut(PaperOut):
    abstract: str
    keywords: list[str]
    related: list[str]  # arXiv ids of related papers, most related first


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def paper_queryset(papers: QuerySet[Paper] | None = None) -> QuerySet[Paper]:
    """`papers` (all of them by default) with the columns PaperOut shows."""
    papers = Paper.objects.all() if papers is None else papers
    return papers.select_related("organization").defer("search_vector", "media_urls", "authors_text")


def load(papers: Sequence[Paper]) -> Sequence[Paper]:
    """Each paper's authors and topics, in order: two queries for the whole page."""
    prefetch_related_objects(
        list(papers),
        Prefetch("authorships", queryset=Authorship.objects.select_related("author"), to_attr="api_authorships"),
        Prefetch("paper_topics", queryset=PaperTopic.objects.select_related("topic"), to_attr="api_topics"),
    )
    return papers


def paper_out(request: HttpRequest, paper: Paper, viewer: bool) -> dict:
    """`paper` as PaperOut; `viewer` when the request has a member (their state was marked by `mark_upvoted`)."""
    organization = paper.organization
    return {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "url": absolute(request, paper.get_absolute_url()),
        "arxiv_url": paper.arxiv_url,
        "pdf_url": paper.pdf_url,
        "hf_url": paper.hf_url,
        "published_at": paper.published_at,
        "first_listed_on": paper.first_listed_on,
        "last_listed_on": paper.last_listed_on,
        "authors": [
            {"name": a.author.name, "key": a.author.key, "url": absolute(request, a.author.get_absolute_url())}
            for a in paper.api_authorships
        ],
        "hidden_author_count": max(paper.author_count - len(paper.api_authorships), 0),
        "topics": [
            {"slug": t.topic.slug, "name": t.topic.name, "url": absolute(request, t.topic.get_absolute_url())}
            for t in paper.api_topics
        ],
        "organization": organization
        and {
            "handle": organization.handle,
            "name": organization.name,
            "url": absolute(request, organization.get_absolute_url()),
        },
        "ai_summary": paper.ai_summary,
        "github_repo": paper.github_repo,
        "project_page": paper.project_page,
        "thumbnail_url": paper.thumbnail_url,
        "counts": {
            "hf_upvotes": paper.hf_upvotes,
            "hf_comments": paper.hf_comments,
            "upvotes": paper.upvote_count,
            "comments": paper.comment_count,
            "points": paper.points,
        },
        "viewer": {"upvoted": paper.is_upvoted, "saved": paper.is_saved} if viewer else None,
    }


def papers_out(request: HttpRequest, papers: Sequence[Paper]) -> list[dict]:
    """PaperOut of each paper, authors, topics and the member's state loaded in a fixed number of queries."""
    load(papers)
    mark_upvoted(papers, request.user)
    return [paper_out(request, paper, request.user.is_authenticated) for paper in papers]


# Votes and saves


class PaperStateOut(Schema):
    """A paper's counts and the member's own state after an upvote or a save (or their removal)."""

    arxiv_id: str
    url: str
    counts: Counts
    viewer: ViewerState


class SavedPaperOut(PaperOut):
    saved_at: dt.datetime


def paper_state_out(request: HttpRequest, paper: Paper) -> PaperStateOut:
    """The paper's counts as its row has them now, and the member's upvote and save: one query for the state."""
    mark_upvoted([paper], request.user)
    return PaperStateOut(
        arxiv_id=paper.arxiv_id,
        url=absolute(request, paper.get_absolute_url()),
        counts=Counts(
            hf_upvotes=paper.hf_upvotes,
            hf_comments=paper.hf_comments,
            upvotes=paper.upvote_count,
            comments=paper.comment_count,
            points=paper.points,
        ),
        viewer=ViewerState(upvoted=paper.is_upvoted, saved=paper.is_saved),
    )


# Comments


class CommentAuthor(Schema):
    username: str
    display_name: str  # what the site shows: the display name, or the username when there is none
    url: str


class CommentViewerState(Schema):
    """The asking member's own state on a comment and what they may do with it (as the page's buttons say)."""

    upvoted: bool
    flagged: bool
    can_edit: bool  # the author, within 30 minutes of posting, while the comment is there
    can_delete: bool  # the author, until it is deleted


class CommentOut(Schema):
    id: int
    paper: str  # the paper's arXiv id
    parent_id: int | None
    depth: int  # 0 for a comment on the paper, 1 for a reply to it, …
    url: str  # the comment's page on the site
    state: Literal["visible", "deleted", "hidden"]  # deleted by its author, or hidden by a moderator
    author: CommentAuthor | None  # null once the comment or its author's account is deleted
    body: str | None  # Markdown as written; null when deleted or hidden (moderators see hidden text)
    body_html: str | None  # the site's rendering of `body`, sanitised
    created_at: dt.datetime
    edited_at: dt.datetime | None
    upvotes: int
    score: float  # what "best" sorts by: the lower bound of the Wilson interval of upvotes and open flags
    viewer: CommentViewerState | None  # null for anonymous requests


class ThreadCommentOut(CommentOut):
    replies: list[ThreadCommentOut]  # sorted as asked (best or new)
    continues: bool  # deeper replies are left out here: GET /api/v1/comments/{id} shows them


ThreadCommentOut.model_rebuild()


class ThreadOut(Schema):
    paper: str
    sort: Literal["best", "new"]
    comment_count: int  # the comments that count (not deleted, not hidden), as the paper's counts say
    comments: list[ThreadCommentOut]


def comment_out(request: HttpRequest, comment: Comment, *, upvoted: bool = False, flagged: bool = False) -> dict:
    """`comment` as CommentOut, shown as the paper page shows it: "[deleted]" has no author and no text, and a
    hidden comment's text is for moderators only. Its paper and author must be loaded (no query per comment)."""
    user = request.user
    author = comment.author
    state = "deleted" if comment.is_deleted else "hidden" if comment.is_hidden else "visible"
    shows_text = state == "visible" or (state == "hidden" and user.is_authenticated and user.is_moderator)
    return {
        "id": comment.pk,
        "paper": comment.paper.arxiv_id,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "url": absolute(request, comment.get_absolute_url()),
        "state": state,
        "author": None
        if author is None or author.is_deleted or comment.is_deleted
        else {
            "username": author.username,
            "display_name": author.shown_name,
            "url": absolute(request, cached_reverse("papers:profile", author.username)),
        },
        "body": comment.body if shows_text else None,
        "body_html": comment.body_html if shows_text else None,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "upvotes": comment.upvote_count,
        "score": comment.confidence,
        "viewer": {
            "upvoted": upvoted,
            "flagged": flagged,
            "can_edit": comment.can_edit(user),
            "can_delete": comment.can_delete(user),
        }
        if user.is_authenticated
        else None,
    }


def thread_out(request: HttpRequest, nodes: Sequence[Node]) -> list[dict]:
    """The nodes of `papers.discussion.build_thread` as ThreadCommentOut, their replies nested in the same order."""
    return [
        comment_out(request, node.comment, upvoted=node.is_upvoted, flagged=node.is_flagged)
        | {"replies": thread_out(request, node.children), "continues": node.continues}
        for node in nodes
    ]


def api_comment_url(request: HttpRequest, comment: Comment) -> str:
    return absolute(request, reverse("api:comment", args=[comment.pk]))


# Following, the personal feed, notifications and the member themself (papers.api.v1.following, papers.api.v1.me).

TargetKind = Literal["topic", "author", "organization", "member"]


class StanceOut(Schema):
    """A topic, author, organisation or member, and the asking member's stance on it."""

    kind: TargetKind
    key: str = Field(description="What its addresses say: /api/v1/follows/{kind}/{key}; an author's may be `slug/2`.")
    name: str
    url: str
    mode: Literal["follow", "mute"] | None = Field(description="Follow or mute (never both), or null: neither.")


class MeOut(Schema):
    username: str
    display_name: str
    name: str = Field(description="The name the site shows: the display name, else the username.")
    url: str = Field(description="The member's public profile.")
    token_scope: Literal["read", "write"] | None = Field(description="The scope of the token used; null: a session.")
    can_write: bool = Field(description="Whether the account may vote, comment, flag and submit (not suspended).")
    unread_notifications: int


class FeedMuteIn(Schema):
    """What "Mute this reason" mutes: a reason's `mute` of GET /api/v1/me/feed."""

    kind: Literal["topic", "author", "organization", "member", "similar"] = Field(
        description="A target kind, or `similar`: stop suggesting papers similar to the seed paper `target_id`."
    )
    target_id: int = Field(ge=1, le=2**63 - 1, description="The id of the topic, author, organisation, member or seed.")


class FeedReasonOut(Schema):
    kind: Literal[
        "topic", "author", "organization", "member_upvoted", "member_commented", "member_submitted", "similar"
    ] = Field(description="Why: a followed topic, author or organisation; a followed member's activity; similarity.")
    name: str = Field(description="The followed target's name (`@username` for a member), or the seed paper's title.")
    url: str = Field(description="The target's page, or the seed paper's.")
    label: str = Field(description="The sentence the feed page shows: “You follow Yann LeCun”.")
    weight: float
    mute: FeedMuteIn = Field(description="The body of POST /api/v1/me/feed/mute that mutes this reason.")


class FeedItemOut(Schema):
    paper: PaperOut
    score: float
    reasons: list[FeedReasonOut] = Field(description="Strongest first.")
    despite_mute: str | None = Field(description="Why it shows although it matches one of your mutes, or null.")


class FeedActionOut(Schema):
    detail: str = Field(description="What was done, as the feed page says it.")


class NotificationActorOut(Schema):
    username: str | None = Field(description="Null for a deleted account.")
    name: str
    url: str | None


class NotificationPaperOut(Schema):
    arxiv_id: str
    title: str
    url: str


class NotificationCommentOut(Schema):
    id: int
    url: str
    removed: bool = Field(description="Deleted by its author or hidden by a moderator: its text is gone.")


class NotificationOut(Schema):
    id: int
    kind: Literal["reply", "mention", "paper_comment", "new_paper"]
    read: bool
    read_at: dt.datetime | None
    created_at: dt.datetime
    actor: NotificationActorOut | None = Field(description="Who replied, mentioned or commented; null for new papers.")
    paper: NotificationPaperOut
    comment: NotificationCommentOut | None
    text: str = Field(description="What /notifications/ says: “Ana replied to your comment on Title”.")


class NotificationsReadOut(Schema):
    marked: int = Field(description="How many notifications were unread and are read now.")
    detail: str


# Members and their profiles (papers.api.v1.members), and papers members bring from arXiv (papers.api.v1.submit).


class MemberCountsOut(Schema):
    comments: int = Field(description="Their comments that count (neither deleted nor hidden), as the profile says.")
    submissions: int = Field(description="The papers they brought from arXiv.")
    upvotes: int | None = Field(description="The papers they upvoted; null when they keep their upvotes private.")


class MemberViewerOut(Schema):
    """The asking member's relation to this member."""

    you: bool = Field(description="This is your own profile.")
    mode: Literal["follow", "mute"] | None = Field(description="You follow or mute them (never both), or neither.")


class MemberOut(Schema):
    """A member's public profile, as /users/{username}/ shows it."""

    username: str
    display_name: str = Field(description="The name they chose; empty when they chose none.")
    name: str = Field(description="The name the site shows: the display name, else the username.")
    url: str = Field(description="Their profile page on the site.")
    bio: str = Field(description="What they say about themself, in Markdown as written.")
    bio_html: str = Field(description="The site's rendering of `bio`, sanitised; empty without a bio.")
    links: list[str] = Field(description="Up to four http(s) addresses (homepage, Google Scholar, GitHub…).")
    karma: int = Field(description="Upvotes their comments received, recounted from the votes.")
    joined: dt.datetime
    suspended: bool = Field(description="Suspended by the moderators: they can read, not write.")
    upvotes_public: bool = Field(description="Whether their upvoted papers are shown to everyone.")
    counts: MemberCountsOut
    comments_url: str = Field(description="GET: their comments, newest first.")
    submissions_url: str = Field(description="GET: the papers they brought from arXiv, newest first.")
    upvotes_url: str | None = Field(description="GET: the papers they upvoted; null when these are private.")
    viewer: MemberViewerOut | None = Field(description="Null for anonymous requests.")


class MemberCommentOut(CommentOut):
    paper_title: str = Field(description="The title of the paper it is on, as the profile shows it.")
    paper_url: str


class SubmittedPaperOut(PaperDetailOut):
    created: bool = Field(description="True: listed today, brought by you. False: it was on the site before.")
    detail: str = Field(description="What the site says: “Thanks! … is listed today.” or “Already here: …”.")


class SettingsOut(Schema):
    """Your profile and preferences, as /settings/ shows them."""

    username: str
    display_name: str
    bio: str
    bio_html: str
    links: list[str]
    upvotes_public: bool
    email_on_reply: bool
    email_on_mention: bool
    recency: int = Field(description="How much newness counts in your feed: 1 a little, 2 some, 3 much.")
    digest: Literal["off", "daily", "weekly"] = Field(description="Email of the best papers of your feed.")
    url: str = Field(description="Your public profile.")
