"""The portal in a real browser (headless Chromium) over the shared, read-only portal world
of `tierwise.testing.portal`, served by a live uvicorn server.

Hand-worked numbers (see the world's docstring): agency A's published 百应 (buyin-mcn)
card for 2024-08 is score 601, computed V5 but held at V3 (one step up from 2024-07's V2 at
310); B is V1 with 160; T is a Thai TSP with nothing published. The creator c0 is bound to
A only. Nothing here publishes, decides or signs out: those live in
`test_portal_changes.py`, on portals of their own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser.support import HOMES, WHO, Sessions, Watch, fill_login_form
from tests.web.conftest import LiveServer
from tierwise.testing.portal import PortalSetup

ROWS = "[data-testid^=directory-row-]"


@pytest.fixture(scope="module")
def sessions(browser: Browser, live_server: LiveServer) -> Sessions:
    """A session per login on the shared server, signed in through the form once."""
    return Sessions(browser, live_server.url)


def directory_rows(page: Page) -> list[str]:
    """The partner ids of the directory's result rows, in order."""
    return [
        (row.get_attribute("data-testid") or "").removeprefix("directory-row-")
        for row in page.locator(ROWS).all()
    ]


def restored(page: Page, rows: int) -> None:
    """After Back or Forward in the directory: htmx keeps no history cache, so it reloads
    the page from its URL. Wait for the new page's `rows` results and for its load (htmx is
    listening again before the test touches the filter)."""
    expect(page.locator(ROWS)).to_have_count(rows)
    page.wait_for_load_state("load")


# -- signing in -------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["op", "agency-a", "creator-c0", "seller-s0"])
def test_each_role_signs_in_through_the_form_and_lands_on_its_home(
    page: Page, live_server: LiveServer, sessions: Sessions, login: str
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    page.goto(f"{base}/login")
    expect(page.locator("input[name=password]")).to_have_attribute("type", "password")
    fill_login_form(page, login)
    expect(page).to_have_url(base + HOMES[login])
    expect(page.get_by_test_id("who")).to_have_text(WHO[login])
    expect(page.get_by_test_id("logout")).to_be_visible()
    # The brand link ("/") sends a signed-in user to its home too.
    page.get_by_role("link", name="tierwise", exact=True).click()
    expect(page).to_have_url(base + HOMES[login])
    watch.assert_clean(base)
    sessions.keep(page.context, login)  # the other tests may use this session


def test_an_unauthenticated_visit_asks_to_sign_in_and_then_returns(
    page: Page, live_server: LiveServer
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    reply = page.goto(f"{base}/operator")
    assert reply is not None and reply.status == 401
    expect(page).to_have_url(f"{base}/operator")
    expect(page.get_by_test_id("login-message")).to_have_text("Please sign in to continue.")
    expect(page.get_by_test_id("who")).to_have_count(0)
    expect(page.locator("input[name=next]")).to_have_value("/operator")
    fill_login_form(page, "op")
    expect(page).to_have_url(f"{base}/operator")
    expect(page.get_by_test_id("who")).to_have_text(WHO["op"])
    expect(page.get_by_test_id("program-row-buyin-mcn")).to_be_visible()
    watch.assert_clean(base, statuses=frozenset({401}))


# -- the partner's dashboard ------------------------------------------------------------------


def test_the_partner_dashboard_shows_the_published_numbers_and_history(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, "agency-a")
    card = page.get_by_test_id("card-buyin-mcn")
    expect(card.get_by_test_id("period")).to_have_text("Period 2024-08")
    expect(card.get_by_test_id("score")).to_have_text("601")
    expect(card.get_by_test_id("level")).to_have_text("V3")
    expect(card.get_by_test_id("computed-level")).to_have_text("V5")
    expect(card.get_by_test_id("held-note")).to_contain_text(
        "You hold V3; the score alone would give V5"
    )
    expect(card.get_by_test_id("next-level")).to_contain_text("Next level")
    expect(card.get_by_test_id("keep")).to_contain_text("The score can fall by 1 and keep V5.")
    expect(card.get_by_test_id("rights")).to_contain_text("Rights of V3")
    # Chart.js drew the history from the page's data island (no inline script: CSP).
    expect(card.locator("[data-testid=history-chart][data-rendered=true]")).to_have_count(1)
    chart = card.get_by_test_id("history-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100
    # The same numbers as a table, newest first, behind a disclosure.
    table = card.get_by_test_id("history-table")
    expect(table).to_be_hidden()
    card.locator("summary", has_text="History as a table").click()
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td")).to_have_text(["2024-08", "601", "V3", "assessed", "up"])
    expect(rows.nth(1).locator("td")).to_have_text(["2024-07", "310", "V2", "assessed", "new"])
    watch.assert_clean(base)


def test_the_dashboard_s_download_button_gives_the_partner_its_report(
    page: Page, live_server: LiveServer, sessions: Sessions, tmp_path: Path
) -> None:
    """The card's button downloads the PDF report of the period the card shows, with the
    card's numbers (read back with pdftotext)."""
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, "agency-a")
    card = page.get_by_test_id("card-buyin-mcn")
    with page.expect_download() as info:
        card.get_by_test_id("report-pdf").click()
    download = info.value
    assert download.suggested_filename == "buyin-mcn-2024-08-A.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert re.search(r"^\s*V3\s+601\s+assessed\s+V5\s+up", text, re.MULTILINE), text
    assert re.search(r"^\s*2024-07\s+310\s+V2", text, re.MULTILINE), text
    watch.assert_clean(base)


def test_the_dashboard_switches_to_chinese(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, "agency-a")
    page.get_by_test_id("lang-zh").click()
    expect(page).to_have_url(f"{base}/partners/A/dashboard?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    card = page.get_by_test_id("card-buyin-mcn")
    expect(card.get_by_role("heading", level=2)).to_have_text("巨量百应MCN机构等级")
    expect(card.get_by_test_id("period")).to_have_text("周期 2024-08")
    expect(card.get_by_test_id("level")).to_have_text("V3")
    expect(card.get_by_test_id("score")).to_have_text("601")
    expect(card.get_by_test_id("computed-level")).to_have_text("V5")
    expect(card.get_by_role("heading", name="下一等级")).to_be_visible()
    expect(card.get_by_role("heading", name="历史", exact=True)).to_be_visible()
    expect(card.get_by_test_id("rights")).to_contain_text("V3 的权益")
    expect(page.get_by_test_id("who")).to_have_text("Agency A user (服务商)")
    expect(page.get_by_test_id("logout")).to_have_text("退出登录")
    expect(card.locator("[data-testid=history-chart][data-rendered=true]")).to_have_count(1)
    # The language sticks (a cookie): the directory is in Chinese without asking again.
    page.get_by_role("link", name="服务商名录").click()
    expect(page).to_have_url(f"{base}/directory")
    expect(page.get_by_role("heading", level=1)).to_have_text("服务商名录")
    # And back to English.
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner directory")
    watch.assert_clean(base)


# -- the directory -----------------------------------------------------------------------------


def test_the_directory_filters_in_place_and_back_restores_the_results(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    # An operator, who is shown every program's levels (百应's are shown to no seller).
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, "op")
    page.goto(f"{base}/directory")
    results = page.get_by_test_id("directory-results")
    expect(page.locator(ROWS)).to_have_count(3)
    assert directory_rows(page) == ["A", "B", "T"]
    expect(page.get_by_test_id("directory-count")).to_have_text("1–3 of 3 partners")

    # Each change asks htmx for the results in place and pushes the filter into the URL.
    page.get_by_test_id("filter-program").select_option("buyin-mcn")
    expect(page).to_have_url(re.compile(r"/directory\?(.*&)?program=buyin-mcn(&|$)"))
    expect(page.locator(ROWS)).to_have_count(2)
    assert directory_rows(page) == ["A", "B"]

    page.get_by_test_id("filter-level").select_option("V3")
    expect(page).to_have_url(re.compile(r"/directory\?(.*&)?level=V3(&|$)"))
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.get_by_test_id("directory-row-A")).to_be_visible()
    expect(page.get_by_test_id("directory-count")).to_have_text("1–1 of 1 partners")
    expect(results.get_by_test_id("level-buyin-mcn")).to_have_text(
        re.compile(r"Buyin MCN agency levels\s+V3")
    )
    assert re.search(r"[?&]program=buyin-mcn(&|$)", page.url)

    # Back: the URL and the results of the previous filter (program only).
    page.go_back()
    expect(page).to_have_url(re.compile(r"/directory\?(.*&)?program=buyin-mcn(&|$)"))
    assert not re.search(r"[?&]level=V3", page.url)
    restored(page, 2)
    assert directory_rows(page) == ["A", "B"]
    expect(page.get_by_test_id("filter-program")).to_have_value("buyin-mcn")
    expect(page.get_by_test_id("filter-level")).to_have_value("")

    # Back again: the unfiltered directory.
    page.go_back()
    expect(page).to_have_url(f"{base}/directory")
    restored(page, 3)
    expect(page.get_by_test_id("filter-program")).to_have_value("")

    # Forward: the filter again, from the URL.
    page.go_forward()
    expect(page).to_have_url(re.compile(r"program=buyin-mcn"))
    restored(page, 2)
    assert directory_rows(page) == ["A", "B"]
    watch.assert_clean(base)


def test_the_directory_filters_by_market_and_by_name(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, "seller-s0")
    expect(page.locator(ROWS)).to_have_count(3)

    page.get_by_test_id("filter-market").select_option("TH")
    expect(page).to_have_url(re.compile(r"/directory\?(.*&)?market=TH(&|$)"))
    expect(page.locator(ROWS)).to_have_count(1)
    row = page.get_by_test_id("directory-row-T")
    expect(row).to_contain_text("Thai TSP")
    expect(row).to_contain_text("No published level yet.")

    page.go_back()
    expect(page).to_have_url(f"{base}/directory")
    restored(page, 3)
    expect(page.get_by_test_id("filter-market")).to_have_value("")

    # The text search goes with the submit button.
    page.get_by_test_id("filter-q").fill("agency")
    page.get_by_test_id("filter-submit").click()
    expect(page).to_have_url(re.compile(r"[?&]q=agency(&|$)"))
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.get_by_test_id("directory-row-B")).to_be_visible()

    # A filter nothing matches says so.
    page.get_by_test_id("filter-kind").select_option("isv")
    expect(page.locator(ROWS)).to_have_count(0)
    expect(page.get_by_test_id("directory-count")).to_have_text("No partner matches these filters.")

    # The filter in the URL is the page: loading it afresh shows the same results.
    page.goto(f"{base}/directory?market=TH&kind=tsp")
    expect(page.get_by_test_id("filter-market")).to_have_value("TH")
    expect(page.get_by_test_id("filter-kind")).to_have_value("tsp")
    assert directory_rows(page) == ["T"]
    # A seller is offered no 百应 filter: its levels are on the agency's own workbench.
    expect(page.get_by_test_id("filter-program").locator("option[value=buyin-mcn]")).to_have_count(
        0
    )
    watch.assert_clean(base)


def test_a_directory_row_opens_the_public_page_without_a_score(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, "seller-s0")
    page.get_by_test_id("directory-row-A").get_by_role("link").click()
    expect(page).to_have_url(f"{base}/directory/A")
    public = page.get_by_test_id("partner-public")
    expect(public).to_be_visible()
    # A seller is shown no 百应 level (the agency's own workbench only), nor a score.
    expect(page.get_by_test_id("public-level-buyin-mcn")).to_have_count(0)
    main = page.locator("main")
    expect(main).not_to_contain_text("601")
    expect(main).not_to_contain_text("V3")
    expect(main).not_to_contain_text(re.compile("score", re.IGNORECASE))
    expect(page.get_by_test_id("dashboard-link")).to_have_count(0)  # not the seller's own
    # The crumb leads back to the directory.
    public.get_by_role("link", name="Partner directory").click()
    expect(page).to_have_url(f"{base}/directory")
    expect(page.locator(ROWS)).to_have_count(3)
    watch.assert_clean(base)


def test_an_agency_reads_its_own_public_page_with_its_level_and_no_score(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, "agency-a")
    page.goto(f"{base}/directory")
    page.get_by_test_id("directory-row-A").get_by_role("link").click()
    expect(page).to_have_url(f"{base}/directory/A")
    level = page.get_by_test_id("public-level-buyin-mcn")
    expect(level.get_by_test_id("level")).to_have_text("V3")
    expect(level).to_contain_text("Period 2024-08")
    main = page.locator("main")
    expect(main).not_to_contain_text("601")
    expect(main).not_to_contain_text(re.compile("score", re.IGNORECASE))
    expect(page.get_by_test_id("dashboard-link")).to_have_count(1)  # its own
    watch.assert_clean(base)


# -- the creator --------------------------------------------------------------------------------


def test_a_creator_sees_its_agency_and_the_agencies_it_may_choose(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, "creator-c0")
    partners = page.get_by_test_id("creator-partners")
    expect(partners.locator("[data-testid^=creator-row-]")).to_have_count(1)
    row = partners.get_by_test_id("creator-row-A")
    # Bound to A, whose 百应 level is on A's own workbench only.
    expect(row).to_be_visible()
    expect(row.get_by_test_id("level-buyin-mcn")).to_have_count(0)
    # The agencies 集星 grades (A and B), bound or not, to choose by their 集星 level.
    choose = page.get_by_test_id("choose-agencies")
    expect(choose.locator("[data-testid^=choose-row-]")).to_have_count(2)
    expect(choose.get_by_test_id("choose-row-B")).to_be_visible()
    # Its directory holds the same two, and A's public page opens.
    page.get_by_role("link", name="Partner directory").click()
    expect(page.locator(ROWS)).to_have_count(2)
    assert directory_rows(page) == ["A", "B"]
    page.get_by_test_id("directory-row-A").get_by_role("link").click()
    expect(page).to_have_url(f"{base}/directory/A")
    expect(page.get_by_test_id("partner-public")).to_be_visible()
    expect(page.get_by_test_id("public-level-buyin-mcn")).to_have_count(0)
    watch.assert_clean(base)


# -- editing the URL ----------------------------------------------------------------------------


HEADINGS = {403: "403 · You cannot do this.", 404: "404 · Not found"}
#: Addresses each login edits its way to, and the answer: another partner's object (or one
#: that does not exist) is not there (404); a page the role may not open at all is 403.
REFUSED = {
    "agency-a": [
        ("/partners/B/dashboard", 404),
        ("/partners/NOPE/dashboard", 404),
        ("/operator", 403),
    ],
    "creator-c0": [("/directory/T", 404), ("/partners/A/dashboard", 403)],
    "seller-s0": [("/partners/A/dashboard", 403), ("/directory/NOPE", 404)],
    "op": [("/partners/NOPE/dashboard", 404), ("/operator/runs/run-nope", 404)],
}


@pytest.mark.parametrize("login", list(REFUSED))
def test_editing_the_url_to_another_object_is_refused(
    page: Page, live_server: LiveServer, sessions: Sessions, login: str
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, login)
    for path, status in REFUSED[login]:
        reply = page.goto(base + path)
        assert reply is not None and reply.status == status, path
        expect(page.get_by_test_id("error-status")).to_have_text(HEADINGS[status])
        # Nothing of the partner behind the address shows.
        expect(page.locator("[data-testid^=card-]")).to_have_count(0)
        expect(page.get_by_test_id("partner-public")).to_have_count(0)
    # The way home still works: the user is still signed in.
    page.get_by_role("link", name="Home").click()
    expect(page).to_have_url(base + HOMES[login])
    expect(page.get_by_test_id("who")).to_have_text(WHO[login])
    watch.assert_clean(base, statuses=frozenset(status for _, status in REFUSED[login]))


# -- nothing leaves the server, nothing goes wrong in the page --------------------------------


#: Pages each role may open, with something on each that shows it is the right page.
TOUR = {
    "op": [
        ("/operator", "program-row-buyin-mcn"),
        ("/operator/programs/buyin-mcn", "distribution-chart"),
        ("/operator/runs/{preview}", "move-A"),
        ("/operator/decisions", "who"),
        ("/operator/appeals", "who"),
        ("/operator/audit", "audit-verify"),
        ("/operator/outbox", "who"),
        ("/partners/A/dashboard", "card-buyin-mcn"),
        ("/partners/B/dashboard?lang=zh", "card-buyin-mcn"),
        ("/directory?lang=en", "directory-results"),
    ],
    "agency-b": [
        ("/partners/B/dashboard", "card-buyin-mcn"),
        ("/directory", "directory-results"),
        ("/directory/T", "partner-public"),
    ],
    "creator-c0": [("/creator", "creator-partners"), ("/directory/A", "partner-public")],
    "seller-s0": [
        ("/directory?market=CN", "directory-results"),
        ("/directory/B", "partner-public"),
    ],
}


@pytest.mark.parametrize("login", list(TOUR))
def test_no_request_leaves_the_server_and_no_page_logs_an_error(
    page: Page, live_server: LiveServer, sessions: Sessions, portal_setup: PortalSetup, login: str
) -> None:
    watch = Watch.on(page.context)
    base = live_server.url
    sessions.open(page, login)
    for path, testid in TOUR[login]:
        reply = page.goto(base + path.format(preview=portal_setup.preview_run))
        assert reply is not None and reply.status == 200, path
        expect(page.get_by_test_id(testid).first).to_be_visible()
        if testid == "audit-verify":  # the audit chain verifies
            expect(page.get_by_test_id(testid)).to_have_attribute("data-ok", "true")
        # Every chart on the page was drawn (Chart.js ran under the CSP).
        charts = page.locator("canvas[data-chart]")
        expect(page.locator("canvas[data-chart][data-rendered=true]")).to_have_count(charts.count())
        # No inline script: every <script> is a file of this server or a JSON data island.
        for script in page.locator("script").all():
            source = script.get_attribute("src")
            kind = script.get_attribute("type")
            assert (source or "").startswith("/static/") or kind == "application/json", path
    watch.assert_clean(base)
    assert any(url.startswith(f"{base}/static/") for url in watch.requests)


def test_the_watch_catches_a_request_elsewhere_and_a_csp_violation(
    page: Page, live_server: LiveServer
) -> None:
    """The watch the other tests end with is not blind: a page of the same server under
    another host name is a request elsewhere, and an inline script the CSP refuses is a
    console error."""
    base = live_server.url
    elsewhere = Watch.on(page.context)
    page.goto(base.replace("127.0.0.1", "localhost") + "/login")
    with pytest.raises(AssertionError, match="requests that left"):
        elsewhere.assert_clean(base)

    refused = Watch.on(page.context)
    page.goto(f"{base}/login")
    with page.expect_console_message(lambda message: message.type == "error"):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "document.title = 'inline ran'";
                document.body.append(script);
            }"""
        )
    expect(page).not_to_have_title("inline ran")
    with pytest.raises(AssertionError, match="Content Security Policy"):
        refused.assert_clean(base)
