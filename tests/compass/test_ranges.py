"""Query ranges by hand: the presets, the 30-day limit and its month exception, `to`
before `from`, the 6-month horizon, and the previous period."""

from __future__ import annotations

from datetime import date

import pytest

from tierwise.compass import DayRange, QueryRange, RangeRefused

D = date(2024, 4, 2)  # a Tuesday; 6 months back: 2023-10-02


def test_yesterday() -> None:
    q = QueryRange.yesterday(D)
    assert (q.first, q.last, q.days) == (date(2024, 4, 1), date(2024, 4, 1), 1)


def test_last_7_and_28_days_end_yesterday() -> None:
    # today is not complete: last 7 days = D−7..D−1 = 03-26..04-01
    assert QueryRange.last_7_days(D).span == DayRange(date(2024, 3, 26), date(2024, 4, 1))
    # D−28..D−1 = 03-05..04-01 (March has 31 days: 03-05 + 27 = 04-01)
    q = QueryRange.last_28_days(D)
    assert (q.first, q.last, q.days) == (date(2024, 3, 5), date(2024, 4, 1), 28)


def test_a_calendar_day() -> None:
    assert QueryRange.day(date(2024, 3, 15), D).span == DayRange(
        date(2024, 3, 15), date(2024, 3, 15)
    )


def test_a_week_is_monday_to_sunday() -> None:
    # 2024-03-13 is a Wednesday → Mon 03-11 .. Sun 03-17; a Sunday stays in its week
    assert QueryRange.week(date(2024, 3, 13), D).span == DayRange(
        date(2024, 3, 11), date(2024, 3, 17)
    )
    assert QueryRange.week(date(2024, 3, 17), D).span == DayRange(
        date(2024, 3, 11), date(2024, 3, 17)
    )
    assert QueryRange.week(date(2024, 3, 18), D).first == date(2024, 3, 18)


def test_the_month_preset_allows_31_days() -> None:
    # March 2024: 03-01..03-31, 31 days, allowed through the month preset only
    q = QueryRange.month(date(2024, 3, 20), D)
    assert (q.first, q.last, q.days) == (date(2024, 3, 1), date(2024, 3, 31), 31)
    assert QueryRange.month(date(2024, 2, 10), D).days == 29  # leap February


def test_a_custom_range_of_30_days_is_allowed_31_refused() -> None:
    assert QueryRange.custom(date(2024, 3, 1), date(2024, 3, 30), D).days == 30
    with pytest.raises(
        RangeRefused,
        match=r"2024-03-01\.\.2024-03-31 spans 31 days; one query spans at most 30 days",
    ):
        QueryRange.custom(date(2024, 3, 1), date(2024, 3, 31), D)


def test_the_same_31_days_are_refused_as_anything_but_the_month() -> None:
    # hand-built ranges are checked too: a "week" that is not Mon–Sun, a "month" that is not
    # a calendar month
    with pytest.raises(RangeRefused, match="not a week range"):
        QueryRange(date(2024, 3, 12), date(2024, 3, 18), "week", D)
    with pytest.raises(RangeRefused, match="not a month range"):
        QueryRange(date(2024, 3, 2), date(2024, 4, 1), "month", D)
    with pytest.raises(RangeRefused, match="unknown range preset 'quarter'"):
        QueryRange(date(2024, 1, 1), date(2024, 3, 31), "quarter", D)  # type: ignore[arg-type]


def test_to_before_from_is_refused() -> None:
    with pytest.raises(
        RangeRefused, match=r"the range ends \(2024-03-01\) before it starts \(2024-03-02\)"
    ):
        QueryRange.custom(date(2024, 3, 2), date(2024, 3, 1), D)


def test_older_than_six_months_is_refused() -> None:
    # as of 2024-04-02 the oldest day is 2023-10-02: a range from it is fine, from the day
    # before refused
    assert QueryRange.custom(date(2023, 10, 2), date(2023, 10, 31), D).first == date(2023, 10, 2)
    with pytest.raises(
        RangeRefused, match="reaches before 2023-10-02: as of 2024-04-02 only the last 6 months"
    ):
        QueryRange.custom(date(2023, 10, 1), date(2023, 10, 30), D)


def test_a_month_reaching_before_six_months_is_refused() -> None:
    # as of 2024-08-31 the oldest day is 2024-02-29 (clamped): February starts before it
    with pytest.raises(RangeRefused, match="reaches before 2024-02-29"):
        QueryRange.month(date(2024, 2, 29), date(2024, 8, 31))
    assert QueryRange.day(date(2024, 2, 29), date(2024, 8, 31)).days == 1


def test_the_previous_period_of_the_same_length() -> None:
    # 03-01..03-10 (10 days) → 02-20..02-29 (leap year)
    assert QueryRange.custom(date(2024, 3, 1), date(2024, 3, 10), D).previous_period() == DayRange(
        date(2024, 2, 20), date(2024, 2, 29)
    )
    # a week → the week before
    assert QueryRange.week(date(2024, 3, 13), D).previous_period() == DayRange(
        date(2024, 3, 4), date(2024, 3, 10)
    )
    # March (31 days) → the 31 days before: 01-30..02-29
    prev = QueryRange.month(date(2024, 3, 1), D).previous_period()
    assert prev == DayRange(date(2024, 1, 30), date(2024, 2, 29)) and prev.days == 31
    # yesterday → the day before
    assert QueryRange.yesterday(D).previous_period() == DayRange(
        date(2024, 3, 31), date(2024, 3, 31)
    )
