"""A new member's feed in Chromium: sign up, pick topics on the welcome page, read the feed with its
reasons, mute a reason, follow an author past the mute, ask for less like a paper, choose a digest,
read and renew the private Atom feed, and save a paper; with JavaScript (htmx swaps in place) and without."""

from __future__ import annotations

import datetime as dt
import re

import feedparser
import pytest
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from papers.models import Follow, SavedPaper
from tests.factories import make_paper
from tests.support.browsing import sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LATEST = dt.date(2026, 8, 18)
# Each title is the paper's key; the feed's window is the 30 days before LATEST, the private feed's 14.
ROBOTICS = ["Grasping with soft hands", "Legged robots on ice"]
VISION = ["Segmenting anything twice", "Depth from one photo"]
BOTH = "Robots that see"  # Robotics and Vision: muting Vision hides it (following Robotics is no more specific)
BY_HOPPER = "Eyes for an arm"  # Vision, by Grace Hopper: following her brings it back past the mute
SPEECH = "Whisper in the noise"  # a topic the member never follows
TOO_OLD = "An old robot"  # Robotics, but listed before the window
REASON = re.compile(r"^(You follow|Upvoted by|Commented on by|Submitted by|Similar to) ")


@pytest.fixture
def papers() -> dict[str, str]:
    """Nine papers in three topics, listed over the last days; {title: arXiv id}."""
    made = [
        make_paper(title=ROBOTICS[0], topics=("Robotics",), listed_on=LATEST, hf_upvotes=12),
        make_paper(title=ROBOTICS[1], topics=("Robotics",), listed_on=LATEST - dt.timedelta(days=1), hf_upvotes=7),
        make_paper(title=VISION[0], topics=("Vision",), listed_on=LATEST, hf_upvotes=9),
        make_paper(title=VISION[1], topics=("Vision",), listed_on=LATEST - dt.timedelta(days=2), hf_upvotes=4),
        make_paper(title=BOTH, topics=("Robotics", "Vision"), listed_on=LATEST - dt.timedelta(days=1), hf_upvotes=5),
        make_paper(
            title=BY_HOPPER,
            topics=("Vision",),
            authors=("Grace Hopper",),
            listed_on=LATEST - dt.timedelta(days=3),
            hf_upvotes=3,
        ),
        make_paper(title=SPEECH, topics=("Speech",), listed_on=LATEST, hf_upvotes=20),
        make_paper(title=TOO_OLD, topics=("Robotics",), listed_on=LATEST - dt.timedelta(days=60), hf_upvotes=30),
    ]
    return {paper.title: paper.arxiv_id for paper in made}


def feed_titles(page: Page) -> list[str]:
    return page.locator("#feed-items .feed-item .paper-row__title").all_inner_texts()


def feed_item(page: Page, title: str) -> Locator:
    return page.locator("#feed-items .feed-item", has=page.locator(".paper-row__title", has_text=title))


def reasons(item: Locator) -> Locator:
    """The links that say why a paper is in the feed."""
    return item.get_by_role("link", name=REASON)


def set_marker(page: Page) -> None:
    """A value that only survives as long as no full page load happens."""
    page.evaluate("() => { window.__marker = 'still here'; }")


def marker(page: Page) -> str | None:
    return page.evaluate("() => window.__marker ?? null")


def pick_topics_on_the_welcome_page(page: Page, username: str) -> None:
    """Sign-up leads to the welcome page; two topics ticked there lead to a feed of their papers, each with why."""
    sign_up(page, username)
    expect(page).to_have_url(re.compile(r"/welcome/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to")
    page.get_by_label(re.compile("^Robotics")).check()
    page.get_by_label(re.compile("^Vision")).check()
    page.get_by_role("button", name="Follow these").click()

    expect(page).to_have_url(re.compile(r"/feed/$"))
    expect(page.locator(".messages")).to_contain_text("You now follow 2 more topics and organisations.")
    expected = [*ROBOTICS, *VISION, BOTH, BY_HOPPER]
    expect(page.locator("#feed-items .feed-item")).to_have_count(len(expected))
    assert sorted(feed_titles(page)) == sorted(expected)
    for title in ROBOTICS:
        expect(reasons(feed_item(page, title))).to_have_text(["You follow Robotics"])
    for title in [*VISION, BY_HOPPER]:
        expect(reasons(feed_item(page, title))).to_have_text(["You follow Vision"])
    expect(reasons(feed_item(page, BOTH))).to_have_text(["You follow Robotics", "You follow Vision"])
    member = User.objects.get(username=username)
    assert member.onboarded_at is not None
    assert sorted(Follow.objects.filter(user=member).values_list("topic__name", flat=True)) == ["Robotics", "Vision"]


def feed_after_muting_vision(page: Page) -> None:
    """Vision's papers are gone, the one in Robotics too (a mute of the same level hides it); Robotics' stay."""
    page.goto("/feed/")
    assert sorted(feed_titles(page)) == sorted(ROBOTICS)


def feed_after_following_hopper(page: Page) -> None:
    """Following an author (more specific than a topic) brings her Vision paper back, saying why."""
    page.goto("/feed/")
    assert sorted(feed_titles(page)) == sorted([*ROBOTICS, BY_HOPPER])
    item = feed_item(page, BY_HOPPER)
    expect(reasons(item)).to_have_text(["You follow Grace Hopper"])
    expect(item).to_contain_text("Shown although you mute “Vision”: you follow Grace Hopper")


def choose_the_daily_digest(page: Page, username: str) -> None:
    page.goto("/settings/")
    expect(page.get_by_label("Off", exact=True)).to_be_checked()
    page.get_by_label("Daily", exact=True).check()
    page.get_by_role("button", name="Save settings").click()

    expect(page).to_have_url(re.compile(r"/settings/$"))
    expect(page.locator(".messages")).to_contain_text("Your settings are saved.")
    page.reload()
    expect(page.get_by_label("Daily", exact=True)).to_be_checked()
    expect(page.get_by_label("Off", exact=True)).not_to_be_checked()
    assert User.objects.get(username=username).digest == User.Digest.DAILY


def read_and_renew_the_private_feed(page: Page, expected: list[str]) -> None:
    """The address on the settings page serves the feed as Atom; "New address" retires it at once."""
    page.goto("/settings/")
    old_url = page.locator("#private-feed-url").input_value()
    assert re.fullmatch(r"https?://[^/]+/feeds/[^/]+/", old_url), old_url
    response = page.request.get(old_url)
    assert response.status == 200, response.status
    assert response.headers["content-type"].startswith("application/atom+xml")
    atom = feedparser.parse(response.body())
    assert not atom.bozo, atom.bozo_exception
    assert atom.version == "atom10"
    assert sorted(entry.title for entry in atom.entries) == sorted(expected)

    page.get_by_role("button", name="New address").click()

    expect(page).to_have_url(re.compile(r"/settings/#your-feed$"))
    expect(page.locator(".messages")).to_contain_text("Your private feed has a new address")
    new_url = page.locator("#private-feed-url").input_value()
    assert new_url != old_url
    assert page.request.get(old_url).status == 404
    assert page.request.get(new_url).status == 200


def test_a_new_member_makes_a_feed_with_javascript(browsing, papers):
    page = browsing.open(javascript=True)
    pick_topics_on_the_welcome_page(page, "carol")

    # "Mute this reason" takes the paper away in place, with every other paper it takes out, and says so.
    set_marker(page)
    item = feed_item(page, VISION[0])
    item.get_by_role("button", name=re.compile("^Mute this reason")).click()
    expect(feed_item(page, VISION[0])).to_have_count(0)
    expect(page.locator("#live-messages")).to_have_text("Muted Vision.")
    # Every other paper the mute takes out leaves the page at once too.
    expect(page.locator("#feed-items .feed-item .paper-row__title")).to_have_text(ROBOTICS)
    assert marker(page) == "still here", "muting a reason reloaded the page instead of removing the paper"
    feed_after_muting_vision(page)

    # Following an author from her page: the buttons swap in place.
    page.goto("/authors/grace-hopper/")
    set_marker(page)
    page.get_by_role("button", name="Follow author Grace Hopper").click()
    expect(page.get_by_role("button", name="Follow author Grace Hopper")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".follow-buttons__status")).to_have_text("In your feed.")
    assert marker(page) == "still here", "following reloaded the page instead of swapping the buttons"
    feed_after_following_hopper(page)

    # "Less like this" takes the paper away in place, and for good.
    set_marker(page)
    feed_item(page, ROBOTICS[1]).get_by_role("button", name=re.compile("^Less like this")).click()
    expect(feed_item(page, ROBOTICS[1])).to_have_count(0)
    expect(page.locator("#live-messages")).to_have_text(f"You will see less like “{ROBOTICS[1]}”.")
    assert marker(page) == "still here", "“Less like this” reloaded the page instead of removing the paper"
    page.reload()
    assert sorted(feed_titles(page)) == sorted([ROBOTICS[0], BY_HOPPER])

    choose_the_daily_digest(page, "carol")
    read_and_renew_the_private_feed(page, [ROBOTICS[0], BY_HOPPER])

    # Saving from the feed swaps the button in place; the paper is then on /saved/.
    page.goto("/feed/")
    set_marker(page)
    save = feed_item(page, ROBOTICS[0]).locator(".save__button")
    expect(save).to_have_attribute("aria-pressed", "false")
    save.click()
    expect(feed_item(page, ROBOTICS[0]).locator(".save__button")).to_have_attribute("aria-pressed", "true")
    assert marker(page) == "still here", "saving reloaded the page instead of swapping the button"
    page.goto("/saved/")
    expect(page.locator("#saved-list .paper-row__title")).to_have_text([ROBOTICS[0]])

    assert SavedPaper.objects.filter(user__username="carol", paper__arxiv_id=papers[ROBOTICS[0]]).exists()
    assert browsing.problems(page) == []


def test_a_new_member_makes_a_feed_without_javascript(browsing, papers):
    page = browsing.open(javascript=False)
    pick_topics_on_the_welcome_page(page, "erin")

    # Each control is a plain form that comes back to the feed, with the mute already applied.
    feed_item(page, VISION[0]).get_by_role("button", name=re.compile("^Mute this reason")).click()
    expect(page).to_have_url(re.compile(r"/feed/$"))
    expect(page.locator(".messages")).to_contain_text("Muted Vision.")
    assert sorted(feed_titles(page)) == sorted(ROBOTICS)
    feed_after_muting_vision(page)

    # The topic's page shows the mute; following an author from her page comes back to it.
    page.goto("/topics/vision/")
    expect(page.get_by_role("button", name="Mute topic Vision")).to_have_attribute("aria-pressed", "true")
    page.goto("/authors/grace-hopper/")
    page.get_by_role("button", name="Follow author Grace Hopper").click()
    expect(page).to_have_url(re.compile(r"/authors/grace-hopper/$"))
    expect(page.locator(".messages")).to_contain_text("You follow Grace Hopper.")
    expect(page.get_by_role("button", name="Follow author Grace Hopper")).to_have_attribute("aria-pressed", "true")
    feed_after_following_hopper(page)

    feed_item(page, ROBOTICS[1]).get_by_role("button", name=re.compile("^Less like this")).click()
    expect(page).to_have_url(re.compile(r"/feed/$"))
    expect(page.locator(".messages")).to_contain_text(f"You will see less like “{ROBOTICS[1]}”.")
    assert sorted(feed_titles(page)) == sorted([ROBOTICS[0], BY_HOPPER])

    choose_the_daily_digest(page, "erin")
    read_and_renew_the_private_feed(page, [ROBOTICS[0], BY_HOPPER])

    # Saving from a paper's page comes back to it, saved; the paper is then on /saved/.
    page.goto(f"/papers/{papers[BY_HOPPER]}/")
    page.locator(".paper__stats .save__button").click()
    expect(page).to_have_url(re.compile(rf"/papers/{re.escape(papers[BY_HOPPER])}/$"))
    expect(page.locator(".paper__stats .save__button")).to_have_attribute("aria-pressed", "true")
    page.goto("/saved/")
    expect(page.locator("#saved-list .paper-row__title")).to_have_text([BY_HOPPER])

    assert SavedPaper.objects.filter(user__username="erin", paper__arxiv_id=papers[BY_HOPPER]).exists()
    assert browsing.problems(page) == []
