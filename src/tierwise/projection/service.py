""" "If the period ended today": the running period evaluated on the data so far, labelled
as a projection with the data's last day, what each metric still needs per remaining day,
and the lifecycle outcome it would lead to from the partner's published standing.

Computed like any evaluation (one set-wise query for all partners of the program), then
the lifecycle applied as a run would — except that the data gate, which keeps partners
from being demoted on a period not yet complete, is not applied: the question is what the
data so far would give."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

import duckdb

from tierwise.core.kept import Kept
from tierwise.core.periods import Period
from tierwise.core.sql import literal
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.db.entered import EnteredFacts
from tierwise.decisions.repository import Decisions
from tierwise.definitions.model import Program, Text
from tierwise.evaluation.documents import ResultDocument
from tierwise.evaluation.service import Evaluation, evaluate
from tierwise.lifecycle import Policy, Step
from tierwise.registrations.repository import Registrations
from tierwise.runs.history import step_period
from tierwise.runs.repository import Runs
from tierwise.store.coverage import GateReport


@dataclass(frozen=True)
class Need:
    """What one metric needs for the next level. `per_day` spreads a total over the days
    left (a metric summed over the period); None for one read on a single day (a count of
    creators on the last day, a fact), which needs `target` by then."""

    metric: str
    title: Text | None
    current: float | None
    target: float
    relation: str
    per_day: float | None


@dataclass(frozen=True)
class Projection:
    program_id: str
    partner_id: str
    period: str
    #: The last day with data (the program's time zone): the projection is as of it.
    data_through: date
    days_elapsed: int
    days_left: int
    status: str
    score: float | int | None
    computed_level: str | None
    #: After the lifecycle, from the published standing.
    level: str | None
    previous_level: str | None
    change: str
    next_level: str | None
    needs: tuple[Need, ...]
    actions: tuple[str, ...]
    result: ResultDocument

    def as_shown_to_partner(self, program: Program) -> Projection:
        """In a status the program withholds from the partner (百应 observation): the
        status alone, no score, no level and no targets — as its dashboard shows it."""
        if not program.visibility.withholds(self.status):
            return self
        return replace(
            self,
            score=None,
            computed_level=None,
            level=None,
            next_level=None,
            needs=(),
            actions=(),
        )


def data_through(con: duckdb.DuckDBPyConnection, program: Program) -> date | None:
    """The last local day with a paid order."""
    tz = literal(program.time_zone)
    rows = con.execute(f"SELECT CAST(timezone({tz}, max(paid_at)) AS DATE) FROM orders").fetchall()
    return rows[0][0] if rows else None


def _per_day(program: Program, metric: str, missing: float, days_left: int) -> float | None:
    """Spread over the days left: only a money or count summed over the period (not a
    ratio, a score, a count read on one day); None when no day is left."""
    used = program.metrics.get(metric)
    if used is None or days_left <= 0:
        return None
    library = used.library
    summed = library.unit in ("money", "count") and not library.derived
    if not summed or getattr(used.params, "on", None) is not None:
        return None
    return max(missing, 0.0) / days_left


def _title(program: Program, metric: str) -> Text | None:
    return program.metrics[metric].title if metric in program.metrics else None


def _needs(program: Program, doc: ResultDocument, days_left: int) -> tuple[Need, ...]:
    if doc.next_level is None:
        return ()
    gap = doc.next_level.gap
    needs: list[Need] = []
    for step in gap.steps:
        current = step.current or 0.0
        needs.append(
            Need(
                metric=step.metric,
                title=_title(program, step.metric),
                current=step.current,
                target=step.target,
                relation=step.relation,
                per_day=_per_day(program, step.metric, step.target - current, days_left),
            )
        )
    for room in gap.components:  # additive scores: a metric that closes the gap alone
        if room.value_for_gap is None:
            continue
        needs.append(
            Need(
                metric=room.metric,
                title=_title(program, room.metric),
                current=room.value,
                target=room.value_for_gap,
                relation=">=",
                per_day=_per_day(
                    program, room.metric, room.value_for_gap - (room.value or 0.0), days_left
                ),
            )
        )
    for distances in gap.channels.values():  # thresholds programs: each channel's shortfall
        for metric, missing in distances.items():
            if missing <= 0:
                continue
            value = doc.metrics.get(metric)
            now = float(value) if value is not None else 0.0
            needs.append(
                Need(
                    metric=metric,
                    title=_title(program, metric),
                    current=None if value is None else now,
                    target=now + missing,
                    relation=">=",
                    per_day=_per_day(program, metric, missing, days_left),
                )
            )
    return tuple(needs)


@dataclass(frozen=True)
class ProjectedPeriod:
    """Every partner of the program projected at once (one evaluation, one lifecycle pass);
    `of(partner)` picks one."""

    program: Program
    period: Period
    through: date
    evaluation: Evaluation
    steps: Mapping[str, Step]

    def of(self, partner_id: str) -> Projection | None:
        step = self.steps.get(partner_id)
        if step is None:
            return None
        doc = self.evaluation.result(partner_id)
        as_of = self.through + timedelta(days=1)
        days_left = (self.period.end - as_of).days
        return Projection(
            program_id=self.program.id,
            partner_id=partner_id,
            period=str(self.period),
            data_through=self.through,
            days_elapsed=(as_of - self.period.start).days,
            days_left=days_left,
            status=step.status,
            score=doc.score,
            computed_level=step.computed_level,
            level=step.level,
            previous_level=step.previous_level,
            change=step.change,
            next_level=None if doc.next_level is None else doc.next_level.level,
            needs=_needs(self.program, doc, days_left),
            actions=() if doc.next_level is None else tuple(doc.next_level.gap.actions),
            result=doc,
        )


def project(
    con: duckdb.DuckDBPyConnection, state: StateStore, program: Program
) -> ProjectedPeriod | None:
    """The program's partners projected for the period holding the data's last day (None:
    no data)."""
    through = data_through(con, program)
    if through is None:
        return None
    period = Period.containing(through, program.period_kind)
    as_of = through + timedelta(days=1)
    with state.reading() as session:
        standings = Runs(session).published_standings(program.id, str(period))
        decisions = Decisions(session).for_program(program.id, as_of)
        entitlement = Registrations(session).entitlement(program)
        entered = EnteredFacts(session).rows(program.id)
    # As a run reads them: entered operator facts, and who may be awarded (a TSP that has
    # not registered is projected its score and level, but no award).
    evaluation = evaluate(con, program, period, as_of, entered_facts=entered)
    # The lifecycle as a run applies it, minus the gate (see the module's docstring).
    steps = step_period(
        program, Policy.of(program), evaluation, GateReport(), standings, decisions, entitlement
    )
    return ProjectedPeriod(program, period, through, evaluation, {s.partner_id: s for s in steps})


class ProjectionCache(Kept[ProjectedPeriod | None]):
    """Projections of the last few (program, data, state) seen: the evaluation covers every
    partner, so one per change of the data or of the state serves every partner's request.
    The state's part of the key is the audit chain's head (every publication, decision and
    appeal appends to it); the data's, the store file's identity and modification time."""

    def __init__(self, size: int = 8) -> None:
        super().__init__(size)


def state_version(state: StateStore) -> int:
    """The audit chain's length: it grows with every change a projection depends on."""
    with state.reading() as session:
        head = AuditLog(session).head()
        return 0 if head is None else head.seq
