"""The browser matrix: every member action, on every kind of page where its control appears, in Chromium,
with JavaScript and without.

One table (MATRIX) of (page, action) pairs; each pair runs twice, with and without JavaScript. A case signs
a new member in (a session cookie, no login form), sets up what the page and the action need, opens the page,
uses the control as a person would, and checks:

- with JavaScript: the address stays (unless the action is a navigation), no full page load happens, the list
  keeps its rows (unless the action takes papers out by design), the visible state changes (a count by exactly
  one, a pressed state, a label), and no console error, failed request or CSP violation is logged;
- without JavaScript: the browser lands back on the same page (path and query) with the new state shown;
- in both: the database holds what the page shows, and a reload shows the same state.

The recorded archive is imported once for the module and served by one live server; every case has its own
member, so cases never see each other's votes, follows or comments. A new page or action joins with one line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from playwright.sync_api import Locator, Page, expect
from pytest_django.fixtures import _get_databases_for_setup
from pytest_django.live_server_helper import LiveServer

from accounts.models import ApiToken, User
from papers import follows, similarity
from papers.discussion import post_comment
from papers.models import (
    Author,
    Comment,
    FeedSignal,
    Flag,
    Notification,
    Organization,
    Paper,
    PaperVote,
    SavedPaper,
    Topic,
)
from tests.support.browsing import Browsing
from tests.support.paths import HF_FIXTURES

pytestmark = pytest.mark.browser

# Pages of the recorded archive with what a case needs: a later period and a second page.
DAY = "2024-10-10"  # 46 papers, and later days
WEEK = "2026-W32"  # 119 papers, and a later week
MONTH = "2025-03"  # 38 papers, and a later month
TOPIC = "reinforcement-learning"
ORGANIZATION = "tencent"
AUTHOR = "franck-dernoncourt"  # the only person of that name: /authors/<name>/
PERSON = "kaipeng-zhang/6"  # one of six people named Kaipeng Zhang: /authors/<name>/<number>/
SEARCH = "agent"
PAPER = "2608.12313"
FEED_TOPIC = "supervised-fine-tuning"
GRACE_UPVOTES = 45  # more than a page of the feed, so that it has "Load more"
_members = itertools.count(1)


# The world: one archive, one server, and a member whose activity the others see.


# True once htmx has no request in flight and nothing left to swap or settle.
HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


@dataclass
class World:
    url: str
    grace: User
    grace_comment: Comment


@pytest.fixture(scope="module")
def test_database(request, django_db_setup, django_db_blocker):
    """The test database. pytest-django creates it only when a selected test asks for `db` or a `django_db` marker,
    which the cases do not (they share one world and must not be flushed after each): create it when alone."""
    aliases, _ = _get_databases_for_setup(request.session.items)
    if DEFAULT_DB_ALIAS in aliases:
        yield
        return
    with django_db_blocker.unblock():
        created = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS}, serialized_aliases=set())
    yield
    with django_db_blocker.unblock():
        teardown_databases(created, verbosity=0)


@pytest.fixture(scope="module")
def world(test_database, django_db_blocker):
    with django_db_blocker.unblock():
        before = connection.creation.serialize_db_to_string()
        call_command("import_daily_papers", str(HF_FIXTURES), verbosity=0)
        # Every paper's similar papers, as the hourly refresh keeps them: an upvote then has none to compute.
        similarity.refresh(Paper.objects.values_list("pk", flat=True))
        grace = User.objects.create_user("grace", "grace@example.com", "a long passphrase", upvotes_public=True)
        for paper in Paper.objects.filter(last_listed_on__gte="2026-08-03").order_by("-points", "pk")[:GRACE_UPVOTES]:
            paper.upvote(grace)
        grace_comment = post_comment(Paper.objects.get(arxiv_id=PAPER), grace, "Has anyone reproduced **table 2**?")
        server = LiveServer("localhost:0")
    yield World(server.url, grace, grace_comment)
    with django_db_blocker.unblock():
        server.stop()
        # Empty, then as it was before the module (as a TransactionTestCase with serialized_rollback).
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(before)


@pytest.fixture
def database(django_db_blocker):
    """The database, for a case's set-up and checks (committed at once: the server reads it from its thread)."""
    with django_db_blocker.unblock():
        yield


# One case: a member, a page, an action.


@dataclass
class Case:
    world: World
    browsing: Browsing
    javascript: bool
    member: User = field(init=False)
    page: Page = field(init=False)
    path: str = ""
    rows: int = 0
    # What the page and the action chose to work on (a paper, a comment, a topic…).
    target: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.member = User.objects.create_user(f"member{next(_members)}", password="a long passphrase")
        self.page = self.browsing.open(javascript=self.javascript)
        self.page.on("dialog", lambda dialog: dialog.accept())
        client = Client()
        client.force_login(self.member)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.world.url}])

    def open(self, path: str) -> None:
        self.path = path
        response = self.page.goto(path)
        assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
        self.page.evaluate("() => { window.__matrixMarker = 'same page'; }")
        self.rows = self.row_count()

    def row_count(self) -> int:
        return self.page.locator(".paper-row").count()

    def send(self, control: Locator, *, navigates: bool = False) -> None:
        """Use a control: for htmx, wait for its answer to be swapped in; otherwise for the page it leads to."""
        expect(control).to_be_visible()
        if self.javascript and not navigates:
            with self.page.expect_response(lambda response: response.request.headers.get("hx-request") == "true"):
                control.click()
            # The answer has arrived; wait until htmx has swapped and settled it.
            self.page.wait_for_function(HTMX_IDLE)
            self.page.wait_for_load_state()
        else:
            with self.page.expect_navigation():
                control.click()

    def assert_page_whole(self, *, keeps_rows: bool = True, lands_on: str | None = None) -> None:
        """With JavaScript: no page load, same address, same rows. Without: back on the page it was used on."""
        if self.javascript and lands_on is None:
            assert self.page.evaluate("() => window.__matrixMarker") == "same page", "the page was loaded again"
            assert local(self.page.url) == self.path
            if keeps_rows:
                assert self.row_count() == self.rows
        else:
            assert local(self.page.url) == (lands_on or self.path)
        assert self.browsing.problems(self.page) == []

    def reload(self) -> None:
        self.page.reload()
        assert self.browsing.problems(self.page) == []


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def count_in(text: str) -> int:
    found = re.search(r"\d[\d,]*", text)
    assert found, f"no number in {text!r}"
    return int(found.group(0).replace(",", ""))


def pressed(control: Locator) -> bool:
    return control.get_attribute("aria-pressed") == "true"


# Pages: a path for a member, and what the member needs there first.


@dataclass(frozen=True)
class PageKind:
    path: Callable[[Case], str]
    prepare: Callable[[Case], None] = lambda case: None
    lists_saved: bool = False  # an unsaved paper leaves the page


def follow_for_feed(case: Case) -> None:
    """A feed with two kinds of reasons and more than a page: a topic and a member who upvotes in public."""
    follows.follow(case.member, Topic.objects.get(slug=FEED_TOPIC))
    follows.follow(case.member, case.world.grace)


def save_three(case: Case) -> None:
    for paper in Paper.objects.order_by("-points", "pk")[:3]:
        follows.save_paper(case.member, paper)


def save_two_pages(case: Case) -> None:
    for paper in Paper.objects.order_by("-points", "pk")[:45]:
        follows.save_paper(case.member, paper)


def notify(case: Case) -> None:
    """Two replies by grace to the member's comment: two unread notifications."""
    paper = Paper.objects.get(arxiv_id=PAPER)
    comment = post_comment(paper, case.member, "What about the ablations?")
    for body in ("They are in the appendix.", "Table 5 has them."):
        post_comment(paper, case.world.grace, body, comment)


def paper_path(case: Case) -> str:
    return f"/papers/{PAPER}/"


def comment_path(case: Case) -> str:
    return case.world.grace_comment.get_absolute_url()


PAGES = {
    "home": PageKind(lambda case: "/"),
    "home, following": PageKind(lambda case: "/", follow_for_feed),
    "feed": PageKind(lambda case: "/feed/", follow_for_feed),
    "day": PageKind(lambda case: f"/papers/date/{DAY}/"),
    "day, page 2": PageKind(lambda case: f"/papers/date/{DAY}/?page=2"),
    "week": PageKind(lambda case: f"/papers/week/{WEEK}/"),
    "week, page 2": PageKind(lambda case: f"/papers/week/{WEEK}/?page=2"),
    "month": PageKind(lambda case: f"/papers/month/{MONTH}/"),
    "month, page 2": PageKind(lambda case: f"/papers/month/{MONTH}/?page=2"),
    "trending": PageKind(lambda case: "/papers/trending/"),
    "topic": PageKind(lambda case: f"/topics/{TOPIC}/"),
    "organisation": PageKind(lambda case: f"/orgs/{ORGANIZATION}/"),
    "author": PageKind(lambda case: f"/authors/{AUTHOR}/"),
    "person": PageKind(lambda case: f"/authors/{PERSON}/"),
    "member": PageKind(lambda case: "/users/grace/"),
    "member's upvotes": PageKind(lambda case: "/users/grace/?tab=upvotes"),
    "search": PageKind(lambda case: f"/search/?q={SEARCH}"),
    "saved": PageKind(lambda case: "/saved/", save_three, lists_saved=True),
    "saved, two pages": PageKind(lambda case: "/saved/", save_two_pages, lists_saved=True),
    "paper": PageKind(paper_path),
    "comment": PageKind(comment_path),
    "notifications": PageKind(lambda case: "/notifications/", notify),
    "settings": PageKind(lambda case: "/settings/"),
    "following settings": PageKind(lambda case: "/settings/following/"),
    "welcome": PageKind(lambda case: "/welcome/"),
}


# Actions: each uses its control on the open page and checks what follows.


def row_control(case: Case, form_class: str, *, stays_in_place: bool = False, within: str = "") -> Locator:
    """The control of a paper of the page's list (on a paper page, the paper's own; `within` a part of the page,
    such as ".related", the first of that part).

    With `stays_in_place` on a later page of a list, a paper that its upvote keeps on the page: one with fewer
    points than the page's first row even after it (a paper tied with the rows above may rise past them, to the
    page before).
    """
    scope = case.page.locator(".paper__stats") if case.page.locator(".paper__stats").count() else case.page
    scope = case.page.locator(within) if within else scope
    forms = scope.locator(f"form.{form_class}")
    expect(forms.first).to_be_attached()
    chosen = forms.first
    if stays_in_place and "page=" in case.path:
        points = [count_in(text) for text in case.page.locator("form.upvote button").all_inner_texts()]
        below = next((i for i in range(1, len(points)) if points[i] + 1 < points[0]), None)
        assert below is not None, f"no paper on {case.path} can take an upvote without moving"
        chosen = case.page.locator("form.upvote").nth(below)
    action = chosen.get_attribute("action")
    case.target["paper"] = Paper.objects.get(arxiv_id=action.split("/")[2])
    return case.page.locator(f'form.{form_class}[action="{action}"] button').first


def upvote(case: Case, within: str = "") -> None:
    """Upvote, then take the upvote back: the count moves by exactly one each time."""
    button = row_control(case, "upvote", stays_in_place=True, within=within)
    paper = case.target["paper"]
    before = count_in(button.inner_text())
    assert not pressed(button)
    for voted, count in ((True, before + 1), (False, before)):
        case.send(button)
        case.assert_page_whole()
        expect(button).to_have_attribute("aria-pressed", str(voted).lower())
        assert count_in(button.inner_text()) == count
        assert PaperVote.objects.filter(user=case.member, paper=paper).exists() == voted
        paper.refresh_from_db()
        assert paper.points == count
    case.reload()
    expect(button).to_have_attribute("aria-pressed", "false")
    assert count_in(button.inner_text()) == before


def save(case: Case, kind: PageKind, within: str = "") -> None:
    """Save, then unsave (on /saved/: unsave, then save again; without JavaScript the paper leaves that list)."""
    button = row_control(case, "save", within=within)
    paper = case.target["paper"]
    states = (False, True) if kind.lists_saved else (True, False)
    assert pressed(button) != states[0]
    for saved in states:
        case.send(button)
        if kind.lists_saved and not saved and not case.javascript:
            case.assert_page_whole()
            expect(button).to_have_count(0)  # no longer a saved paper: not on /saved/
            assert not SavedPaper.objects.filter(user=case.member, paper=paper).exists()
            return
        case.assert_page_whole()
        expect(button).to_have_attribute("aria-pressed", str(saved).lower())
        assert SavedPaper.objects.filter(user=case.member, paper=paper).exists() == saved
    case.reload()
    expect(button).to_have_attribute("aria-pressed", str(states[-1]).lower())


def upvote_related(case: Case) -> None:
    """Upvote a paper of a paper page's "Related papers", then take the upvote back."""
    upvote(case, within=".related")


def save_related(case: Case) -> None:
    save(case, PAGES["paper"], within=".related")


def entity(case: Case, kind: str) -> object:
    """The topic, author, organisation or member that the open page is about, or that the paper names first."""
    if case.path.startswith("/papers/"):
        paper = Paper.objects.get(arxiv_id=PAPER)
        return {
            "topic": lambda: paper.topics.order_by("paper_topics__position").first(),
            "author": lambda: paper.authors.order_by("authorships__position").first(),
            "organization": lambda: paper.organization,
        }[kind]()
    return {
        "topic": lambda: Topic.objects.get(slug=TOPIC),
        "author": lambda: Author.objects.by_key(case.path.split("/", 2)[2].strip("/")),
        "organization": lambda: Organization.objects.get(handle=ORGANIZATION),
        "member": lambda: case.world.grace,
    }[kind]()


def stance(case: Case, target) -> str | None:
    return follows.stance(case.member, target)


def toggle_following(kind: str, mode: str) -> Callable[[Case], None]:
    """Follow (or mute) the page's topic, author, organisation or member, then stop."""

    def act(case: Case) -> None:
        target = entity(case, kind)
        item = follows.Followable(target)
        url = item.follow_url if mode == "follow" else item.mute_url
        button = case.page.locator(f'form[action="{url}"] button').first
        assert not pressed(button)
        for on in (True, False):
            case.send(button)
            case.assert_page_whole()
            expect(button).to_have_attribute("aria-pressed", str(on).lower())
            assert stance(case, target) == (mode if on else None)
        case.reload()
        expect(button).to_have_attribute("aria-pressed", "false")

    return act


def undo_in_settings(mode: str) -> Callable[[Case], None]:
    """Unfollow or unmute from the list in /settings/following/ (a plain form: the page comes back without it)."""

    def act(case: Case) -> None:
        topic = Topic.objects.get(slug=TOPIC)
        follows.set_mode(case.member, topic, mode)
        case.open(case.path)
        label = "Unfollow" if mode == "follow" else "Unmute"
        button = case.page.get_by_role("button", name=f"{label} topic {topic.name}")
        case.send(button, navigates=True)
        case.assert_page_whole(lands_on=case.path)
        expect(case.page.get_by_role("button", name=f"{label} topic {topic.name}")).to_have_count(0)
        expect(case.page.locator(".messages")).to_contain_text(topic.name)
        assert stance(case, topic) is None

    return act


def follow_on_welcome(case: Case) -> None:
    """Tick a topic on the welcome page and follow it: the feed follows, with that topic as a reason."""
    choice = case.page.locator('input[name="topics"]').first
    topic = Topic.objects.get(pk=choice.get_attribute("value"))
    choice.check()
    case.send(case.page.get_by_role("button", name="Follow these"), navigates=True)
    case.assert_page_whole(lands_on="/feed/")
    assert stance(case, topic) == "follow"
    expect(case.page.get_by_role("link", name=f"You follow {topic.name}").first).to_be_visible()


def feed_items(case: Case) -> Locator:
    return case.page.locator("#feed-items .feed-item")


def message_region(case: Case) -> Locator:
    """Where the answer to a change says what happened: the live region with htmx, the page's messages without."""
    return case.page.locator("#live-messages" if case.javascript else ".messages")


def less_like_this(case: Case) -> None:
    item = feed_items(case).first
    item_id = item.get_attribute("id")
    paper = Paper.objects.get(pk=item_id.removeprefix("feed-item-"))
    case.send(item.get_by_role("button", name=re.compile("^Less like this")))
    case.assert_page_whole(keeps_rows=False)
    expect(case.page.locator(f"#{item_id}")).to_have_count(0)
    expect(message_region(case)).to_contain_text("You will see less like")
    assert FeedSignal.objects.filter(user=case.member, paper=paper, kind=FeedSignal.Kind.LESS_LIKE_THIS).exists()
    case.reload()
    expect(case.page.locator(f"#{item_id}")).to_have_count(0)


def mute_reason(case: Case) -> None:
    """Mute the topic a paper is shown for: every paper of the page shown only for it leaves at once."""
    topic = Topic.objects.get(slug=FEED_TOPIC)
    reason = f"You follow {topic.name}"
    expect(case.page.get_by_role("link", name=reason).first).to_be_visible()
    case.send(case.page.get_by_role("button", name=f"Mute this reason: {reason}").first)
    case.assert_page_whole(keeps_rows=False)
    expect(case.page.get_by_role("link", name=reason)).to_have_count(0)
    assert stance(case, topic) == "mute"
    assert feed_items(case).count() > 0  # grace's upvotes still bring papers
    case.reload()
    expect(case.page.get_by_role("link", name=reason)).to_have_count(0)


def load_more(case: Case) -> None:
    """With JavaScript the next papers join the list in place; without, the link opens the next page."""
    first_page = [item.get_attribute("id") for item in feed_items(case).all()]
    more = case.page.get_by_role("link", name="Load more")
    if case.javascript:
        case.send(more)
        # The answer has arrived; htmx swaps it in on its next turn, so wait for the list to grow.
        expect(feed_items(case).nth(len(first_page))).to_be_attached()
        case.assert_page_whole(keeps_rows=False)
        shown = [item.get_attribute("id") for item in feed_items(case).all()]
        assert shown[: len(first_page)] == first_page and len(shown) > len(first_page)
        assert len(set(shown)) == len(shown), "a paper shows twice"
    else:
        href = more.get_attribute("href")
        case.send(more, navigates=True)
        case.assert_page_whole(lands_on=urlsplit(case.path).path + href)
        shown = [item.get_attribute("id") for item in feed_items(case).all()]
        assert shown and not set(shown) & set(first_page)


def follow_list_link(case: Case, link: Locator, target: str) -> None:
    """A link that changes the list (its page, its sort): with JavaScript the list is swapped in place and the
    address bar shows `target`; without, the browser opens `target`."""
    if case.javascript:
        case.send(link)
        expect(case.page).to_have_url(re.compile(re.escape(target) + "$"))
        assert case.page.evaluate("() => window.__matrixMarker") == "same page", "the page was loaded again"
        assert case.browsing.problems(case.page) == []
    else:
        case.send(link, navigates=True)
        case.assert_page_whole(lands_on=target)


def next_page(case: Case) -> None:
    """The list's next page: in place (and in the address bar) with JavaScript, a new page without."""
    first = case.page.locator(".paper-row__title").first.inner_text()
    link = case.page.get_by_role("navigation", name="Pages").get_by_role("link", name=re.compile("Next page"))
    target = urlsplit(case.path).path + link.get_attribute("href")
    follow_list_link(case, link, target)
    expect(case.page.locator(".pager__current")).to_contain_text("Page 2")
    assert case.page.locator(".paper-row__title").first.inner_text() != first
    # The rows of the new page work too: their forms come back to it.
    for form in case.page.locator("form.upvote").all()[:3]:
        assert form.locator('input[name="next"]').get_attribute("value") == target


def sort_newest(case: Case) -> None:
    link = case.page.get_by_role("navigation", name="Sort papers").get_by_role("link", name="Newest")
    follow_list_link(case, link, urlsplit(case.path).path + "?sort=new")
    expect(link).to_have_attribute("aria-current", "true")
    dates = case.page.locator(".paper-row__meta time").evaluate_all("(times) => times.map((t) => t.dateTime)")
    assert dates == sorted(dates, reverse=True)


def thread_comment(case: Case, comment: Comment) -> Locator:
    return case.page.locator(f"#comment-body-{comment.pk}")


def discussion_count(case: Case) -> int | None:
    heading = case.page.locator("#discussion-heading")
    return count_in(heading.inner_text()) if heading.count() else None


def comment(case: Case) -> None:
    before = discussion_count(case)
    form = case.page.locator("#comment-form-root")
    form.get_by_label("Add a comment").fill("A **first** comment from the matrix.")
    case.send(form.get_by_role("button", name="Post comment"))
    case.assert_page_whole()
    posted = Comment.objects.get(author=case.member)
    expect(thread_comment(case, posted)).to_contain_text("A first comment from the matrix.")
    assert discussion_count(case) == before + 1
    case.reload()
    expect(thread_comment(case, posted)).to_contain_text("A first comment from the matrix.")
    assert discussion_count(case) == before + 1


def reply(case: Case) -> None:
    parent = case.world.grace_comment
    thread_comment(case, parent).get_by_role("link", name="Reply").first.click()
    form = case.page.locator(f"#comment-form-{parent.pk}")
    form.get_by_label(re.compile("^Reply to")).fill("It reproduces with seed 3.")
    case.send(form.get_by_role("button", name="Post reply"), navigates=not case.javascript)
    case.assert_page_whole()
    posted = Comment.objects.get(author=case.member, parent=parent)
    expect(thread_comment(case, posted)).to_contain_text("It reproduces with seed 3.")
    case.reload()
    expect(thread_comment(case, posted)).to_contain_text("It reproduces with seed 3.")


def own_comment(case: Case) -> Comment:
    return post_comment(Paper.objects.get(arxiv_id=PAPER), case.member, "My first *draft*.")


def edit(case: Case) -> None:
    mine = own_comment(case)
    case.open(case.path)
    thread_comment(case, mine).get_by_role("link", name="Edit").click()
    form = case.page.locator(f'form[action="/papers/{PAPER}/comments/{mine.pk}/edit/"]')
    form.get_by_role("textbox").fill("My second draft.")
    case.send(form.get_by_role("button", name="Save"), navigates=not case.javascript)
    case.assert_page_whole()
    expect(thread_comment(case, mine)).to_contain_text("My second draft.")
    mine.refresh_from_db()
    assert mine.body == "My second draft." and mine.edited_at is not None
    case.reload()
    expect(thread_comment(case, mine)).to_contain_text("My second draft.")


def delete(case: Case) -> None:
    mine = own_comment(case)
    case.open(case.path)
    before = discussion_count(case)
    case.send(thread_comment(case, mine).get_by_role("button", name="Delete"))
    case.assert_page_whole()
    expect(thread_comment(case, mine)).to_contain_text("[deleted]")
    expect(thread_comment(case, mine)).not_to_contain_text("My first draft.")
    mine.refresh_from_db()
    assert mine.is_deleted
    assert before is None or discussion_count(case) == before - 1
    case.reload()
    expect(thread_comment(case, mine)).to_contain_text("[deleted]")
    expect(thread_comment(case, mine)).not_to_contain_text("My first draft.")


def flag(case: Case) -> None:
    """Flag grace's comment: the flag page, a reason, and back to the page the comment was on."""
    target = case.world.grace_comment
    case.send(thread_comment(case, target).get_by_role("link", name="Flag"), navigates=True)
    case.page.get_by_label("Spam").check()
    case.send(case.page.get_by_role("button", name="Flag"), navigates=True)
    case.assert_page_whole(lands_on=case.path)
    expect(thread_comment(case, target)).to_contain_text("Flagged")
    assert Flag.objects.filter(user=case.member, comment=target).exists()


def comment_vote(case: Case) -> None:
    target = case.world.grace_comment
    button = case.page.locator(f'form.comment-vote[action="/papers/{PAPER}/comments/{target.pk}/upvote/"] button')
    before = count_in(button.inner_text())
    for voted, count in ((True, before + 1), (False, before)):
        case.send(button)
        case.assert_page_whole()
        expect(button).to_have_attribute("aria-pressed", str(voted).lower())
        assert count_in(button.inner_text()) == count
        target.refresh_from_db()
        assert target.upvote_count == count
    case.reload()
    expect(button).to_have_attribute("aria-pressed", "false")


def unread_badge(case: Case) -> int:
    badge = case.page.get_by_role("link", name=re.compile("^Notifications")).locator(".badge")
    return count_in(badge.inner_text()) if badge.count() else 0


def mark_read(case: Case) -> None:
    assert unread_badge(case) == 2
    first = case.page.locator(".notification--unread").first
    item_id = first.get_attribute("id")
    case.send(first.get_by_role("button", name="Mark read"))
    case.assert_page_whole()
    expect(case.page.locator(f"#{item_id}")).not_to_have_class(re.compile("notification--unread"))
    expect(case.page.get_by_role("link", name=re.compile("^Notifications")).locator(".badge")).to_contain_text("1")
    assert Notification.objects.filter(recipient=case.member, read_at=None).count() == 1
    case.reload()
    expect(case.page.locator(f"#{item_id}")).not_to_have_class(re.compile("notification--unread"))
    assert unread_badge(case) == 1


def mark_all_read(case: Case) -> None:
    case.send(case.page.get_by_role("button", name=re.compile("^Mark all")), navigates=True)
    case.assert_page_whole(lands_on=case.path)
    expect(case.page.locator(".notification--unread")).to_have_count(0)
    assert unread_badge(case) == 0
    assert not Notification.objects.filter(recipient=case.member, read_at=None).exists()
    case.reload()
    expect(case.page.locator(".notification--unread")).to_have_count(0)


def new_feed_address(case: Case) -> None:
    """A new private feed address: shown at once, the old one answers 404."""
    old = case.member.feed_token
    address = case.page.get_by_label(re.compile("^Your private feed"))
    expect(address).to_have_value(re.compile(re.escape(f"/feeds/{old}/") + "$"))
    case.send(case.page.get_by_role("button", name="New address"), navigates=True)
    case.assert_page_whole(lands_on=case.path)
    case.member.refresh_from_db()
    assert case.member.feed_token != old
    expect(address).to_have_value(re.compile(re.escape(f"/feeds/{case.member.feed_token}/") + "$"))
    assert case.page.request.get(f"/feeds/{old}/").status == 404
    assert case.page.request.get(f"/feeds/{case.member.feed_token}/").status == 200


def token_works(case: Case, secret: str) -> bool:
    response = case.page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status in {200, 401}
    return response.status == 200


def create_token(case: Case) -> None:
    """Make a read-and-write API token: its secret shows once (in place with JavaScript), works, and is gone after."""
    section = case.page.locator("#api-tokens")
    section.get_by_label("Name", exact=True).fill("Matrix script")
    section.get_by_label(re.compile("^Read and write")).check()
    case.send(section.get_by_role("button", name="Create token"), navigates=not case.javascript)
    case.assert_page_whole()
    expect(case.page.locator("#new-token-secret")).to_have_text(re.compile(r"^pc_\S{40,}$"))
    secret = case.page.locator("#new-token-secret").inner_text()
    token = ApiToken.objects.get(user=case.member)
    assert token.scope == ApiToken.Scope.WRITE and ApiToken.hash(secret) == token.digest
    expect(section.locator(f"#api-token-{token.pk}")).to_contain_text(f"{token.prefix}…")
    assert token_works(case, secret)
    case.reload()
    expect(case.page.locator("#new-token-secret")).to_have_count(0)
    expect(section.locator(f"#api-token-{token.pk}")).to_contain_text("Matrix script")


def revoke_token(case: Case) -> None:
    """Revoke an API token (the browser asks first with JavaScript): it leaves the list and stops working at once."""
    token, secret = ApiToken.issue(case.member, "Old script", ApiToken.Scope.WRITE)
    case.open(case.path)
    row = case.page.locator(f"#api-token-{token.pk}")
    case.send(row.get_by_role("button", name=re.compile("^Revoke")), navigates=not case.javascript)
    case.assert_page_whole()
    expect(row).to_have_count(0)
    where = "#api-tokens [role=status]" if case.javascript else ".messages"
    expect(case.page.locator(where)).to_contain_text("The token “Old script” is revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None and not token_works(case, secret)
    case.reload()
    expect(row).to_have_count(0)


ACTIONS: dict[str, Callable] = {
    "upvote": upvote,
    "save": save,
    "upvote a related paper": upvote_related,
    "save a related paper": save_related,
    "follow topic": toggle_following("topic", "follow"),
    "mute topic": toggle_following("topic", "mute"),
    "follow author": toggle_following("author", "follow"),
    "mute author": toggle_following("author", "mute"),
    "follow organisation": toggle_following("organization", "follow"),
    "mute organisation": toggle_following("organization", "mute"),
    "follow member": toggle_following("member", "follow"),
    "mute member": toggle_following("member", "mute"),
    "unfollow": undo_in_settings("follow"),
    "unmute": undo_in_settings("mute"),
    "follow on welcome": follow_on_welcome,
    "less like this": less_like_this,
    "mute this reason": mute_reason,
    "load more": load_more,
    "next page": next_page,
    "sort": sort_newest,
    "comment": comment,
    "reply": reply,
    "edit": edit,
    "delete": delete,
    "flag": flag,
    "comment vote": comment_vote,
    "mark read": mark_read,
    "mark all read": mark_all_read,
    "new feed address": new_feed_address,
    "create token": create_token,
    "revoke token": revoke_token,
}

LISTINGS = [
    "home",
    "day",
    "day, page 2",
    "week",
    "week, page 2",
    "month",
    "month, page 2",
    "trending",
    "topic",
    "organisation",
    "author",
    "person",
    "member's upvotes",
    "search",
]

# (page, action): every control where it appears.
MATRIX = [
    *((page, "upvote") for page in [*LISTINGS, "home, following", "feed", "saved", "paper"]),
    *((page, "save") for page in [*LISTINGS, "home, following", "feed", "saved", "paper"]),
    ("topic", "follow topic"),
    ("topic", "mute topic"),
    ("author", "follow author"),
    ("author", "mute author"),
    ("person", "follow author"),
    ("person", "mute author"),
    ("organisation", "follow organisation"),
    ("organisation", "mute organisation"),
    ("member", "follow member"),
    ("member", "mute member"),
    ("paper", "upvote a related paper"),
    ("paper", "save a related paper"),
    ("paper", "follow topic"),
    ("paper", "follow author"),
    ("paper", "follow organisation"),
    ("following settings", "unfollow"),
    ("following settings", "unmute"),
    ("welcome", "follow on welcome"),
    ("feed", "less like this"),
    ("home, following", "less like this"),
    ("feed", "mute this reason"),
    ("home, following", "mute this reason"),
    ("feed", "load more"),
    ("home, following", "load more"),
    ("day", "next page"),
    ("week", "next page"),
    ("month", "next page"),
    ("search", "next page"),
    ("saved, two pages", "next page"),
    ("day", "sort"),
    ("week", "sort"),
    ("month", "sort"),
    ("paper", "comment"),
    ("paper", "reply"),
    ("comment", "reply"),
    ("paper", "edit"),
    ("paper", "delete"),
    ("paper", "flag"),
    ("comment", "flag"),
    ("paper", "comment vote"),
    ("comment", "comment vote"),
    ("notifications", "mark read"),
    ("notifications", "mark all read"),
    ("settings", "new feed address"),
    ("settings", "create token"),
    ("settings", "revoke token"),
]


def run_case(world: World, chromium, page_name: str, action_name: str, javascript: bool) -> None:
    browsing = Browsing(chromium, world.url)
    try:
        case = Case(world, browsing, javascript)
        kind = PAGES[page_name]
        kind.prepare(case)
        case.open(kind.path(case))
        action = ACTIONS[action_name]
        action(case, kind) if action is save else action(case)
    finally:
        browsing.close()


CASES = pytest.mark.parametrize(("page_name", "action_name"), MATRIX, ids=[f"{p}: {a}" for p, a in MATRIX])


# Two classes, so that parallel workers (pytest -n, --dist loadscope) take one each.
class TestWithJavaScript:
    @CASES
    def test_member_action(self, world, database, chromium, page_name, action_name):
        run_case(world, chromium, page_name, action_name, javascript=True)


class TestWithoutJavaScript:
    @CASES
    def test_member_action(self, world, database, chromium, page_name, action_name):
        run_case(world, chromium, page_name, action_name, javascript=False)


def test_the_matrix_names_only_known_pages_and_actions():
    assert {page for page, _ in MATRIX} <= set(PAGES)
    assert {action for _, action in MATRIX} == set(ACTIONS)
    assert len(set(MATRIX)) == len(MATRIX)
