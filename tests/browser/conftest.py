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
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response, sync_playwright

from tests.browser.report import describe_axe_violation

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
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# The axe rules that depend on colours: the ones to rerun in the dark scheme.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

# Reports every CSP violation to Python, across navigations (init scripts ignore the page's CSP).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `in ${event.sourceFile || event.documentURI}:${event.lineNumber} ${event.sample || ""}`.trim()
  );
}, true);
"""

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
    ("author", "/authors/kaipeng-zhang/", 200),
    ("topic", "/topics/reinforcement-learning/", 200),
    ("about ranking", "/about/ranking/", 200),
    ("not found", "/no-such-page/", 404),
    ("missing paper", "/papers/2699.99999/", 404),
]


def require(present: bool, what: str) -> None:
    if not present:
        pytest.fail(f"{what} is missing: run `make test`, which installs it (scripts/ensure-chromium).", pytrace=False)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in {"http", "https", "ws", "wss"} or parts.hostname in LOCAL_HOSTS


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


class Browsing:
    """Opens tabs on the live server in fresh contexts, and records what goes wrong in them:
    console errors, uncaught exceptions, CSP violations and failed requests to the server."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self._problems: dict[Page, list[str]] = {}

    def open(
        self,
        *,
        javascript: bool = True,
        color_scheme: str = "light",
        viewport: tuple[int, int] = (1280, 900),
        bypass_csp: bool = False,
    ) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            java_script_enabled=javascript,
            color_scheme=color_scheme,
            reduced_motion="reduce",
            viewport={"width": viewport[0], "height": viewport[1]},
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        context.route(lambda url: not is_local(url), lambda route: route.abort("blockedbyclient"))
        page = context.new_page()
        problems = self._problems[page] = []
        failed_documents: set[str] = set()
        page.expose_function("__reportCspViolation", lambda text: problems.append(f"CSP violation: {text}"))
        page.add_init_script(CSP_LISTENER)
        page.on("console", lambda message: self._on_console(problems, failed_documents, message))
        page.on("pageerror", lambda error: problems.append(f"uncaught exception: {error}"))
        page.on("response", lambda response: self._on_response(problems, failed_documents, response))
        page.on("requestfailed", lambda request: self._on_request_failed(problems, request))
        return page

    @staticmethod
    def _on_console(problems: list[str], failed_documents: set[str], message: ConsoleMessage) -> None:
        source = message.location.get("url", "")
        if message.type != "error" or (source and not is_local(source)):
            return  # Requests to other hosts are aborted on purpose.
        if "Content Security Policy" in message.text:
            return  # Reported by the securitypolicyviolation listener, with the blocked address.
        if source in failed_documents and message.text.startswith("Failed to load resource"):
            return  # The page's own status: tests that open it check it.
        problems.append(f"console error: {message.text} ({source}:{message.location.get('lineNumber')})")

    @staticmethod
    def _on_response(problems: list[str], failed_documents: set[str], response: Response) -> None:
        if response.status < 400 or not is_local(response.url):
            return
        if response.request.is_navigation_request():
            failed_documents.add(response.url)
        else:
            problems.append(f"HTTP {response.status} for {response.request.resource_type} {response.url}")

    @staticmethod
    def _on_request_failed(problems: list[str], request: Request) -> None:
        # ERR_ABORTED: the tab went on to the next page before this request (often the favicon) finished.
        if is_local(request.url) and request.failure != "net::ERR_ABORTED":
            problems.append(f"request failed: {request.url} {request.failure}")

    def problems(self, page: Page) -> list[str]:
        """What went wrong in the page so far, each distinct problem once; forgets them."""
        found = self._problems[page]
        counts = {problem: found.count(problem) for problem in found}
        found.clear()
        return [f"{problem} (×{count})" if count > 1 else problem for problem, count in counts.items()]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


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
