"""Members bring a paper from arXiv: one field, an id or a URL; the paper is listed today.

The form posts without JavaScript (redirect to the paper, or the page again with the error);
htmx posts it in place (HX-Redirect to the paper, or the form fragment with the error).
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from ..arxiv import ArxivError, fetch_arxiv_entry, parse_arxiv_reference, submit_paper
from ..models import Paper
from ..ratelimit import rate_limited
from .http import HtmxHttpRequest, member_required, render_page

logger = logging.getLogger(__name__)

ACCEPTED = (
    "Enter an arXiv id such as 2608.15265 or hep-th/9901001, or the address of its arXiv page or PDF "
    "(arxiv.org/abs/…, arxiv.org/pdf/…) or of its Hugging Face page (huggingface.co/papers/…)."
)


class SubmitForm(forms.Form):
    reference = forms.CharField(
        label="arXiv id or URL",
        max_length=300,
        help_text="For example 2608.15265, arXiv:2608.15265v2, https://arxiv.org/abs/2608.15265 "
        "or https://huggingface.co/papers/2608.15265. Old-style ids like hep-th/9901001 work too.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": ACCEPTED, "max_length": ACCEPTED},
    )

    def clean_reference(self) -> str:
        arxiv_id = parse_arxiv_reference(self.cleaned_data["reference"])
        if arxiv_id is None:
            raise forms.ValidationError(ACCEPTED, code="invalid")
        return arxiv_id


@require_http_methods(["GET", "POST"])
@member_required(lambda request: request.get_full_path())
@rate_limited("submit")
def submit(request: HtmxHttpRequest) -> HttpResponse:
    if not request.user.can_write:
        response = TemplateResponse(request, "papers/submit.html", {"nav": "submit", "suspended": True}, status=403)
        if request.htmx:  # htmx swaps no 403: reload the page, which explains
            response["HX-Refresh"] = "true"
        return response
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if form.is_valid() and (paper := find_or_add_paper(request, form)):
        if request.htmx:
            return HttpResponseClientRedirect(paper.get_absolute_url())
        return redirect(paper)
    return render_page(request, "papers/submit.html", {"nav": "submit", "form": form}, "submit-form")


def find_or_add_paper(request: HtmxHttpRequest, form: SubmitForm) -> Paper | None:
    """The paper the form names: already here, or fetched from arXiv and listed today. None after a form error."""
    arxiv_id = form.cleaned_data["reference"]
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        try:
            entry = fetch_arxiv_entry(arxiv_id)
        except ArxivError as error:
            logger.warning("arXiv lookup failed: %s", error)
            form.add_error("reference", "arXiv did not answer, try again in a minute.")
            return None
        if entry is None:
            form.add_error("reference", f"arXiv has no paper {arxiv_id}. Check the id and try again.")
            return None
        paper, created = submit_paper(entry, request.user)
        if created:
            messages.success(request, f"Thanks! “{paper.title}” is listed today.")
            return paper
    messages.info(request, f"Already here: “{paper.title}” was on the site before.")
    return paper
