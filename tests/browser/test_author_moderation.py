"""A moderator corrects an author in Chromium from the person's page, with JavaScript (htmx) and without: merging
one Hao Li into another lands on the survivor's page with both papers, and the moderator's page passes axe."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from papers.models import Authorship, ModerationAction
from tests.browser.report import describe
from tests.factories import make_user
from tests.support.pages import sign_in

pytestmark = pytest.mark.browser

SHANGHAI_HAO_LI, PEKING_HAO_LI = "2608.02287", "2608.00574"  # two people of one name, on the recorded days


def person_of(arxiv_id: str):
    return Authorship.objects.select_related("author").get(paper__arxiv_id=arxiv_id, author__slug="hao-li").author


def signed_in_moderator(browsing, live_server, **options):
    moderator = make_user("mod")
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    page = browsing.open(**options)
    sign_in(page, moderator, live_server.url)
    return page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_moderator_merges_two_people_from_the_persons_page(imported_days, browsing, live_server, javascript):
    source, target = person_of(SHANGHAI_HAO_LI), person_of(PEKING_HAO_LI)
    assert source != target
    page = signed_in_moderator(browsing, live_server, javascript=javascript)
    page.goto(f"/authors/hao-li/{source.number}/")
    merge = page.locator("form", has=page.get_by_role("button", name="Merge"))
    merge.get_by_label("Merge this person into").select_option(str(target.number))
    merge.get_by_label("Reason to merge").fill("Same person, moved labs")
    merge.get_by_role("button", name="Merge").click()
    expect(page).to_have_url(f"{live_server.url}/authors/hao-li/{target.number}/")
    expect(page.locator(f'a[href="/papers/{SHANGHAI_HAO_LI}/"]').first).to_be_visible()
    expect(page.locator(f'a[href="/papers/{PEKING_HAO_LI}/"]').first).to_be_visible()
    assert person_of(SHANGHAI_HAO_LI) == target
    assert ModerationAction.objects.get().reason == "Same person, moved labs"
    assert browsing.problems(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_moderators_person_page_passes_axe(imported_days, browsing, axe, live_server):
    page = signed_in_moderator(browsing, live_server, bypass_csp=True)
    page.goto(f"/authors/hao-li/{person_of(SHANGHAI_HAO_LI).number}/")
    expect(page.get_by_role("heading", name="Correct this author")).to_be_visible()
    violations = axe.check_schemes(page, "moderator person page")
    assert not violations, f"axe-core found WCAG 2 A/AA violations:\n{describe(violations)}"
