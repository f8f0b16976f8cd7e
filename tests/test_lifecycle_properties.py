"""The lifecycle against its transitions table, by exhaustion and by hypothesis; the Standing's
JSON round-trip; the package's public surface and purity."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tierwise.lifecycle as lifecycle
from tierwise.core.periods import Period
from tierwise.definitions import load_program
from tierwise.lifecycle import (
    CAUSES,
    REMOVED,
    Decision,
    DecisionError,
    IllegalTransition,
    PeriodResult,
    Policy,
    Standing,
    Step,
    Transition,
    advance,
    move,
    table,
)
from tierwise.scoring.status import Status

BUYIN = Policy.of(load_program("buyin-mcn"))
JIXING = Policy.of(load_program("douyin-jixing-mcn"))
ISV = Policy.of(load_program("tts-sea-isv"))
SHOP = Policy.of(load_program("tts-th-tsp-shop"))
POLICIES = {"buyin": BUYIN, "jixing": JIXING, "isv": ISV, "shop": SHOP}


# -- the table, by hand ---------------------------------------------------------------------


def rows(policy: Policy) -> set[tuple[str | None, str | None, str]]:
    return {(t.from_level, t.to_level, t.cause) for t in table(policy)}


def test_isv_table() -> None:
    assert rows(ISV) == {
        (None, "B", "first_class"),
        (None, "A", "first_class"),
        (None, "S", "first_class"),
        ("A", "S", "invitation"),
        ("B", "A", "invitation"),
        ("A", "B", "downgrade"),
        ("B", REMOVED, "removal"),
        ("S", "A", "invitation_ended"),
        ("S", "B", "invitation_ended"),
    }


def test_award_table() -> None:
    assert rows(SHOP) == {
        (None, "Certified", "award_granted"),
        (None, "Premier", "award_granted"),
        ("Certified", "Premier", "award_granted"),
        ("Premier", "Certified", "award_granted"),
        ("Certified", None, "award_expired"),
        ("Premier", None, "award_expired"),
        # an operator forfeits the award in force (a false declaration): another award
        # for a later period may still be in force, or none
        ("Certified", "Premier", "award_forfeited"),
        ("Premier", "Certified", "award_forfeited"),
        ("Certified", None, "award_forfeited"),
        ("Premier", None, "award_forfeited"),
    }


def test_one_step_up_table() -> None:
    table_rows = rows(BUYIN)
    assert len(table_rows) == 5 + 4 + 10  # first assessments, one step up, any step down
    assert ("V2", "V3", "score_up") in table_rows
    assert ("V2", "V4", "score_up") not in table_rows
    assert ("V4", "V1", "score_down") in table_rows
    assert ("V1", "V2", "score_down") not in table_rows
    assert not any(to is None for _, to, _ in table_rows)  # the baseline is never lost
    assert {c for *_, c in table_rows} == {"first_assessment", "score_up", "score_down"}


def test_computed_table_allows_every_change() -> None:
    assert len(rows(JIXING)) == 6 * 5
    assert ("L1", "L5", "computed") in rows(JIXING)
    assert (None, "L1", "computed") in rows(JIXING)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_the_mutator_allows_exactly_the_table(name: str) -> None:
    policy = POLICIES[name]
    states: tuple[str | None, ...] = (None, REMOVED, *policy.levels)
    for start in states:
        for end in states:
            for cause in CAUSES:
                standing = Standing("P1", held=start)
                listed = Transition(policy.kind, start, end, cause) in table(policy)
                if listed:
                    after, made = move(policy, standing, end, cause, on=date(2024, 1, 1))
                    assert (after.held, after.origin, after.since) == (end, cause, date(2024, 1, 1))
                    assert made == Transition(policy.kind, start, end, cause)
                else:
                    with pytest.raises(IllegalTransition):
                        move(policy, standing, end, cause, on=date(2024, 1, 1))


def test_an_illegal_move_names_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition, match=r"V2 → V4 \(score_up\).*allowed from V2: "):
        move(BUYIN, Standing("P1", held="V2"), "V4", "score_up", on=date(2024, 1, 1))
    with pytest.raises(IllegalTransition, match="cannot move S → A"):
        move(ISV, Standing("P1", held="S"), "A", "downgrade", on=date(2024, 1, 1))


# -- hypothesis: 百应 -------------------------------------------------------------------------

BUYIN_LEVELS = st.sampled_from(BUYIN.levels)
MONTH = st.tuples(st.sampled_from(["assessed", "novice", "observation"]), BUYIN_LEVELS)


def chain(policy: Policy, results: Sequence[tuple[Status, str | None]], first: str) -> list[Step]:
    standing: Standing | None = None
    steps: list[Step] = []
    period = Period.parse(first)
    for status, computed in results:
        step = advance(policy, standing, period, PeriodResult("P1", status, computed))
        steps.append(step)
        standing = step.standing
        period = period.next
    return steps


@settings(max_examples=300, deadline=None)
@given(st.lists(MONTH, min_size=1, max_size=24))
def test_buyin_level_rules_over_random_months(months: list[tuple[Status, str]]) -> None:
    rank = BUYIN.rank
    for step in chain(BUYIN, months, "2023-01"):
        base, computed = step.held_before, step.computed_level
        assert computed is not None
        if step.status != "assessed":
            # Novice and observation months show nothing and never change the baseline.
            assert step.level is None
            assert step.standing.held == base
            assert step.transitions == ()
            continue
        assert step.level is not None
        assert step.standing.held == step.level
        assert rank(step.level) <= rank(computed)
        if base is None:
            assert step.level == computed
        else:
            # Up by at most one a month; down straight to the computed level.
            assert rank(step.level) <= rank(base) + 1
            if rank(computed) < rank(base):
                assert step.level == computed
            if rank(computed) > rank(base):
                assert rank(step.level) == rank(base) + 1
            if computed == base:
                assert step.change == "unchanged" or step.previous_level is None
        if step.previous_level is not None:
            assert rank(step.level) <= rank(step.previous_level) + 1


# -- hypothesis: every policy, every move in the table ------------------------------------------

STATUSES: list[Status] = ["assessed", "novice", "observation", "ineligible"]


@st.composite
def results(draw: st.DrawFn, policy: Policy) -> list[tuple[Status, str | None]]:
    level = st.one_of(st.none(), st.sampled_from(policy.levels))
    return draw(st.lists(st.tuples(st.sampled_from(STATUSES), level), min_size=1, max_size=16))


def assert_consistent(policy: Policy, steps: Sequence[Step]) -> None:
    previous: str | None = None
    held: str | None = None
    for step in steps:
        assert step.previous_level == previous
        assert step.held_before == held
        for transition in step.transitions:
            assert transition in table(policy)
            assert transition.from_level == held
            held = transition.to_level
        assert step.standing.held == held
        assert step.standing.period == step.period
        assert step.standing.level == step.level
        assert step.level is None or step.level in policy.levels
        previous = step.level
        data = json.loads(json.dumps(step.standing.to_dict()))
        assert Standing.from_dict(data) == step.standing


@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_every_move_advance_makes_is_in_the_table(name: str, data: st.DataObject) -> None:
    policy = POLICIES[name]
    first = "2023-01" if policy.period_kind == "month" else "2023Q1"
    steps = chain(policy, data.draw(results(policy)), first)
    assert_consistent(policy, steps)
    if policy is SHOP:
        for step in steps:
            for award in step.awards:
                assert award.valid_from == step.period.end
                assert award.valid_to == step.period.next.last_day


KINDS = st.sampled_from(lifecycle.DECISION_KINDS)


@st.composite
def decisions_in(draw: st.DrawFn, period: Period) -> Decision:
    """A decision shaped like an operator's (fields that belong to its kind), often illegal."""
    kind = draw(KINDS)
    decided_on = period.start + timedelta(days=draw(st.integers(0, period.days)))
    level = draw(st.one_of(st.none(), st.sampled_from(ISV.levels)))
    return Decision(
        kind=kind,
        partner_id="P1",
        actor="ops",
        reason="review",
        decided_on=decided_on,
        level=None if kind == "remove" else level,
        mode=draw(st.sampled_from(["floor", "fixed"])) if kind == "override" else None,
        continues=draw(st.booleans()) if kind == "continue_invitation" else None,
    )


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_isv_classes_move_only_by_first_class_or_a_decision(data: st.DataObject) -> None:
    quarters = data.draw(results(ISV))
    standing: Standing | None = None
    steps: list[Step] = []
    period = Period.parse("2023Q3")
    for status, computed in quarters:
        decisions = data.draw(st.lists(decisions_in(period), max_size=2))
        result = PeriodResult("P1", status, computed)
        try:
            step = advance(ISV, standing, period, result, decisions)
        except DecisionError:
            step = advance(ISV, standing, period, result)
        steps.append(step)
        standing = step.standing
        period = period.next
        decided = {"invitation", "downgrade", "removal", "invitation_ended"}
        for transition in step.transitions:
            assert transition.cause == "first_class" or transition.cause in decided
        assert len([t for t in step.transitions if t.cause in decided]) == len(step.applied)
        for applied in step.applied:
            assert applied.effective is not None and applied.effective <= step.period.last_day
        if step.held_before == "S" and step.standing.held != "S":
            assert step.transitions[-1].cause == "invitation_ended"
    assert_consistent(ISV, steps)


# -- round-trip, surface, purity ------------------------------------------------------------


def test_a_full_standing_round_trips_through_json() -> None:
    standing = Standing(
        partner_id="I1",
        period=Period.parse("2024Q2"),
        level="S",
        held="A",
        origin="first_class",
        since=date(2024, 4, 1),
        awards=(
            lifecycle.Award(
                "I1", "Premier", Period.parse("2024Q1"), date(2024, 4, 1), date(2024, 6, 30)
            ),
        ),
        standards=((Period.parse("2024Q1"), "A"), (Period.parse("2024Q2"), None)),
        pending=(
            Decision("invite", "I1", "ops", "proposal", date(2024, 7, 2), date(2025, 1, 1), "S"),
        ),
        overrides=(
            Decision(
                "override",
                "I1",
                "ops",
                "key account",
                date(2024, 4, 2),
                date(2024, 4, 2),
                "S",
                "fixed",
                date(2024, 12, 31),
            ),
        ),
        reviews=(
            lifecycle.ReviewItem(
                "promotion_proposal",
                "I1",
                Period.parse("2024H1"),
                date(2024, 7, 1),
                "A",
                "S",
                "invitation",
            ),
        ),
    )
    text = json.dumps(standing.to_dict(), sort_keys=True)
    assert Standing.from_dict(json.loads(text)) == standing
    assert json.loads(text)["version"] == 1


def test_from_dict_refuses_another_version_and_unknown_values() -> None:
    data = Standing("P1").to_dict()
    with pytest.raises(ValueError, match="standing version 2"):
        Standing.from_dict({**data, "version": 2})
    with pytest.raises(ValueError, match="unknown cause 'luck'"):
        Standing.from_dict({**data, "origin": "luck"})


def test_exported_members() -> None:
    exported = set(lifecycle.__all__)
    assert all(hasattr(lifecycle, name) for name in exported)
    modules = {
        "decisions",
        "errors",
        "notices",
        "policies",
        "policy",
        "quota",
        "state",
        "steps",
        "transitions",
    }
    public = {name for name in dir(lifecycle) if not name.startswith("_")}
    assert public - exported == modules
    assert issubclass(lifecycle.DecisionError, lifecycle.LifecycleError)
    assert issubclass(lifecycle.IllegalTransition, lifecycle.LifecycleError)
    assert issubclass(lifecycle.LifecycleError, ValueError)


def test_the_lifecycle_imports_no_io_library() -> None:
    code = (
        "import sys, tierwise.lifecycle\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'duckdb', 'sqlalchemy', 'fastapi', 'psycopg', 'sqlite3', 'httpx', 'requests'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
