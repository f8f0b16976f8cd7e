"""Days as inclusive ranges: what a partner may see is a short list of day ranges, not a
set of rows, so SQL-building code can turn it into `day BETWEEN a AND b OR …`."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from tierwise.compass.errors import CompassError

ONE_DAY = timedelta(days=1)
#: How far back Data Compass shows data (compass.md §1 rule 4).
HISTORY_MONTHS = 6


@dataclass(frozen=True, order=True)
class DayRange:
    """The days `first..last`, both included (the way people and the CLI write ranges)."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise CompassError(f"a day range ends before it starts: {self.first}..{self.last}")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"


@dataclass(frozen=True)
class VisibleDays:
    """A set of days held as sorted, disjoint, non-adjacent inclusive ranges; the canonical
    form makes two equal sets compare equal and keeps the SQL short. Build it with `of`."""

    ranges: tuple[DayRange, ...] = ()

    def __post_init__(self) -> None:
        for before, after in zip(self.ranges, self.ranges[1:], strict=False):
            if after.first <= before.last + ONE_DAY:
                raise CompassError(
                    f"day ranges must be sorted, disjoint and not adjacent: {before}, {after}"
                )

    @classmethod
    def of(cls, ranges: Iterable[DayRange]) -> VisibleDays:
        """The union of any ranges, merged into the canonical form."""
        merged: list[DayRange] = []
        for r in sorted(ranges):
            if merged and r.first <= merged[-1].last + ONE_DAY:
                if r.last > merged[-1].last:
                    merged[-1] = DayRange(merged[-1].first, r.last)
            else:
                merged.append(r)
        return cls(tuple(merged))

    @property
    def count(self) -> int:
        """How many days."""
        return sum(r.days for r in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __contains__(self, day: object) -> bool:
        return any(day in r for r in self.ranges)

    def __iter__(self) -> Iterator[date]:
        """Every day, in order (for tests and small ranges; SQL should use `ranges`)."""
        for r in self.ranges:
            for n in range(r.days):
                yield r.first + timedelta(days=n)

    def union(self, other: VisibleDays) -> VisibleDays:
        return VisibleDays.of(self.ranges + other.ranges)

    def intersection(self, other: VisibleDays) -> VisibleDays:
        """Both sets at once, by walking the two sorted lists side by side."""
        out: list[DayRange] = []
        i = j = 0
        while i < len(self.ranges) and j < len(other.ranges):
            a, b = self.ranges[i], other.ranges[j]
            first, last = max(a.first, b.first), min(a.last, b.last)
            if first <= last:
                out.append(DayRange(first, last))
            if a.last < b.last:
                i += 1
            else:
                j += 1
        return VisibleDays(tuple(out))

    def within(self, first: date, last: date) -> VisibleDays:
        """The days of the query range `[first, last]`; `last < first` is refused."""
        return self.intersection(VisibleDays((DayRange(first, last),)))


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier, clamped to that month's end
    (2024-08-31 minus 6 months → 2024-02-29)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_visible_day(as_of: date) -> date:
    """The oldest day shown as of `as_of`: D − 6 months, the day itself included."""
    return months_before(as_of, HISTORY_MONTHS)


__all__ = [
    "HISTORY_MONTHS",
    "ONE_DAY",
    "DayRange",
    "VisibleDays",
    "earliest_visible_day",
    "months_before",
]
