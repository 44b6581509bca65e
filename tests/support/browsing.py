"""Tabs on the live server that record what goes wrong in them (the `browsing` fixture of tests/browser)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response, expect

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

# Reports every CSP violation to Python, across navigations (init scripts ignore the page's CSP).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `in ${event.sourceFile || event.documentURI}:${event.lineNumber} ${event.sample || ""}`.trim()
  );
}, true);
"""


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in {"http", "https", "ws", "wss"} or parts.hostname in LOCAL_HOSTS


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


PASSWORD = "a long and unusual passphrase 42"


def sign_up(page: Page, username: str) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label(re.compile("^Email")).fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile("Password \\(again\\)|Confirm password|Repeat password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign up|Create account", re.I)).click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Log out")
