"""TSP certification scorecards (spec section 2): band edges, awards, gaps and margins.

The two scorecards are built here from the spec's tables; every expectation is worked out
by hand from those tables, never read back from the code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from tierwise.definitions.scoring import BandedScorecard, Scoring, StatusRules
from tierwise.scoring import MetricLabel, Outcome, Subject, score_partners

LEVELS = ["Certified", "Premier"]
AWARDS = [{"level": "Certified", "min_points": 50}, {"level": "Premier", "min_points": 80}]


def three(metric: str, weight: int, low: str, high: str, *, lower_is_better: bool = False) -> Any:
    """A three-band item: [.., low) 0, [low, high) 1, [high, ..) 2 (or mirrored for rates)."""
    if lower_is_better:
        bands = [
            {"score": 0, "from": low},
            {"score": 1, "from": high, "below": low},
            {"score": 2, "below": high},
        ]
    else:
        bands = [
            {"score": 0, "below": low},
            {"score": 1, "from": low, "below": high},
            {"score": 2, "from": high},
        ]
    return {"metric": metric, "weight": weight, "bands": bands}


def gpm_item(metric: str, weight: int, full: str) -> Any:
    """0 (none) → 0, (0, full) → 1, ≥ full → 2."""
    bands = [
        {"score": 0, "to": "0"},
        {"score": 1, "above": "0", "below": full},
        {"score": 2, "from": full},
    ]
    return {"metric": metric, "weight": weight, "bands": bands}


SHOP_DEF = {
    "method": "banded_scorecard",
    "max_band_score": 2,
    "items": [
        three("bound_sellers", 20, "5", "15"),
        three("gmv_per_seller", 20, "2400", "30000"),
        three("cancellation_rate", 15, "0.005", "0.004", lower_is_better=True),
        three("late_dispatch_rate", 15, "0.0165", "0.014", lower_is_better=True),
        three("return_rate", 10, "0.001", "0.0008", lower_is_better=True),
        three("negative_review_rate", 10, "0.0035", "0.0025", lower_is_better=True),
        {
            "metric": "severe_ipr",
            "weight": 10,
            "bands": [{"score": 0, "from": "1"}, {"score": 2, "below": "1"}],
        },
    ],
    "awards": AWARDS,
}

CONTENT_DEF = {
    "method": "banded_scorecard",
    "items": [
        three("active_sellers", 10, "1", "10"),
        three("live_hours", 15, "600", "3000"),
        three("videos", 10, "100", "600"),
        three("self_sale_gmv", 10, "200000", "1000000"),
        gpm_item("gmv_per_live", 10, "500"),
        gpm_item("live_gpm", 10, "5"),
        gpm_item("video_gpm", 10, "5"),
        {
            "metric": "max_severe_content",
            "weight": 20,
            "bands": [
                {"score": 0, "from": "2"},
                {"score": 1, "from": "1", "below": "2"},
                {"score": 2, "below": "1"},
            ],
        },
        three("avg_violation_points", 5, "1", "0.5", lower_is_better=True),
    ],
    "awards": AWARDS,
}


def card(definition: Any) -> BandedScorecard:
    parsed = TypeAdapter(Scoring).validate_python(definition)
    assert isinstance(parsed, BandedScorecard)
    return parsed


SHOP = card(SHOP_DEF)
CONTENT = card(CONTENT_DEF)
ELIGIBLE = StatusRules.model_validate({"eligible_when": [{"metric": "managed", "at_least": 3}]})

#: A shop TSP in the top band everywhere.
SHOP_TOP = {
    "bound_sellers": 20,
    "gmv_per_seller": 40000,
    "cancellation_rate": D("0.001"),
    "late_dispatch_rate": D("0.01"),
    "return_rate": D("0.0005"),
    "negative_review_rate": D("0.001"),
    "severe_ipr": 0,
    "managed": 20,
}
CONTENT_TOP = {
    "active_sellers": 12,
    "live_hours": 3500,
    "videos": 700,
    "self_sale_gmv": 1_200_000,
    "gmv_per_live": 800,
    "live_gpm": 9,
    "video_gpm": 6,
    "max_severe_content": 0,
    "avg_violation_points": D("0.1"),
    "managed": 12,
}


def run(
    scorecard: BandedScorecard,
    metrics: dict[str, Any],
    labels: dict[str, MetricLabel] | None = None,
) -> Outcome:
    [out] = score_partners(
        scorecard,
        ELIGIBLE,
        LEVELS,
        [Subject("T1", metrics=metrics)],
        date(2024, 1, 1),
        date(2024, 4, 1),
        labels=labels,
    )
    return out


def item_points(out: Outcome, metric: str) -> D:
    [item] = [t for t in out.trace if t.kind == "metric" and t.metric == metric]
    assert item.points is not None
    return item.points


# Each edge of each metric, from the spec tables: (edge, score just below, at, just above).
SHOP_EDGES = [
    ("bound_sellers", 20, "5", 0, 1, 1),
    ("bound_sellers", 20, "15", 1, 2, 2),
    ("gmv_per_seller", 20, "2400", 0, 1, 1),
    ("gmv_per_seller", 20, "30000", 1, 2, 2),
    ("cancellation_rate", 15, "0.004", 2, 1, 1),
    ("cancellation_rate", 15, "0.005", 1, 0, 0),
    ("late_dispatch_rate", 15, "0.014", 2, 1, 1),
    ("late_dispatch_rate", 15, "0.0165", 1, 0, 0),
    ("return_rate", 10, "0.0008", 2, 1, 1),
    ("return_rate", 10, "0.001", 1, 0, 0),
    ("negative_review_rate", 10, "0.0025", 2, 1, 1),
    ("negative_review_rate", 10, "0.0035", 1, 0, 0),
    ("severe_ipr", 10, "1", 2, 0, 0),
]
CONTENT_EDGES = [
    ("active_sellers", 10, "1", 0, 1, 1),
    ("active_sellers", 10, "10", 1, 2, 2),
    ("live_hours", 15, "600", 0, 1, 1),
    ("live_hours", 15, "3000", 1, 2, 2),
    ("videos", 10, "100", 0, 1, 1),
    ("videos", 10, "600", 1, 2, 2),
    ("self_sale_gmv", 10, "200000", 0, 1, 1),
    ("self_sale_gmv", 10, "1000000", 1, 2, 2),
    ("gmv_per_live", 10, "0", 0, 0, 1),
    ("gmv_per_live", 10, "500", 1, 2, 2),
    ("live_gpm", 10, "0", 0, 0, 1),
    ("live_gpm", 10, "5", 1, 2, 2),
    ("video_gpm", 10, "0", 0, 0, 1),
    ("video_gpm", 10, "5", 1, 2, 2),
    ("max_severe_content", 20, "1", 2, 1, 1),
    ("max_severe_content", 20, "2", 1, 0, 0),
    ("avg_violation_points", 5, "0.5", 2, 1, 1),
    ("avg_violation_points", 5, "1", 1, 0, 0),
]
TINY = D("0.000001")


@pytest.mark.parametrize(
    ("scorecard", "base", "metric", "weight", "edge", "below", "at", "above"),
    [(SHOP, SHOP_TOP, *e) for e in SHOP_EDGES]
    + [(CONTENT, CONTENT_TOP, *e) for e in CONTENT_EDGES],
    ids=[f"shop-{e[0]}-{e[2]}" for e in SHOP_EDGES]
    + [f"content-{e[0]}-{e[2]}" for e in CONTENT_EDGES],
)
def test_every_band_edge(
    scorecard: BandedScorecard,
    base: dict[str, Any],
    metric: str,
    weight: int,
    edge: str,
    below: int,
    at: int,
    above: int,
) -> None:
    x = D(edge)
    for value, score in ((x - TINY, below), (x, at), (x + TINY, above)):
        out = run(scorecard, {**base, metric: value})
        assert item_points(out, metric) == D(weight) * score / 2, (metric, value)


def test_every_metric_of_both_scorecards_has_its_edges_tested() -> None:
    assert {e[0] for e in SHOP_EDGES} == {i.metric for i in SHOP.items}
    assert {e[0] for e in CONTENT_EDGES} == {i.metric for i in CONTENT.items}


def test_top_bands_everywhere_give_100_points_and_premier() -> None:
    out = run(SHOP, SHOP_TOP)
    assert (out.status, out.score, out.level) == ("assessed", D(100), "Premier")
    assert out.next_level is None
    assert out.to_dict()["score"] == 100.0
    assert out.to_dict()["next_level"] is None


def test_awards_by_min_points() -> None:
    # sellers 10 (band 1, 10 points instead of 20) and GMV 2,400 (band 1, 10): 80 → Premier
    out = run(SHOP, {**SHOP_TOP, "bound_sellers": 10, "gmv_per_seller": 2400})
    assert (out.score, out.level) == (D(80), "Premier")
    # also late dispatch 1.5% (band 1, 7.5 instead of 15): 72.5 → Certified
    out = run(SHOP, {**SHOP_TOP, "bound_sellers": 10, "gmv_per_seller": 2400,
                     "late_dispatch_rate": D("0.015")})  # fmt: skip
    assert (out.score, out.level) == (D("72.5"), "Certified")
    # sellers 3, GMV 0, cancellation 0.5%: 100 − 20 − 20 − 15 = 45 → no award
    out = run(SHOP, {**SHOP_TOP, "bound_sellers": 3, "gmv_per_seller": 0,
                     "cancellation_rate": D("0.005")})  # fmt: skip
    assert (out.score, out.level) == (D(45), None)
    assert out.status == "assessed" and out.keep is None


def test_a_disqualifying_band_bars_every_award() -> None:
    definition = {**SHOP_DEF, "items": list(SHOP_DEF["items"])}  # type: ignore[call-overload]
    definition["items"][-1] = {
        "metric": "severe_ipr",
        "weight": 10,
        "bands": [{"score": 0, "from": "1", "disqualifies": True}, {"score": 2, "below": "1"}],
    }
    scorecard = card(definition)
    out = run(scorecard, {**SHOP_TOP, "severe_ipr": 1})
    assert (out.score, out.level) == (D(90), None)
    gap = out.next_level
    assert gap is not None and gap.level == "Certified"
    assert [(s.metric, s.relation, s.target) for s in gap.steps] == [("severe_ipr", "<", D(1))]
    assert gap.points == 0


def test_fewer_than_three_sellers_is_ineligible_with_points_reported() -> None:
    out = run(SHOP, {**SHOP_TOP, "managed": 2})
    assert (out.status, out.score, out.level, out.computed_level) == (
        "ineligible",
        D(100),
        None,
        "Premier",
    )
    assert out.next_level is not None
    assert out.next_level.conditions == ("raise managed from 2 to at least 3",)


def test_no_value_is_banded_as_zero_and_said_so() -> None:
    out = run(CONTENT, {**CONTENT_TOP, "gmv_per_live": None})
    [item] = [t for t in out.trace if t.metric == "gmv_per_live"]
    assert item.points == 0 and item.value is None
    assert "no value, taken as 0" in item.reason


def test_gap_is_the_fewest_metric_changes_then_the_smallest_relative_change() -> None:
    # 72.5 points (Certified): Premier needs 7.5 more. One metric suffices; candidates:
    # sellers 10 → 15 (+10, relative 5/15), GMV 2,400 → 30,000 (+10, relative 0.92),
    # late dispatch 1.5% → < 1.4% (+7.5, relative ~0.067): the last is the cheapest.
    labels = {"late_dispatch_rate": MetricLabel("average late dispatch rate", percent=True)}
    metrics = {**SHOP_TOP, "bound_sellers": 10, "gmv_per_seller": 2400,
               "late_dispatch_rate": D("0.015")}  # fmt: skip
    out = run(SHOP, metrics, labels)
    gap = out.next_level
    assert gap is not None and gap.level == "Premier" and gap.points == D("7.5")
    [step] = gap.steps
    assert (step.metric, step.relation, step.target, step.points) == (
        "late_dispatch_rate",
        "<",
        D("0.014"),
        D("7.5"),
    )
    assert step.example < D("0.014")
    assert gap.actions == (
        "lower average late dispatch rate from 1.5% to below 1.4% (+7.5 points)",
    )
    assert out.to_dict()["next_level"]["gap"]["points"] == 7.5


def test_gap_with_two_metrics_when_one_is_not_enough() -> None:
    # sellers 3 (0), GMV 0 (0), cancellation 0.5% (0): 45 points; Certified needs 5 more,
    # which any one of them gives; Premier from 45 needs 35: sellers (+20) and GMV (+20).
    out = run(SHOP, {**SHOP_TOP, "bound_sellers": 3, "gmv_per_seller": 0,
                     "cancellation_rate": D("0.005")})  # fmt: skip
    assert out.next_level is not None and out.next_level.level == "Certified"
    assert len(out.next_level.steps) == 1
    out = run(SHOP, {**SHOP_TOP, "bound_sellers": 7, "gmv_per_seller": 2400,
                     "cancellation_rate": D("0.0045")})  # fmt: skip
    # 10 + 10 + 7.5 + 15 + 10 + 10 + 10 = 72.5 → Certified; Premier needs 7.5: one move
    # (cancellation to < 0.4%, +7.5, relative ~0.11) beats sellers (+10, relative 8/15).
    gap = out.next_level
    assert gap is not None and [s.metric for s in gap.steps] == ["cancellation_rate"]
    # 20 + 10 + 0 + 0 + 10 + 10 + 10 = 60 points (GMV 2,400, cancellation 0.6%, late
    # dispatch 2%): Premier needs 20, no single move gives it (at most +15). Pairs:
    # cancellation to < 0.5% (+7.5, relative 1/6) with late dispatch to < 1.4% (+15,
    # relative 0.3) = 0.467 beats cancellation to < 0.4% (+15, 1/3) with late dispatch to
    # < 1.65% (+7.5, 0.175) = 0.508, and anything with GMV (+10, relative 0.92).
    out = run(SHOP, {**SHOP_TOP, "gmv_per_seller": 2400,
                     "cancellation_rate": D("0.006"), "late_dispatch_rate": D("0.02")})  # fmt: skip
    assert (out.score, out.level) == (D(60), "Certified")
    gap = out.next_level
    assert gap is not None and gap.points == 20
    assert sorted((s.metric, s.relation, s.target, s.points) for s in gap.steps) == [
        ("cancellation_rate", "<", D("0.005"), D("7.5")),
        ("late_dispatch_rate", "<", D("0.014"), D(15)),
    ]


def test_margin_lists_the_drops_that_lose_the_award() -> None:
    # 80 points, Premier: margin 0; any band lost loses Premier.
    out = run(SHOP, {**SHOP_TOP, "bound_sellers": 10, "gmv_per_seller": 2400})
    keep = out.keep
    assert keep is not None and keep.level == "Premier" and keep.points == 0
    assert all(r.loses_level for r in keep.risks)
    ipr = next(r for r in keep.risks if r.metric == "severe_ipr")
    assert (ipr.relation, ipr.threshold, ipr.points_lost) == (">=", D(1), D(10))


def test_margin_at_100_points() -> None:
    keep = run(SHOP, SHOP_TOP).keep
    assert keep is not None
    sellers = [(r.relation, r.threshold, r.points_lost, r.loses_level)
               for r in keep.risks if r.metric == "bound_sellers"]  # fmt: skip
    # falling below 15 costs 10 (Premier kept at 90); below 5 costs 20 (80: still Premier)
    assert sellers == [("<", D(15), D(10), False)]
    assert not any(r.loses_level for r in keep.risks)


# --- properties --------------------------------------------------------------------

RATE = st.decimals(min_value=0, max_value=D("0.03"), places=5)
SHOP_METRICS = st.fixed_dictionaries(
    {
        "bound_sellers": st.integers(0, 40),
        "gmv_per_seller": st.decimals(min_value=0, max_value=60000, places=2),
        "cancellation_rate": RATE,
        "late_dispatch_rate": RATE,
        "return_rate": st.decimals(min_value=0, max_value=D("0.002"), places=5),
        "negative_review_rate": st.decimals(min_value=0, max_value=D("0.006"), places=5),
        "severe_ipr": st.integers(0, 3) | st.none(),
        "managed": st.just(10),
    }
)
CONTENT_METRICS = st.fixed_dictionaries(
    {
        "active_sellers": st.integers(0, 20),
        "live_hours": st.floats(0, 5000, allow_nan=False),
        "videos": st.integers(0, 900),
        "self_sale_gmv": st.integers(0, 2_000_000),
        "gmv_per_live": st.decimals(min_value=0, max_value=900, places=2),
        "live_gpm": st.decimals(min_value=0, max_value=9, places=3),
        "video_gpm": st.decimals(min_value=0, max_value=9, places=3) | st.none(),
        "max_severe_content": st.integers(0, 3),
        "avg_violation_points": st.decimals(min_value=0, max_value=2, places=2),
        "managed": st.just(10),
    }
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([(SHOP, SHOP_METRICS), (CONTENT, CONTENT_METRICS)]).flatmap(
    lambda pair: st.tuples(st.just(pair[0]), pair[1])
))  # fmt: skip
def test_points_lie_in_0_100(case: tuple[BandedScorecard, dict[str, Any]]) -> None:
    scorecard, metrics = case
    out = run(scorecard, metrics)
    assert out.score is not None and 0 <= out.score <= 100
    expected = None if out.score < 50 else "Certified" if out.score < 80 else "Premier"
    assert out.level == expected


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([(SHOP, SHOP_METRICS), (CONTENT, CONTENT_METRICS)]).flatmap(
    lambda pair: st.tuples(st.just(pair[0]), pair[1])
))  # fmt: skip
def test_applying_the_gap_reaches_the_next_award(
    case: tuple[BandedScorecard, dict[str, Any]],
) -> None:
    scorecard, metrics = case
    out = run(scorecard, metrics)
    gap = out.next_level
    if out.level == "Premier":
        assert gap is None
        return
    assert gap is not None and gap.reachable
    improved = {**metrics, **{s.metric: s.example for s in gap.steps}}
    after = run(scorecard, improved)
    assert after.level is not None
    assert LEVELS.index(after.level) >= LEVELS.index(gap.level)
    assert out.score is not None and after.score is not None
    assert after.score - out.score == sum(s.points for s in gap.steps)
    # the fewest changes: no single step, alone, was enough when two were proposed
    if len(gap.steps) > 1:
        for s in gap.steps:
            alone = run(scorecard, {**metrics, s.metric: s.example})
            assert alone.level != gap.level
