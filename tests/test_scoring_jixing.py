"""抖音集星 MCN levels (spec section 4): either channel reaches a level; the highest counts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from pydantic import TypeAdapter

from tierwise.definitions.scoring import Scoring, StatusRules
from tierwise.scoring import Outcome, Subject, score_partners

LEVELS = ["L1", "L2", "L3", "L4", "L5"]
JIXING = TypeAdapter(Scoring).validate_python(
    {
        "method": "channel_thresholds",
        "channels": [
            {
                "name": "channel_1",
                "requires": {"lv6_creators": {"L1": 1, "L2": 3, "L3": 8, "L4": 20, "L5": 50}},
            },
            {
                "name": "channel_2",
                "requires": {
                    "lv4_creators": {"L1": 5, "L2": 15, "L3": 40, "L4": 100, "L5": 250},
                    "gmv": {
                        "L1": 100_000,
                        "L2": 500_000,
                        "L3": 2_000_000,
                        "L4": 10_000_000,
                        "L5": 50_000_000,
                    },
                },
            },
        ],
    }
)
NO_RULES = StatusRules()


def run(lv6: Any, lv4: Any, gmv: Any, joined_on: date | None = None) -> Outcome:
    metrics = {"lv6_creators": lv6, "lv4_creators": lv4, "gmv": gmv}
    [out] = score_partners(
        JIXING,
        NO_RULES,
        LEVELS,
        [Subject("M1", joined_on=joined_on, metrics=metrics)],
        date(2024, 9, 1),
        date(2024, 10, 1),
    )
    return out


@pytest.mark.parametrize(
    ("lv6", "lv4", "gmv", "level"),
    [
        (0, 0, 0, None),
        (1, 0, 0, "L1"),  # channel 1 alone
        (3, 0, 0, "L2"),
        (2, 0, 0, "L1"),
        (0, 5, 100_000, "L1"),  # channel 2 alone
        (0, 15, 400_000, "L1"),  # channel 2: count for L2, GMV only for L1
        (0, 15, 500_000, "L2"),
        (0, 4, 50_000_000, None),  # channel 2 needs the count too
        (0, 250, 99_999, None),  # … and the GMV
        (8, 15, 600_000, "L3"),  # channel 1 L3 beats channel 2 L2
        (3, 40, 2_000_000, "L3"),  # channel 2 L3 beats channel 1 L2
        (50, 0, 0, "L5"),
        (49, 250, 50_000_000, "L5"),
        (None, 5, 100_000, "L1"),  # no value counts as 0
    ],
)
def test_either_channel(lv6: Any, lv4: Any, gmv: Any, level: str | None) -> None:
    out = run(lv6, lv4, gmv)
    assert (out.status, out.level, out.score) == ("assessed", level, None)
    assert out.to_dict()["score"] is None


def test_joined_this_month_is_assessed_at_once() -> None:
    # 集星 has no novice months: month M's agency gets a level from month M's data
    assert run(1, 0, 0, joined_on=date(2024, 9, 20)).level == "L1"


def test_gap_per_channel_and_metric() -> None:
    out = run(3, 15, 600_000)
    assert out.level == "L2"
    gap = out.next_level
    assert gap is not None and gap.level == "L3"
    # channel 1: 8 − 3 = 5 Lv6+ creators; channel 2: 40 − 15 = 25 Lv4+ and 2M − 600k GMV
    assert out.to_dict()["next_level"] == {
        "level": "L3",
        "gap": {
            "channels": {
                "channel_1": {"lv6_creators": 5.0},
                "channel_2": {"lv4_creators": 25.0, "gmv": 1_400_000.0},
            },
            "actions": [
                "channel_1: raise lv6_creators from 3 to 8 (+5)",
                "channel_2: raise lv4_creators from 15 to 40 (+25) and gmv from 600,000 to "
                "2,000,000 (+1,400,000)",
            ],
        },
    }


def test_a_met_metric_misses_nothing() -> None:
    out = run(0, 50, 600_000)
    gap = out.next_level
    assert out.level == "L2" and gap is not None
    [_, channel_2] = gap.channels
    assert {m.metric: m.distance for m in channel_2.metrics} == {
        "lv4_creators": 0,
        "gmv": D(1_400_000),
    }


def test_margin_per_channel_that_holds_the_level() -> None:
    out = run(3, 15, 600_000)
    keep = out.keep
    assert keep is not None and keep.level == "L2"
    assert keep.to_dict()["channels"] == {
        "channel_1": {"lv6_creators": 0.0},
        "channel_2": {"lv4_creators": 0.0, "gmv": 100_000.0},
    }
    # only channel 1 holds L3 here
    keep = run(8, 15, 600_000).keep
    assert keep is not None and [c.channel for c in keep.channels] == ["channel_1"]


def test_top_level_has_no_next_level() -> None:
    out = run(60, 0, 0)
    assert out.level == "L5" and out.next_level is None
    json.dumps(out.to_dict())
