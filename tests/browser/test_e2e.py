"""A reader's journeys in Chromium, with JavaScript (htmx swaps in place) and without (plain links and forms)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from papers.models import Paper
from tests.browser.report import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# From tests/fixtures/hf: the latest recorded day, its top paper (most upvotes) and the day before.
LATEST_DAY = "August 19, 2026"
TOP_PAPER_ID = "2608.17271"
TOP_PAPER_TITLE = "ASI-Bench: At the Dawn of Artificial Superintelligence"
PREVIOUS_DAY = dt.date(2026, 8, 18)

OVERFLOWING_ELEMENTS = """
() => [...document.querySelectorAll("body *")]
  .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 10)
  .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join(".")}`
    + ` (right edge ${Math.round(element.getBoundingClientRect().right)}px)`)
"""


def first_titles(page: Page, count: int = 3) -> list[str]:
    return page.locator("#listing .paper-row__title").all_inner_texts()[:count]


def expected_titles(day: dt.date, sort: str, count: int = 3) -> list[str]:
    return [paper.title for paper in Paper.objects.listed_on(day).ranked_for_day(sort)[:count]]


def sort_tab(page: Page, label: str) -> Locator:
    return page.get_by_role("navigation", name="Sort papers").get_by_role("link", name=label, exact=True)


def set_marker(page: Page) -> None:
    """A value that only survives as long as no full page load happens."""
    page.evaluate("() => { window.__marker = 'still here'; }")


def marker(page: Page) -> str | None:
    return page.evaluate("() => window.__marker ?? null")


def read_a_paper_and_come_back(page: Page) -> None:
    """Home shows the latest day, top paper first; its title leads to the paper, and back."""
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(LATEST_DAY)
    top = page.locator("#listing .paper-row__title a").first
    expect(top).to_have_text(TOP_PAPER_TITLE)

    top.click()

    expect(page).to_have_url(re.compile(rf"/papers/{re.escape(TOP_PAPER_ID)}/$"))
    expect(page).to_have_title(re.compile(rf"^{re.escape(TOP_PAPER_TITLE)} · "))
    expect(page.get_by_role("heading", level=1)).to_have_text(TOP_PAPER_TITLE)
    expect(page.get_by_role("link", name="arXiv page")).to_have_attribute(
        "href", f"https://arxiv.org/abs/{TOP_PAPER_ID}"
    )

    page.go_back()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(LATEST_DAY)


def go_to_the_previous_day(page: Page) -> None:
    page.get_by_role("link", name="Previous day").click()

    expect(page).to_have_url(re.compile(rf"/papers/date/{PREVIOUS_DAY}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("August 18, 2026")
    expect(page.locator("#listing .paper-row__title")).to_have_count(len(expected_titles(PREVIOUS_DAY, "top", 30)))


def test_reading_sorting_and_searching_with_javascript(browsing, imported_days):
    page = browsing.open()
    read_a_paper_and_come_back(page)
    go_to_the_previous_day(page)

    # Sort tabs swap the listing in place, and the back button still works.
    set_marker(page)
    sort_tab(page, "Newest").click()

    expect(page).to_have_url(re.compile(rf"/papers/date/{PREVIOUS_DAY}/\?sort=new$"))
    expect(sort_tab(page, "Newest")).to_have_attribute("aria-current", "true")
    expect(sort_tab(page, "Top")).not_to_have_attribute("aria-current", "true")
    assert first_titles(page) == expected_titles(PREVIOUS_DAY, "new")
    assert marker(page) == "still here", "the sort tab reloaded the page instead of swapping the listing"

    sort_tab(page, "Most discussed").click()

    expect(page).to_have_url(re.compile(r"\?sort=discussed$"))
    expect(sort_tab(page, "Most discussed")).to_have_attribute("aria-current", "true")
    assert first_titles(page) == expected_titles(PREVIOUS_DAY, "discussed")

    page.go_back()

    expect(page).to_have_url(re.compile(r"\?sort=new$"))
    expect(sort_tab(page, "Newest")).to_have_attribute("aria-current", "true")
    assert first_titles(page) == expected_titles(PREVIOUS_DAY, "new")

    # Typing a search swaps the results in place and updates the address.
    page.goto("/search/")
    set_marker(page)
    page.get_by_label("Title, author, keywords or abstract").press_sequentially("diffusion", delay=30)

    expect(page).to_have_url(re.compile(r"/search/\?q=diffusion$"))
    expect(page.get_by_role("status")).to_contain_text("Results 1–30 for “diffusion”")
    expect(page.locator("#search-results .paper-row")).to_have_count(30)
    assert marker(page) == "still here", "typing a search reloaded the page instead of swapping the results"
    problems = browsing.problems(page)
    assert not problems, f"The browser reported problems on the way:\n{describe({'reader with JavaScript': problems})}"


def test_reading_sorting_and_searching_without_javascript(browsing, imported_days):
    page = browsing.open(javascript=False)
    read_a_paper_and_come_back(page)
    go_to_the_previous_day(page)

    # Sort tabs are plain links.
    with page.expect_response(lambda response: response.request.is_navigation_request()) as navigation:
        sort_tab(page, "Newest").click()

    assert navigation.value.url.endswith(f"/papers/date/{PREVIOUS_DAY}/?sort=new")
    expect(sort_tab(page, "Newest")).to_have_attribute("aria-current", "true")
    assert first_titles(page) == expected_titles(PREVIOUS_DAY, "new")

    # The search form submits to the results page.
    page.goto("/search/")
    page.get_by_label("Title, author, keywords or abstract").fill("diffusion")
    page.get_by_label("Title, author, keywords or abstract").press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=diffusion$"))
    expect(page).to_have_title(re.compile(r"^diffusion · Search · "))
    expect(page.get_by_role("status")).to_contain_text("Results 1–30 for “diffusion”")
    expect(page.locator("#search-results .paper-row")).to_have_count(30)


def test_pages_have_no_console_errors_or_csp_violations(browsing, imported_days, site_pages):
    page = browsing.open()
    problems = {}
    for name, path, status in site_pages:
        response = page.goto(path)
        assert response.status == status, f"{name} ({path}) answered {response.status}"
        if found := browsing.problems(page):
            problems[f"{name} ({path})"] = found

    assert not problems, f"The browser reported problems:\n{describe(problems)}"


def test_phone_layout_does_not_scroll_sideways(browsing, imported_days):
    page = browsing.open(viewport=(375, 800))
    overflowing = {}
    for path in ["/", "/papers/2608.12313/", "/search/?q=diffusion", "/about/ranking/"]:
        page.goto(path)
        width, scroll_width = page.evaluate("() => [window.innerWidth, document.documentElement.scrollWidth]")
        if scroll_width > width:
            overflowing[f"{path} is {scroll_width}px wide in a {width}px window"] = page.evaluate(OVERFLOWING_ELEMENTS)

    assert not overflowing, f"Pages scroll sideways on a phone:\n{describe(overflowing)}"
