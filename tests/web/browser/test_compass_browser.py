"""Data Compass in Debian's chromium, over the world of `tierwise.testing.compass` (today
2024-09-20 in Bangkok; c0 sells US$3.00 a day and has not authorized agency A yet): the
partner asks from the unauthorized tab, the creator approves, the partner sees the
history at once and the approval day from the next day, the creator revokes and the
numbers are gone the day after; a 31-day custom range is refused in the page."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.web.browser.support import Watch, fill_login_form
from tests.web.conftest import LiveServer
from tierwise.testing.compass import CompassSetup


def signed_in(browser: Browser, base: str, login: str) -> Page:
    """A tab of its own, signed in through the login form."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    fill_login_form(page, login)
    expect(page.get_by_test_id("who")).to_be_visible()
    return page


def show_range(page: Page, base: str, first: str, last: str) -> None:
    """Open the creators page and ask for a custom range through its form."""
    page.goto(f"{base}/compass/creators")
    page.get_by_test_id("range-preset").select_option("custom")
    page.get_by_test_id("range-from").fill(first)
    page.get_by_test_id("range-to").fill(last)
    page.get_by_test_id("range-apply").click()


def test_request_approve_see_revoke_by_the_day(
    browser: Browser, compass_server: tuple[LiveServer, CompassSetup]
) -> None:
    server, setup = compass_server
    base = server.url
    partner = signed_in(browser, base, "agency-a")
    watch = Watch.on(partner.context)
    partner.get_by_test_id("nav-compass").click()
    expect(partner).to_have_url(f"{base}/compass")
    partner.get_by_test_id("compass-sections").get_by_role("link").nth(1).click()
    partner.get_by_test_id("tab-unauthorized").click()
    partner.get_by_test_id("creator-c0").get_by_test_id("request-access").click()
    expect(partner.get_by_test_id("flash")).to_contain_text("the creator has 7 days")
    expect(partner.get_by_test_id("request-c0")).to_contain_text("@somchai.live")

    creator = signed_in(browser, base, "creator-c0")
    creator.get_by_test_id("nav-compass").click()
    creator.get_by_test_id("pending-A").get_by_test_id("approve").click()
    expect(creator.get_by_test_id("flash")).to_contain_text("Approved")
    expect(creator.get_by_test_id("granted-A")).to_contain_text("Siam Creators")

    # Approved on 09-20: 09-18 and 09-19 at once (2 × US$3.00), 09-20 not yet.
    show_range(partner, base, "2024-09-18", "2024-09-20")
    c0 = partner.get_by_test_id("creator-c0")
    expect(c0.get_by_test_id("visible-days")).to_have_text("2")
    expect(c0.get_by_test_id("gmv")).to_have_text("US$6.00")

    # The next day (sessions of 12 h have ended: sign in again): 09-20 too.
    setup.clock.next_day()
    partner = signed_in(browser, base, "agency-a")
    show_range(partner, base, "2024-09-18", "2024-09-20")
    c0 = partner.get_by_test_id("creator-c0")
    expect(c0.get_by_test_id("visible-days")).to_have_text("3")
    expect(c0.get_by_test_id("gmv")).to_have_text("US$9.00")

    creator = signed_in(browser, base, "creator-c0")
    creator.goto(f"{base}/compass/consent")
    expect(creator.get_by_test_id("log-entry").first).to_contain_text("agency-a")
    creator.get_by_test_id("granted-A").get_by_test_id("revoke").click()
    expect(creator.get_by_test_id("flash")).to_contain_text("Revoked")
    # Revoked on 09-21: still seen today...
    show_range(partner, base, "2024-09-18", "2024-09-20")
    expect(partner.get_by_test_id("creator-c0").get_by_test_id("gmv")).to_have_text("US$9.00")
    # ...and gone tomorrow: c0 is back among the unauthorized, with no number.
    setup.clock.next_day()
    partner = signed_in(browser, base, "agency-a")
    show_range(partner, base, "2024-09-18", "2024-09-20")
    expect(partner.get_by_test_id("creator-c1")).to_be_visible()
    expect(partner.get_by_test_id("creator-c0")).to_have_count(0)
    partner.get_by_test_id("tab-unauthorized").click()
    expect(partner.get_by_test_id("creator-c0")).to_contain_text("@somchai.live")
    expect(partner.get_by_test_id("creator-c0")).not_to_contain_text("US$")
    watch.assert_clean(base)


def test_a_31_day_custom_range_is_refused_in_the_page(
    browser: Browser, compass_server: tuple[LiveServer, CompassSetup]
) -> None:
    server, _setup = compass_server
    partner = signed_in(browser, server.url, "agency-a")
    watch = Watch.on(partner.context)
    partner.goto(f"{server.url}/compass")
    expect(partner.get_by_test_id("channel-chart")).to_be_visible()
    partner.get_by_test_id("range-preset").select_option("custom")
    partner.get_by_test_id("range-from").fill("2024-08-01")
    partner.get_by_test_id("range-to").fill("2024-08-31")
    partner.get_by_test_id("range-apply").click()
    expect(partner.get_by_test_id("form-error")).to_contain_text(
        "2024-08-01..2024-08-31 spans 31 days; one query spans at most 30 days"
    )
    expect(partner.get_by_test_id("overview-figures")).to_have_count(0)
    # The range stays as typed, so the partner can shorten it.
    expect(partner.get_by_test_id("range-from")).to_have_value("2024-08-01")
    watch.assert_clean(server.url, statuses=frozenset({422}))
