"""Day ranges and their canonical form, by hand."""

from __future__ import annotations

from datetime import date

import pytest

from tierwise.compass import (
    CompassError,
    DayRange,
    VisibleDays,
    earliest_visible_day,
    months_before,
)


def r(a: tuple[int, int], b: tuple[int, int]) -> DayRange:
    return DayRange(date(2024, *a), date(2024, *b))


def test_of_merges_overlapping_and_adjacent_ranges() -> None:
    # 03-05..03-10 ∪ 03-01..03-04 (adjacent) ∪ 03-08..03-12 (overlap) ∪ 03-20..03-20
    got = VisibleDays.of(
        [r((3, 5), (3, 10)), r((3, 1), (3, 4)), r((3, 8), (3, 12)), r((3, 20), (3, 20))]
    )
    assert got.ranges == (r((3, 1), (3, 12)), r((3, 20), (3, 20)))
    assert got.count == 13
    assert date(2024, 3, 20) in got and date(2024, 3, 13) not in got


def test_the_canonical_form_is_enforced() -> None:
    with pytest.raises(CompassError, match="not adjacent"):
        VisibleDays((r((3, 1), (3, 4)), r((3, 5), (3, 6))))
    with pytest.raises(CompassError, match="ends before it starts"):
        r((3, 2), (3, 1))


def test_intersection_and_within() -> None:
    a = VisibleDays.of([r((3, 1), (3, 10)), r((3, 20), (3, 25))])
    b = VisibleDays.of([r((3, 5), (3, 22))])
    assert a.intersection(b).ranges == (r((3, 5), (3, 10)), r((3, 20), (3, 22)))
    assert a.within(date(2024, 3, 9), date(2024, 3, 21)).count == 4  # 03-09, 03-10, 03-20, 03-21
    assert not VisibleDays() and VisibleDays().count == 0


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 1, 15), 6, date(2023, 7, 15)),
        (date(2024, 12, 31), 6, date(2024, 6, 30)),
        (date(2025, 5, 31), 3, date(2025, 2, 28)),
    ],
)
def test_months_before_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_earliest_visible_day_is_six_months_back() -> None:
    assert earliest_visible_day(date(2024, 8, 31)) == date(2024, 2, 29)
