"""The generator's calendar: order months, history, evaluated periods, local time.

Times are held as int64 seconds since the Unix epoch (UTC) and dates as int32 day numbers
since 1970-01-01, which keeps every computation vectorised. Activity is drawn in the
market's local time and shifted to UTC, so a month's orders fall inside the month as the
programs' time zones (Asia/Bangkok, Asia/Shanghai) see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tierwise.core.periods import Period

EPOCH = date(1970, 1, 1)
DAY_S = 86_400
#: Months of orders, livestreams and videos up to and including the end month.
ORDER_MONTHS = 12
#: Months before the end month over which partners join.
HISTORY_MONTHS = 24


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def from_day_number(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


@dataclass(frozen=True)
class Calendar:
    """The months the generator covers, anchored on the last complete month."""

    end: Period

    @classmethod
    def ending(cls, month: str) -> Calendar:
        period = Period.parse(month)
        if period.kind != "month":
            raise ValueError(f"--end-month must be a month like 2026-09, not {month!r}")
        return cls(period)

    @property
    def months(self) -> tuple[Period, ...]:
        """The twelve order months, oldest first."""
        return tuple(self.end.shift(i - ORDER_MONTHS + 1) for i in range(ORDER_MONTHS))

    @property
    def history_start(self) -> date:
        """First day partners may have joined on."""
        return self.end.shift(1 - HISTORY_MONTHS).start

    @property
    def history_months(self) -> tuple[Period, ...]:
        """Every month from the history start to the end month (fx rates, facts)."""
        return tuple(self.end.shift(i - HISTORY_MONTHS + 1) for i in range(HISTORY_MONTHS))

    @property
    def quarter(self) -> Period:
        """The latest complete quarter at the end month (planted quarterly targets)."""
        q = Period.containing(self.end.start, "quarter")
        return q if q.end <= self.end.end else q.previous

    @property
    def first_day(self) -> int:
        """Day number of the first order month's first day."""
        return day_number(self.months[0].start)

    @property
    def last_day(self) -> int:
        """Day number of the end month's last day."""
        return day_number(self.end.last_day)

    def month_first_days(self) -> list[int]:
        return [day_number(m.start) for m in self.months]

    def month_lengths(self) -> list[int]:
        return [m.days for m in self.months]
