"""Query ranges (compass.md §1): the presets, the 30-day limit, the 6-month horizon, and
the previous period every module compares with. A range is refused with a clear message,
never cut silently, so a partner never reads a total over days it did not ask for."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from tierwise.compass.days import ONE_DAY, DayRange, earliest_visible_day
from tierwise.compass.errors import RangeRefused

Preset = Literal["yesterday", "last_7_days", "last_28_days", "day", "week", "month", "custom"]
PRESETS: tuple[Preset, ...] = get_args(Preset)
#: The longest query; a calendar month through the `month` preset is the one exception.
MAX_QUERY_DAYS = 30


@dataclass(frozen=True)
class QueryRange:
    """The days `first..last` (both included) a query reads, as of day `as_of`, chosen
    through `preset`. Build it with the preset constructors; a range compass.md refuses
    raises `RangeRefused` whichever way it is built."""

    first: date
    last: date
    preset: Preset
    as_of: date

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise RangeRefused(f"unknown range preset {self.preset!r}: use {', '.join(PRESETS)}")
        if self.last < self.first:
            raise RangeRefused(f"the range ends ({self.last}) before it starts ({self.first})")
        shape = self._shape_problem()
        if shape:
            raise RangeRefused(shape)
        if self.preset != "month" and self.days > MAX_QUERY_DAYS:
            raise RangeRefused(
                f"{self.first}..{self.last} spans {self.days} days; one query spans at most "
                f"{MAX_QUERY_DAYS} days (a whole calendar month through the month preset)"
            )
        earliest = earliest_visible_day(self.as_of)
        if self.first < earliest:
            raise RangeRefused(
                f"{self.first}..{self.last} reaches before {earliest}: as of {self.as_of} "
                "only the last 6 months of data can be queried"
            )

    def _shape_problem(self) -> str | None:
        """Why the days do not match the preset, if they do not."""
        expected: DayRange | None = None
        if self.preset == "yesterday":
            expected = DayRange(self.as_of - ONE_DAY, self.as_of - ONE_DAY)
        elif self.preset in ("last_7_days", "last_28_days"):
            n = 7 if self.preset == "last_7_days" else 28
            expected = DayRange(self.as_of - timedelta(days=n), self.as_of - ONE_DAY)
        elif self.preset == "day":
            expected = DayRange(self.first, self.first)
        elif self.preset == "week":
            monday = self.first - timedelta(days=self.first.weekday())
            expected = DayRange(monday, monday + timedelta(days=6))
        elif self.preset == "month":
            expected = _month_of(self.first)
        if expected is None or expected == self.span:
            return None
        return f"{self.span} is not a {self.preset.replace('_', ' ')} range as of {self.as_of}"

    @classmethod
    def yesterday(cls, as_of: date) -> QueryRange:
        return cls(as_of - ONE_DAY, as_of - ONE_DAY, "yesterday", as_of)

    @classmethod
    def last_7_days(cls, as_of: date) -> QueryRange:
        """The 7 complete days before `as_of` (today's data is not complete yet)."""
        return cls(as_of - timedelta(days=7), as_of - ONE_DAY, "last_7_days", as_of)

    @classmethod
    def last_28_days(cls, as_of: date) -> QueryRange:
        return cls(as_of - timedelta(days=28), as_of - ONE_DAY, "last_28_days", as_of)

    @classmethod
    def day(cls, day: date, as_of: date) -> QueryRange:
        return cls(day, day, "day", as_of)

    @classmethod
    def week(cls, day: date, as_of: date) -> QueryRange:
        """The week, Monday to Sunday, that holds `day`."""
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=6), "week", as_of)

    @classmethod
    def month(cls, day: date, as_of: date) -> QueryRange:
        """The calendar month that holds `day`; up to 31 days, the one exception to 30."""
        span = _month_of(day)
        return cls(span.first, span.last, "month", as_of)

    @classmethod
    def custom(cls, first: date, last: date, as_of: date) -> QueryRange:
        return cls(first, last, "custom", as_of)

    @property
    def span(self) -> DayRange:
        return DayRange(self.first, self.last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous_period(self) -> DayRange:
        """The period of the same length just before, which every module compares with
        (a 31-day month compares with the 31 days before it). A plain day range, not a
        query: it is read through the same visibility rules, which cut it at 6 months."""
        return DayRange(self.first - timedelta(days=self.days), self.first - ONE_DAY)


def _month_of(day: date) -> DayRange:
    last = calendar.monthrange(day.year, day.month)[1]
    return DayRange(day.replace(day=1), day.replace(day=last))


__all__ = ["MAX_QUERY_DAYS", "PRESETS", "Preset", "QueryRange"]
