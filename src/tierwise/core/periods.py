"""Periods: natural months, quarters, halves and years, closed-open in time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from tierwise.core.errors import TierwiseError

PeriodKind = Literal["month", "quarter", "half", "year"]

#: ASCII digits only: `\d` would also take `２０２６` (and `int` would read it as 2026).
_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("month", re.compile(r"([0-9]{4})-([0-9]{2})")),
    ("quarter", re.compile(r"([0-9]{4})Q([1-4])")),
    ("half", re.compile(r"([0-9]{4})H([12])")),
    ("year", re.compile(r"([0-9]{4})")),
)
#: Years a period may fall in: its neighbours (the previous period a growth metric reads,
#: the next one an award is valid for) and their ends must still be dates.
MIN_YEAR, MAX_YEAR = 1970, 9998
_MONTHS: dict[PeriodKind, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}


class PeriodError(TierwiseError, ValueError):
    """A period text that is not `2024-09`, `2024Q1`, `2024H1` or `2024`."""


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period `[start, end)`, identified by its first day and its kind."""

    start: date
    kind: PeriodKind

    @classmethod
    def parse(cls, text: str) -> Period:
        for kind, pattern in _PATTERNS:
            m = pattern.fullmatch(text.strip())
            if not m:
                continue
            year = int(m.group(1))
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise PeriodError(
                    f"{text!r} is out of range: periods cover the years {MIN_YEAR} to {MAX_YEAR}"
                )
            if kind == "year":
                return cls(date(year, 1, 1), kind)
            n = int(m.group(2))
            if kind == "month" and not 1 <= n <= 12:
                break
            first_month = 1 + (n - 1) * _MONTHS[kind]
            return cls(date(year, first_month, 1), kind)
        raise PeriodError(f"{text!r} is not a period: use 2024-09 (month), 2024Q1, 2024H1 or 2024")

    @classmethod
    def containing(cls, day: date, kind: PeriodKind) -> Period:
        months = _MONTHS[kind]
        first = (day.month - 1) // months * months + 1
        return cls(date(day.year, first, 1), kind)

    @property
    def months(self) -> int:
        return _MONTHS[self.kind]

    @property
    def end(self) -> date:
        """The first day after the period (exclusive end)."""
        return _add_months(self.start, self.months)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def generation_date(self) -> date:
        """Scores are generated on the day after the period ends unless told otherwise."""
        return self.end

    def shift(self, n: int) -> Period:
        return Period(_add_months(self.start, n * self.months), self.kind)

    @property
    def previous(self) -> Period:
        return self.shift(-1)

    @property
    def next(self) -> Period:
        return self.shift(1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def __str__(self) -> str:
        y, m = self.start.year, self.start.month
        if self.kind == "month":
            return f"{y}-{m:02d}"
        if self.kind == "quarter":
            return f"{y}Q{(m - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{y}H{(m - 1) // 6 + 1}"
        return f"{y}"


def _add_months(d: date, n: int) -> date:
    total = d.year * 12 + (d.month - 1) + n
    return date(total // 12, total % 12 + 1, 1)


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period from `first` to `last` inclusive (both of one kind)."""
    if first.kind != last.kind:
        raise PeriodError(f"{first} and {last} are periods of different kinds")
    out: list[Period] = []
    p = first
    while p <= last:
        out.append(p)
        p = p.next
    return out
