"""The site header in Chromium: one row on a laptop, at most two compact rows on a phone, and a member's
menu (a <details> disclosure) that works with the keyboard alone and without JavaScript."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import Locator, Page, expect

from accounts.models import MODERATORS_GROUP, User
from papers.models import Notification
from tests.browser.report import describe
from tests.factories import make_paper, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = (1280, 900)
PHONE = (390, 844)
UNREAD = 12  # a two-digit badge

# The header's visible controls, grouped into rows by their vertical extent (elements of one row overlap).
HEADER_ROWS = """
() => {
  const header = document.querySelector("header.site-header");
  const controls = [...header.querySelectorAll("a, button, input, summary")]
    .filter((el) => el.checkVisibility({visibilityProperty: true}))  // not in the closed menu
    .map((el) => el.getBoundingClientRect())
    .filter((box) => box.width > 1 && box.height > 1)
    .sort((a, b) => a.top - b.top);
  const rows = [];
  for (const box of controls) {
    const row = rows[rows.length - 1];
    if (row && box.top < row.bottom - 1) row.bottom = Math.max(row.bottom, box.bottom);
    else rows.push({top: box.top, bottom: box.bottom});
  }
  return {rows: rows.length, height: header.getBoundingClientRect().height, controls: controls.length};
}
"""
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def member_with_news(username: str, *, moderator: bool = False) -> User:
    """A member with a long name and a two-digit count of unread notifications."""
    user = make_user(username, display_name="Augusta Ada King-Noel")
    if moderator:
        user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])  # transactional tests flush it
    for _ in range(UNREAD):
        Notification.objects.create(recipient=user, kind=Notification.Kind.NEW_PAPER, paper=make_paper())
    return user


@pytest.fixture(params=["member", "moderator"])
def someone(request) -> User:
    make_paper("2608.00001", title="A paper with a page")
    return member_with_news("ada", moderator=request.param == "moderator")


def open_signed_in(browsing, live_server, user: User | None, **options) -> Page:
    page = browsing.open(**options)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return page


def menu(page: Page) -> Locator:
    return page.locator("header.site-header details.menu")


def summary(page: Page) -> Locator:
    return menu(page).locator("summary")


def is_open(page: Page) -> bool:
    return menu(page).evaluate("(details) => details.open")


def focused(page: Page) -> str:
    return page.evaluate(
        "() => { const el = document.activeElement; return el.tagName.toLowerCase() + ' ' + el.textContent.trim(); }"
    )


def tab_to_the_menu(page: Page) -> None:
    """From a page just opened: Tab until the menu's summary has focus."""
    for _ in range(25):
        page.keyboard.press("Tab")
        if summary(page).evaluate("(el) => el === document.activeElement"):
            return
    pytest.fail(f"Tab never reached the menu; focus is on {focused(page)}")


# Rows


@pytest.mark.parametrize("path", ["/", "/papers/2608.00001/", "/search/?q=paper", "/saved/"])
def test_the_header_is_one_row_at_1280_pixels_signed_in(browsing, live_server, someone, path):
    page = open_signed_in(browsing, live_server, someone, viewport=LAPTOP)
    assert page.goto(path).status == 200
    found = page.evaluate(HEADER_ROWS)
    assert found["rows"] == 1, f"{path}: {found}"
    assert found["height"] <= 64, f"{path}: {found}"


@pytest.mark.parametrize("path", ["/", "/papers/2608.00001/", "/search/?q=paper", "/saved/"])
def test_the_header_is_at_most_two_compact_rows_on_a_phone_signed_in(browsing, live_server, someone, path):
    page = open_signed_in(browsing, live_server, someone, viewport=PHONE)
    assert page.goto(path).status == 200
    found = page.evaluate(HEADER_ROWS)
    assert found["rows"] <= 2, f"{path}: {found}"
    assert found["height"] <= 112, f"{path}: {found}"
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{path} scrolls sideways"
    summary(page).click()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{path} scrolls sideways with the menu open"
    panel = menu(page).locator(".menu__panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= PHONE[0], panel


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_visitors_get_a_compact_header_too(browsing, live_server, viewport):
    make_paper("2608.00001")
    page = open_signed_in(browsing, live_server, None, viewport=viewport)
    page.goto("/")
    found = page.evaluate(HEADER_ROWS)
    assert found["rows"] == (1 if viewport == LAPTOP else 2), found
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Log in")).to_be_visible()
    expect(account.get_by_role("link", name="Sign up")).to_be_visible()


# What stays in reach


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_main_actions_and_the_unread_badge_need_no_menu(browsing, live_server, someone, viewport):
    page = open_signed_in(browsing, live_server, someone, viewport=viewport)
    page.goto("/papers/")
    banner = page.get_by_role("banner")
    main = banner.get_by_role("navigation", name="Main")
    for name in ["For you", "Daily", "Trending"]:
        expect(main.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(main.get_by_role("link", name="Daily", exact=True)).to_have_attribute("aria-current", "page")
    expect(banner.get_by_role("search").get_by_role("searchbox", name="Search papers")).to_be_visible()
    notifications = banner.get_by_role("navigation", name="Account").get_by_role("link", name="Notifications")
    expect(notifications).to_be_visible()
    expect(notifications).to_have_accessible_name(f"Notifications {UNREAD} unread")
    expect(notifications.locator(".badge")).to_be_visible()
    expect(notifications.locator(".badge")).to_have_text(f"{UNREAD} unread")
    expect(summary(page)).to_be_visible()
    assert not is_open(page)


def test_the_menu_marks_the_current_page(browsing, live_server, someone):
    page = open_signed_in(browsing, live_server, someone, viewport=LAPTOP)
    page.goto("/saved/")
    summary(page).click()
    expect(menu(page).get_by_role("link", name="Saved")).to_have_attribute("aria-current", "page")
    expect(menu(page).locator("[aria-current]")).to_have_count(1)
    expect(summary(page)).to_have_class("menu__summary menu__summary--current")


# The menu, by keyboard, with and without JavaScript


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_menu_opens_and_closes_with_the_keyboard_alone(browsing, live_server, someone, javascript, viewport):
    page = open_signed_in(browsing, live_server, someone, viewport=viewport, javascript=javascript)
    page.goto("/")
    tab_to_the_menu(page)
    outline = summary(page).evaluate("(el) => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]")
    assert outline[0] != "none" and outline[1] != "0px", f"no visible focus on the menu: {outline}"
    expected = ["Your profile", "Saved", "Submit a paper"]
    expected += ["Flag queue"] if someone.is_moderator else []
    expected += ["Settings", "About ranking", "Log out"]

    page.keyboard.press("Enter")
    assert is_open(page)
    expect(menu(page).locator(".menu__panel")).to_be_visible()
    for name in expected:  # every item in order, then out of the menu
        page.keyboard.press("Tab")
        assert focused(page).endswith(name), f"expected {name}, focus is on {focused(page)}"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page).endswith(expected[-3])

    if javascript:
        page.keyboard.press("Escape")  # closes, and gives focus back to the summary
        assert not is_open(page)
        assert summary(page).evaluate("(el) => el === document.activeElement")
        page.keyboard.press(" ")
        assert is_open(page)
        for _ in expected:
            page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # out of the menu: it closes behind
        assert not is_open(page)
        assert not menu(page).evaluate("(details) => details.contains(document.activeElement)")
        summary(page).click()
        page.locator("main").click(position={"x": 5, "y": 5})  # a click elsewhere closes it too
        assert not is_open(page)
    else:
        for _ in range(len(expected) - 2):  # back to the summary
            page.keyboard.press("Shift+Tab")
        assert summary(page).evaluate("(el) => el === document.activeElement"), focused(page)
        page.keyboard.press("Enter")
        assert not is_open(page)
        page.keyboard.press(" ")
        assert is_open(page)
        page.keyboard.press(" ")
        assert not is_open(page)
        summary(page).click()
        assert is_open(page)
        summary(page).click()
        assert not is_open(page)
    assert browsing.problems(page) == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_every_link_in_the_menu_works_and_log_out_posts(browsing, live_server, someone, javascript):
    page = open_signed_in(browsing, live_server, someone, viewport=PHONE, javascript=javascript)
    page.goto("/")
    summary(page).click()
    links = menu(page).get_by_role("link")
    names = [name.strip() for name in links.all_inner_texts()]
    assert len(names) == (6 if someone.is_moderator else 5), names
    for name in names:
        page.goto("/")
        summary(page).click()
        with page.expect_navigation() as navigation:
            menu(page).get_by_role("link", name=name, exact=True).click()
        assert navigation.value.status == 200, f"{name} answered {navigation.value.status}"
        assert page.get_by_role("heading", level=1).first.is_visible(), name
    page.goto("/")
    summary(page).click()
    log_out = menu(page).get_by_role("button", name="Log out")
    assert log_out.evaluate("(button) => button.form.method") == "post"
    log_out.click()
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in")).to_be_visible()
    assert browsing.problems(page) == []


# Quality


def test_the_signed_in_header_passes_axe_open_and_closed_in_both_schemes(browsing, live_server, axe):
    moderator = member_with_news("mod", moderator=True)
    violations = {}
    for viewport, name in [(LAPTOP, "laptop"), (PHONE, "phone")]:
        page = open_signed_in(browsing, live_server, moderator, viewport=viewport, bypass_csp=True)
        page.goto("/saved/")
        violations.update(axe.check_schemes(page, f"header closed, {name}"))
        summary(page).click()
        violations.update(axe.check_schemes(page, f"header with the menu open, {name}"))
        page.keyboard.press("Tab")
        violations.update(axe.check_schemes(page, f"menu item focused, {name}"))
    assert not violations, f"axe-core found WCAG 2 A/AA violations:\n{describe(violations)}"


@pytest.mark.django_db
def test_the_signed_in_header_is_valid_html(nu_checker, tmp_path):
    files = {}
    for username, moderator in [("ada", False), ("mod", True)]:
        client = Client()
        client.force_login(member_with_news(username, moderator=moderator))
        files[username] = tmp_path / f"{username}.html"
        files[username].write_text(client.get("/saved/").text)
    errors = nu_checker(files)
    assert not errors, f"The Nu HTML checker found errors:\n{describe(errors)}"
