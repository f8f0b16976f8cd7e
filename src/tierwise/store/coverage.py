"""The data-completeness gate: a run is publishable only when its inputs cover the period.

No partner should be demoted because a day of orders is missing from the feed: the gate
names what is missing, and a run that fails it can be previewed but not published.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import duckdb

from tierwise.core.sql import literal as _q
from tierwise.definitions.model import Program
from tierwise.metrics.plan import Scope
from tierwise.store.engine import EventEngine, as_engine
from tierwise.store.queries import empty_tables, tables_read

#: A fact read on a day must have been refreshed within this many days before it.
FACT_FRESHNESS_DAYS = 45


@dataclass(frozen=True)
class GateReport:
    problems: tuple[str, ...] = field(default=())
    #: The period lies wholly outside the days the daily feeds the program reads span
    #: (beyond the data's last day, or before its first): every partner would be graded
    #: on nothing.
    no_data: bool = False
    #: The first and last local days with a paid order (None: the program reads no
    #: orders, or the table is empty), said when the period is not covered.
    data_from: date | None = None
    data_through: date | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": list(self.problems)}


def check(
    source: duckdb.DuckDBPyConnection | EventEngine, program: Program, scope: Scope
) -> GateReport:
    """Tables the program reads are non-empty, every day of the period has the daily feeds
    it reads (orders paid, API calls), and facts it reads are fresh on the day read — asked
    of the engine the run reads (`scope` is written in its dialect here)."""
    engine = as_engine(source)
    sc = replace(scope, dialect=engine.dialect)

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return engine.fetch(sql)[1]

    problems: list[str] = []
    #: For each daily feed the program reads and the period does not fill: whether the
    #: period lies wholly outside the days the feed spans.
    outside: list[bool] = []
    data_from: date | None = None
    data_through: date | None = None
    metrics = list(program.metrics.values())
    tables = tables_read(program)
    problems += [
        f"table {t} is empty; {program.id} reads it" for t in empty_tables(engine, program)
    ]
    period = sc.period
    days = period.days
    if "orders" in tables:
        markets = ", ".join(_q(m) for m in sc.markets or ())
        market_filter = (
            f" AND seller_id IN (SELECT seller_id FROM sellers WHERE market IN ({markets}))"
            if markets
            else ""
        )
        found = rows(
            f"SELECT COUNT(DISTINCT {sc.local_date('paid_at')}) FROM orders "
            f"WHERE paid_at >= {sc.instant(period.start)} "
            f"AND paid_at < {sc.instant(period.end)}{market_filter}"
        )
        covered = found[0][0] if found else 0
        if covered < days:
            problems.append(
                f"orders: {days - covered} of {days} days of {period} have no paid order"
            )
            data_from, data_through = rows(
                f"SELECT {sc.local_date('min(paid_at)')}, {sc.local_date('max(paid_at)')} "
                "FROM orders"
            )[0]
            outside.append(_outside(period.start, period.end, data_from, data_through))
    if "api_calls" in tables:
        found = rows(
            f"SELECT COUNT(DISTINCT day) FROM api_calls "
            f"WHERE day >= DATE '{period.start}' AND day < DATE '{period.end}'"
        )
        covered = found[0][0] if found else 0
        if covered < days:
            problems.append(f"api_calls: {days - covered} of {days} days of {period} have no rows")
            first, last = rows("SELECT min(day), max(day) FROM api_calls")[0]
            outside.append(_outside(period.start, period.end, first, last))
    for m in metrics:
        fact = getattr(m.params, "fact", None)
        if fact is None or getattr(m.params, "default", None) is not None:
            continue
        on = sc.day(m.params.on)  # type: ignore[attr-defined]
        since = on - timedelta(days=FACT_FRESHNESS_DAYS)
        fresh = rows(
            f"SELECT 1 FROM facts WHERE name = {_q(fact)} AND as_of <= DATE '{on}' "
            f"AND as_of > DATE '{since}' LIMIT 1"
        )
        if not fresh:
            problems.append(
                f"facts: no {fact} fact dated in the {FACT_FRESHNESS_DAYS} days up to {on}, "
                f"the day {program.id} reads it"
            )
    return GateReport(
        tuple(dict.fromkeys(problems)),
        no_data=bool(outside) and all(outside),
        data_from=data_from,
        data_through=data_through,
    )


def _outside(start: date, end: date, first: date | None, last: date | None) -> bool:
    """Whether the days [start, end) miss the feed's days [first, last] entirely."""
    return first is None or last is None or end <= first or start > last
