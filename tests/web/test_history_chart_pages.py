"""The dashboard's history charts and period picker over the visibility world
(`tests.web.test_visibility`) with 集星 published for 2024-07 and 2024-08, by hand:

    集星, channel 1 (Lv6+ creators on the month's last day; L1 from 1, L2 from 3):
        A: c0 reaches level 6 on 2024-08-01 → 0 in July, 1 in August → L1;
        B: b0, b1, b2 likewise → 0, then 3 → L2. B has no orders: paid GMV 0 and 0.
    百应: O 2024-07 160 → V1; 2024-08 observation (133, computed V1, withheld from O).

The charts' data are JSON islands in the page; the picker and the table's links are plain
GET links that open a past published period without JavaScript."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.web.conftest import make_app
from tests.web.test_pages import Node, page_of, sign_in
from tests.web.test_visibility import BUYIN, JIXING, TSP, build

CHANNEL_CHARTS = [
    "creators-lv6_creators",
    "creators_and_gmv-lv4_creators",
    "creators_and_gmv-paid_gmv",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    ranges = (
        (BUYIN, "2024-07", "2024-08"),
        (JIXING, "2024-07", "2024-08"),
        (TSP, "2024Q3", "2024Q3"),
    )
    application = make_app(build(tmp_path_factory.mktemp("charts"), ranges))
    yield application
    application.state.portal.close()


def island(card: Node, key: str) -> Any:
    return json.loads(card.by_id(f"history-data-{card.attrs['id'][5:]}-{key}").raw())


def test_jixing_shows_its_channel_values_against_their_thresholds(app: FastAPI) -> None:
    agency = sign_in(app, "agency-b")
    try:
        card = page_of(agency, "/partners/B/dashboard").one(f"card-{JIXING}")
    finally:
        agency.close()
    # No score chart (集星 has no score): one chart per channel metric.
    assert len(card.all("history-chart")) == 3
    assert [n.attrs["id"] for n in card.walk() if n.attrs.get("type") == "application/json"] == [
        f"history-data-{JIXING}-{key}" for key in CHANNEL_CHARTS
    ]
    lv6 = island(card, CHANNEL_CHARTS[0])
    assert (lv6["labels"], lv6["values"], lv6["rank"]) == (
        ["2024-07", "2024-08"],
        [0.0, 3.0],
        [None, 1],
    )
    assert lv6["value_label"] == "Bound creators of selling level Lv6 or above"
    # 3 reaches L1 (1) and L2 (3); L3 (8) is the next line; L4 and L5 only in the legend.
    assert [(t["label"], t["drawn"]) for t in lv6["thresholds"]] == [
        ("L1 from 1", True),
        ("L2 from 3", True),
        ("L3 from 8", True),
        ("L4 from 20", False),
        ("L5 from 50", False),
    ]
    gmv = island(card, CHANNEL_CHARTS[2])
    assert (gmv["values"], gmv["value_label"]) == ([0.0, 0.0], "Monthly paid GMV (CNY)")
    assert [t["label"] for t in gmv["thresholds"]][:2] == ["L1 from 100,000", "L2 from 500,000"]
    legend = card.one(f"chart-legend-{CHANNEL_CHARTS[0]}")
    assert [n.text() for n in legend.all(lambda t: t.startswith("threshold-"))] == [
        "L1 from 1",
        "L2 from 3",
        "L3 from 8",
        "L4 from 20",
        "L5 from 50",
    ]
    # The table has the channel values per period, newest first.
    table = card.one("history-table").text()
    assert "2024-08 3 3 0 L2 assessed" in table
    assert "2024-07 0 0 0 No level assessed" in table


def test_the_thresholds_are_labelled_in_the_readers_language(app: FastAPI) -> None:
    agency = sign_in(app, "agency-b")
    try:
        card = page_of(agency, "/partners/B/dashboard?lang=zh").one(f"card-{JIXING}")
    finally:
        agency.close()
    lv6 = island(card, CHANNEL_CHARTS[0])
    assert [t["label"] for t in lv6["thresholds"]][:2] == ["L1：1 起", "L2：3 起"]
    assert lv6["value_label"] == "带货力Lv6及以上达人数"
    assert card.one("period-picker-" + JIXING).text().startswith("查看周期说明")


def test_an_observation_period_is_marked_off_the_score_line(app: FastAPI) -> None:
    operator = sign_in(app, "op")
    try:
        card = page_of(operator, "/partners/O/dashboard").one(f"card-{BUYIN}")
    finally:
        operator.close()
    score = island(card, "score")
    # The operator reads the 133 of the observation period, but apart from the line.
    assert (score["values"], score["marked_values"]) == ([160.0, None], [None, 133.0])
    assert score["marked_status"] == [None, "under observation"]
    assert card.one("marked-legend").text() == (
        "Not graded as a level (ineligible, observation or novice period)"
    )
    # V1 has no lower bound; V2 (300) is the next line above 160 and 133.
    assert [(t["label"], t["drawn"]) for t in score["thresholds"]] == [
        ("V2 from 300", True),
        ("V3 from 400", False),
        ("V4 from 500", False),
        ("V5 from 600", False),
    ]


def test_the_period_picker_opens_a_past_published_period(app: FastAPI) -> None:
    agency = sign_in(app, "agency-b")
    try:
        page = page_of(agency, "/partners/B/dashboard")
        card = page.one(f"card-{JIXING}")
        picker = card.one(f"period-picker-{JIXING}")
        assert picker.tag == "form" and picker.attrs["method"] == "get"
        options = [
            (n.attrs["value"], "selected" in n.attrs) for n in picker.walk() if n.tag == "option"
        ]
        assert options == [("2024-08", True), ("2024-07", False)]
        assert not card.has("past-period-note")
        link = card.one("history-period-2024-07").attrs["href"]
        assert link == f"?program={JIXING}&period=2024-07#card-{JIXING}"

        # July, from July's published run: no level, the gap to L1 (one Lv6+ creator).
        past = page_of(agency, f"/partners/B/dashboard?program={JIXING}&period=2024-07")
        card = past.one(f"card-{JIXING}")
        assert card.one("period").text() == "Period 2024-07"
        assert card.one("level").text() == "No level"
        assert card.one("next-level-id").text() == "L1"
        assert (
            card.one("past-period-note")
            .text()
            .startswith("You are reading the published results of 2024-07.")
        )
        assert card.one("latest-period-link").text() == "Back to the latest period (2024-08)"
        # The charts and the picker still show every period, July chosen.
        assert island(card, CHANNEL_CHARTS[0])["labels"] == ["2024-07", "2024-08"]
        picked = card.one(f"period-picker-{JIXING}")
        assert [n.attrs["value"] for n in picked.walk() if "selected" in n.attrs] == ["2024-07"]
        # The other cards stay on their latest period.
        assert past.one(f"card-{BUYIN}").one("period").text() == "Period 2024-08"

        # A period never published, or no period at all, is not found.
        assert (
            agency.get(f"/partners/B/dashboard?program={JIXING}&period=2024-05").status_code == 404
        )
        assert agency.get(f"/partners/B/dashboard?program={JIXING}&period=soon").status_code == 404
    finally:
        agency.close()
