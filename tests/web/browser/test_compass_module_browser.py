"""Data Compass's video and livestream pages in Debian's chromium, over
`compass_content_world()` (today 2024-09-20 in Bangkok, the last 7 days 09-13..09-19):
agency A opens its videos from the Data Compass sections, sees the chart drawn, downloads
the list as XLSX and CSV from the page's links, and the files hold the rows of the page —
c1's VID-1 (2,000 views, 400 THB = US$12.00) and VID-2 (500 views, 200 THB = US$6.00),
nothing of c0's VID-X0 or B's VID-B0. Then the livestream page and its minute chart."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser.support import Watch, fill_login_form
from tests.web.conftest import LiveServer
from tierwise.server.app import create_app
from tierwise.testing.compass import (
    CompassSetup,
    build_compass_portal,
    compass_content_world,
    open_compass_portal,
)


@pytest.fixture()
def content_server(tmp_path: Path) -> Iterator[LiveServer]:
    setup: CompassSetup = build_compass_portal(
        tmp_path, f"sqlite:///{tmp_path / 'state.db'}", compass_content_world
    )
    application = create_app(open_compass_portal(setup), close_portal=True)
    try:
        with LiveServer(application) as server:
            yield server
    finally:
        application.state.portal.close()


def signed_in(browser: Browser, base: str, login: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = page.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(f"{base}/login")
    fill_login_form(tab, login)
    expect(tab.get_by_test_id("who")).to_be_visible()
    return tab


def download(page: Page, testid: str, folder: Path) -> tuple[str, bytes]:
    """Click a download link of the page; the file's suggested name and its bytes."""
    with page.expect_download() as started:
        page.get_by_test_id(testid).click()
    done = started.value
    path = folder / done.suggested_filename
    done.save_as(path)
    return done.suggested_filename, path.read_bytes()


def test_the_videos_page_downloads_its_list_as_xlsx_and_csv(
    browser: Browser, content_server: LiveServer, tmp_path: Path
) -> None:
    base = content_server.url
    partner = signed_in(browser, base, "agency-a")
    watch = Watch.on(partner.context)
    partner.goto(f"{base}/compass")
    partner.get_by_test_id("nav-videos").click()
    expect(partner).to_have_url(f"{base}/compass/videos")
    expect(partner.get_by_test_id("videos-chart")).to_have_attribute("data-rendered", "true")
    expect(partner.get_by_test_id("video-VID-1")).to_contain_text("US$12.00")

    name, body = download(partner, "export-xlsx", tmp_path)
    assert name == "compass-videos-2024-09-13-2024-09-19.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    header = list(rows[0])
    got = [
        (r[header.index("video_id")], r[header.index("views")], r[header.index("revenue_usd")])
        for r in rows[1:]
    ]
    assert got == [("VID-1", 2000, 12), ("VID-2", 500, 6)]

    name, body = download(partner, "export-csv", tmp_path)
    assert name == "compass-videos-2024-09-13-2024-09-19.csv"
    listed = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert [(r["video_id"], r["handle"], r["revenue_usd"], r["rpm"]) for r in listed] == [
        ("VID-1", "nok.shop", "12.0", "6.0"),
        ("VID-2", "nok.shop", "6.0", "12.0"),
    ]
    assert "VID-X0" not in body.decode() and "VID-B0" not in body.decode()

    # The livestream list, then one livestream with its minute-by-minute chart.
    partner.get_by_test_id("nav-lives").click()
    name, body = download(partner, "export-csv", tmp_path)
    lives = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert [(r["live_id"], r["gmv_usd"]) for r in lives] == [("LIVE-C1", "45.0")]
    partner.get_by_test_id("live-LIVE-C1").get_by_role("link").click()
    expect(partner.get_by_test_id("trend-chart")).to_have_attribute("data-rendered", "true")
    expect(partner.get_by_test_id("product-P1")).to_contain_text("US$30.00")
    watch.assert_clean(base)
