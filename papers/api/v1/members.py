"""Members: a public profile and what it lists (comments, submitted papers, upvoted papers), and your own profile
and preferences.

A profile says what /users/<username>/ says (papers.views.people.profile): a deleted or deactivated account is
not there (404), and the papers a member upvoted are shown only if they chose so (`upvotes_public`), or to
themself. Your profile and preferences change as /settings/ changes them: through accounts.forms.ProfileForm, so
the rules and their messages are the form's, under the same "settings" rate limit.

PATCH /me is added to me.router (papers.api.v1.me), beside GET /me: ninja answers a path from one router only,
so on this router it would be shadowed (405).
"""

from __future__ import annotations

from typing import Annotated, NoReturn

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from ninja import Path, Query, Router, Schema
from ninja.errors import ValidationError as InvalidRequest
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, Field, model_validator

from accounts.forms import ProfileForm
from accounts.models import MAX_LINKS, User
from papers import feed, follows
from papers.markdown import render_markdown
from papers.models import Comment, Paper

from ..auth import member, throttle, viewer
from ..paging import DEFAULT_LIMIT, MAX_LIMIT, Page, page
from ..problems import Problem, responses
from .me import router as me_router
from .papers import LIMIT_DESCRIPTION
from .schemas import (
    MemberCommentOut,
    MemberOut,
    PaperOut,
    SettingsOut,
    Text,
    absolute,
    comment_out,
    paper_queryset,
    papers_out,
)

router = Router(tags=["Members"])

Username = Annotated[str, Path(description="The member's username, as in /users/{username}/.", examples=["ada"])]


class ListQuery(Schema):
    cursor: str | None = Field(None, max_length=500, description="The `next` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION)


def find_member(username: str) -> User:
    """The member `username` names, if their account is here (active, not deleted), or a 404 problem. A name with
    a NUL character names nobody, and is not asked about: PostgreSQL refuses such a query (a 500)."""
    found = None if "\x00" in username else User.objects.present().filter(username=username).first()
    if found is None:
        raise Problem(404, f"No member {username[:150]}.")
    return found


def shows_upvotes(request: HttpRequest, person: User) -> bool:
    """Whether the asking member may see the papers `person` upvoted: if public, or their own (as the profile)."""
    return person.upvotes_public or person.pk == request.user.pk


def api_url(request: HttpRequest, person: User, what: str) -> str:
    return absolute(request, reverse(f"api:member_{what}", args=[person.username]))


def bio_html(person: User) -> str:
    return render_markdown(person.bio).html if person.bio else ""


@router.get(
    "/members/{username}",
    response={200: MemberOut, **responses(401, 404)},
    auth=viewer,
    summary="Get a member's profile",
    url_name="member",
)
def get_member(request: HttpRequest, username: Username):
    """A member's public profile, as /users/{username}/ shows it: names, bio (Markdown and the site's sanitised
    HTML), links, karma, when they joined and how much they did. Their upvoted papers are counted and listed only
    if they show them (`upvotes_public`), or to themself. A deleted or deactivated account is a 404.

    A fixed number of queries."""
    person = find_member(username)
    public_upvotes = shows_upvotes(request, person)
    user = request.user
    return {
        "username": person.username,
        "display_name": person.display_name,
        "name": person.shown_name,
        "url": absolute(request, reverse("papers:profile", args=[person.username])),
        "bio": person.bio,
        "bio_html": bio_html(person),
        "links": list(person.links or []),
        "karma": person.karma,
        "joined": person.date_joined,
        "suspended": person.is_suspended,
        "upvotes_public": person.upvotes_public,
        "counts": {
            "comments": Comment.objects.filter(author=person).visible().count(),
            "submissions": Paper.objects.filter(submission__user=person).count(),
            "upvotes": Paper.objects.upvoted_by(person).count() if public_upvotes else None,
        },
        "comments_url": api_url(request, person, "comments"),
        "submissions_url": api_url(request, person, "submissions"),
        "upvotes_url": api_url(request, person, "upvotes") if public_upvotes else None,
        "viewer": {"you": person.pk == user.pk, "mode": follows.stance(user, person)}
        if user.is_authenticated
        else None,
    }


@router.get(
    "/members/{username}/comments",
    response={200: Page[MemberCommentOut], **responses(400, 401, 404, 422)},
    auth=viewer,
    summary="List a member's comments",
    url_name="member_comments",
)
def member_comments(request: HttpRequest, username: Username, query: Query[ListQuery]):
    """The member's comments, newest first, a page at a time, as their profile lists them: only those that count
    (not deleted by them, not hidden by a moderator), each with the paper it is on."""
    person = find_member(username)
    comments = (
        Comment.objects.filter(author=person)
        .visible()
        .with_viewer_state(request.user)
        .select_related("paper", "author")
        .defer(*(f"paper__{name}" for name in Paper.NOT_IN_ROWS))
    )
    rows, next_url = page(request, comments, ["-created_at", "-pk"], query.cursor, query.limit)
    items = [
        comment_out(request, comment, upvoted=comment.is_upvoted, flagged=comment.is_flagged)
        | {"paper_title": comment.paper.title, "paper_url": absolute(request, comment.paper.get_absolute_url())}
        for comment in rows
    ]
    return {"items": items, "next": next_url}


@router.get(
    "/members/{username}/submissions",
    response={200: Page[PaperOut], **responses(400, 401, 404, 422)},
    auth=viewer,
    summary="List the papers a member submitted",
    url_name="member_submissions",
)
def member_submissions(request: HttpRequest, username: Username, query: Query[ListQuery]):
    """The papers the member brought from arXiv, the last submitted first, a page at a time (the profile's
    "Submissions")."""
    person = find_member(username)
    papers = paper_queryset(Paper.objects.filter(submission__user=person)).annotate(
        submitted_at=F("submission__created_at")
    )
    rows, next_url = page(request, papers, ["-submitted_at", "-pk"], query.cursor, query.limit)
    return {"items": papers_out(request, rows), "next": next_url}


@router.get(
    "/members/{username}/upvotes",
    response={200: Page[PaperOut], **responses(400, 401, 404, 422)},
    auth=viewer,
    summary="List the papers a member upvoted",
    url_name="member_upvotes",
)
def member_upvotes(request: HttpRequest, username: Username, query: Query[ListQuery]):
    """The papers the member upvoted, the last upvoted first, a page at a time (the profile's "Upvoted papers"):
    only if they show them (`upvotes_public`), or to themself; otherwise a 404, as the profile's tab."""
    person = find_member(username)
    if not shows_upvotes(request, person):
        raise Problem(404, f"{person.username} keeps their upvoted papers private.")
    papers = paper_queryset(Paper.objects.upvoted_by(person)).annotate(upvoted_at=F("votes__created_at"))
    rows, next_url = page(request, papers, ["-upvoted_at", "-pk"], query.cursor, query.limit)
    return {"items": papers_out(request, rows), "next": next_url}


# Your profile and preferences


def one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("a link is one line: send each address as an item of the list")
    return value


Link = Annotated[Text, AfterValidator(one_line)]
UNCHANGED = " Absent or null: unchanged."


class SettingsIn(Schema):
    """What to change; what is not sent stays as it is. The rules are the settings page's."""

    display_name: Text | None = Field(
        None, description="Shown instead of your username; empty: your username. Up to 100 characters." + UNCHANGED
    )
    bio: Text | None = Field(None, description="About you, in Markdown; up to 2,000 characters." + UNCHANGED)
    links: list[Link] | None = Field(
        None, description=f"Up to {MAX_LINKS} http(s) addresses; empty items are left out." + UNCHANGED
    )
    upvotes_public: bool | None = Field(
        None, strict=True, description="Show the papers you upvote on your profile." + UNCHANGED
    )
    email_on_reply: bool | None = Field(
        None, strict=True, description="Email me when someone replies to my comments." + UNCHANGED
    )
    email_on_mention: bool | None = Field(
        None, strict=True, description="Email me when someone mentions me." + UNCHANGED
    )
    recency: int | None = Field(
        None,
        strict=True,
        description="How much newness counts in your feed: 1 a little, 2 some, 3 much." + UNCHANGED,
        json_schema_extra={"enum": [choice.value for choice in User.Recency]},
    )
    digest: str | None = Field(
        None,
        description="Email me the best papers of my feed: off, daily or weekly (on Mondays)." + UNCHANGED,
        json_schema_extra={"enum": [choice.value for choice in User.Digest]},
    )

    @model_validator(mode="before")
    @classmethod
    def an_object(cls, value: object) -> object:
        """A JSON object: ninja's Schema (which hands this its DjangoGetter) would read an array, a string or null
        as an object with no fields (all unchanged), and a client that sent one means something else."""
        if not isinstance(value._obj if isinstance(value, DjangoGetter) else value, dict):
            raise ValueError("send a JSON object of the fields to change")
        return value


def settings_out(request: HttpRequest, user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "bio_html": bio_html(user),
        "links": list(user.links or []),
        "upvotes_public": user.upvotes_public,
        "email_on_reply": user.email_on_reply,
        "email_on_mention": user.email_on_mention,
        "recency": user.recency,
        "digest": user.digest,
        "url": absolute(request, reverse("papers:profile", args=[user.username])),
    }


def form_data(user: User, changes: dict) -> dict:
    """What the settings form would post: the member's values as they are, with `changes` over them (a checkbox
    left out of a form means "off", so every field is sent)."""
    data = {name: getattr(user, name) for name in ProfileForm.base_fields}
    data |= changes
    data["links"] = "\n".join(data["links"] or [])
    return data


def invalid(form: ProfileForm) -> NoReturn:
    """The form's messages as a 422 problem whose `errors` name the fields as pydantic's do."""
    errors = [
        {
            "loc": ["body", "data"] if field == "__all__" else ["body", "data", field],
            "msg": error.messages[0],
            "type": error.code or "invalid",
        }
        for field, field_errors in form.errors.as_data().items()
        for error in field_errors
    ]
    raise InvalidRequest(errors)


@router.get(
    "/me/settings",
    response={200: SettingsOut, **responses(401)},
    auth=member,
    summary="Your profile and preferences",
)
def get_settings(request: HttpRequest):
    """Your profile and preferences as /settings/ shows them (PATCH /api/v1/me changes them)."""
    return settings_out(request, request.user)


@me_router.patch(
    "/me",
    response={200: SettingsOut, **responses(400, 401, 403, 422, 429)},
    auth=member,
    summary="Change your profile and preferences",
)
def update_me(request: HttpRequest, data: SettingsIn):
    """Change your display name, bio, links and preferences, as /settings/ does: send only what changes. The rules
    and messages are the settings page's (a 422 problem whose `errors` name each field refused); nothing is saved
    unless all of it is valid. Answers with all of your profile and preferences."""
    throttle(request, "settings")
    changes = {name: value for name, value in data.model_dump(exclude_unset=True).items() if value is not None}
    user = request.user
    form = ProfileForm(form_data(user, changes), instance=user)
    if not form.is_valid():
        invalid(form)
    with transaction.atomic():
        form.save()
        feed.settings_saved(user, form.changed_data)
    return settings_out(request, user)
