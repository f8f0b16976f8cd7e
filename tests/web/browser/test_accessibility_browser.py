"""Every page of the portal, for each role and in both languages, in Debian's chromium:
axe-core (pinned in assets/package-lock.json, committed in tests/web/browser/vendor with its
licence and checksum — a test tool, never served by the portal) finds no violation of
impact "serious" or "critical" (colour contrast at WCAG AA among them), and at 390 px wide
(a phone) no page scrolls sideways.

axe is put into the page with `page.evaluate` of its source: DevTools evaluation is not
bound by the portal's Content-Security-Policy (script-src 'self'), so the policy under test
stays the one the portal sends (no `bypass_csp`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.web.browser.support import Sessions, fill_login_form
from tests.web.conftest import LiveServer, make_app
from tierwise.definitions.model import Visibility
from tierwise.server.app import create_app
from tierwise.testing.compass import (
    CompassSetup,
    build_compass_portal,
    compass_content_world,
    open_compass_portal,
)
from tierwise.testing.portal import PortalSetup, build_portal

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WIDE: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
LANGUAGES = ["en", "zh"]
BLOCKING = {"serious", "critical"}

#: The pages each login of the shared portal world can open (paths on the live server).
PORTAL_PAGES = {
    "op": [
        "/operator",
        "/operator/programs/buyin-mcn",
        "/operator/runs/{preview_run}",
        "/operator/decisions",
        "/operator/appeals",
        "/operator/outbox",
        "/operator/audit",
        "/operator/users",
        "/account/password",
    ],
    "agency-a": [
        "/partners/A/dashboard",
        "/partners/A/badges",
        "/directory",
        "/directory/A",
    ],
    "creator-c0": ["/creator"],
    "seller-s0": ["/directory", "/directory/A"],
}
#: The Data Compass pages, over `compass_content_world()`.
COMPASS_PAGES = {
    "agency-a": [
        "/compass",
        "/compass/creators",
        "/compass/creators?tab=unauthorized",
        "/compass/lives",
        "/compass/lives/LIVE-C1",
        "/compass/videos",
        "/compass/videos/VID-1",
        "/compass/products",
        "/compass/products/P1",
    ],
    "creator-c0": ["/compass/consent"],
    "creator-c1": ["/compass/consent"],
}


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: it is committed (see `make vendor`)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def findings(page: Page, source: str) -> list[str]:
    """A line if the page shown (opened at 390 px wide, as a phone would) is wider than
    the screen, then axe's serious and critical violations on it at desktop width."""
    found: list[str] = []
    widths = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    if widths[0] > widths[1]:
        found.append(f"{page.url}: {widths[0]} px wide on a {widths[1]} px screen")
    page.set_viewport_size(WIDE)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    result: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found += [
        f"{page.url}: {v['id']} ({v['impact']}): "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
    page.set_viewport_size(PHONE)
    return found


def visit(page: Page, base: str, paths: list[str], lang: str, source: str) -> list[str]:
    """Open each path at phone width and collect what `findings` finds on it."""
    page.set_viewport_size(PHONE)
    found: list[str] = []
    for path in paths:
        reply = page.goto(base + with_lang(path, lang))
        assert reply is not None and reply.status == 200, f"{path}: {reply and reply.status}"
        page.wait_for_load_state("load")
        found += findings(page, source)
    return found


@pytest.fixture(scope="module")
def sessions(browser: Browser, live_server: LiveServer) -> Sessions:
    return Sessions(browser, live_server.url)


@pytest.fixture(scope="module")
def compass_server(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The content world, where agency A has asked c0 for access (so c0's consent page has
    a request to answer)."""
    folder = tmp_path_factory.mktemp("compass")
    setup: CompassSetup = build_compass_portal(
        folder, f"sqlite:///{folder / 'state.db'}", compass_content_world
    )
    application = create_app(open_compass_portal(setup), close_portal=True)
    try:
        with LiveServer(application) as server:
            partner = signed_in(browser, server.url, "agency-a")
            partner.goto(f"{server.url}/compass/creators")
            partner.get_by_test_id("tab-unauthorized").click()
            partner.get_by_test_id("creator-c0").get_by_test_id("request-access").click()
            expect(partner.get_by_test_id("flash")).to_be_visible()
            partner.context.close()
            yield server
    finally:
        application.state.portal.close()


def signed_in(browser: Browser, base: str, login: str) -> Page:
    """A tab of its own, signed in through the login form."""
    page = browser.new_context(viewport=WIDE).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    fill_login_form(page, login)
    expect(page.get_by_test_id("who")).to_be_visible()
    return page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_login_page(page: Page, live_server: LiveServer, lang: str) -> None:
    source = axe_source()
    found = visit(page, live_server.url, ["/login"], lang, source)
    # The page a visitor meets when signing in fails (with its error message shown).
    fill_login_form(page, "op", "not the password")
    expect(page.locator("input[name=password]")).to_be_visible()
    found += findings(page, source)
    assert found == [], "\n".join(found)


@pytest.fixture(scope="module")
def badge_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The portal world with 百应 shown publicly (the default visibility), so agency A has
    a badge to share; the shipped 百应 shows levels on the workbench only."""
    folder = tmp_path_factory.mktemp("badges")
    application = make_app(build_portal(folder, f"sqlite:///{folder / 'state.db'}"))
    programs = application.state.portal.programs
    programs["buyin-mcn"] = programs["buyin-mcn"].model_copy(update={"visibility": Visibility()})
    try:
        with LiveServer(application) as server:
            yield server
    finally:
        application.state.portal.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_public_badge_check_genuine_and_not(
    browser: Browser, badge_server: LiveServer, lang: str
) -> None:
    base = badge_server.url
    page = signed_in(browser, base, "agency-a")
    page.goto(f"{base}/partners/A/badges")
    link = page.locator("input[value*='/verify/']").first.input_value()
    page.context.clear_cookies()  # anyone may check a badge
    source = axe_source()
    found = visit(page, base, [link.removeprefix(base)], lang, source)
    reply = page.goto(base + with_lang("/verify/not-a-link", lang))
    assert reply is not None and reply.status == 404
    found += findings(page, source)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("login", list(PORTAL_PAGES))
def test_the_pages_of_each_role(
    page: Page,
    live_server: LiveServer,
    portal_setup: PortalSetup,
    sessions: Sessions,
    login: str,
    lang: str,
) -> None:
    sessions.open(page, login)
    paths = [p.format(preview_run=portal_setup.preview_run) for p in PORTAL_PAGES[login]]
    found = visit(page, live_server.url, paths, lang, axe_source())
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("login", list(COMPASS_PAGES))
def test_the_data_compass_pages(
    browser: Browser, compass_server: LiveServer, login: str, lang: str
) -> None:
    page = signed_in(browser, compass_server.url, login)
    try:
        found = visit(page, compass_server.url, COMPASS_PAGES[login], lang, axe_source())
    finally:
        page.context.close()
    assert found == [], "\n".join(found)
