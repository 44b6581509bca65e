"""Saving papers for later: the toggle, the /saved/ list and its BibTeX export."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client

from papers import follows, similarity, tasks
from papers.models import Paper, SavedPaper
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper("2608.15265", title="VibeWorlding", hf_upvotes=10)


@pytest.fixture
def refreshes(monkeypatch) -> list:
    """The seeds whose similarity refresh was asked for (it runs on commit, when they have no neighbours yet)."""
    queued: list = []
    monkeypatch.setattr(similarity, "refresh_new_seed", lambda *args: queued.append(args))
    return queued


def save_url(paper) -> str:
    return f"/papers/{paper.arxiv_id}/save/"


def saved_ids(user) -> list[int]:
    return list(SavedPaper.objects.filter(user=user).values_list("paper_id", flat=True))


# --- The toggle -------------------------------------------------------------------------------------


def test_saving_without_javascript_saves_and_goes_back(member_client, member, paper, refreshes):
    response = member_client.post(save_url(paper), {"action": "save", "next": "/papers/date/2026-08-18/"})
    assert response.status_code == 302
    assert response["Location"] == "/papers/date/2026-08-18/"
    assert saved_ids(member) == [paper.pk]
    assert refreshes == [(paper.pk,)]


def test_saving_with_htmx_returns_the_pressed_button(member_client, member, paper, htmx, refreshes):
    response = member_client.post(save_url(paper), {"action": "save", "next": "/"}, headers=htmx)
    assert response.status_code == 200
    text = response.text
    assert "<html" not in text and text.count("<form") == 1
    assert 'aria-pressed="true"' in text and 'name="action" value="remove"' in text
    assert 'data-hx-target="this"' in text and 'data-hx-push-url="false"' in text
    assert saved_ids(member) == [paper.pk]


def test_unsaving_with_and_without_htmx(member_client, member, paper, htmx, refreshes):
    follows.save_paper(member, paper)
    text = member_client.post(save_url(paper), {"action": "remove"}, headers=htmx).text
    assert 'aria-pressed="false"' in text and 'name="action" value="save"' in text
    assert saved_ids(member) == []
    follows.save_paper(member, paper)
    assert member_client.post(save_url(paper), {"action": "remove"}).status_code == 302
    assert saved_ids(member) == []
    assert refreshes == [(paper.pk,), (paper.pk,)]  # each save asks for its seed's refresh; unsaving asks nothing


def test_a_form_without_action_toggles(member_client, member, paper, refreshes):
    member_client.post(save_url(paper))
    assert saved_ids(member) == [paper.pk]
    member_client.post(save_url(paper))
    assert saved_ids(member) == []


def test_saving_twice_leaves_one_save(member_client, member, paper, refreshes):
    for _ in range(3):
        member_client.post(save_url(paper), {"action": "save"})
    assert SavedPaper.objects.count() == 1
    assert follows.save_paper(member, paper) is False


def test_the_database_allows_one_save_per_member_and_paper(member, paper):
    SavedPaper.objects.create(user=member, paper=paper)
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedPaper.objects.create(user=member, paper=paper)


def test_the_refresh_is_queued_after_the_commit_and_runs(member, django_capture_on_commit_callbacks, monkeypatch):
    seed = make_paper(title="Diffusion models for weather", abstract="Diffusion models forecast weather fields.")
    near = make_paper(title="Diffusion models for climate", abstract="Diffusion models forecast climate fields.")
    make_paper(title="Graph theory of proofs", abstract="Proof nets and combinatorics of graphs.")
    with django_capture_on_commit_callbacks() as callbacks:
        follows.save_paper(member, seed)
        assert not seed.similarities.exists()  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()  # Celery runs eagerly in tests
    assert near.pk in set(seed.similarities.values_list("similar_id", flat=True))
    follows.unsave_paper(member, seed)
    queued = []
    monkeypatch.setattr(tasks.refresh_similarities, "apply_async", lambda *args, **options: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        follows.save_paper(member, seed)
    assert queued == []  # saved again, but it has its neighbours: the hourly refresh keeps them
    with django_capture_on_commit_callbacks() as callbacks:
        follows.save_paper(member, seed)  # already saved
    assert callbacks == []


def test_an_anonymous_click_leads_to_login_and_back(client, paper):
    response = client.post(save_url(paper), {"next": "/papers/date/2026-08-18/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/papers/date/2026-08-18/"
    response = client.post(save_url(paper), {"next": "/"}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F"
    assert not SavedPaper.objects.exists()


def test_a_members_saves_are_their_own(client, member, other_member, paper, refreshes):
    follows.save_paper(other_member, paper)
    client.force_login(member)
    client.post(save_url(paper), {"action": "remove"})
    assert saved_ids(other_member) == [paper.pk]
    assert saved_ids(member) == []


def test_get_does_not_save(member_client, paper):
    assert member_client.get(save_url(paper)).status_code == 405
    assert not SavedPaper.objects.exists()


def test_csrf_is_enforced_with_and_without_htmx(member, paper, refreshes):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(save_url(paper)).status_code == 403
    assert client.post(save_url(paper), headers={"HX-Request": "true"}).status_code == 403
    assert not SavedPaper.objects.exists()
    client.get(paper.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(save_url(paper), {"action": "save"}, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert saved_ids(member) == [paper.pk]


def test_an_unknown_paper_is_not_found(member_client):
    assert member_client.post("/papers/2608.99999/save/").status_code == 404


def test_a_next_pointing_off_site_is_ignored(member_client, paper, refreshes):
    response = member_client.post(save_url(paper), {"next": "https://evil.example/"})
    assert response["Location"] == paper.get_absolute_url()


def test_saves_are_rate_limited(member_client, settings, refreshes):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "vote": "2/60"}
    cache.clear()
    papers = [make_paper() for _ in range(3)]
    assert [member_client.post(save_url(p)).status_code for p in papers] == [302, 302, 429]


# --- The buttons ------------------------------------------------------------------------------------


def test_rows_and_the_paper_page_have_save_buttons_for_members(member_client, member, paper):
    other = make_paper(title="Not saved")
    follows.save_paper(member, paper)
    for url in ["/", "/papers/date/2026-08-18/", "/papers/trending/", "/search/?q=vibeworlding", "/saved/"]:
        text = member_client.get(url).text
        form = text[text.index(f'action="{save_url(paper)}"') :].split("</form>")[0]
        assert 'aria-pressed="true"' in form, url
    text = member_client.get("/").text
    form = text[text.index(f'action="{save_url(other)}"') :].split("</form>")[0]
    assert 'aria-pressed="false"' in form
    text = member_client.get(paper.get_absolute_url()).text
    form = text[text.index(f'action="{save_url(paper)}"') :].split("</form>")[0]
    assert 'aria-pressed="true"' in form


def test_anonymous_pages_carry_no_save_form(client, paper):
    for url in ["/", "/papers/trending/", "/topics/agents/", paper.get_absolute_url()]:
        text = client.get(url).text
        assert save_url(paper) not in text, url
        assert "csrfmiddlewaretoken" not in text, url
    assert "log in to save" in client.get(paper.get_absolute_url()).text


# --- /saved/ ----------------------------------------------------------------------------------------


def test_the_saved_page_lists_the_latest_saved_first(member_client, member, other_member):
    first, second, third = (make_paper(title=f"Saved {n}") for n in range(3))
    for paper in (second, first, third):
        follows.save_paper(member, paper)
    follows.save_paper(other_member, make_paper(title="Bob's"))
    SavedPaper.objects.filter(paper=first).update(created_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    response = member_client.get("/saved/")
    assert response.status_code == 200
    assert [p.title for p in response.context["page"].items] == ["Saved 0", "Saved 2", "Saved 1"]
    assert "Bob's" not in response.text
    assert 'href="/saved/bibtex/"' in response.text
    assert 'aria-current="page">Saved</a>' in response.text


def test_the_saved_page_is_paginated_with_a_fragment_for_htmx(member_client, member, htmx):
    for n in range(35):
        follows.save_paper(member, make_paper(title=f"Paper {n}"))
    first = member_client.get("/saved/")
    assert len(first.context["page"].items) == 30 and 'href="?page=2"' in first.text
    second = member_client.get("/saved/?page=2", headers=htmx)
    assert len(second.context["page"].items) == 5
    assert "<html" not in second.text and 'id="saved-list"' in second.text
    assert "HX-Request" in second["Vary"]
    assert member_client.get("/saved/?page=3").status_code == 404


def test_the_saved_page_has_an_empty_state(member_client):
    text = member_client.get("/saved/").text
    assert "Nothing saved yet" in text and "/saved/bibtex/" not in text


def test_the_saved_page_and_export_need_a_login(client):
    for url in ["/saved/", "/saved/bibtex/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"


def test_the_saved_page_runs_a_bounded_number_of_queries(client, member, django_assert_max_num_queries):
    for n in range(40):
        follows.save_paper(member, make_paper(title=f"Paper {n}", topics=("agents", f"t{n}")))
    client.force_login(member)
    client.get("/saved/")
    # session, member, moderator?, unread notifications, the papers, the viewer's votes and saves
    with django_assert_max_num_queries(6):
        assert client.get("/saved/").status_code == 200


# --- BibTeX -----------------------------------------------------------------------------------------


def test_the_bibtex_export_has_one_entry_per_saved_paper(member_client, member, other_member):
    papers = [
        make_paper("2608.00001", title="Attention {is} all & you need", authors=("Ashish Vaswani", "Noam Shazeer")),
        make_paper("2608.00002", title="Attention again", authors=("Ashish Vaswani",)),  # the same citation key
        make_paper("2608.00003", title="Attention again", authors=("Ashish Vaswani",)),
        make_paper("2608.00004", title="No authors", authors=()),
    ]
    for paper in papers:
        follows.save_paper(member, paper)
    follows.save_paper(other_member, make_paper("2608.00005", title="Not mine"))
    response = member_client.get("/saved/bibtex/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="saved-papers.bib"'
    text = response.content.decode()
    assert text.count("@misc{") == 4
    assert sorted(re.findall(r"eprint = \{([^}]*)\}", text)) == [p.arxiv_id for p in papers]
    keys = re.findall(r"@misc\{([^,]+),", text)
    assert len({key.lower() for key in keys}) == 4, keys
    assert "title = {{Attention \\{is\\} all \\& you need}}" in text
    assert "author = {Ashish Vaswani and Noam Shazeer}" in text
    assert text.count("{") == text.count("}")  # braces balance: the file parses
    assert "2608.00005" not in text


def test_the_bibtex_export_of_nothing_is_empty(member_client):
    response = member_client.get("/saved/bibtex/")
    assert response.status_code == 200 and response.content == b""


def test_the_bibtex_export_runs_two_queries_whatever_the_number_of_papers(
    client, member, django_assert_max_num_queries
):
    for n in range(30):
        follows.save_paper(member, make_paper(title=f"Paper {n}", authors=("A B", f"C {n}")))
    client.force_login(member)
    with django_assert_max_num_queries(4):  # session, member, papers, authors
        assert client.get("/saved/bibtex/").content.decode().count("@misc{") == 30


def test_deleting_a_member_or_a_paper_removes_their_saves(client, member, paper):
    follows.save_paper(member, paper)
    Paper.objects.filter(pk=paper.pk).delete()
    assert not SavedPaper.objects.exists()
    other = make_paper()
    user = make_user("leaving")
    follows.save_paper(user, other)
    client.force_login(user)
    assert client.post("/settings/delete/", {"confirm": "leaving"}).status_code == 302  # as the site deletes
    assert not SavedPaper.objects.exists()
