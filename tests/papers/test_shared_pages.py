"""Members' pages from shared renders (papers.shared_pages): the same page as a render for the member, whoever
rendered it first, with every member's own parts filled in per request, and every vote, save, follow and
comment showing at once."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.template import loader
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers import caching, discussion, follows, rows
from papers.models import Listing, Paper, PaperTopic
from papers.shared_pages import StoredPage
from tests.factories import make_user
from tests.support.clock import later

pytestmark = pytest.mark.django_db

TOKENS = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="…"'),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": "…"'),
    (re.compile(r'name="form_key" value="[0-9a-f]+"'), 'name="form_key" value="…"'),
    (re.compile(r">[^<>]* ago</time>"), ">… ago</time>"),  # "2 seconds ago" turns "3 seconds ago" meanwhile
]


def normalised(html: str) -> str:
    """The page without what differs on every render: the masked CSRF token and the one-time form keys."""
    for pattern, replacement in TOKENS:
        html = pattern.sub(replacement, html)
    return html


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def busy_day(archive):
    """The latest recorded day, a paper of it with a topic and an organisation, and two members who voted,
    saved, followed and commented differently."""
    day = Listing.objects.latest_day()
    papers = list(Paper.objects.filter(listings__date=day).order_by("pk"))
    paper = next(p for p in papers if p.organization_id and p.paper_topics.exists())
    ada, bob = make_user("ada"), make_user("bob")
    follows.upvote(ada, papers[0])
    follows.upvote(ada, paper)
    follows.save_paper(ada, papers[1])
    follows.save_paper(bob, papers[0])
    topic = PaperTopic.objects.filter(paper=paper).first().topic
    follows.follow(ada, topic)
    follows.mute(bob, paper.organization)
    first = discussion.post_comment(paper, ada, "Ada's **first** comment.")
    discussion.post_comment(paper, bob, "Bob replies.", parent=first)
    return {"day": day, "paper": Paper.objects.get(pk=paper.pk), "papers": papers, "ada": ada, "bob": bob}


def untouched(busy_day) -> Paper:
    """A paper of the day that neither member upvoted or saved."""
    return next(p for p in busy_day["papers"][2:] if p.pk != busy_day["paper"].pk)


def member_pages(busy_day) -> list[str]:
    paper = busy_day["paper"]
    topic = PaperTopic.objects.filter(paper=paper).first().topic
    author = paper.authorships.first().author
    day = busy_day["day"]
    return [
        "/",
        reverse("papers:all-papers"),
        reverse("papers:day", args=[day]),
        reverse("papers:day", args=[day]) + "?sort=new",
        reverse("papers:trending"),
        topic.get_absolute_url(),
        author.get_absolute_url(),
        paper.organization.get_absolute_url(),
        paper.get_absolute_url(),
        paper.get_absolute_url() + "?comments=new",
    ]


def test_each_member_gets_the_page_a_render_for_them_gives(busy_day, settings):
    """Whoever renders a page first, every member gets exactly the page rendered for them alone."""
    ada, bob = busy_day["ada"], busy_day["bob"]
    for path in member_pages(busy_day):
        settings.MEMBER_PAGE_SECONDS = 0
        fresh = {user.username: normalised(client_for(user).get(path).text) for user in (ada, bob)}
        settings.MEMBER_PAGE_SECONDS = 60
        cache.clear()
        for first, second in ((ada, bob), (bob, ada)):
            cache.clear()
            for user in (first, second):  # the first renders and stores it, the second is served from it
                response = client_for(user).get(path)
                assert response.status_code == 200, path
                assert normalised(response.text) == fresh[user.username], (path, user.username)
        assert fresh["ada"] != fresh["bob"], path  # their own parts differ: the test could fail


def test_an_htmx_fragment_is_shared_too_and_equals_a_fresh_one(busy_day, settings):
    path = reverse("papers:day", args=[busy_day["day"]]) + "?sort=new"
    headers = {"HX-Request": "true"}
    settings.MEMBER_PAGE_SECONDS = 0
    fresh = normalised(client_for(busy_day["bob"]).get(path, headers=headers).text)
    settings.MEMBER_PAGE_SECONDS = 60
    client_for(busy_day["ada"]).get(path, headers=headers)
    response = client_for(busy_day["bob"]).get(path, headers=headers)
    assert normalised(response.text) == fresh
    assert "<html" not in response.text and "Vary" in response and "HX-Request" in response["Vary"]
    # The full page at the same address is another render.
    assert "<html" in client_for(busy_day["bob"]).get(path).text


KEPT: dict[str, StoredPage] = {}


@pytest.fixture(autouse=True)
def kept_renders(monkeypatch):
    """Note the shared renders kept (in whichever cache the tests run with) since the cache was last emptied."""
    set_, clear = cache.set, cache.clear

    def remember(key, value, *args, **kwargs):
        if isinstance(value, StoredPage):
            KEPT[key] = value
        return set_(key, value, *args, **kwargs)

    def forget():
        KEPT.clear()
        clear()

    KEPT.clear()
    monkeypatch.setattr(cache, "set", remember)
    monkeypatch.setattr(cache, "clear", forget)


def stored_pages() -> list[StoredPage]:
    return [page for key, page in KEPT.items() if cache.get(key) is not None]


def test_the_shared_part_says_nothing_of_the_member_who_rendered_it(busy_day):
    """Bob renders each page first: the kept HTML has neither his header, nor his token, nor the controls of his own
    comment (those are states the request picks); his public comment is in it, as anyone sees it."""
    bob = busy_day["bob"]
    own = busy_day["paper"].comments.get(author=bob)
    edit = reverse("papers:comment-edit", args=[busy_day["paper"].arxiv_id, own.pk])
    for path in member_pages(busy_day):
        cache.clear()
        page = client_for(bob).get(path).text
        assert 'class="menu__name">bob<' in page and "Log out" in page
        (stored,) = stored_pages()
        shared = b"".join(b"".join(chunks) for chunks in stored.pieces[::2]).decode()
        assert 'class="menu__name"' not in shared and "Log out" not in shared, path
        assert "bob@example.com" not in shared and edit not in shared, path
        assert not re.search(r'name="csrfmiddlewaretoken" value="[^"]', shared)  # the token goes between chunks
        if path.startswith(busy_day["paper"].get_absolute_url()):
            assert edit in page and "Bob replies" in shared


def test_a_hit_renders_only_the_live_parts_in_a_fixed_number_of_queries(busy_day):
    day_page = reverse("papers:day", args=[busy_day["day"]])
    client_for(busy_day["ada"]).get(day_page)  # stores the shared render
    bob = client_for(busy_day["bob"])
    bob.get("/healthz/")
    real = loader.render_to_string
    with (
        mock.patch("papers.shared_pages.render_to_string", side_effect=real) as rendered,
        CaptureQueriesContext(connection) as queries,
    ):
        response = bob.get(day_page)
    assert response.status_code == 200
    assert [call.args[0] for call in rendered.call_args_list] == ["papers/includes/user_nav.html"]
    # session, member, the day's neighbours and its page of papers, the member's votes and saves, unread count
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_a_vote_shows_at_once_to_the_voter_and_to_everyone(busy_day):
    ada, bob = client_for(busy_day["ada"]), client_for(busy_day["bob"])
    day_page = reverse("papers:day", args=[busy_day["day"]])
    paper = untouched(busy_day)
    points = paper.points
    assert f">{points}</span>" in bob.get(day_page).text
    response = bob.post(reverse("papers:upvote", args=[paper.arxiv_id]), {"action": "upvote", "next": day_page})
    assert response.status_code == 302
    page = bob.get(day_page).text
    form = page.split(f'action="{reverse("papers:upvote", args=[paper.arxiv_id])}"')[1].split("</form>")[0]
    assert 'aria-pressed="true"' in form and f">{points + 1}<" in form
    other = ada.get(day_page).text
    form = other.split(f'action="{reverse("papers:upvote", args=[paper.arxiv_id])}"')[1].split("</form>")[0]
    assert 'aria-pressed="false"' in form and f">{points + 1}<" in form


def test_a_save_and_a_follow_show_at_once(busy_day):
    bob = client_for(busy_day["bob"])
    paper = busy_day["paper"]
    topic = PaperTopic.objects.filter(paper=paper).first().topic
    topic_page = topic.get_absolute_url()
    assert 'aria-pressed="true"' not in bob.get(topic_page).text.split('class="follow-buttons"')[1].split("</div>")[0]
    bob.post(reverse("papers:follow-topic", args=[topic.slug]), {"action": "follow", "next": topic_page})
    buttons = bob.get(topic_page).text.split('class="follow-buttons"')[1].split("</div>")[0]
    assert 'aria-pressed="true"' in buttons and "In your feed." in buttons
    paper = untouched(busy_day)
    page = bob.get(paper.get_absolute_url()).text
    save = page.split(f'action="{reverse("papers:save", args=[paper.arxiv_id])}"')[1].split("</form>")[0]
    assert 'aria-pressed="false"' in save
    bob.post(reverse("papers:save", args=[paper.arxiv_id]), {"action": "save", "next": paper.get_absolute_url()})
    page = bob.get(paper.get_absolute_url()).text
    save = page.split(f'action="{reverse("papers:save", args=[paper.arxiv_id])}"')[1].split("</form>")[0]
    assert 'aria-pressed="true"' in save


def test_a_comment_shows_at_once_with_its_count_and_its_authors_controls(busy_day, django_capture_on_commit_callbacks):
    """At once to its author and to those it notifies (Ada took part); within MEMBER_PAGE_LAG_SECONDS to others."""
    ada, bob = client_for(busy_day["ada"]), client_for(busy_day["bob"])
    carol = client_for(make_user("carol"))
    paper = busy_day["paper"]
    for client in (ada, carol):
        before = client.get(paper.get_absolute_url()).text
    count = paper.comment_count
    assert f"({count})" in before
    with django_capture_on_commit_callbacks(execute=True):
        bob.post(reverse("papers:comments", args=[paper.arxiv_id]), {"body": "A third thought from Bob."})
    for client in (ada, bob):
        page = client.get(paper.get_absolute_url()).text
        assert "A third thought from Bob." in page and f"({count + 1})" in page
    with later(settings.MEMBER_PAGE_LAG_SECONDS):
        assert "A third thought from Bob." in carol.get(paper.get_absolute_url()).text
    comment = paper.comments.get(body__startswith="A third")
    edit = reverse("papers:comment-edit", args=[paper.arxiv_id, comment.pk])
    assert edit in bob.get(paper.get_absolute_url()).text
    assert edit not in ada.get(paper.get_absolute_url()).text


def test_the_csrf_token_in_a_shared_page_is_the_members_own(busy_day):
    ada = Client(enforce_csrf_checks=True)
    ada.force_login(busy_day["ada"])
    client_for(busy_day["bob"]).get(reverse("papers:day", args=[busy_day["day"]]))  # Bob's request renders it
    page = ada.get(reverse("papers:day", args=[busy_day["day"]])).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    paper = untouched(busy_day)
    response = ada.post(
        reverse("papers:upvote", args=[paper.arxiv_id]), {"action": "upvote", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Paper.objects.upvoted_by(busy_day["ada"]).filter(pk=paper.pk).exists()


def test_moderators_and_pages_with_messages_are_rendered_for_them(busy_day, moderator):
    day_page = reverse("papers:day", args=[busy_day["day"]])
    client_for(moderator).get(day_page)
    assert stored_pages() == []
    ada = client_for(busy_day["ada"])
    author = busy_day["paper"].authorships.first().author
    follow = reverse("papers:follow-author", args=[author.key])
    response = ada.post(follow, {"action": "follow", "next": day_page})
    cache.clear()
    page = ada.get(response.url).text
    assert 'class="messages"' in page  # the message shows, on a page rendered for Ada
    assert stored_pages() == []
    ada.get(day_page)
    assert len(stored_pages()) == 1


def test_a_forged_marker_in_a_comment_is_only_text(busy_day):
    paper = busy_day["paper"]
    discussion.post_comment(paper, busy_day["bob"], "Look: \ue000abcdef0123456789:0\ue001 and \ue000csrf\ue001")
    ada = client_for(busy_day["ada"])
    for _ in range(2):
        response = ada.get(paper.get_absolute_url())
        assert response.status_code == 200
        assert "\ue000abcdef0123456789:0\ue001" in response.text


def test_a_suspended_member_is_told_on_a_shared_paper_page(busy_day):
    paper = busy_day["paper"]
    client_for(busy_day["ada"]).get(paper.get_absolute_url())  # Ada's request renders it
    busy_day["bob"].suspend("spam")
    page = client_for(busy_day["bob"]).get(paper.get_absolute_url()).text
    assert "Your account is suspended (spam)" in page
    assert "Your account is suspended" not in client_for(busy_day["ada"]).get(paper.get_absolute_url()).text


def test_the_feed_is_the_members_own_render_and_follows_their_changes_at_once(busy_day, settings):
    ada = client_for(busy_day["ada"])
    settings.MEMBER_PAGE_SECONDS = 0
    fresh = normalised(ada.get("/feed/").text)
    settings.MEMBER_PAGE_SECONDS = 60
    assert normalised(ada.get("/feed/").text) == fresh  # rendered and kept
    assert normalised(ada.get("/feed/").text) == fresh  # from the kept render
    assert normalised(client_for(busy_day["bob"]).get("/feed/").text) != fresh  # nobody else's
    shown = re.findall(r'id="feed-item-(\d+)"', fresh)
    assert shown
    paper = Paper.objects.get(pk=shown[0])
    ada.post(reverse("papers:feed-less", args=[paper.arxiv_id]), {"next": "/feed/"})
    assert f'id="feed-item-{paper.pk}"' not in ada.get("/feed/").text
    topic = PaperTopic.objects.filter(paper=busy_day["paper"]).first().topic
    label = f"You follow {topic.name}"
    assert label in fresh
    ada.post(reverse("papers:follow-topic", args=[topic.slug]), {"action": "remove", "next": "/feed/"})
    assert label not in ada.get("/feed/").text


def test_a_comment_vote_and_a_flag_show_at_once_on_a_shared_paper_page(busy_day):
    ada, bob = client_for(busy_day["ada"]), client_for(busy_day["bob"])
    paper = busy_day["paper"]
    reply = paper.comments.get(author=busy_day["bob"])
    vote = reverse("papers:comment-upvote", args=[paper.arxiv_id, reply.pk])

    def controls(client) -> str:
        page = client.get(paper.get_absolute_url()).text
        return page.split(f'id="comment-body-{reply.pk}"')[1].split(f'<div id="reply-slot-{reply.pk}"')[0]

    assert 'aria-pressed="false"' in controls(ada) and "Flag</a>" in controls(ada)
    assert vote not in controls(bob) and "Delete</button>" in controls(bob)  # his own: no vote, his controls
    ada.post(vote, {"action": "upvote"})
    mine = controls(ada)
    assert 'aria-pressed="true"' in mine and "▲</span> 1<" in mine
    assert "▲</span> 1<" in controls(bob)
    ada.post(reverse("papers:comment-flag", args=[paper.arxiv_id, reply.pk]), {"reason": "spam"})
    assert "Flagged</span>" in controls(ada) and "Flagged" not in controls(bob)


def test_a_recent_render_answers_a_member_before_the_view_reads_anything(busy_day):
    day_page = reverse("papers:day", args=[busy_day["day"]])
    client_for(busy_day["ada"]).get(day_page)  # read, rendered and kept
    bob = client_for(busy_day["bob"])
    with CaptureQueriesContext(connection) as queries:
        bob.get(day_page)
    # Bob's row, whether he moderates, and all his votes, saves, follows and unread count (papers.rows.member_state)
    assert len(queries) == 3, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        page = bob.get(day_page).text
    assert len(queries) == 0, [q["sql"] for q in queries]  # all of it kept
    fresh = client_for(busy_day["bob"])
    with mock.patch("papers.views.listings.render_period") as view:
        assert normalised(fresh.get(day_page).text) == normalised(page)
    view.assert_not_called()


def test_another_members_vote_shows_within_the_lag_and_the_voters_at_once(busy_day):
    ada, bob = client_for(busy_day["ada"]), client_for(busy_day["bob"])
    day_page = reverse("papers:day", args=[busy_day["day"]])
    paper = untouched(busy_day)
    points = paper.points

    def count(client) -> str:
        form = client.get(day_page).text.split(f'action="{reverse("papers:upvote", args=[paper.arxiv_id])}"')[1]
        return form.split("</form>")[0]

    assert f">{points}<" in count(ada)
    follows.upvote(busy_day["carol"] if "carol" in busy_day else make_user("carol"), paper)  # not in a request
    with later(settings.MEMBER_PAGE_LAG_SECONDS):
        assert f">{points + 1}<" in count(ada)
        bob.post(reverse("papers:upvote", args=[paper.arxiv_id]), {"action": "upvote", "next": day_page})
        assert f">{points + 2}<" in count(bob)


def test_home_is_the_feed_of_a_member_who_follows_something_from_their_next_page_on(busy_day):
    bob = client_for(busy_day["bob"])  # mutes an organisation: follows nothing
    assert 'id="feed-' not in bob.get("/").text
    assert 'id="feed-' not in bob.get("/").text  # the day's recent render
    topic = PaperTopic.objects.filter(paper=busy_day["paper"]).first().topic
    bob.post(reverse("papers:follow-topic", args=[topic.slug]), {"action": "follow", "next": "/"})
    assert f"You follow {topic.name}" in bob.get("/").text
    assert f"You follow {topic.name}" in client_for(busy_day["ada"]).get("/").text
    assert 'id="feed-' not in client_for(make_user("dan")).get("/").text


def test_a_members_post_marks_their_pages_out_of_date(busy_day):
    bob = client_for(busy_day["bob"])
    assert caching.members_changed_at(busy_day["bob"]) == 0
    before = time.time()
    bob.post(reverse("papers:save", args=[untouched(busy_day).arxiv_id]), {"action": "save"})
    assert caching.members_changed_at(busy_day["bob"]) >= before
    assert caching.members_changed_at(busy_day["ada"]) == 0
    Client().post(reverse("account_login"), {"login": "bob", "password": "wrong"})
    assert caching.members_changed_at(busy_day["ada"]) == 0


def test_each_request_of_a_kept_paper_page_gets_a_new_form_key_and_its_own_token(busy_day):
    paper = busy_day["paper"]
    bob = Client(enforce_csrf_checks=True)
    bob.force_login(busy_day["bob"])
    pages = [bob.get(paper.get_absolute_url()).text for _ in range(3)]
    keys = [re.search(r'name="form_key" value="([0-9a-f]{32})"', page).group(1) for page in pages]
    assert len(set(keys)) == 3
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pages[-1]).group(1)
    body = {"body": "Posted from a kept page.", "form_key": keys[-1], "csrfmiddlewaretoken": token}
    assert bob.post(reverse("papers:comments", args=[paper.arxiv_id]), body).status_code == 302
    assert "Posted from a kept page." in bob.get(paper.get_absolute_url()).text


def test_a_member_is_read_again_after_their_own_change_and_when_told_of_a_reply(
    busy_day, django_capture_on_commit_callbacks
):
    ada, bob = client_for(busy_day["ada"]), client_for(busy_day["bob"])
    paper, day_page = busy_day["paper"], reverse("papers:day", args=[busy_day["day"]])
    bob.get(day_page)
    other = untouched(busy_day)
    bob.post(reverse("papers:save", args=[other.arxiv_id]), {"action": "save"})
    with CaptureQueriesContext(connection) as queries:
        page = bob.get(day_page).text
    assert len(queries) == 2  # the page's papers (he changed something since its render) and his state, read again
    save = page.split(f'action="{reverse("papers:save", args=[other.arxiv_id])}"')[1].split("</form>")[0]
    assert 'aria-pressed="true"' in save
    assert '<span class="badge">' not in bob.get(day_page).text
    ada_comment = paper.comments.get(author=busy_day["ada"])
    bob_comment = paper.comments.get(author=busy_day["bob"])
    with django_capture_on_commit_callbacks(execute=True):
        ada.post(
            reverse("papers:comments", args=[paper.arxiv_id]), {"body": "Ada answers Bob.", "parent": bob_comment.pk}
        )
    assert ada_comment.pk != bob_comment.pk
    assert '<span class="badge">1<span class="visually-hidden"> unread</span>' in bob.get(day_page).text


def test_a_member_with_too_many_rows_to_keep_is_asked_per_page(busy_day, monkeypatch):
    monkeypatch.setattr(rows, "SNAPSHOT_LIMIT", 0)
    bob = client_for(busy_day["bob"])
    day_page = reverse("papers:day", args=[busy_day["day"]])
    fresh = normalised(bob.get(day_page).text)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert normalised(bob.get(day_page).text) == fresh
        assert len(queries) == 1  # the page's papers only
    assert 'aria-pressed="true"' in fresh  # his save of the first paper
