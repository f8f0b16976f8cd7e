"""The data of a partner's history charts (`tierwise.partners.charts`), worked by hand from
the program definitions: 百应's score intervals (V2 from 300 … V5 from 600), the Thai TSP
shop's award points (Certified 50, Premier 80), 集星's channel thresholds (Lv6+ creators
1/3/8/20/50; Lv4+ creators 5/15/40/100/250; paid GMV 100k/500k/2M/10M/50M CNY)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tierwise.definitions.registry import load_program
from tierwise.partners.charts import (
    ChannelMetric,
    Threshold,
    channel_metrics,
    drawn_thresholds,
    history_charts,
    score_thresholds,
    series_chart,
)
from tierwise.web.i18n import translator

BUYIN = load_program("buyin-mcn")
JIXING = load_program("douyin-jixing-mcn")
EN, ZH, TH = translator("en"), translator("zh"), translator("th")


def point(period: str, score: str | None, level: str | None, status: str = "assessed") -> Any:
    rank = None if level is None else BUYIN.level_rank(level)
    return {"period": period, "score": score, "level": level, "rank": rank, "status": status}


def test_the_score_thresholds_are_the_lower_bounds_of_the_levels() -> None:
    assert score_thresholds(BUYIN) == tuple(
        Threshold(level, Decimal(value))
        for level, value in (("V2", 300), ("V3", 400), ("V4", 500), ("V5", 600))
    )
    assert score_thresholds(load_program("tts-th-tsp-shop")) == (
        Threshold("Certified", Decimal(50)),
        Threshold("Premier", Decimal(80)),
    )
    # Levels by rank quota (ISV): no score boundary to draw.
    assert score_thresholds(load_program("tts-sea-isv")) == ()
    assert score_thresholds(JIXING) == ()


def test_jixing_has_one_series_per_channel_metric_with_its_thresholds() -> None:
    found = channel_metrics(JIXING)
    assert [(c.channel, c.metric) for c in found] == [
        ("creators", "lv6_creators"),
        ("creators_and_gmv", "lv4_creators"),
        ("creators_and_gmv", "paid_gmv"),
    ]
    assert [(t.level, t.value) for t in found[0].thresholds] == [
        ("L1", 1),
        ("L2", 3),
        ("L3", 8),
        ("L4", 20),
        ("L5", 50),
    ]
    assert [t.value for t in found[2].thresholds] == [
        Decimal(100_000),
        Decimal(500_000),
        Decimal(2_000_000),
        Decimal(10_000_000),
        Decimal(50_000_000),
    ]
    assert channel_metrics(BUYIN) == ()


def test_the_chart_draws_the_boundaries_reached_and_the_next_one() -> None:
    lines = channel_metrics(JIXING)[0].thresholds  # 1, 3, 8, 20, 50
    # 3 Lv6+ creators at most: L1 (1) and L2 (3) are reached, L3 (8) is the next.
    assert [t.level for t in drawn_thresholds(lines, 3.0)] == ["L1", "L2", "L3"]
    # None yet: only the first boundary.
    assert [t.level for t in drawn_thresholds(lines, 0.0)] == ["L1"]
    # Beyond the top: all five.
    assert [t.level for t in drawn_thresholds(lines, 80.0)] == ["L1", "L2", "L3", "L4", "L5"]


@given(
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=6, unique=True),
    st.integers(min_value=0, max_value=1200),
)
def test_at_most_one_drawn_boundary_lies_above_the_series(values: list[int], top: int) -> None:
    lines = tuple(Threshold(f"L{v}", Decimal(v)) for v in sorted(values))
    drawn = drawn_thresholds(lines, float(top))
    assert [t for t in drawn if t.value > top] == [t for t in lines if t.value > top][:1]
    assert all(t in drawn for t in lines if t.value <= top)


def test_a_score_chart_marks_an_observation_period_off_the_line() -> None:
    history = [
        point("2024-06", "310", "V2"),
        point("2024-07", "133", None, "observation"),
        point("2024-08", "601", "V3"),
    ]
    (chart,) = history_charts(BUYIN, history, {}, {}, "en", EN)
    data = chart["data"]
    assert chart["key"] == "score"
    assert data["labels"] == ["2024-06", "2024-07", "2024-08"]
    # The observation period's 133 is not on the score line, but marked apart.
    assert data["values"] == [310.0, None, 601.0]
    assert data["marked_values"] == [None, 133.0, None]
    assert data["marked_status"] == [None, "under observation", None]
    assert data["rank"] == [1, None, 2]
    assert [(t["label"], t["drawn"]) for t in data["thresholds"]] == [
        ("V2 from 300", True),
        ("V3 from 400", True),
        ("V4 from 500", True),
        ("V5 from 600", True),
    ]
    assert data["value_label"] == "Score"


def test_a_chart_without_any_value_has_no_value_series() -> None:
    # Both periods withheld from the partner: no score at all, only the level (none).
    history = [point("2024-07", None, None, "observation"), point("2024-08", None, None)]
    (chart,) = history_charts(BUYIN, history, {}, {}, "en", EN)
    assert chart["data"]["values"] is None
    assert chart["data"]["marked_status"] == ["under observation", None]


def test_jixing_charts_its_channel_values_against_their_thresholds_in_chinese() -> None:
    history: list[dict[str, Any]] = [
        {"period": "2024-07", "score": None, "level": None, "rank": None, "status": "assessed"},
        {"period": "2024-08", "score": None, "level": "L2", "rank": 1, "status": "assessed"},
    ]
    metrics = {
        "2024-07": {"lv6_creators": 0, "lv4_creators": 0, "paid_gmv": "0"},
        "2024-08": {"lv6_creators": 3, "lv4_creators": 3, "paid_gmv": "120000.50"},
    }
    titles = {"lv6_creators": {"en": "Lv6+ creators", "zh": "带货力Lv6及以上达人数"}}
    charts = history_charts(JIXING, history, metrics, titles, "zh", ZH)
    assert [c["key"] for c in charts] == [
        "creators-lv6_creators",
        "creators_and_gmv-lv4_creators",
        "creators_and_gmv-paid_gmv",
    ]
    first = charts[0]
    assert first["title"] == "考核通道一：带货力Lv6及以上达人数 · 带货力Lv6及以上达人数"
    assert first["data"]["values"] == [0.0, 3.0]
    assert first["data"]["value_label"] == "带货力Lv6及以上达人数"
    assert [(t["label"], t["drawn"]) for t in first["data"]["thresholds"]] == [
        ("L1：1 起", True),
        ("L2：3 起", True),
        ("L3：8 起", True),
        ("L4：20 起", False),
        ("L5：50 起", False),
    ]
    gmv = charts[2]["data"]
    assert gmv["values"] == [0.0, 120000.5]
    # 120,000.50 passes 100k (L1); 500k (L2) is the next line; 2M and above are listed only.
    assert [t["drawn"] for t in gmv["thresholds"]] == [True, True, False, False, False]
    assert gmv["thresholds"][1]["label"] == "L2：500,000 起"
    # A metric without a title in the card's titles is named by its id; money says its
    # currency.
    assert charts[2]["data"]["value_label"] == "paid_gmv (CNY)"


def test_the_threshold_labels_are_in_thai() -> None:
    line = ChannelMetric("creators", {}, "lv6_creators", (Threshold("L1", Decimal(1)),))
    history = [
        {"period": "2024-08", "score": None, "level": None, "rank": None, "status": "novice"}
    ]
    data = series_chart(JIXING, history, [2], line.thresholds, "x", "th", TH)
    assert data["thresholds"][0]["label"] == "L1 ตั้งแต่ 1"
    assert data["marked_status"] == ["ช่วงเริ่มต้น"]
    assert (data["values"], data["marked_values"]) == ([None], [2.0])
