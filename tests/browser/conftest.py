"""Browser tests: Debian's Chromium driven by Playwright, and the quality checkers installed by npm.

Missing tools make these tests fail, never skip: `make test` (scripts/ensure-chromium) installs them.
One Chromium serves the whole package; each test gets fresh browser contexts. Every request
that leaves the live server is aborted, so the pages never wait on the (unreachable) CDNs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.report import describe_axe_violation
from tests.support.browsing import Browsing

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VNU_JAR = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
AXE_JS = ROOT / "node_modules/axe-core/axe.min.js"
# The axe rules that depend on colours: the ones to rerun in the dark scheme.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

# Starts axe-core without waiting, so that several tabs can run it at once; AXE_RESULTS waits.
AXE_START = """
(runOnly) => {
  window.__axeViolations = axe.run(document, {runOnly, resultTypes: ["violations"]}).then((results) =>
    results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
    }))
  );
}
"""
AXE_RESULTS = "() => window.__axeViolations"

# Every kind of page, with the status it answers. The slugs and ids are in tests/fixtures/hf.
SITE_PAGES = [
    ("home", "/", 200),
    ("day", "/papers/date/2026-08-18/", 200),
    ("week", "/papers/week/2026-W34/", 200),
    ("month", "/papers/month/2026-08/", 200),
    ("trending", "/papers/trending/", 200),
    ("paper", "/papers/2608.12313/", 200),
    ("search results", "/search/?q=diffusion", 200),
    ("empty search", "/search/", 200),
    ("search without results", "/search/?q=zzzqqqxxx", 200),
    ("organisation", "/orgs/tencent/", 200),
    ("author", "/authors/ruihua-huang/", 200),
    ("author namesakes", "/authors/hao-li/", 200),
    ("author with a number", "/authors/kaipeng-zhang/6/", 200),
    ("topic", "/topics/reinforcement-learning/", 200),
    ("topic with other spellings", "/topics/vision-language-models/", 200),
    ("about ranking", "/about/ranking/", 200),
    ("not found", "/no-such-page/", 404),
    ("missing paper", "/papers/2699.99999/", 404),
]


def require(present: bool, what: str) -> None:
    if not present:
        pytest.fail(f"{what} is missing: run `make test`, which installs it (scripts/ensure-chromium).", pytrace=False)


@pytest.fixture
def site_pages() -> list[tuple[str, str, int]]:
    """(name, path, expected status) of every kind of page, for the recorded archive."""
    return list(SITE_PAGES)


@pytest.fixture(autouse=True, scope="package")
def similarity_libraries() -> None:
    """Loaded before the live server's first request, as the web server does at start (config/wsgi.py) when it
    runs tasks itself: a member's first upvote in a browser must not wait for them."""
    from papers.similarity import preload

    preload()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole package.

    The sync Playwright API keeps an asyncio loop running in this thread while it is
    started, which Django takes for async code: allow the ORM for exactly that long.
    """
    require(CHROMIUM.exists(), f"Chromium ({CHROMIUM})")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browsing(chromium: Browser, live_server) -> Iterator[Browsing]:
    browsing = Browsing(chromium, live_server.url)
    yield browsing
    browsing.close()


class Axe:
    """axe-core in pages opened with bypass_csp=True: the WCAG 2 A and AA rules, or the given rules."""

    def __init__(self, source: str) -> None:
        self.source = source

    def start(self, page: Page, rules: list[str] | None = None) -> Callable[[], list[str]]:
        """Starts a run in the page's own renderer; the returned function waits for its violations."""
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.add_script_tag(content=self.source)
        run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": ["wcag2a", "wcag2aa"]}
        page.evaluate(AXE_START, run_only)
        return lambda: [describe_axe_violation(violation) for violation in page.evaluate(AXE_RESULTS)]

    def check(self, page: Page, rules: list[str] | None = None) -> list[str]:
        """One readable text per violation."""
        return self.start(page, rules)()

    def check_schemes(self, page: Page, name: str) -> dict[str, list[str]]:
        """Every rule in the light scheme, then the colour rules in the dark one (only colours change there):
        {"<name> (<url>, light|dark)": violations} for the schemes that have some."""
        found = {f"{name} ({page.url}, light)": self.check(page)}
        page.emulate_media(color_scheme="dark")
        found[f"{name} ({page.url}, dark)"] = self.check(page, rules=COLOUR_RULES)
        page.emulate_media(color_scheme="light")
        return {key: violations for key, violations in found.items() if violations}


@pytest.fixture(scope="package")
def axe() -> Axe:
    require(AXE_JS.exists(), f"axe-core ({AXE_JS.relative_to(ROOT)})")
    return Axe(AXE_JS.read_text())


@pytest.fixture(scope="package")
def nu_checker() -> Callable[[dict[str, Path]], dict[str, list[str]]]:
    """Runs the Nu HTML checker once over many files: {name: file} to {name: [error, …]}."""
    java = shutil.which("java")
    require(java is not None, "java (Debian's default-jre-headless)")
    require(VNU_JAR.exists(), f"the Nu HTML checker ({VNU_JAR.relative_to(ROOT)})")

    def check(files: dict[str, Path]) -> dict[str, list[str]]:
        names = {path.name: name for name, path in files.items()}
        # A quick-starting JVM: the checker needs a deeper stack than the C1 compiler's default.
        jvm = ["-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
        command = [java, *jvm, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files.values())]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        try:
            messages = json.loads(result.stderr or result.stdout)["messages"]
        except (ValueError, KeyError):
            pytest.fail(f"The Nu HTML checker did not answer in JSON:\n{result.stdout}\n{result.stderr}")
        errors: dict[str, list[str]] = {}
        for message in messages:
            url = message.get("url", "?")
            name = names.get(url.rsplit("/", 1)[-1], url)
            where = f"line {message.get('lastLine', '?')}"
            extract = " ".join(message.get("extract", "").split())
            errors.setdefault(name, []).append(f"{where}: {message['message']}\n      {extract}")
        return errors

    return check
