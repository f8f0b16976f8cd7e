"""The dashboard's history chart and period picker in a real browser, over the shared
portal world (`tierwise.testing.portal`): agency A's 百应 card has 2024-07 (310, V2) and
2024-08 (601, held V3) published; 百应's level boundaries are V2 300, V3 400, V4 500 and
V5 600, all reached or passed by 601, so all four are drawn."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser.support import Sessions, Watch
from tests.web.conftest import LiveServer

#: What Chart.js holds for a canvas: each data set's label, its steps and its data.
DATASETS = """canvas => window.Chart.getChart(canvas).data.datasets.map(d => ({
    label: d.label, stepped: d.stepped || false, data: d.data, kind: d.kind || null
}))"""


@pytest.fixture(scope="module")
def sessions(browser: Browser, live_server: LiveServer) -> Sessions:
    return Sessions(browser, live_server.url)


def test_the_history_chart_draws_steps_and_the_level_boundaries(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    watch = Watch.on(page.context)
    sessions.open(page, "agency-a")
    card = page.get_by_test_id("card-buyin-mcn")
    canvas = card.locator("[data-testid=history-chart][data-rendered=true]")
    expect(canvas).to_have_count(1)
    datasets = canvas.evaluate(DATASETS)
    score, *thresholds, level = datasets
    assert (score["label"], score["stepped"], score["data"]) == ("Score", "middle", [310, 601])
    assert [(t["label"], t["kind"], t["data"]) for t in thresholds] == [
        ("V2 from 300", "threshold", [300, 300]),
        ("V3 from 400", "threshold", [400, 400]),
        ("V4 from 500", "threshold", [500, 500]),
        ("V5 from 600", "threshold", [600, 600]),
    ]
    assert (level["label"], level["stepped"], level["data"]) == ("Level", "middle", [1, 2])
    # The legend of the lines is in the page too, for a reader without the chart.
    expect(card.get_by_test_id("threshold-V2")).to_have_text("V2 from 300")
    watch.assert_clean(live_server.url)


def test_the_period_picker_opens_a_past_period_s_explanation(
    page: Page, live_server: LiveServer, sessions: Sessions
) -> None:
    watch = Watch.on(page.context)
    sessions.open(page, "agency-a")
    page.goto(f"{live_server.url}/partners/A/dashboard")
    card = page.get_by_test_id("card-buyin-mcn")
    picker = card.get_by_test_id("period-picker-buyin-mcn")
    picker.get_by_label("Explain the period").select_option("2024-07")
    picker.get_by_role("button", name="Open").click()
    page.wait_for_url("**/partners/A/dashboard?program=buyin-mcn&period=2024-07*")
    card = page.get_by_test_id("card-buyin-mcn")
    expect(card.get_by_test_id("period")).to_have_text("Period 2024-07")
    expect(card.get_by_test_id("score")).to_have_text("310")
    expect(card.get_by_test_id("level")).to_have_text("V2")
    expect(card.get_by_test_id("past-period-note")).to_contain_text(
        "You are reading the published results of 2024-07."
    )
    # July's own breakdown: the score of 310 and the level it gives.
    expect(card.get_by_test_id("breakdown-level")).to_contain_text("V2")
    # The chart still shows both periods; back to the latest by its link.
    expect(card.locator("[data-testid=history-chart][data-rendered=true]")).to_have_count(1)
    card.get_by_test_id("latest-period-link").click()
    expect(page.get_by_test_id("card-buyin-mcn").get_by_test_id("period")).to_have_text(
        "Period 2024-08"
    )
    watch.assert_clean(live_server.url)
