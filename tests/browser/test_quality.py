"""Every kind of page is valid HTML (Nu HTML checker) and passes axe-core's WCAG 2 A and AA rules."""

import pytest
from django.utils.text import slugify

from tests.browser.report import describe
from tests.support.pages import FRAGMENT_DOCUMENT

pytestmark = pytest.mark.browser

# What htmx swaps into a page: checked inside a minimal document.
FRAGMENTS = [
    ("search results fragment", "/search/?q=diffusion"),
    ("search second page fragment", "/search/?q=diffusion&page=2"),
    ("day sorted by newest fragment", "/papers/date/2026-08-19/?sort=new"),
]
# A known-bad document: a checker that passes it is not checking anything.
CANARY = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Canary</title></head>
<body><main><p><div>A block in a paragraph</div></p><img src="data:,"></main></body></html>
"""
# The axe rules whose outcome depends on the colour scheme.


def test_every_page_and_fragment_is_valid_html(client, imported_days, site_pages, nu_checker, tmp_path):
    files = {}
    for name, path, status in site_pages:
        response = client.get(path)
        assert response.status_code == status, f"{name} ({path}) answered {response.status_code}"
        files[name] = tmp_path / f"{slugify(name)}.html"
        files[name].write_text(response.text)
    for name, path in FRAGMENTS:
        response = client.get(path, headers={"HX-Request": "true"})
        assert response.status_code == 200, f"{name} ({path}) answered {response.status_code}"
        assert "<html" not in response.text, f"{name} ({path}) is a whole page, not a fragment"
        files[name] = tmp_path / f"{slugify(name)}.html"
        files[name].write_text(FRAGMENT_DOCUMENT.format(response.text))

    files["canary"] = tmp_path / "canary.html"
    files["canary"].write_text(CANARY)

    errors = nu_checker(files)

    assert errors.pop("canary", None), "The Nu HTML checker passed a known-bad document: is it checking anything?"
    assert not errors, f"The Nu HTML checker found errors:\n{describe(errors)}"


@pytest.mark.django_db(transaction=True)
def test_every_page_passes_axe_wcag_a_and_aa_in_light_and_dark(browsing, imported_days, site_pages, axe):
    page = browsing.open(bypass_csp=True)
    page.set_content(CANARY)
    assert axe.check(page), "axe-core passed a known-bad document: is it checking anything?"
    violations = {}
    for name, path, status in site_pages:
        response = page.goto(path)
        assert response.status == status, f"{name} ({path}) answered {response.status}"
        violations.update(axe.check_schemes(page, name))
    # What htmx swaps in, in place, as a reader sees it.
    page.goto("/search/")
    page.get_by_label("Title, author, keywords or abstract").fill("diffusion")
    page.locator("#search-results .paper-list").wait_for()
    if found := axe.check(page):
        violations["search results swapped in by htmx (/search/, light)"] = found

    assert not violations, f"axe-core found WCAG 2 A/AA violations:\n{describe(violations)}"
