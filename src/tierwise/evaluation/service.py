"""Evaluate one program for one period: definitions → metric plan → scoring → results.

The only I/O is the one query against the event store, on whichever engine holds it
(DuckDB, or Spark for a lake: `tierwise.store.engine`); only one row per partner comes back,
and everything after it is the pure scoring package, the same for every engine. The CLI,
the lifecycle runs and the portal call `evaluate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from tierwise.core.errors import EvaluationError
from tierwise.core.periods import Period
from tierwise.definitions.model import Program
from tierwise.definitions.scoring import DimensionScorecard
from tierwise.evaluation.documents import ResultDocument
from tierwise.metrics import catalog as lib
from tierwise.metrics.dialect import DUCKDB, Dialect
from tierwise.metrics.plan import UNCONVERTED, MetricRequest, Scope, compile_plan
from tierwise.metrics.scope import EnteredFact
from tierwise.scoring import DimensionOutcome, Outcome, Subject, score_dimensions, score_partners
from tierwise.store import queries
from tierwise.store.engine import EventEngine, as_engine

#: Where a program's data is read: a DuckDB connection (the event store) or an engine.
Source = duckdb.DuckDBPyConnection | EventEngine


@dataclass(frozen=True)
class Evaluation:
    program: Program
    period: Period
    generated_on: date
    outcomes: tuple[Outcome, ...]
    metrics: Mapping[str, Mapping[str, Decimal | None]]
    warnings: tuple[str, ...] = ()
    joined_on: Mapping[str, date] = field(default_factory=dict)
    #: Secondary evaluations of the period (ISV quarterly scorecard): id → partner → outcome.
    secondary: Mapping[str, Mapping[str, DimensionOutcome]] = field(default_factory=dict)
    #: The SQL of the program's metric plan for the period, as it ran (`explain --sql`), in
    #: DuckDB's SQL with the engine's fragments (`Dialect.translate` gives the engine's own).
    sql: str = ""

    def with_classes(self, classes: Mapping[str, str | None]) -> Evaluation:
        """The secondary evaluations re-scored for the classes held (after the lifecycle)
        instead of the standard classes the scores alone give."""
        return replace(
            self, secondary=_secondary(self.program, self.period, self._subjects(), classes)
        )

    def _subjects(self) -> list[Subject]:
        return [
            Subject(partner_id=pid, market=None, joined_on=self.joined_on.get(pid), metrics=values)
            for pid, values in self.metrics.items()
        ]

    def result(self, partner_id: str) -> ResultDocument:
        """The partner's result document (KeyError: the partner was not evaluated)."""
        return self._document(self._by_partner[partner_id])

    @cached_property
    def _by_partner(self) -> dict[str, Outcome]:
        return {o.partner_id: o for o in self.outcomes}

    def _document(self, outcome: Outcome) -> ResultDocument:
        """Built from the scoring's `to_dict()` shapes, so the document writes the same JSON."""
        body = outcome.to_dict()
        values = self.metrics[outcome.partner_id]
        body["metrics"] = {
            name: _json_metric(self.program, name, values[name]) for name in self.program.metrics
        }
        if self.secondary:
            body["evaluations"] = {
                ev: {
                    k: v
                    for k, v in scored[outcome.partner_id].to_dict().items()
                    if k != "partner_id"
                }
                for ev, scored in self.secondary.items()
                if outcome.partner_id in scored
            }
        return ResultDocument.model_validate(body)

    def to_dict(self) -> dict[str, Any]:
        """The document of the CLI contract (`evaluate --format json`)."""
        return {
            "program": self.program.id,
            "period": str(self.period),
            "results": [self._document(o).to_json() for o in self.outcomes],
        }


def _json_metric(program: Program, name: str, value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if program.metric_unit(name) == "count" and value == value.to_integral_value():
        return int(value)
    return float(value)


def requests(program: Program) -> list[MetricRequest]:
    return [MetricRequest(name, m.metric, m.params) for name, m in program.metrics.items()]


def scope(
    program: Program, period: Period, as_of: date | None = None, dialect: Dialect = DUCKDB
) -> Scope:
    return Scope(
        period=period,
        partner_kind=program.subject_kind,
        time_zone=program.time_zone,
        currency=program.currency,
        markets=program.markets,
        generation_date=as_of,
        dialect=dialect,
    )


def _refuse_unconverted(columns: Sequence[str], rows: Sequence[Any], sc: Scope) -> None:
    """Money is converted at the rate in force on the paid day; an order of a partner that
    no rate converts is an error naming the currency and the day, never a silent gap."""
    pairs = [
        (columns.index(c), columns.index(c[: -len("_currency")] + "_at"))
        for c in columns
        if c.startswith(UNCONVERTED) and c.endswith("_currency")
    ]
    found = [(row[j], row[i]) for row in rows for i, j in pairs if row[i] is not None]
    if found:
        paid_at, currency = min(found)
        day = paid_at.astimezone(ZoneInfo(sc.time_zone)).date()
        raise EvaluationError(
            f"no exchange rate for {currency} on {day} in fx_rates "
            f"(needed to convert orders to {sc.currency})"
        )


def checked_scope(
    source: Source, program: Program, period: Period, as_of: date | None = None
) -> Scope:
    """The scope of a plan on the source's engine, after checking that every order can be
    converted to the program's currency (and noting whether any needs to be)."""
    engine = as_engine(source)
    sc = scope(program, period, as_of, engine.dialect)
    if any("orders" in lib.LIBRARY[m.metric].tables for m in program.metrics.values()):
        sc = replace(sc, foreign_currencies=queries.has_foreign_currency_orders(engine, sc))
    return sc


def plan_sql(source: Source, program: Program, period: Period, as_of: date | None = None) -> str:
    """The SQL of the program's metric plan for a period, as `evaluate` runs it (for people
    who want to see or paste it: `explain --sql`, the operators' API)."""
    engine = as_engine(source)
    sql = compile_plan(requests(program), checked_scope(engine, program, period, as_of))
    return engine.dialect.translate(sql)


def evaluate(
    source: Source,
    program: Program,
    period: Period,
    as_of: date | None = None,
    entered_facts: Sequence[EnteredFact] = (),
) -> Evaluation:
    """Score every partner of the program's kind and markets for one period, no history.

    The metric plan runs set-wise on the source's engine; only a row per partner (its
    metric values) comes back, and is scored here. `entered_facts` (operator facts from
    the state store) are read with the loaded facts; the entered value wins for the same
    partner, fact and day."""
    engine = as_engine(source)
    sc = checked_scope(engine, program, period, as_of)
    if entered_facts:
        sc = replace(sc, entered_facts=tuple(entered_facts))
    reqs = requests(program)
    warnings = tuple(_empty_tables(engine, program))
    sql = compile_plan(reqs, sc)
    columns, rows = engine.fetch(sql)
    names = [r.name for r in reqs]
    metrics: dict[str, dict[str, Decimal | None]] = {}
    subjects: list[Subject] = []
    _refuse_unconverted(columns, rows, sc)
    for row in rows:  # one row per partner, already aggregated by the engine
        record = dict(zip(columns, row, strict=True))
        values = {n: record[n] for n in names}
        metrics[record["partner_id"]] = values
        subjects.append(
            Subject(
                partner_id=record["partner_id"],
                market=record["market"],
                joined_on=record["joined_on"],
                metrics=values,
            )
        )
    outcomes = score_partners(
        program.scoring,
        program.status,
        program.level_ids,
        subjects,
        period.start,
        period.end,
    )
    return Evaluation(
        program=program,
        period=period,
        generated_on=sc.generated_on,
        outcomes=tuple(sorted(outcomes, key=lambda o: o.partner_id)),
        metrics=metrics,
        warnings=warnings,
        joined_on={s.partner_id: s.joined_on for s in subjects if s.joined_on is not None},
        secondary=_secondary(program, period, subjects, {o.partner_id: o.level for o in outcomes}),
        sql=sql,
    )


def _secondary(
    program: Program,
    period: Period,
    subjects: Sequence[Subject],
    classes: Mapping[str, str | None],
) -> dict[str, dict[str, DimensionOutcome]]:
    """The program's secondary evaluations of this period's kind, for the given classes."""
    out: dict[str, dict[str, DimensionOutcome]] = {}
    for ev in program.evaluations:
        if ev.period != period.kind or not isinstance(ev.scoring, DimensionScorecard):
            continue
        scored = score_dimensions(ev.scoring, subjects, classes)
        out[ev.id] = {d.partner_id: d for d in scored}
    return out


def _empty_tables(engine: EventEngine, program: Program) -> list[str]:
    return [
        f"{program.id} reads table {t!r}, which is empty: its metrics will be 0"
        for t in queries.empty_tables(engine, program)
    ]
