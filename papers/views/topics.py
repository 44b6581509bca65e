"""Moderators' corrections of a topic, from its page: merge it into another, split a spelling off, rename it.

Each is a plain form POST (CSRF, reason required) that redirects to the topic's page, enhanced with htmx
(the same URL: success sends the browser to the page, a refused form comes back as the panel with its
errors). The permission is checked here, in the view; the rules and the log line are in papers.topics.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from .. import topics
from ..models import Topic, TopicAlias, topic_slug
from ..moderation import check_moderator
from .http import HtmxHttpRequest, member_required
from .moderation import ReasonForm


class TopicForm(ReasonForm):
    """A correction of `topic`; its fields' ids name the action, as a topic page holds three forms."""

    action = ""

    def __init__(self, *args, topic: Topic, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"topic-{self.action}-%s")
        super().__init__(*args, **kwargs)
        self.topic = topic


class MergeForm(TopicForm):
    action = "merge"
    into = forms.CharField(label="Merge into (a topic's name or address)", max_length=300)

    def clean_into(self) -> Topic:
        value = self.cleaned_data["into"].strip().rstrip("/").rpartition("/")[2] or self.cleaned_data["into"]
        alias = TopicAlias.objects.select_related("topic").filter(slug=topic_slug(value)).first()
        if alias is None:
            raise ValidationError("No topic has that name or address.")
        if alias.topic_id == self.topic.pk:
            raise ValidationError("That is this topic: choose another one.")
        return alias.topic


class SplitForm(TopicForm):
    action = "split"
    alias = forms.ChoiceField(label="Spelling to make a topic of its own")

    def __init__(self, *args, topic: Topic, **kwargs) -> None:
        super().__init__(*args, topic=topic, **kwargs)
        alias = self.fields["alias"]
        assert isinstance(alias, forms.ChoiceField)
        alias.choices = [(alias.slug, alias.name) for alias in TopicAlias.objects.filter(topic=topic).order_by("name")]

    def clean_alias(self) -> TopicAlias:
        return TopicAlias.objects.get(topic=self.topic, slug=self.cleaned_data["alias"])


class RenameForm(TopicForm):
    action = "rename"
    name = forms.CharField(label="New name", max_length=topics.NAME_MAX_LENGTH)


FORMS: dict[str, type[TopicForm]] = {
    "merge": MergeForm,
    "split": SplitForm,
    "rename": RenameForm,
}


def moderation_forms(topic: Topic, failed: str = "", form: TopicForm | None = None) -> dict[str, TopicForm]:
    """The panel's three forms for a moderator; the one that failed keeps its text and errors."""
    return {action: form if action == failed and form else FORMS[action](topic=topic) for action in FORMS}


def topic_page(request: HtmxHttpRequest, slug: str) -> str:
    return reverse("papers:topic", args=[slug])


def _correct(request: HtmxHttpRequest, slug: str, action: str, apply: Callable[[Topic, dict], Topic]) -> HttpResponse:
    check_moderator(request.user)
    topic = get_object_or_404(Topic, slug=slug)
    form = FORMS[action](request.POST, topic=topic)
    if form.is_valid():
        try:
            result = apply(topic, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Done: {result.name} is at its address below, and the log says why.")
            url = result.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {"topic": topic, "topic_forms": moderation_forms(topic, action, form), "failed": action}
    if request.htmx:
        return TemplateResponse(request, "papers/topic_moderation.html#topic-moderation", context)
    return TemplateResponse(request, "papers/topic_moderation.html", context, status=400)


@require_POST
@member_required(topic_page)
def merge(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    def apply(topic: Topic, data: dict) -> Topic:
        topics.merge_topics(request.user, topic, data["into"], data["reason"])
        return data["into"]

    return _correct(request, slug, "merge", apply)


@require_POST
@member_required(topic_page)
def split(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return _correct(
        request, slug, "split", lambda topic, data: topics.split_alias(request.user, data["alias"], data["reason"])
    )


@require_POST
@member_required(topic_page)
def rename(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    def apply(topic: Topic, data: dict) -> Topic:
        topics.rename_topic(request.user, topic, data["name"], data["reason"])
        return topic

    return _correct(request, slug, "rename", apply)
