"""The scoring package's public surface and its input errors."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from types import ModuleType
from typing import Any

import pytest
from pydantic import TypeAdapter

import tierwise.scoring as scoring
from tierwise.definitions.scoring import SCORING_METHODS, Scoring, StatusRules
from tierwise.scoring import ScoringError, Subject, score_partners
from tierwise.scoring.methods import METHODS

CARD = TypeAdapter(Scoring).validate_python(
    {
        "method": "banded_scorecard",
        "items": [
            {
                "metric": "m",
                "weight": 100,
                "bands": [{"score": 0, "below": 1}, {"score": 2, "from": 1}],
            }
        ],
        "awards": [{"level": "Certified", "min_points": 50}],
    }
)


def run(subjects: list[Subject]) -> list[scoring.Outcome]:
    return score_partners(
        CARD, StatusRules(), ["Certified"], subjects, date(2024, 1, 1), date(2024, 4, 1)
    )


def test_exported_members() -> None:
    public = {
        name
        for name in dir(scoring)
        if not name.startswith("_") and not isinstance(getattr(scoring, name), ModuleType)
    }
    assert public == set(scoring.__all__)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), D("NaN"), "12", True])
def test_values_that_are_not_finite_numbers(value: Any) -> None:
    with pytest.raises(ScoringError, match="P1: m"):
        run([Subject("P1", metrics={"m": value})])


def test_inputs_are_normalised_exactly() -> None:
    [a, b, c] = run([Subject(p, metrics={"m": v}) for p, v in (("A", 0.1), ("B", 1), ("C", D(1)))])
    assert [t.value for t in a.trace if t.metric == "m"] == [D("0.1")]
    assert a.to_dict()["metrics"] == {"m": 0.1}
    assert b.to_dict()["metrics"] == {"m": 1} and c.to_dict()["metrics"] == {"m": 1.0}


def test_a_metric_the_config_needs_is_missing() -> None:
    with pytest.raises(ScoringError, match="metric 'm' is used by the scoring config"):
        run([Subject("P1", metrics={})])


def test_repeated_partner_ids() -> None:
    with pytest.raises(ScoringError, match="repeat: P1"):
        run([Subject("P1", metrics={"m": 1}), Subject("P1", metrics={"m": 2})])


def test_a_level_outside_the_levels() -> None:
    with pytest.raises(ScoringError, match="'Certified' is not one of"):
        score_partners(CARD, StatusRules(), ["Premier"], [Subject("P1", metrics={"m": 1})],
                 date(2024, 1, 1))  # fmt: skip


def test_a_period_ending_before_it_starts() -> None:
    with pytest.raises(ScoringError, match="ends"):
        score_partners(CARD, StatusRules(), ["Certified"], [], date(2024, 1, 1), date(2023, 1, 1))


def test_a_dimension_scorecard_is_not_a_primary_evaluation() -> None:
    dims = TypeAdapter(Scoring).validate_python({"method": "dimension_scorecard", "dimensions": []})
    with pytest.raises(ScoringError, match="score_dimensions"):
        score_partners(dims, StatusRules(), [], [], date(2024, 1, 1))


def test_a_condition_on_a_component_needs_an_additive_score() -> None:
    rules = StatusRules.model_validate({"observation_when": [{"component": "service", "below": 1}]})
    with pytest.raises(ScoringError, match="only additive scores have groups"):
        score_partners(
            CARD, rules, ["Certified"], [Subject("P1", metrics={"m": 1})], date(2024, 1, 1)
        )


def test_outcome_to_dict_is_the_cli_contract_result_plus_explanations() -> None:
    [out] = run([Subject("P1", metrics={"m": 0})])
    d = out.to_dict()
    assert list(d) == [
        "partner_id", "status", "score", "level", "rank", "metrics", "next_level", "keep",
        "computed_level", "trace",
    ]  # fmt: skip
    assert (d["status"], d["score"], d["level"], d["rank"]) == ("assessed", 0.0, None, None)
    assert d["next_level"]["level"] == "Certified"
    assert d["next_level"]["gap"]["points"] == 50.0
    assert d["next_level"]["gap"]["actions"] == ["raise m from 0 to 1 (+100 points)"]
    json.dumps(d)


def test_every_scoring_method_of_the_schema_is_registered() -> None:
    assert set(METHODS) == set(SCORING_METHODS)
