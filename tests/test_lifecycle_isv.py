"""ISV classes over time (spec section 1, "Class over time") and operator decisions:
first class = standard class, S kept whatever the score, invitations effective 1 January,
removal at once, half-yearly reviews, overrides on any program, illegal decisions refused."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from tierwise.core.periods import Period
from tierwise.definitions import load_program
from tierwise.definitions.model import InvitedClassPolicy
from tierwise.lifecycle import (
    REMOVED,
    Decision,
    DecisionError,
    PeriodResult,
    Policy,
    ReviewItem,
    Standing,
    Step,
    Transition,
    advance,
    check_decision,
)
from tierwise.scoring.status import Status

ISV = Policy.of(load_program("tts-sea-isv"))
BUYIN = Policy.of(load_program("buyin-mcn"))
Q = Period.parse

Quarter = tuple[str, Status, str | None]


def run(
    quarters: Sequence[Quarter],
    *,
    standing: Standing | None = None,
    decisions: dict[str, list[Decision]] | None = None,
    policy: Policy = ISV,
) -> list[Step]:
    steps: list[Step] = []
    for text, status, computed in quarters:
        given = (decisions or {}).get(text, [])
        result = PeriodResult("I1", status, computed)
        step = advance(policy, standing, Q(text), result, given)
        standing = step.standing
        steps.append(step)
    return steps


def decision(kind: str, decided_on: date, **fields: object) -> Decision:
    return Decision.from_dict(
        {
            "kind": kind,
            "partner_id": "I1",
            "actor": "ops@example.com",
            "reason": "quarterly review",
            "decided_on": decided_on.isoformat(),
            **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items()},
        }
    )


def test_policy_is_read_from_the_definition() -> None:
    assert isinstance(ISV.rule, InvitedClassPolicy)
    assert ISV.levels == ("B", "A", "S")
    assert ISV.rule.fixed_classes == ("S",)
    assert ISV.period_kind == "quarter"


def test_the_first_class_is_the_standard_class() -> None:
    steps = run([("2024Q1", "ineligible", None), ("2024Q2", "assessed", "A")])
    assert steps[0].level is None and steps[0].standing.held is None
    assert steps[1].level == "A"
    assert steps[1].change == "new"
    assert steps[1].standing.origin == "first_class"
    assert steps[1].transitions == (Transition("invited_class", None, "A", "first_class"),)


def test_afterwards_the_standard_class_is_only_a_proposal() -> None:
    steps = run(
        [("2024Q1", "assessed", "B"), ("2024Q2", "assessed", "A"), ("2024Q3", "assessed", "S")]
    )
    assert [s.level for s in steps] == ["B", "B", "B"]
    assert [s.computed_level for s in steps] == ["B", "A", "S"]
    assert "is a proposal" in steps[1].explanation[0]


def test_s_is_kept_when_its_score_falls_or_it_becomes_ineligible() -> None:
    steps = run(
        [("2024Q1", "assessed", "S"), ("2024Q2", "assessed", "B"), ("2024Q3", "ineligible", None)]
    )
    assert [s.level for s in steps] == ["S", "S", "S"]
    assert "fixed class, neither promoted nor relegated by score" in steps[1].explanation[0]
    assert "ineligible for 2024Q3: keeps class S" in steps[2].explanation[0]
    assert all(s.transitions == () for s in steps[1:])


def test_an_ineligible_class_a_isv_keeps_its_class_unless_an_operator_acts() -> None:
    steps = run([("2024Q1", "assessed", "A"), ("2024Q2", "ineligible", None)])
    assert steps[1].level == "A"
    assert "operator's decision" in steps[1].explanation[0]


def test_review_items_each_half_year_for_s_only() -> None:
    s_steps = run(
        [
            ("2024Q1", "assessed", "S"),
            ("2024Q2", "assessed", "S"),
            ("2024Q3", "assessed", "S"),
            ("2024Q4", "assessed", "S"),
        ]
    )
    assert [len(s.reviews) for s in s_steps] == [0, 1, 0, 1]
    assert s_steps[1].reviews == (
        ReviewItem("invitation_review", "I1", Period.parse("2024H1"), date(2024, 7, 1), "S"),
    )
    assert s_steps[3].reviews[0].window == Period.parse("2024H2")
    assert s_steps[3].reviews[0].opened_on == date(2025, 1, 1)
    assert [r.window for r in s_steps[3].standing.reviews] == [Q("2024H1"), Q("2024H2")]
    (notice,) = s_steps[1].notices
    assert notice.kind == "review_opened"
    assert notice.params["decides"] == "invitation_next_year"
    a_steps = run([("2024Q1", "assessed", "A"), ("2024Q2", "assessed", "A")])
    assert a_steps[1].reviews == ()


def test_a_proposal_when_the_higher_standard_class_was_met_in_the_half() -> None:
    steps = run([("2024Q1", "assessed", "A"), ("2024Q2", "assessed", "S")])
    assert steps[1].level == "A"
    (proposal,) = steps[1].reviews
    assert proposal == ReviewItem(
        "promotion_proposal",
        "I1",
        Q("2024H1"),
        date(2024, 7, 1),
        "A",
        proposed="S",
        decides="invitation",
    )
    # B meeting S is proposed one class up only, to A.
    b_steps = run([("2024Q1", "assessed", "B"), ("2024Q2", "assessed", "S")])
    assert [r.proposed for r in b_steps[1].reviews] == ["A"]


def test_no_proposal_when_the_higher_class_was_met_only_in_an_earlier_half() -> None:
    steps = run(
        [
            ("2023Q3", "assessed", "A"),
            ("2023Q4", "assessed", "S"),
            ("2024Q1", "assessed", "A"),
            ("2024Q2", "assessed", "A"),
        ]
    )
    assert [len(s.reviews) for s in steps] == [0, 1, 0, 0]


def test_invitation_takes_effect_on_1_january_of_the_next_year() -> None:
    invite = decision("invite", date(2024, 7, 15), level="S")
    steps = run(
        [
            ("2024Q1", "assessed", "A"),
            ("2024Q2", "assessed", "S"),
            ("2024Q3", "assessed", "S"),
            ("2024Q4", "assessed", "S"),
            ("2025Q1", "assessed", "A"),
        ],
        decisions={"2024Q3": [invite]},
    )
    (recorded,) = steps[2].recorded
    assert recorded.effective == date(2025, 1, 1)
    assert steps[2].standing.pending == (recorded,)
    assert steps[2].standing.reviews == ()  # the proposal is answered
    assert [s.level for s in steps] == ["A", "A", "A", "A", "S"]
    assert steps[4].change == "up"
    assert steps[4].applied == (recorded,)
    assert steps[4].transitions == (Transition("invited_class", "A", "S", "invitation"),)
    assert (steps[4].standing.origin, steps[4].standing.since) == ("invitation", date(2025, 1, 1))
    assert steps[4].standing.pending == ()


def test_an_h2_proposal_decided_in_january_takes_effect_that_1_january() -> None:
    steps = run([("2024Q3", "assessed", "B"), ("2024Q4", "assessed", "A")])
    standing = steps[1].standing
    invite = check_decision(ISV, standing, decision("invite", date(2025, 1, 10), level="A"))
    assert invite.effective == date(2025, 1, 1)
    # Without the proposal an invitation decided in 2025 waits for 2026.
    plain = check_decision(
        ISV, Standing("I1", Q("2024Q4"), "B", "B"), decision("invite", date(2025, 1, 10), level="A")
    )
    assert plain.effective == date(2026, 1, 1)
    step = advance(ISV, standing, Q("2025Q1"), PeriodResult("I1", "assessed", "A"), [invite])
    assert step.level == "A"


def test_an_invitation_at_another_date_is_refused() -> None:
    standing = run([("2024Q1", "assessed", "A")])[0].standing
    with pytest.raises(
        DecisionError, match=r"1 January of the next year \(2025-01-01\), not 2024-10-01"
    ):
        check_decision(
            ISV,
            standing,
            decision("invite", date(2024, 5, 2), level="S", effective=date(2024, 10, 1)),
        )


def test_promotions_only_those_the_policy_lists() -> None:
    b = run([("2024Q1", "assessed", "B")])[0].standing
    with pytest.raises(
        DecisionError, match="no invitation from B to S; the policy invites: A → S, B → A"
    ):
        check_decision(ISV, b, decision("invite", date(2024, 5, 2), level="S"))
    s = run([("2024Q1", "assessed", "S")])[0].standing
    with pytest.raises(DecisionError, match="no invitation from S to A"):
        check_decision(ISV, s, decision("invite", date(2024, 5, 2), level="A"))


def test_removal_takes_effect_at_once_and_is_final() -> None:
    remove = decision("remove", date(2024, 5, 10), reason="serious data leak")
    steps = run(
        [("2024Q1", "assessed", "B"), ("2024Q2", "assessed", "B"), ("2024Q3", "assessed", "A")],
        decisions={"2024Q2": [remove]},
    )
    assert [s.level for s in steps] == ["B", None, None]
    assert steps[1].change == "lost"
    assert steps[1].standing.held == REMOVED and steps[1].standing.removed
    assert (steps[1].standing.origin, steps[1].standing.since) == ("removal", date(2024, 5, 10))
    assert steps[1].transitions == (Transition("invited_class", "B", REMOVED, "removal"),)
    assert "removed from the program on 2024-05-10" in steps[2].explanation[0]
    assert steps[2].transitions == ()


def test_only_b_is_removed_and_s_is_never_downgraded() -> None:
    a = run([("2024Q1", "assessed", "A")])[0].standing
    with pytest.raises(
        DecisionError, match="no removal from A to removed; the policy allows: B → removed"
    ):
        check_decision(ISV, a, decision("remove", date(2024, 5, 2)))
    s = run([("2024Q1", "assessed", "S")])[0].standing
    with pytest.raises(
        DecisionError, match="S is a fixed class: neither relegated by score nor downgraded"
    ):
        check_decision(ISV, s, decision("downgrade", date(2024, 5, 2), level="A"))
    with pytest.raises(DecisionError, match="no downgrade from A to A; the policy allows: A → B"):
        check_decision(ISV, a, decision("downgrade", date(2024, 5, 2), level="A"))


def test_downgrade_a_to_b_is_proposed_and_takes_effect_next_year() -> None:
    downgrade = decision("downgrade", date(2024, 8, 1), level="B", reason="new API not adopted")
    steps = run(
        [
            ("2024Q2", "assessed", "A"),
            ("2024Q3", "assessed", "A"),
            ("2024Q4", "assessed", "A"),
            ("2025Q1", "assessed", "A"),
        ],
        decisions={"2024Q3": [downgrade]},
    )
    assert steps[1].recorded[0].effective == date(2025, 1, 1)
    assert [s.level for s in steps] == ["A", "A", "A", "B"]
    assert steps[3].transitions == (Transition("invited_class", "A", "B", "downgrade"),)


def test_continue_invitation_closes_the_review_and_an_ended_one_moves_next_year() -> None:
    steps = run([("2024Q1", "assessed", "S"), ("2024Q2", "assessed", "S")])
    standing = steps[1].standing
    kept = advance(
        ISV,
        standing,
        Q("2024Q3"),
        PeriodResult("I1", "assessed", "B"),
        [decision("continue_invitation", date(2024, 7, 20), continues=True)],
    )
    assert kept.standing.reviews == () and kept.standing.pending == ()
    assert kept.level == "S"
    ended = advance(
        ISV,
        standing,
        Q("2024Q3"),
        PeriodResult("I1", "assessed", "B"),
        [decision("continue_invitation", date(2024, 7, 20), continues=False, level="A")],
    )
    assert ended.recorded[0].effective == date(2025, 1, 1)
    assert ended.standing.reviews == ()
    q4 = advance(ISV, ended.standing, Q("2024Q4"), PeriodResult("I1", "assessed", "B"))
    q1 = advance(ISV, q4.standing, Q("2025Q1"), PeriodResult("I1", "assessed", "B"))
    assert [q4.level, q1.level] == ["S", "A"]
    assert q1.transitions == (Transition("invited_class", "S", "A", "invitation_ended"),)


def test_continue_invitation_is_for_invited_classes() -> None:
    a = run([("2024Q1", "assessed", "A")])[0].standing
    with pytest.raises(DecisionError, match="only a partner of an invited class"):
        check_decision(ISV, a, decision("continue_invitation", date(2024, 7, 2), continues=True))
    s = run([("2024Q1", "assessed", "S")])[0].standing
    with pytest.raises(DecisionError, match="names the class held from next year, one of: B, A"):
        check_decision(ISV, s, decision("continue_invitation", date(2024, 7, 2), continues=False))


def test_one_class_change_at_a_time_but_a_removal_cancels_what_is_pending() -> None:
    steps = run([("2024Q1", "assessed", "B"), ("2024Q2", "assessed", "A")])
    invite = decision("invite", date(2024, 7, 3), level="A")
    with pytest.raises(
        DecisionError,
        match=r"invite decided 2024-07-03 by ops@example\.com is pending \(effective 2025-01-01\)",
    ):
        advance(
            ISV,
            steps[1].standing,
            Q("2024Q3"),
            PeriodResult("I1", "assessed", "A"),
            [invite, decision("invite", date(2024, 7, 4), level="A")],
        )
    remove = decision("remove", date(2024, 8, 1), reason="serious seller complaints")
    step = advance(
        ISV, steps[1].standing, Q("2024Q3"), PeriodResult("I1", "assessed", "A"), [invite, remove]
    )
    assert step.cancelled[0].kind == "invite"
    assert step.level is None and step.standing.removed
    assert step.standing.pending == ()


def test_every_problem_of_a_decision_in_one_error() -> None:
    a = run([("2024Q1", "assessed", "A")])[0].standing
    bad = Decision("downgrade", "I1", " ", "", date(2024, 5, 2), level="Z", mode="floor")
    with pytest.raises(DecisionError) as info:
        check_decision(ISV, a, bad)
    assert info.value.problems == (
        "an actor is required",
        "a reason is required",
        "unknown level 'Z' (levels: B, A, S)",
        "`mode` and `until` belong to an override",
        "no downgrade from A to Z; the policy allows: A → B",
    )
    assert str(info.value).startswith("downgrade of I1: an actor is required; ")


def test_class_decisions_need_an_invited_class_program_and_a_class() -> None:
    with pytest.raises(DecisionError, match="'one_step_up' lifecycle: only an invited_class"):
        check_decision(BUYIN, Standing("I1"), decision("invite", date(2024, 5, 2), level="V2"))
    with pytest.raises(DecisionError, match="not classed yet"):
        check_decision(ISV, None, decision("downgrade", date(2024, 5, 2), level="B"))


def test_decisions_cannot_reach_into_evaluated_periods_or_the_future() -> None:
    standing = run([("2024Q1", "assessed", "A")])[0].standing
    late = decision("override", date(2024, 3, 20), mode="fixed", level="S")
    with pytest.raises(DecisionError, match="falls in 2024Q1 or earlier, already evaluated"):
        check_decision(ISV, standing, late)
    future = decision("override", date(2024, 7, 2), mode="fixed", level="S")
    with pytest.raises(DecisionError, match="after 2024Q2's generation date 2024-07-01"):
        advance(ISV, standing, Q("2024Q2"), PeriodResult("I1", "assessed", "A"), [future])


# -- overrides (any policy) -----------------------------------------------------------------


def test_a_fixed_override_shows_its_level_until_it_ends_and_the_baseline_goes_on() -> None:
    fixed = Decision(
        "override",
        "I1",
        "ops",
        "key account",
        date(2024, 2, 20),
        effective=date(2024, 3, 1),
        level="V5",
        mode="fixed",
        until=date(2024, 4, 30),
    )
    months = [("2024-02", "V2"), ("2024-03", "V2"), ("2024-04", "V3"), ("2024-05", "V3")]
    standing: Standing | None = None
    levels: list[str | None] = []
    held: list[str | None] = []
    for text, computed in months:
        given = [fixed] if text == "2024-02" else []
        step = advance(BUYIN, standing, Q(text), PeriodResult("I1", "assessed", computed), given)
        standing = step.standing
        levels.append(step.level)
        held.append(step.standing.held)
    assert levels == ["V2", "V5", "V5", "V3"]
    assert held == ["V2", "V2", "V3", "V3"]
    assert standing is not None and standing.overrides == ()


def test_a_floor_override_raises_only_a_lower_level() -> None:
    floor = Decision(
        "override", "I1", "ops", "campaign", date(2024, 1, 5), level="V3", mode="floor"
    )
    low = advance(BUYIN, None, Q("2024-01"), PeriodResult("I1", "assessed", "V1"), [floor])
    assert (low.level, low.standing.held) == ("V3", "V1")
    high = advance(BUYIN, low.standing, Q("2024-02"), PeriodResult("I1", "assessed", "V2"))
    assert high.level == "V3"
    higher = advance(BUYIN, high.standing, Q("2024-03"), PeriodResult("I1", "assessed", "V5"))
    assert (higher.level, higher.standing.held) == ("V3", "V3")
    top = advance(BUYIN, higher.standing, Q("2024-04"), PeriodResult("I1", "assessed", "V5"))
    assert top.level == "V4"


def test_an_override_on_an_isv_and_its_checks() -> None:
    a = run([("2024Q1", "assessed", "A")])[0].standing
    override = decision(
        "override", date(2024, 4, 2), mode="fixed", level="S", until=date(2024, 12, 31)
    )
    step = advance(ISV, a, Q("2024Q2"), PeriodResult("I1", "assessed", "A"), [override])
    assert (step.level, step.standing.held) == ("S", "A")
    with pytest.raises(DecisionError, match="says whether it is a `floor` or a `fixed` level"):
        check_decision(ISV, a, decision("override", date(2024, 4, 2), level="S"))
    with pytest.raises(DecisionError, match="until 2024-04-01 is before effective 2024-04-02"):
        check_decision(
            ISV,
            a,
            decision("override", date(2024, 4, 2), mode="floor", level="S", until=date(2024, 4, 1)),
        )
