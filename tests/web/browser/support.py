"""Helpers for the browser tests: signing in through the login form, and a watch over a
browser context that records every request, console error and uncaught page error, so a
test can say that nothing left the live server and nothing went wrong in the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Cookie,
    Page,
    Request,
    WebError,
    expect,
)

from tierwise.testing.portal import PASSWORD
from tierwise.web.guard import SESSION_COOKIE

#: The landing page of each login after signing in (a path on the live server).
HOMES = {
    "op": "/operator",
    "agency-a": "/partners/A/dashboard",
    "agency-b": "/partners/B/dashboard",
    "creator-c0": "/creator",
    "seller-s0": "/directory",
}
#: What the header says about each login (its name and role, in English).
WHO = {
    "op": "Olga Operator (operator)",
    "agency-a": "Agency A user (partner)",
    "agency-b": "Agency B user (partner)",
    "creator-c0": "Creator c0 (creator)",
    "seller-s0": "Seller S0 (seller)",
}

#: Chromium's console line for a document or resource answered with an error status.
_FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")


def fill_login_form(page: Page, login: str, password: str = PASSWORD) -> None:
    """Fill the login form on the page shown and send it."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()


def sign_in(page: Page, base: str, login: str) -> None:
    """Open the login page, sign in as `login` and wait for its home page."""
    page.goto(f"{base}/login")
    fill_login_form(page, login)
    expect(page).to_have_url(base + HOMES[login])
    expect(page.get_by_test_id("who")).to_have_text(WHO[login])


class Sessions:
    """One session per login on a live server, signed in through the login form once (in a
    browser context of its own) and handed to any page as its cookie: the tests that are
    about something else than signing in do not pay the password hash every time."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.browser = browser
        self.base = base
        self.cookies: dict[str, list[Cookie]] = {}

    def keep(self, context: BrowserContext, login: str) -> None:
        """Remember the session `context` signed in to as `login` (if none is kept yet)."""
        cookies = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
        if cookies:
            self.cookies.setdefault(login, cookies)

    def open(self, page: Page, login: str) -> None:
        """Give `page`'s context the session of `login` and open its home page."""
        if login not in self.cookies:
            context = self.browser.new_context()
            try:
                sign_in(context.new_page(), self.base, login)
                self.keep(context, login)
            finally:
                context.close()
        page.context.add_cookies(
            [
                {
                    "name": c["name"],
                    "value": c["value"],
                    "url": self.base,
                    "httpOnly": c["httpOnly"],
                    "sameSite": c["sameSite"],
                }
                for c in self.cookies[login]
            ]
        )
        page.goto(self.base + HOMES[login])
        expect(page.get_by_test_id("who")).to_have_text(WHO[login])


@dataclass
class Watch:
    """Everything a browser context asked for or complained about."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @classmethod
    def on(cls, context: BrowserContext) -> Watch:
        watch = cls()
        context.on("request", watch._request)
        context.on("console", watch._console)
        context.on("weberror", watch._web_error)
        return watch

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def _web_error(self, error: WebError) -> None:
        self.page_errors.append(str(error.error))

    def assert_clean(self, base: str, statuses: frozenset[int] = frozenset()) -> None:
        """Every request went to the live server at `base`, and the pages logged no error
        (no CSP violation, no script error) — except the line Chromium logs for a page the
        test expected to answer with one of `statuses`."""
        assert self.requests, "the watch saw no request"
        outside = [url for url in self.requests if not url.startswith(f"{base}/")]
        assert outside == [], f"requests that left {base}: {outside}"
        unexpected = []
        for text, url in self.console_errors:
            failed = _FAILED_LOAD.match(text)
            if failed and int(failed.group(1)) in statuses and url.startswith(f"{base}/"):
                continue
            unexpected.append(f"{text} ({url})")
        assert unexpected == [], f"console errors: {unexpected}"
        assert self.page_errors == [], f"uncaught page errors: {self.page_errors}"
