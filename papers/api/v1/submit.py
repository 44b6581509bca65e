"""Bringing a paper from arXiv, as /submit/ does (papers.views.submit): the same reading of what is pasted
(`SubmitForm`), the same arXiv lookup and writing (papers.arxiv), the same messages and the same "submit" rate limit.

A paper already on the site is not fetched again: the answer is that paper with 200, and says so, as the page
sends the member to it with "Already here". A new one is listed today: 201, with its address in `Location`.

The route is on the papers router (papers.api.v1.papers), beside GET /papers: ninja answers a path from one
router only, so a POST /papers on a router of its own would be shadowed (405).
"""

from __future__ import annotations

import logging
from typing import NoReturn

from django.http import HttpRequest, HttpResponse
from ninja import Schema, Status
from ninja.errors import ValidationError as InvalidRequest
from pydantic import Field

from papers.arxiv import ArxivError, fetch_arxiv_entry, submit_paper
from papers.models import Paper
from papers.views.submit import SubmitForm

from ..auth import member, require_can_write, throttle
from ..problems import Problem, responses
from .papers import get_paper
from .papers import router as papers_router
from .schemas import SubmittedPaperOut, Text, absolute

logger = logging.getLogger(__name__)

ARXIV_DOWN = "arXiv did not answer, try again in a minute."
RETRY_AFTER = 60  # seconds: "in a minute"


class SubmitIn(Schema):
    arxiv: Text = Field(
        description="An arXiv id (2608.15265, arXiv:2608.15265v2, hep-th/9901001), or the address of its arXiv page "
        "or PDF, or of its Hugging Face paper page. Up to 300 characters.",
        examples=["2608.15265", "https://arxiv.org/abs/2608.15265v2", "https://huggingface.co/papers/2608.15265"],
    )


def refuse(message: str, code: str) -> NoReturn:
    """The page's form error as a 422 problem whose `errors` name the field as pydantic's do."""
    raise InvalidRequest([{"loc": ["body", "data", "arxiv"], "msg": message, "type": code}])


def answer(request: HttpRequest, paper: Paper, created: bool) -> dict:
    """The paper as GET /api/v1/papers/{arxiv_id} shows it, with what the site says of the submission."""
    detail = (
        f"Thanks! “{paper.title}” is listed today."
        if created
        else f"Already here: “{paper.title}” was on the site before."
    )
    return get_paper(request, paper.arxiv_id) | {"created": created, "detail": detail}


@papers_router.post(
    "/papers",
    response={200: SubmittedPaperOut, 201: SubmittedPaperOut, **responses(400, 401, 403, 422, 429, 503)},
    auth=member,
    summary="Submit a paper from arXiv",
)
def submit(request: HttpRequest, data: SubmitIn, response: HttpResponse):
    """Bring a paper from arXiv, as /submit/ does: give its id or the address of its arXiv or Hugging Face page.

    - New here: its title, abstract and authors are fetched from arXiv and it is listed today, submitted by you;
      201, with its address (GET /api/v1/papers/{arxiv_id}) in `Location`. The followers of its authors hear of it.
    - Already here (listed by Hugging Face, or brought by someone): 200 with the paper and `created: false`;
      nothing is asked of arXiv.
    - Not an arXiv id or address, or an id arXiv does not know: a 422 problem saying so.
    - arXiv not answering: a 503 problem with Retry-After; nothing is written.
    """
    require_can_write(request)
    throttle(request, "submit")
    form = SubmitForm({"reference": data.arxiv})
    if not form.is_valid():
        error = form.errors.as_data()["reference"][0]
        refuse(error.messages[0], error.code or "invalid")
    arxiv_id = form.cleaned_data["reference"]
    paper = Paper.objects.only("pk", "arxiv_id", "title").filter(arxiv_id=arxiv_id).first()
    created = False
    if paper is None:
        try:
            entry = fetch_arxiv_entry(arxiv_id)
        except ArxivError as error:
            logger.warning("arXiv lookup failed: %s", error)
            raise Problem(503, ARXIV_DOWN, retry_after=RETRY_AFTER) from None
        if entry is None:
            refuse(f"arXiv has no paper {arxiv_id}. Check the id and try again.", "unknown")
        paper, created = submit_paper(entry, request.user)
    out = answer(request, paper, created)
    if created:
        response["Location"] = absolute(request, f"{request.path.rstrip('/')}/{paper.arxiv_id}")
    return Status(201 if created else 200, out)
