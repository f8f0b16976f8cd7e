"""What changes state, in a real browser, each on a portal of its own (SQLite, served for
real by `fresh_live_server`): the operator's preview → diff → publish seen by the partner
in another browser, and signing out.

By hand: 2024-09 is a stored preview in which A (V3 in 2024-08, score 601) falls straight
to V1 with 160; B stays at V1 with 160."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.web.browser.support import WHO, Watch, fill_login_form, sign_in
from tests.web.conftest import LiveServer
from tierwise.testing.portal import PortalSetup

FreshServer = tuple[LiveServer, PortalSetup]


def test_a_published_preview_changes_what_the_partner_sees(
    page: Page, browser: Browser, fresh_live_server: FreshServer
) -> None:
    server, setup = fresh_live_server
    base = server.url
    operator = Watch.on(page.context)
    partner_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        partner_context.set_default_timeout(10_000)
        partner = partner_context.new_page()
        partner_watch = Watch.on(partner_context)

        # The partner, in a browser of its own, sees 2024-08 before anything is published.
        sign_in(partner, base, "agency-a")
        card = partner.get_by_test_id("card-buyin-mcn")
        expect(card.get_by_test_id("period")).to_have_text("Period 2024-08")
        expect(card.get_by_test_id("level")).to_have_text("V3")

        # The operator opens the program: the stored preview waits, 2024-09 unpublished.
        sign_in(page, base, "op")
        expect(
            page.get_by_test_id("program-row-buyin-mcn").get_by_test_id("previews")
        ).to_have_text("1")
        page.get_by_test_id("program-row-buyin-mcn").get_by_role("link").first.click()
        expect(page).to_have_url(f"{base}/operator/programs/buyin-mcn")
        expect(page.get_by_test_id(f"run-row-{setup.preview_run}")).to_contain_text("preview")
        expect(page.get_by_test_id("period-2024-09")).to_contain_text("not published")
        expect(page.locator("[data-testid=distribution-chart][data-rendered=true]")).to_have_count(
            1
        )

        # Preview 2024-09 through the form: the run page of the new preview.
        page.get_by_test_id("preview-period").fill("2024-09")
        page.get_by_test_id("preview-submit").click()
        expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/operator/runs/[^/?]+\?flash="))
        expect(page.get_by_test_id("flash")).to_be_visible()
        expect(page.get_by_test_id("run-status")).to_have_text("preview")
        run_id = page.url.removeprefix(f"{base}/operator/runs/").split("?")[0]

        # The diff against what partners see now: A falls from V3 to V1; B does not move.
        diff = page.get_by_test_id("diff")
        move = diff.get_by_test_id("move-A")
        expect(move.locator("td")).to_have_text([re.compile(r"^A\s+A$"), "V3", "V1", "down"])
        expect(diff.get_by_test_id("move-B")).to_have_count(0)
        expect(page.locator("[data-testid=distribution-chart][data-rendered=true]")).to_have_count(
            1
        )

        # Publishing without a reason is refused by the browser (the field is required).
        form = page.get_by_test_id("publish-form")
        form.get_by_test_id("publish-submit").click()
        expect(page.locator("[data-testid=publish-reason]:invalid")).to_have_count(1)
        expect(page.get_by_test_id("run-status")).to_have_text("preview")
        assert page.url.startswith(f"{base}/operator/runs/{run_id}?flash=")
        page.get_by_test_id("publish-reason").fill("2024-09 data complete; checked the diff")
        form.get_by_test_id("publish-submit").click()
        expect(page).to_have_url(f"{base}/operator/runs/{run_id}?flash=published")
        expect(page.get_by_test_id("flash")).to_have_text(
            "Published: partners now see this run's levels."
        )
        expect(page.get_by_test_id("run-status")).to_have_text("published")
        expect(page.get_by_test_id("publish-form")).to_have_count(0)

        # The audit chain records it and still verifies.
        page.goto(f"{base}/operator/audit")
        expect(page.get_by_test_id("audit-verify")).to_have_attribute("data-ok", "true")
        expect(page.locator("main")).to_contain_text("2024-09 data complete; checked the diff")

        # The partner reloads its dashboard and sees the published 2024-09.
        partner.reload()
        expect(card.get_by_test_id("period")).to_have_text("Period 2024-09")
        expect(card.get_by_test_id("score")).to_have_text("160")
        expect(card.get_by_test_id("level")).to_have_text("V1")
        expect(card.get_by_test_id("computed-level")).to_have_count(0)
        expect(card.locator("[data-testid=history-chart][data-rendered=true]")).to_have_count(1)
        rows = card.get_by_test_id("history-table").locator("tbody tr td:first-child")
        expect(rows).to_have_text(["2024-09", "2024-08", "2024-07"])
        expect(
            card.get_by_test_id("history-table").locator("tbody tr").first.locator("td")
        ).to_have_text(["2024-09", "160", "V1", "assessed", "down"])
        operator.assert_clean(base)
        partner_watch.assert_clean(base)
    finally:
        partner_context.close()


def test_after_signing_out_back_shows_the_login_form_and_the_old_cookie_is_dead(
    page: Page, browser: Browser, fresh_live_server: FreshServer
) -> None:
    server, _ = fresh_live_server
    base = server.url
    watch = Watch.on(page.context)
    sign_in(page, base, "agency-a")
    expect(page.get_by_test_id("card-buyin-mcn").get_by_test_id("score")).to_have_text("601")
    old_cookies = page.context.cookies()
    assert [c["name"] for c in old_cookies] == ["tierwise_session"]

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(f"{base}/login?bye=1")
    expect(page.locator("main")).to_contain_text("You are signed out.")
    expect(page.get_by_test_id("who")).to_have_count(0)
    assert "tierwise_session" not in [c["name"] for c in page.context.cookies()]

    # Back: the dashboard is not shown from a cache; the server answers with the login form.
    reply = page.go_back()
    assert reply is not None and reply.status == 401
    expect(page).to_have_url(f"{base}/partners/A/dashboard")
    expect(page.get_by_test_id("login-message")).to_have_text("Please sign in to continue.")
    expect(page.get_by_test_id("card-buyin-mcn")).to_have_count(0)
    expect(page.get_by_test_id("who")).to_have_count(0)
    assert reply.headers.get("cache-control") == "no-store"

    # The old session cookie, put back into a new browser, no longer works.
    other = browser.new_context()
    try:
        other.add_cookies(
            [{"name": c["name"], "value": c["value"], "url": base} for c in old_cookies]
        )
        stale = other.new_page()
        reply = stale.goto(f"{base}/partners/A/dashboard")
        assert reply is not None and reply.status == 401
        expect(stale.get_by_test_id("login-message")).to_have_text("Please sign in to continue.")
        expect(stale.get_by_test_id("card-buyin-mcn")).to_have_count(0)
    finally:
        other.close()

    # Signing in again from the form that came back: a wrong password is refused (the form
    # again, the login kept), the right one returns to the dashboard.
    fill_login_form(page, "agency-a", "not the password")
    expect(page.get_by_test_id("login-message")).to_have_text("Wrong login or password.")
    expect(page.locator("input[name=login]")).to_have_value("agency-a")
    expect(page.get_by_test_id("who")).to_have_count(0)
    fill_login_form(page, "agency-a")
    expect(page).to_have_url(f"{base}/partners/A/dashboard")
    expect(page.get_by_test_id("who")).to_have_text(WHO["agency-a"])
    watch.assert_clean(base, statuses=frozenset({401}))
