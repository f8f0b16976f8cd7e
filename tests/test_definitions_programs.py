"""The five built-in programs: each validates with no issue and says what the spec says."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tierwise.definitions import BUILTIN_IDS, all_programs, check_file, load_program
from tierwise.definitions.model import (
    AwardPolicy,
    ComputedLevelPolicy,
    InvitedClassPolicy,
    OneStepUpPolicy,
)
from tierwise.definitions.registry import builtin_dir
from tierwise.definitions.scoring import (
    AdditiveComponents,
    BandedScorecard,
    ChannelThresholds,
    DimensionScorecard,
    NormalisedWeightedSum,
)
from tierwise.metrics.catalog import FactCountParams, LibraryMetric, SellerRateParams


@pytest.mark.parametrize("program_id", BUILTIN_IDS)
def test_builtin_program_has_no_issue(program_id: str) -> None:
    result = check_file(builtin_dir() / f"{program_id}.yaml")
    assert [str(i) for i in result.issues] == []
    assert result.program is not None and result.program.id == program_id


def test_the_installation_knows_exactly_the_five_builtins() -> None:
    assert sorted(p.id for p in all_programs()) == sorted(BUILTIN_IDS)
    assert sorted(p.stem for p in builtin_dir().glob("*.yaml")) == sorted(BUILTIN_IDS)


def test_program_attributes() -> None:
    p = load_program("buyin-mcn")
    assert (p.subject_kind, p.markets, p.currency) == ("mcn", ("CN",), "CNY")
    assert (p.period_kind, p.publication_day, p.time_zone) == ("month", 3, "Asia/Shanghai")
    assert p.level_ids == ("V1", "V2", "V3", "V4", "V5")
    assert p.level_rank("V3") == 2
    metric = p.metrics["authors_l5"]
    assert isinstance(metric.library, LibraryMetric) and metric.library.name == "creators_with_fact"
    assert isinstance(metric.params, FactCountParams)
    assert (metric.params.fact, metric.params.at_least, metric.params.on) == (
        "author_level",
        5,
        "second_of_next",
    )
    assert p.metrics["showcase_gmv"].show is False
    assert p.metrics["showcase_share"].references == ("showcase_gmv", "settled_gmv")


@pytest.mark.parametrize(
    ("program_id", "metric", "unit"),
    [
        ("tts-th-tsp-shop", "avg_gmv_per_seller", "money"),  # money / count
        ("tts-th-tsp-shop", "cancellation_rate", "ratio"),
        ("tts-th-tsp-content", "avg_gmv_per_live", "money"),
        ("tts-th-tsp-content", "live_hours", "hours"),
        ("buyin-mcn", "showcase_share", "ratio"),  # money / money
        ("buyin-mcn", "showcase_author_share", "ratio"),  # count / count
        ("tts-sea-isv", "seller_growth", "ratio"),
    ],
)
def test_metric_units(program_id: str, metric: str, unit: str) -> None:
    assert load_program(program_id).metric_unit(metric) == unit


def test_buyin_thresholds_are_normalised() -> None:
    p = load_program("buyin-mcn")
    assert isinstance(p.scoring, AdditiveComponents)
    operating, growth, service, bonus = p.scoring.groups
    assert operating.components[0].points[1:] == (
        (Decimal(100_000), Decimal(50)),
        (Decimal(1_000_000), Decimal(100)),
        (Decimal(10_000_000), Decimal(150)),
    )
    assert growth.components[0].points[1] == (Decimal("0.1"), Decimal(40))
    assert service.components[0].points == ((0, 0), (5, 200))
    assert bonus.enabled is False
    assert [(i.level, i.from_, i.below) for i in p.scoring.intervals][1] == ("V2", 300, 400)
    assert p.status.novice_months == 2
    assert [(c.component, c.metric, c.below) for c in p.status.observation_when] == [
        ("service", None, 140),
        (None, "credit_score", 80),
    ]
    assert isinstance(p.lifecycle, OneStepUpPolicy) and p.lifecycle.max_steps_up == 1
    assert "observation" in p.status_rights


def test_tsp_shop_scorecard_reads_like_the_seed() -> None:
    p = load_program("tts-th-tsp-shop")
    assert isinstance(p.scoring, BandedScorecard)
    items = {i.metric: i for i in p.scoring.items}
    assert sum(i.weight for i in items.values()) == 100
    gmv = items["avg_gmv_per_seller"].bands
    assert [(b.score, b.from_, b.below) for b in gmv] == [
        (0, None, 2400),
        (1, 2400, 30000),
        (2, 30000, None),
    ]
    cancel = items["cancellation_rate"].bands
    assert [(b.score, b.from_, b.below) for b in cancel] == [
        (0, Decimal("0.005"), None),
        (1, Decimal("0.004"), Decimal("0.005")),
        (2, None, Decimal("0.004")),
    ]
    rate = p.metrics["late_dispatch_rate"].params
    assert isinstance(rate, SellerRateParams) and rate.window.days == 90
    assert [(a.level, a.min_points) for a in p.scoring.awards] == [
        ("Certified", 50),
        ("Premier", 80),
    ]
    assert p.status.eligible_when[0].at_least == 3
    assert isinstance(p.lifecycle, AwardPolicy) and p.lifecycle.valid_periods == 1
    assert not p.lifecycle.appeal
    assert (p.currency, p.time_zone, p.period.also_scored) == ("USD", "Asia/Bangkok", ("month",))


def test_tsp_content_scorecard_reads_like_the_seed() -> None:
    p = load_program("tts-th-tsp-content")
    assert isinstance(p.scoring, BandedScorecard)
    items = {i.metric: i for i in p.scoring.items}
    assert [i.weight for i in p.scoring.items] == [10, 15, 10, 10, 10, 10, 10, 20, 5]
    assert items["self_sale_gmv"].bands[2].from_ == 1_000_000
    assert items["live_hours"].bands[1].from_ == 600
    per_live = items["avg_gmv_per_live"].bands
    assert [(b.score, b.above, b.below, b.to) for b in per_live] == [
        (0, None, None, 0),
        (1, 0, 500, None),
        (2, None, None, None),
    ]


def test_jixing_channels_and_quota() -> None:
    p = load_program("douyin-jixing-mcn")
    assert isinstance(p.scoring, ChannelThresholds)
    creators, with_gmv = p.scoring.channels
    assert creators.requires["lv6_creators"]["L3"] == 8
    assert with_gmv.requires["paid_gmv"]["L5"] == 50_000_000
    assert p.binding_quota is not None
    assert p.binding_quota.per_level == {"L1": 2, "L2": 5, "L3": 10, "L4": 30, "L5": None}
    assert isinstance(p.lifecycle, ComputedLevelPolicy) and p.lifecycle.first_period == "joining"


def test_isv_classes_badges_and_quarterly_evaluation() -> None:
    p = load_program("tts-sea-isv")
    assert isinstance(p.scoring, NormalisedWeightedSum)
    assert [(c.level, c.quota) for c in p.scoring.classes] == [("S", 15), ("A", 100), ("B", None)]
    assert p.markets == ("TH", "ID", "MY", "PH", "VN", "SG")
    badges = {lvl.id: lvl.badge.name if lvl.badge else None for lvl in p.levels}
    assert badges == {"B": None, "A": "Good ISV", "S": "Top ISV"}
    assert all(lvl.rights.en and lvl.obligations.en and lvl.communication.en for lvl in p.levels)
    (quarterly,) = p.evaluations
    assert isinstance(quarterly.scoring, DimensionScorecard)
    dims = quarterly.scoring.dimensions
    assert len(dims) == 10 and sum(d.weight for d in dims) == 100
    assert [d.name for d in dims if "B" in d.classes] == ["compliance"]
    assert isinstance(p.lifecycle, InvitedClassPolicy)
    assert p.lifecycle.fixed_classes == ("S",)
    assert p.lifecycle.annual_excellence is not None
    assert p.lifecycle.annual_excellence.per_class == 3


def test_program_is_frozen() -> None:
    p = load_program("buyin-mcn")
    with pytest.raises(ValueError, match="frozen"):
        p.currency = "USD"  # type: ignore[misc]


def test_also_scored_names_shorter_periods_once() -> None:
    """Scores of other period kinds nest in the evaluated one (TSP: months in a quarter)."""
    from pydantic import ValidationError

    from tierwise.definitions.model import PeriodRule

    assert PeriodRule(kind="quarter", also_scored=("month",)).also_scored == ("month",)
    assert PeriodRule(kind="year", also_scored=("month", "quarter")).also_scored == (
        "month",
        "quarter",
    )
    with pytest.raises(ValidationError, match="must be shorter than the evaluated quarter"):
        PeriodRule(kind="quarter", also_scored=("quarter",))
    with pytest.raises(ValidationError, match="must be shorter than the evaluated quarter"):
        PeriodRule(kind="quarter", also_scored=("year",))
    with pytest.raises(ValidationError, match="names a period kind twice"):
        PeriodRule(kind="quarter", also_scored=("month", "month"))
