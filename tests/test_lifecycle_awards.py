"""TSP awards (spec section 2, "Awards"): valid the whole following quarter, then expired;
a later quarter's award replaces it; final against restatements; expiring within 14 days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from tierwise.core.periods import Period
from tierwise.definitions import load_program
from tierwise.definitions.model import AwardPolicy
from tierwise.lifecycle import (
    Award,
    LifecycleError,
    PeriodResult,
    Policy,
    Standing,
    Step,
    Transition,
    advance,
    award_in_force,
    expiring,
    expiring_notices,
    restate,
)
from tierwise.scoring.status import Status

SHOP = Policy.of(load_program("tts-th-tsp-shop"))
CONTENT = Policy.of(load_program("tts-th-tsp-content"))
Q = Period.parse

Quarter = tuple[str, Status, str | None]


def run(policy: Policy, quarters: Sequence[Quarter]) -> list[Step]:
    standing: Standing | None = None
    steps: list[Step] = []
    for text, status, computed in quarters:
        step = advance(policy, standing, Q(text), PeriodResult("T1", status, computed))
        standing = step.standing
        steps.append(step)
    return steps


def test_both_tsp_programs_declare_one_following_quarter_and_no_appeal() -> None:
    for policy in (SHOP, CONTENT):
        assert isinstance(policy.rule, AwardPolicy)
        assert policy.rule.valid_periods == 1
        assert policy.rule.appeal is False
        assert policy.levels == ("Certified", "Premier")


def test_q1_award_is_valid_from_april_to_june() -> None:
    (step,) = run(SHOP, [("2024Q1", "assessed", "Premier")])
    assert step.awards == (
        Award("T1", "Premier", Q("2024Q1"), date(2024, 4, 1), date(2024, 6, 30)),
    )
    assert step.awards[0].to_dict() == {
        "partner_id": "T1",
        "award": "Premier",
        "for_period": "2024Q1",
        "valid_from": "2024-04-01",
        "valid_to": "2024-06-30",
    }
    assert (step.level, step.previous_level, step.change) == ("Premier", None, "new")
    assert step.standing.since == date(2024, 4, 1)
    # The award notice says it; no separate "level changed".
    assert [n.kind for n in step.notices] == ["award_granted"]
    assert step.notices[0].params["valid_to"] == "2024-06-30"


def test_q4_award_is_valid_in_the_first_quarter_of_next_year() -> None:
    (step,) = run(CONTENT, [("2024Q4", "assessed", "Certified")])
    (award,) = step.awards
    assert (award.valid_from, award.valid_to) == (date(2025, 1, 1), date(2025, 3, 31))


def test_award_expires_after_its_quarter() -> None:
    steps = run(SHOP, [("2024Q1", "assessed", "Certified"), ("2024Q2", "ineligible", None)])
    assert steps[1].awards == ()
    assert steps[1].previous_level == "Certified"
    assert steps[1].level is None
    assert steps[1].change == "lost"
    assert steps[1].transitions == (Transition("award", "Certified", None, "award_expired"),)
    assert [n.kind for n in steps[1].notices] == ["level_changed"]
    # The award granted stays on record.
    assert len(steps[1].standing.awards) == 1
    awards = steps[1].standing.awards
    assert award_in_force(awards, date(2024, 6, 30)) is not None
    assert award_in_force(awards, date(2024, 7, 1)) is None


def test_assessed_below_the_lowest_award_gives_none() -> None:
    steps = run(SHOP, [("2024Q1", "assessed", "Premier"), ("2024Q2", "assessed", None)])
    assert steps[1].level is None and steps[1].awards == ()


def test_a_later_award_replaces_the_earlier_for_its_own_window() -> None:
    steps = run(SHOP, [("2024Q1", "assessed", "Certified"), ("2024Q2", "assessed", "Premier")])
    assert steps[1].change == "up"
    awards = steps[1].standing.awards
    assert [a.award for a in awards] == ["Certified", "Premier"]
    assert award_in_force(awards, date(2024, 6, 30)) == awards[0]
    assert award_in_force(awards, date(2024, 7, 1)) == awards[1]
    assert award_in_force(awards, date(2024, 9, 30)) == awards[1]
    assert award_in_force(awards, date(2024, 10, 1)) is None


def test_the_same_award_again_is_a_new_award_but_no_level_change() -> None:
    steps = run(SHOP, [("2024Q1", "assessed", "Premier"), ("2024Q2", "assessed", "Premier")])
    assert steps[1].change == "unchanged"
    assert steps[1].transitions == ()
    assert [n.kind for n in steps[1].notices] == ["award_granted"]


def test_two_period_validity_overlaps_and_the_later_award_wins() -> None:
    rule = AwardPolicy(policy="award", valid_periods=2)
    policy = Policy("variant", rule, SHOP.levels, "quarter")
    steps = run(
        policy,
        [
            ("2024Q1", "assessed", "Premier"),  # valid 2024-04-01 .. 2024-09-30
            ("2024Q2", "assessed", "Certified"),  # valid 2024-07-01 .. 2024-12-31
            ("2024Q3", "ineligible", None),
        ],
    )
    assert steps[0].awards[0].valid_to == date(2024, 9, 30)
    assert [s.level for s in steps] == ["Premier", "Certified", "Certified"]
    in_august = award_in_force(steps[2].standing.awards, date(2024, 8, 15))
    assert in_august is not None and in_august.award == "Certified"


def test_expiring_within_14_days() -> None:
    (step,) = run(SHOP, [("2024Q1", "assessed", "Premier")])
    standing = step.standing
    (award,) = standing.awards
    assert expiring(standing, date(2024, 6, 16)) == ()  # 15 days left, 06-16 .. 06-30
    assert expiring(standing, date(2024, 6, 17)) == (award,)  # 14 days left
    assert expiring(standing, date(2024, 6, 30)) == (award,)  # the last day
    assert expiring(standing, date(2024, 7, 1)) == ()  # expired
    assert expiring(standing, date(2024, 5, 1)) == ()
    assert expiring(standing, date(2024, 6, 1), days=30) == (award,)
    (notice,) = expiring_notices(SHOP, standing, date(2024, 6, 17))
    assert notice.kind == "award_expiring"
    assert notice.period == "2024Q1"
    assert dict(notice.params) == {
        "award": "Premier",
        "for_period": "2024Q1",
        "valid_to": "2024-06-30",
        "days_left": "14",
    }


def test_an_award_already_succeeded_is_not_expiring() -> None:
    steps = run(SHOP, [("2024Q1", "assessed", "Premier"), ("2024Q2", "assessed", "Certified")])
    assert expiring(steps[1].standing, date(2024, 6, 20)) == ()


def test_a_restatement_never_revokes_a_granted_award() -> None:
    steps = run(SHOP, [("2024Q1", "assessed", "Premier"), ("2024Q2", "assessed", "Premier")])
    standing = steps[1].standing
    lower = restate(SHOP, standing, Q("2024Q1"), PeriodResult("T1", "assessed", "Certified"))
    assert lower.stands is True
    assert lower.differs is True
    assert lower.granted is not None and lower.granted.award == "Premier"
    assert lower.restated_level == "Certified"
    assert "final" in lower.explanation
    gone = restate(SHOP, standing, Q("2024Q1"), PeriodResult("T1", "ineligible", None))
    assert (gone.stands, gone.differs, gone.restated_level) == (True, True, None)
    same = restate(SHOP, standing, Q("2024Q2"), PeriodResult("T1", "assessed", "Premier"))
    assert (same.stands, same.differs) == (True, False)


def test_a_restatement_does_not_grant_late_either() -> None:
    (step,) = run(SHOP, [("2024Q1", "ineligible", None)])
    late = restate(SHOP, step.standing, Q("2024Q1"), PeriodResult("T1", "assessed", "Certified"))
    assert (late.granted, late.stands, late.differs) == (None, True, True)
    assert "no award granted then stands" in late.explanation


def test_restate_is_for_award_policies() -> None:
    buyin = Policy.of(load_program("buyin-mcn"))
    with pytest.raises(LifecycleError, match="only an award policy"):
        restate(
            buyin, Standing("T1"), Period.parse("2024-01"), PeriodResult("T1", "assessed", "V1")
        )
