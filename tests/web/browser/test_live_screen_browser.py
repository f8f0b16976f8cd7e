"""The live screen in Debian's chromium, over the world of `tierwise.testing.compass`
(agency A; c1's approval lets it see today's live numbers; the clock at 2024-09-20 03:00Z).
Events are stored while the page is open, as the ingestion endpoint stores them: a card
changes, and the low-stock badge appears and clears, pushed by the page's stream — the
page is never reloaded."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Browser, expect

from tests.web.browser.support import Watch
from tests.web.browser.test_compass_browser import signed_in
from tests.web.conftest import LiveServer
from tests.web.test_live_screen import minute, product, started, stock
from tierwise.db.engine import StateStore
from tierwise.live.events import events_from_json
from tierwise.live.service import ingest
from tierwise.testing.compass import CompassSetup


def test_a_card_changes_and_the_low_stock_badge_appears_and_clears(
    browser: Browser, compass_server: tuple[LiveServer, CompassSetup]
) -> None:
    server, setup = compass_server
    state = StateStore.open(setup.state_url, clock=setup.clock.now)

    def send(*docs: dict[str, Any]) -> None:
        ingest(state, events_from_json(json.dumps(list(docs))))

    try:
        send(started("LIVE-1", "c1"), minute("LIVE-1", "02:00", online_viewers=10))
        page = signed_in(browser, server.url, "agency-a")
        watch = Watch.on(page.context)
        page.goto(f"{server.url}/compass/live")
        part = page.get_by_test_id("live-part")
        expect(part).to_have_attribute("data-connected", "true")
        card = page.get_by_test_id("live-card-c1")
        expect(card.get_by_test_id("online_viewers")).to_have_text("10")

        send(minute("LIVE-1", "02:01", online_viewers=25, orders=2))
        expect(card.get_by_test_id("online_viewers")).to_have_text("25")
        expect(card.get_by_test_id("orders")).to_have_text("2")

        page.get_by_test_id("pick-c1").check()
        page.get_by_test_id("open-screen").click()
        expect(page).to_have_url(f"{server.url}/compass/live/screen?creator_id=c1")
        expect(page.get_by_test_id("live-part")).to_have_attribute("data-connected", "true")
        screen = page.get_by_test_id("screen-c1")
        expect(screen.get_by_test_id("online_viewers")).to_have_text("25")
        badge = screen.get_by_test_id("low-stock-P1")
        expect(badge).to_have_count(0)

        send(product("LIVE-1", "P1", "02:02", clicks=3), stock("P1", "02:02", 3))
        expect(badge).to_have_text("Attention: the product P1 is low in stock (3 left).")
        send(stock("P1", "02:03", 20))
        expect(badge).to_have_count(0)
        expect(screen.get_by_test_id("product-P1")).to_contain_text("20")
        watch.assert_clean(server.url)
        page.context.close()  # the stream ends with the tab
    finally:
        state.close()
