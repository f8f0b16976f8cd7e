"""ISV quarterly evaluation (spec section 1.4.1): class-dependent dimensions, each 0–100,
weights of the applicable dimensions renormalised to 100."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from pydantic import TypeAdapter

from tierwise.definitions.scoring import DimensionScorecard, Scoring
from tierwise.scoring import Subject, score_dimensions

GROWTH = {"kind": "growth", "full_at": "0.2"}
FACT = {"kind": "fact"}
TABLE = [
    # name, weight, classes, score
    ("seller_growth", 15, ["S", "A"], GROWTH),
    ("api_growth", 15, ["S", "A"], GROWTH),
    ("key_projects", 10, ["S"], FACT),
    ("new_capabilities", 10, ["S", "A"], FACT),
    ("subscription_growth", 10, ["S", "A"], GROWTH),
    ("compliance", 10, ["S", "A", "B"], FACT),
    ("complaints", 10, ["S", "A"], FACT),
    ("bugs_fixed", 10, ["S", "A"], FACT),
    ("interface_adaptation", 5, ["S", "A"], FACT),
    ("activities", 5, ["S"], FACT),
]
parsed = TypeAdapter(Scoring).validate_python(
    {
        "method": "dimension_scorecard",
        "dimensions": [
            {"name": n, "metric": n, "weight": w, "classes": c, "score": s} for n, w, c, s in TABLE
        ],
    }
)
assert isinstance(parsed, DimensionScorecard)
QUARTERLY = parsed
FULL = {n: (D("0.2") if s is GROWTH else 1) for n, _, _, s in TABLE}


def score(level: str | None, **metrics: Any) -> D | None:
    [out] = score_dimensions(QUARTERLY, [Subject("I1", metrics={**FULL, **metrics})], {"I1": level})
    return out.score


def test_full_marks_in_every_class() -> None:
    assert score("S") == 100
    assert score("A") == 100
    assert score("B") == 100


def test_class_b_has_compliance_only() -> None:
    assert score("B", compliance=D("0.8"), seller_growth=-1, key_projects=0) == 80


def test_weights_renormalised_for_class_a() -> None:
    # A: 15 + 15 + 10 + 10 + 10 + 10 + 10 + 5 = 85; seller growth 10% → 50 points:
    # (85 · 100 − 15 · 50) / 85 = 7750 / 85
    got = score("A", seller_growth=D("0.1"))
    assert got is not None and abs(got - D(7750) / D(85)) < D("1e-20")
    # key projects (S only) does not count for A
    assert score("A", key_projects=0) == 100
    # for S, key projects at 0 costs its weight 10
    assert score("S", key_projects=0) == 90


@pytest.mark.parametrize(
    ("growth", "points"),
    [("-0.1", 0), ("0", 0), ("0.05", 25), ("0.1", 50), ("0.2", 100), ("0.35", 100)],
)
def test_growth_dimension(growth: str, points: int) -> None:
    # for B only compliance applies, so use S and read the dimension's own points
    [out] = score_dimensions(
        QUARTERLY, [Subject("I1", metrics={**FULL, "api_growth": D(growth)})], {"I1": "S"}
    )
    [item] = [t for t in out.trace if t.component == "api_growth"]
    assert item.points == points
    assert out.score == 100 - D(15) * (100 - points) / 100


def test_fact_outside_0_1_is_clamped_and_said_so() -> None:
    [out] = score_dimensions(
        QUARTERLY, [Subject("I1", metrics={**FULL, "compliance": D("1.5")})], {"I1": "B"}
    )
    assert out.score == 100
    assert "clamped" in out.trace[0].reason


def test_no_value_counts_as_zero_and_said_so() -> None:
    [out] = score_dimensions(
        QUARTERLY, [Subject("I1", metrics={**FULL, "compliance": None})], {"I1": "B"}
    )
    assert out.score == 0 and "no value" in out.trace[0].reason


def test_unclassed_partners_are_not_evaluated() -> None:
    outs = score_dimensions(QUARTERLY, [Subject("I1", metrics=FULL), Subject("I2", metrics=FULL)],
                            {"I1": None})  # fmt: skip
    assert [(o.partner_id, o.level, o.score) for o in outs] == [
        ("I1", None, None),
        ("I2", None, None),
    ]
    assert outs[0].to_dict()["score"] is None
