"""A moderator corrects topics in Chromium from the topic page, with JavaScript (htmx) and without: a refused
form shows its error, a merge lands on the merged topic; the moderator's topic page is valid HTML and passes axe."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils.text import slugify
from playwright.sync_api import expect

from papers.models import ModerationAction, Topic, TopicAlias
from tests.browser.report import describe
from tests.factories import make_paper, make_user
from tests.support.pages import sign_in, signed_in_client

pytestmark = pytest.mark.browser


def moderator_with_topics():
    moderator = make_user("mod")
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    for _ in range(2):
        make_paper(topics=("GRPO", "reinforcement learning"))
    make_paper(topics=("Group Relative Policy Optimization",))
    return moderator


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_moderator_merges_topics_from_the_topic_page(browsing, live_server, javascript):
    moderator = moderator_with_topics()
    page = browsing.open(javascript=javascript)
    sign_in(page, moderator, live_server.url)
    page.goto("/topics/group-relative-policy-optimization/")
    page.get_by_text("Correct this topic (moderators)").click()
    merge = page.locator("form", has=page.get_by_role("button", name="Merge"))
    merge.get_by_label("Merge into (a topic's name or address)").fill("GRPO")
    merge.get_by_role("button", name="Merge").click()  # no reason: refused, the form says why
    if not javascript:  # the browser's own check stops it; without it the server says the same
        merge.get_by_label("Reason").evaluate("input => input.removeAttribute('required')")
        merge.get_by_role("button", name="Merge").click()
        expect(page.locator(".form-error").first).to_contain_text("Give a reason")
        merge = page.locator("form", has=page.get_by_role("button", name="Merge"))
    assert not ModerationAction.objects.exists()
    merge.get_by_label("Reason").fill("Same method")
    merge.get_by_label("Merge into (a topic's name or address)").fill("GRPO")
    merge.get_by_role("button", name="Merge").click()
    expect(page.locator("h1")).to_have_text("GRPO")
    expect(page.locator(".listing-aliases")).to_contain_text("Also known as: Group Relative Policy Optimization")
    assert page.url.endswith("/topics/grpo/")
    assert TopicAlias.objects.get(slug="group-relative-policy-optimization").topic == Topic.objects.get(slug="grpo")
    assert ModerationAction.objects.get().reason == "Same method"
    assert browsing.problems(page) == []


@pytest.mark.django_db
def test_the_moderators_topic_page_is_valid_html(nu_checker, tmp_path):
    client = signed_in_client(moderator_with_topics())
    files = {}
    for name, path in [("moderator topic", "/topics/grpo/"), ("moderator topic merged", "/topics/grpo/")]:
        response = client.get(path)
        assert response.status_code == 200
        files[name] = tmp_path / f"{slugify(name)}.html"
        files[name].write_text(response.text)
        client.post("/topics/group-relative-policy-optimization/merge/", {"into": "grpo", "reason": "Same method"})
    refused = client.post("/topics/grpo/split/", {"alias": "grpo", "reason": ""})
    assert refused.status_code == 400
    files["refused correction"] = tmp_path / "refused.html"
    files["refused correction"].write_text(refused.text)
    errors = nu_checker(files)
    assert not errors, f"The Nu HTML checker found errors:\n{describe(errors)}"


@pytest.mark.django_db(transaction=True)
def test_the_moderators_topic_page_passes_axe(browsing, axe, live_server):
    moderator = moderator_with_topics()
    page = browsing.open(bypass_csp=True)
    sign_in(page, moderator, live_server.url)
    page.goto("/topics/grpo/")
    page.get_by_text("Correct this topic (moderators)").click()
    violations = axe.check_schemes(page, "moderator topic page")
    assert not violations, f"axe-core found WCAG 2 A/AA violations:\n{describe(violations)}"
