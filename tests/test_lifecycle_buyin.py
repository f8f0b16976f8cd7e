"""巨量百应 (spec section 5, "Status" and "Level changes"): novice and observation months,
the baseline kept across them, up one level a month, straight down; and 集星's first level
(section 4). Expectations are the spec's examples, worked by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest

from tierwise.core.periods import Period
from tierwise.definitions import load_program
from tierwise.definitions.model import ComputedLevelPolicy, OneStepUpPolicy
from tierwise.lifecycle import (
    LifecycleError,
    PeriodResult,
    Policy,
    Standing,
    Step,
    Transition,
    advance,
)
from tierwise.scoring.outcome import Outcome
from tierwise.scoring.status import Status
from tierwise.scoring.trace import TraceItem

BUYIN = Policy.of(load_program("buyin-mcn"))
JIXING = Policy.of(load_program("douyin-jixing-mcn"))

Month = tuple[str, Status, str | None]


def run(
    policy: Policy,
    months: Sequence[Month],
    *,
    joined_on: date | None = None,
    standing: Standing | None = None,
) -> list[Step]:
    steps: list[Step] = []
    for text, status, computed in months:
        result = PeriodResult("P1", status, computed, joined_on=joined_on)
        step = advance(policy, standing, Period.parse(text), result)
        standing = step.standing
        steps.append(step)
    return steps


def test_policy_is_read_from_the_definition() -> None:
    assert BUYIN.kind == "one_step_up"
    assert isinstance(BUYIN.rule, OneStepUpPolicy)
    assert BUYIN.levels == ("V1", "V2", "V3", "V4", "V5")
    assert BUYIN.publication_day == 3


def test_baseline_v2_computed_v5_goes_up_one_level_to_v3() -> None:
    first, second = run(BUYIN, [("2024-06", "assessed", "V2"), ("2024-07", "assessed", "V5")])
    assert (first.level, first.change, first.previous_level) == ("V2", "new", None)
    assert second.computed_level == "V5"
    assert second.level == "V3"
    assert second.previous_level == "V2"
    assert second.change == "up"
    assert second.held_before == "V2"
    assert second.transitions == (Transition("one_step_up", "V2", "V3", "score_up"),)
    assert second.lifecycle_fields() == {
        "computed_level": "V5",
        "level": "V3",
        "previous_level": "V2",
        "change": "up",
    }


def test_v4_computed_v1_goes_straight_down_to_v1() -> None:
    steps = run(BUYIN, [("2024-06", "assessed", "V4"), ("2024-07", "assessed", "V1")])
    assert [s.level for s in steps] == ["V4", "V1"]
    assert steps[1].change == "down"
    assert steps[1].transitions == (Transition("one_step_up", "V4", "V1", "score_down"),)


def test_the_baseline_is_kept_across_an_observation_month() -> None:
    before, observed, after = run(
        BUYIN,
        [
            ("2024-05", "assessed", "V3"),
            ("2024-06", "observation", "V5"),
            ("2024-07", "assessed", "V5"),
        ],
    )
    assert before.level == "V3"
    # Observation: no level shown, a warning, the baseline V3 kept.
    assert observed.level is None
    assert observed.change == "lost"
    assert observed.standing.held == "V3"
    assert observed.transitions == ()
    assert "observation_warning" in [n.kind for n in observed.notices]
    # After it the baseline is the level held before: V3 → V4, not V5.
    assert after.level == "V4"
    assert after.held_before == "V3"
    assert after.previous_level is None
    assert after.transitions == (Transition("one_step_up", "V3", "V4", "score_up"),)


def test_observation_warning_carries_what_the_outbox_needs() -> None:
    result = PeriodResult(
        "P1",
        "observation",
        "V4",
        reasons=("observation: service points < 140",),
    )
    step = advance(BUYIN, None, Period.parse("2024-03"), result)
    (warning,) = [n for n in step.notices if n.kind == "observation_warning"]
    assert warning.program_id == "buyin-mcn"
    assert warning.partner_id == "P1"
    assert warning.period == "2024-03"
    assert warning.params["reasons"] == "observation: service points < 140"
    assert warning.params["computed_level"] == "V4"
    assert warning.params["baseline"] is None
    assert warning.to_dict()["kind"] == "observation_warning"


def test_a_period_result_from_an_evaluation_outcome() -> None:
    outcome = Outcome(
        partner_id="P1",
        status="observation",
        score=Decimal(512),
        level=None,
        rank=None,
        trace=(
            TraceItem(kind="total", reason="512 points"),
            TraceItem(kind="status", reason="observation: service points < 140"),
        ),
        next_level=None,
        keep=None,
        computed_level="V4",
    )
    result = PeriodResult.of(outcome, joined_on=date(2023, 5, 1))
    assert result == PeriodResult(
        "P1",
        "observation",
        "V4",
        score=Decimal(512),
        joined_on=date(2023, 5, 1),
        reasons=("observation: service points < 140",),
    )


def test_novice_months_show_nothing_and_the_first_assessment_takes_the_computed_level() -> None:
    steps = run(
        BUYIN,
        [
            ("2024-01", "novice", "V4"),
            ("2024-02", "novice", "V5"),
            ("2024-03", "assessed", "V4"),
        ],
        joined_on=date(2024, 1, 10),
    )
    assert [s.level for s in steps] == [None, None, "V4"]
    assert [s.standing.held for s in steps] == [None, None, "V4"]
    assert [s.change for s in steps] == ["unchanged", "unchanged", "new"]
    assert steps[0].notices == () and steps[1].notices == ()
    assert steps[2].transitions == (Transition("one_step_up", None, "V4", "first_assessment"),)


def test_observation_with_no_earlier_level_then_the_computed_level_directly() -> None:
    steps = run(BUYIN, [("2024-03", "observation", "V2"), ("2024-04", "assessed", "V5")])
    assert [s.level for s in steps] == [None, "V5"]


def test_one_step_per_month_while_the_computed_level_stays_high() -> None:
    steps = run(
        BUYIN,
        [
            ("2024-01", "assessed", "V1"),
            ("2024-02", "assessed", "V5"),
            ("2024-03", "assessed", "V5"),
            ("2024-04", "assessed", "V5"),
            ("2024-05", "assessed", "V5"),
            ("2024-06", "assessed", "V5"),
        ],
    )
    assert [s.level for s in steps] == ["V1", "V2", "V3", "V4", "V5", "V5"]
    assert steps[-1].change == "unchanged"
    assert steps[-1].transitions == ()


def test_equal_is_unchanged_and_no_notice() -> None:
    steps = run(BUYIN, [("2024-01", "assessed", "V3"), ("2024-02", "assessed", "V3")])
    assert steps[1].change == "unchanged"
    assert steps[1].notices == ()


def test_a_level_change_is_a_notice() -> None:
    steps = run(BUYIN, [("2024-01", "assessed", "V3"), ("2024-02", "assessed", "V1")])
    (notice,) = steps[1].notices
    assert notice.kind == "level_changed"
    assert dict(notice.params) == {
        "level": "V1",
        "previous_level": "V3",
        "change": "down",
        "computed_level": "V1",
    }


def test_published_on_the_third_of_the_next_month() -> None:
    (step,) = run(BUYIN, [("2024-09", "assessed", "V2")])
    assert step.published_on == date(2024, 10, 3)
    assert step.standing.since == date(2024, 10, 3)


def variant(**options: object) -> Policy:
    rule = OneStepUpPolicy.model_validate({"policy": "one_step_up", **options})
    return Policy("variant", rule, BUYIN.levels, "month")


def test_down_one_step_and_two_steps_up_and_lowest_without_baseline() -> None:
    one_step = run(
        variant(down="one_step"), [("2024-01", "assessed", "V5"), ("2024-02", "assessed", "V1")]
    )
    assert [s.level for s in one_step] == ["V5", "V4"]
    two_up = run(
        variant(max_steps_up=2), [("2024-01", "assessed", "V1"), ("2024-02", "assessed", "V5")]
    )
    assert [s.level for s in two_up] == ["V1", "V3"]
    lowest = run(
        variant(without_baseline="lowest"),
        [("2024-01", "assessed", "V4"), ("2024-02", "assessed", "V4")],
    )
    assert [s.level for s in lowest] == ["V1", "V2"]


def test_periods_are_applied_once_and_in_order() -> None:
    (step,) = run(BUYIN, [("2024-05", "assessed", "V3")])
    result = PeriodResult("P1", "assessed", "V3")
    with pytest.raises(LifecycleError, match="not after 2024-05"):
        advance(BUYIN, step.standing, Period.parse("2024-05"), result)
    with pytest.raises(LifecycleError, match="not after 2024-05"):
        advance(BUYIN, step.standing, Period.parse("2024-04"), result)
    # A gap (a month the partner was not in the data) is allowed.
    later = advance(BUYIN, step.standing, Period.parse("2024-08"), result)
    assert later.level == "V3"


def test_bad_input_is_refused() -> None:
    with pytest.raises(LifecycleError, match="by month; 2024Q1 is a quarter"):
        advance(BUYIN, None, Period.parse("2024Q1"), PeriodResult("P1", "assessed", "V1"))
    with pytest.raises(LifecycleError, match="unknown level 'L3'"):
        advance(BUYIN, None, Period.parse("2024-01"), PeriodResult("P1", "assessed", "L3"))
    with pytest.raises(LifecycleError, match="P2 given with P1's standing"):
        advance(BUYIN, Standing("P1"), Period.parse("2024-01"), PeriodResult("P2", "novice", None))


# -- 集星 ---------------------------------------------------------------------------------


def test_jixing_first_level_is_for_the_month_joined_published_on_the_third() -> None:
    assert isinstance(JIXING.rule, ComputedLevelPolicy)
    steps = run(
        JIXING,
        [
            ("2024-02", "assessed", "L1"),
            ("2024-03", "assessed", "L2"),
            ("2024-04", "assessed", "L1"),
        ],
        joined_on=date(2024, 3, 15),
    )
    assert [s.level for s in steps] == [None, "L2", "L1"]
    assert "first level shown is for 2024-03, published on 2024-04-03" in steps[0].explanation[0]
    assert steps[1].published_on == date(2024, 4, 3)
    assert steps[1].change == "new"
    # 集星 has no one-step rule: the level is the computed one, down or up.
    assert steps[2].change == "down"
    assert steps[2].transitions == (Transition("computed", "L2", "L1", "computed"),)


def test_jixing_after_joining_variant_and_no_level_reached() -> None:
    rule = ComputedLevelPolicy(policy="computed", first_period="after_joining")
    policy = Policy("variant", rule, JIXING.levels, "month", 3)
    steps = run(
        policy,
        [
            ("2024-03", "assessed", "L2"),
            ("2024-04", "assessed", "L3"),
            ("2024-05", "assessed", None),
        ],
        joined_on=date(2024, 3, 15),
    )
    assert [s.level for s in steps] == [None, "L3", None]
    assert steps[2].change == "lost"
