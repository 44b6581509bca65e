"""Author pages: a name shared by several people lists each of them; each person has a page of their papers, with
moderators' controls to merge two people or split papers off into a new one (papers.author_moderation).

One URL serves a page and its fragment (the listing's rows for htmx). The moderation actions are plain form POSTs
that redirect back with a message; with htmx a refused form comes back as the panel with its error.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from .. import author_moderation, shared_pages
from ..caching import cache_anonymous_page
from ..models import Author, cached_reverse
from ..models.identities import describe
from ..moderation import check_moderator
from .http import HtmxHttpRequest, member_required, render_page
from .listings import Link, followed_kind, render_listing
from .moderation import ReasonForm


def find_author(key: str) -> Author:
    try:
        return Author.objects.select_related("hf_user").by_key(key)
    except Author.DoesNotExist:
        raise Http404("No such author.") from None


@require_safe
@cache_anonymous_page
@shared_pages.member_page()
def author_detail(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """A person's papers; a name shared by namesakes lists them; a merged identity redirects to the survivor."""
    slug, _, number = key.partition("/")
    people = Author.objects.select_related("hf_user")
    found = list(people.filter(slug=slug, number=int(number)) if number else people.named(slug)[:2])
    if len(found) > 1:
        return disambiguation(request, slug)
    if not found:
        raise Http404("No such author.")
    author = found[0]
    if author.merged_into_id is not None:
        survivor = Author.objects.get(pk=author.merged_into_id)
        return redirect(survivor.get_absolute_url(), permanent=True)
    return author_page(request, author)


def author_page(request: HtmxHttpRequest, author: Author, **moderation) -> HttpResponse:
    profile = Link(author.hf_user.hf_url, f"@{author.hf_user.username} on Hugging Face") if author.hf_user else None
    feed_url = cached_reverse("papers:author-feed", author.key)
    lede = ""
    if author.namesakes > 1:
        lede = format_html(
            'One of <a href="{}">{} people named {}</a> on this site.', author.name_url, author.namesakes, author.name
        )
    listing = followed_kind(
        author,
        f"Papers by {author.name}" + (f" ({author.number})" if author.namesakes > 1 else ""),
        "Author",
        feed_url,
        profile=profile,
        lede=lede,
    )
    context = {"listing": listing, "author": author}
    if request.user.is_authenticated and request.user.is_moderator:
        context |= moderation_context(author, **moderation)
    return render_listing(request, author.papers.newest_first(), context)


def moderation_context(author: Author, failed: str = "", form: ReasonForm | None = None) -> dict:
    """The merge and split forms: the namesakes to merge with, the papers to split off."""
    forms = {action: ReasonForm() for action in ("merge", "split")}
    if failed and form is not None:
        forms[failed] = form
    return {
        "author_forms": forms,
        "author_failed": failed,
        "merge_choices": Author.objects.named(author.slug).exclude(pk=author.pk),
        "split_choices": author.papers.order_by("-published_at", "-pk").only("arxiv_id", "title"),
    }


def disambiguation(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    people = describe(list(Author.objects.select_related("hf_user").named(slug)))
    context = {"people": people, "name": people[0].name, "slug": slug}
    return render_page(request, "papers/author_disambiguation.html", context, "people")


def author_moderation_page(request: HtmxHttpRequest, key: str) -> str:
    return find_author(key).get_absolute_url()


@require_POST
@member_required(author_moderation_page)
def author_merge(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """Merge this person into a namesake (`into`: the other's number), with a reason for the public log."""
    check_moderator(request.user)
    author = find_author(key)
    form = ReasonForm(request.POST)
    into = Author.objects.named(author.slug).filter(number=_number(request.POST.get("into", ""))).first()
    if into is None or into.pk == author.pk:
        form.is_valid()
        form.add_error(None, "Choose the namesake to merge with.")
    if not form.is_valid():
        return refused(request, author, "merge", form)
    try:
        author_moderation.merge_authors(author, into, request.user, form.cleaned_data["reason"])
    except ValidationError as error:
        form.add_error("reason", error)
        return refused(request, author, "merge", form)
    messages.success(request, f"Merged {author.name} ({author.number}) into {into.name} ({into.number}).")
    return done(request, Author.objects.get(pk=into.pk))


@require_POST
@member_required(author_moderation_page)
def author_split(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """Move the chosen papers (`papers`: arXiv ids) of this person to a new identity of the same name."""
    check_moderator(request.user)
    author = find_author(key)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return refused(request, author, "split", form)
    try:
        new = author_moderation.split_author(
            author, request.POST.getlist("papers"), request.user, form.cleaned_data["reason"]
        )
    except ValidationError as error:
        form.add_error(None, error)
        return refused(request, author, "split", form)
    messages.success(request, f"Moved {new.papers.count()} papers to a new identity, {new.name} ({new.number}).")
    return done(request, new)


def refused(request: HtmxHttpRequest, author: Author, action: str, form: ReasonForm) -> HttpResponse:
    """The person's page again with the form's errors (for htmx, only the moderation panel)."""
    if request.htmx:
        context = {"author": author, **moderation_context(author, failed=action, form=form)}
        return TemplateResponse(request, "papers/includes/author_moderation.html", context, status=400)
    response = author_page(request, author, failed=action, form=form)
    response.status_code = 400
    return response


def done(request: HtmxHttpRequest, author: Author) -> HttpResponse:
    url = author.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _number(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0
