"""What a metric plan is asked for: the program's metric requests and the scope they are
computed over (who, which period, which clock and currency, which engine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tierwise.core.errors import EvaluationError
from tierwise.core.periods import Period
from tierwise.core.sql import literal
from tierwise.metrics import catalog as lib
from tierwise.metrics.dialect import DUCKDB, Dialect


class PlanError(EvaluationError):
    """A metric request the plan cannot compile (e.g. a cycle between derived metrics)."""


@dataclass(frozen=True)
class MetricRequest:
    """One metric of a program: its name there, the library metric and its parameters."""

    name: str
    metric: str
    params: lib.Params


@dataclass(frozen=True)
class EnteredFact:
    """A partner fact an operator entered (the state store's `entered_facts`), read by the
    plan together with the loaded `facts` table."""

    partner_id: str
    name: str
    as_of: date
    value: Decimal


@dataclass(frozen=True)
class Scope:
    """Who is evaluated, when, and in which clock and currency."""

    period: Period
    partner_kind: str
    time_zone: str
    currency: str
    markets: tuple[str, ...] | None = None
    generation_date: date | None = None
    dialect: Dialect = DUCKDB
    #: Whether any order the plan may read is in another currency (None: not known). When
    #: none is, the plan skips the currency conversion join.
    foreign_currencies: bool | None = None
    #: Partner facts entered by operators: for the same partner, name and `as_of` an
    #: entered value replaces the loaded one (the operator's entry is the later word).
    entered_facts: tuple[EnteredFact, ...] = ()

    @property
    def partner_facts(self) -> str:
        """The relation partner facts are read from: the `facts` table, or with entered
        facts the table without the rows they replace, plus them."""
        if not self.entered_facts:
            return "facts"
        rows = ", ".join(
            f"({literal(f.partner_id)}, {literal(f.name)}, DATE '{f.as_of.isoformat()}', "
            f"CAST({literal(str(f.value))} AS DECIMAL(18, 6)))"
            for f in self.entered_facts
        )
        entered = f"(VALUES {rows}) AS e(subject_id, name, as_of, value)"
        return (
            f"(SELECT f.subject_kind, f.subject_id, f.name, f.as_of, f.value FROM facts f "
            f"LEFT JOIN {entered} ON f.subject_kind = 'partner' "
            f"AND e.subject_id = f.subject_id AND e.name = f.name AND e.as_of = f.as_of "
            f"WHERE e.subject_id IS NULL "
            f"UNION ALL SELECT 'partner', e.subject_id, e.name, e.as_of, e.value "
            f"FROM {entered}) AS partner_facts"
        )

    @property
    def generated_on(self) -> date:
        return self.generation_date or self.period.generation_date

    def day(self, which: lib.Day) -> date:
        offset = {"last_day": 0, "first_of_next": 1, "second_of_next": 2}[which]
        return self.period.last_day + timedelta(days=offset)

    def window(self, w: lib.Window) -> tuple[date, date]:
        """The window as local dates `[first, end)`."""
        if w.days is None:
            return self.period.start, self.period.end
        return self.period.end - timedelta(days=w.days), self.period.end

    def instant(self, d: date) -> str:
        """Midnight of a local date as a UTC timestamp literal."""
        local = datetime.combine(d, time(0), tzinfo=ZoneInfo(self.time_zone))
        return self.dialect.instant(local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None))

    def local_midnight(self, date_expr: str) -> str:
        return self.dialect.local_midnight(date_expr, self.time_zone)

    def local_date(self, ts_expr: str) -> str:
        return self.dialect.local_date(ts_expr, self.time_zone)
