"""Browser fixtures: Playwright for Python driving Debian's chromium (installed by
`make browser`; Playwright never downloads a browser here), headless, with a fresh
context per test. A failing test leaves a full-page screenshot in
`test-results/screenshots/`."""

from __future__ import annotations

import re
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.web.conftest import LiveServer
from tierwise.server.app import create_app
from tierwise.testing.compass import CompassSetup, build_compass_portal, open_compass_portal

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results" / "screenshots"
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


# Package scope, not session: while Playwright's sync API runs, its event loop is marked as
# running in the main thread, so `asyncio.run()` in any later test of the session would
# fail. Leaving this package (the last browser test) stops Playwright and frees the loop.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run `make browser`", pytrace=False)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield chromium
    chromium.close()


@pytest.fixture()
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    reports = request.node.stash.get(REPORTS, {})
    if any(r.failed for r in reports.values()):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout() -> None:
    """`expect(...)` waits as long as the page's actions do (its own default is 5 s, short
    for a loaded 2-core machine)."""
    expect.set_options(timeout=10_000)


@pytest.fixture()
def compass_server(tmp_path: Path) -> Iterator[tuple[LiveServer, CompassSetup]]:
    """The Data Compass world (`tierwise.testing.compass`, SQLite state) served for real."""
    setup = build_compass_portal(tmp_path, f"sqlite:///{tmp_path / 'state.db'}")
    application = create_app(open_compass_portal(setup), close_portal=True)
    try:
        with LiveServer(application) as server:
            yield server, setup
    finally:
        application.state.portal.close()
