"""Evaluate a program period after period and carry each partner's standing forward.

Pure in the lifecycle sense: the event store is read, nothing is written; storing the runs
is the caller's (see `runs.service`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from tierwise.core.periods import Period, periods_between
from tierwise.definitions.model import Program
from tierwise.evaluation.service import Evaluation, Source, evaluate, scope
from tierwise.lifecycle import Award, Decision, PeriodResult, Policy, Standing, Step, advance
from tierwise.metrics.scope import EnteredFact
from tierwise.registrations.service import Entitlement
from tierwise.store.coverage import GateReport, check


@dataclass(frozen=True)
class PeriodRun:
    """One period: the evaluation, the lifecycle step of every partner, the gate."""

    period: Period
    evaluation: Evaluation
    steps: tuple[Step, ...]
    gate: GateReport

    def results(self) -> list[dict[str, Any]]:
        out = []
        for step in self.steps:
            row: dict[str, Any] = {
                "partner_id": step.partner_id,
                "status": step.status,
                "score": self.evaluation.result(step.partner_id).score,
            }
            row.update(step.lifecycle_fields())
            out.append(row)
        return out


@dataclass(frozen=True)
class History:
    program: Program
    periods: tuple[PeriodRun, ...]
    standings: Mapping[str, Standing]

    @property
    def awards(self) -> list[Award]:
        return [a for p in self.periods for s in p.steps for a in s.awards]

    def to_dict(self) -> dict[str, Any]:
        """The document of the CLI contract (`run --format json`)."""
        return {
            "program": self.program.id,
            "periods": [
                {"period": str(p.period), "gate": p.gate.to_dict(), "results": p.results()}
                for p in self.periods
            ],
            "awards": [a.to_dict() for a in self.awards],
        }


def _due(decisions: Sequence[Decision], after: date | None, until: date) -> list[Decision]:
    """Decisions first known in this period: decided after the last period's generation."""
    return [
        d for d in decisions if d.decided_on <= until and (after is None or d.decided_on > after)
    ]


def step_period(
    program: Program,
    policy: Policy,
    evaluation: Evaluation,
    gate: GateReport,
    standings: dict[str, Standing],
    decisions: Sequence[Decision] = (),
    entitlement: Entitlement | None = None,
) -> tuple[Step, ...]:
    """Apply the lifecycle to one evaluated period, updating `standings` in place;
    `entitlement`: who may be awarded (registrations, exclusions, forfeits).

    With a failed gate nobody is demoted: a partner whose level would fall keeps its
    standing, and its step reports the level held."""
    period = evaluation.period
    steps: list[Step] = []
    for outcome in evaluation.outcomes:
        pid = outcome.partner_id
        before = standings.get(pid)
        after_day = before.period.generation_date if before and before.period else None
        mine = [d for d in decisions if d.partner_id == pid]
        result = PeriodResult.of(outcome, joined_on=evaluation.joined_on.get(pid))
        if entitlement is not None:
            withheld = entitlement.withheld(pid, period)
            result = replace(
                result,
                withheld=None if withheld is None else withheld[0],
                withheld_note=None if withheld is None else withheld[1],
                forfeited=entitlement.forfeited(pid, period),
            )
        due = _due(mine, after_day, evaluation.generated_on)
        step = advance(policy, before, period, result, due)
        if not gate.ok and step.change in ("down", "lost") and before is not None:
            held = advance(policy, before, period, _held(result, step), due)
            step = replace(held, computed_level=step.computed_level, status=step.status)
        standings[pid] = step.standing
        steps.append(step)
    return tuple(steps)


def _held(result: PeriodResult, step: Step) -> PeriodResult:
    """The result re-read as keeping the level held before (incomplete data)."""
    return replace(result, computed_level=step.held_before, status="assessed")


def score_history(
    con: Source,
    program: Program,
    first: Period,
    last: Period,
    *,
    as_of: date | None = None,
    program_for: Callable[[Period], Program] | None = None,
) -> History:
    """Every period from `first` to `last` of a kind the program also scores (TSP months),
    scored only: no lifecycle, so no level held, no award and no notice; each step reports
    the score and the level the score reaches (`computed_level`)."""
    runs: list[PeriodRun] = []
    periods = periods_between(first, last)
    for period in periods:
        day = as_of if (as_of is not None and period == periods[-1]) else None
        rules = program_for(period) if program_for is not None else program
        evaluation = evaluate(con, rules, period, day)
        gate = check(con, rules, scope(rules, period, day))
        steps = tuple(
            Step(
                partner_id=o.partner_id,
                period=period,
                status=o.status,
                score=o.score,
                computed_level=o.computed_level,
                level=None,
                previous_level=None,
                change="unchanged",
                held_before=None,
                standing=Standing(partner_id=o.partner_id),
                published_on=period.end,
            )
            for o in evaluation.outcomes
        )
        runs.append(PeriodRun(period, evaluation, steps, gate))
    return History(program, tuple(runs), {})


def run_history(
    con: Source,
    program: Program,
    first: Period,
    last: Period,
    *,
    standings: Mapping[str, Standing] | None = None,
    decisions: Sequence[Decision] = (),
    as_of: date | None = None,
    program_for: Callable[[Period], Program] | None = None,
    entitlement: Entitlement | None = None,
    entered_facts: Sequence[EnteredFact] = (),
) -> History:
    """Every period from `first` to `last` in order, continuing from `standings`, reading
    the operators' `entered_facts` with the loaded facts.

    `program_for` gives the definition of each period (the version in force then): its
    scoring and its lifecycle policy both apply; without it `program` serves every period."""
    carried = dict(standings or {})
    runs: list[PeriodRun] = []
    periods = periods_between(first, last)
    for period in periods:
        day = as_of if (as_of is not None and period == periods[-1]) else None
        rules = program_for(period) if program_for is not None else program
        policy = Policy.of(rules)
        evaluation = evaluate(con, rules, period, day, entered_facts)
        gate = check(con, rules, scope(rules, period, day))
        steps = step_period(rules, policy, evaluation, gate, carried, decisions, entitlement)
        if evaluation.secondary:
            evaluation = evaluation.with_classes({s.partner_id: s.level for s in steps})
        runs.append(PeriodRun(period, evaluation, steps, gate))
    return History(program, tuple(runs), carried)
