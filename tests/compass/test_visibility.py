"""Hand-worked examples for every rule of compass.md §1, each expectation worked out in
the comment above it. Bangkok is UTC+7 all year, so local midnight is 17:00Z the day
before; Shanghai is UTC+8."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from tierwise.compass import (
    Authorization,
    BindingWindow,
    CompassError,
    DayRange,
    Pair,
    RequestRefused,
    RevokedBy,
    VisibleDays,
    live_today,
    may_request,
    visible_days,
)

P, C = "tsp-th-1", "cr-1"
ALWAYS = (BindingWindow(date(2020, 1, 1)),)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def approved(
    period: tuple[date, date],
    responded_at: datetime,
    *,
    request_id: str = "r1",
    requested_at: datetime | None = None,
    revoked_at: datetime | None = None,
    revoked_by: RevokedBy = "creator",
) -> Authorization:
    return Authorization(
        request_id=request_id,
        partner_id=P,
        creator_id=C,
        requested_at=requested_at or responded_at - timedelta(hours=1),
        period_from=period[0],
        period_to=period[1],
        responded_at=responded_at,
        response="approved",
        revoked_at=revoked_at,
        revoked_by=None if revoked_at is None else revoked_by,
    )


def pair(
    *rows: Authorization,
    windows: Sequence[BindingWindow] = ALWAYS,
    market: str = "TH",
    region: str = "TH",
    excluded: frozenset[str] = frozenset({"US"}),
) -> Pair:
    return Pair(P, C, market, region, tuple(windows), rows, excluded)


def days(*spans: tuple[date, date]) -> VisibleDays:
    return VisibleDays.of(DayRange(a, b) for a, b in spans)


WIDE = (date(2019, 1, 1), date(2030, 12, 31))


# -- contract windows -----------------------------------------------------------------------


SEED_WINDOWS = (
    BindingWindow(date(2020, 5, 1), date(2020, 7, 1)),
    BindingWindow(date(2021, 7, 1)),
)


def test_seed_contract_windows() -> None:
    # signed 2020-05-01, ended 2020-07-01 (exclusive), signed again 2021-07-01 (open):
    # 2020-05-01..2020-06-30 and 2021-07-01..today
    p = pair(windows=SEED_WINDOWS)
    assert p.contract_days(date(2021, 12, 31)) == days(
        (date(2020, 5, 1), date(2020, 6, 30)), (date(2021, 7, 1), date(2021, 12, 31))
    )
    assert p.bound_on(date(2020, 6, 30)) and not p.bound_on(date(2020, 7, 1))
    assert not p.bound_on(date(2021, 6, 30)) and p.bound_on(date(2021, 7, 1))


def test_seed_contract_windows_cut_what_an_approval_shows() -> None:
    # an approval for 2020-01-01..2030 given on 2020-03-01 (Bangkok 07:00).
    # As of 2020-08-01: 6 months back is 2020-02-01, yesterday 2020-07-31; the first window
    # leaves 2020-05-01..2020-06-30.
    p = pair(approved(WIDE, utc(2020, 3, 1)), windows=SEED_WINDOWS)
    assert visible_days(p, date(2020, 8, 1)) == days((date(2020, 5, 1), date(2020, 6, 30)))
    # As of 2021-07-10: 2021-01-10..2021-07-09, the gap (no window) until 2021-06-30 shows
    # nothing, the second window 2021-07-01..2021-07-09.
    assert visible_days(p, date(2021, 7, 10)) == days((date(2021, 7, 1), date(2021, 7, 9)))
    # As of 2021-03-01 the pair is not bound and the horizon 2020-09-01.. misses the first
    # window: nothing, though the approval is in force.
    assert visible_days(p, date(2021, 3, 1)) == VisibleDays()


def test_a_window_that_ends_where_it_starts_has_no_day() -> None:
    p = pair(
        approved(WIDE, utc(2024, 1, 1)), windows=[BindingWindow(date(2024, 3, 1), date(2024, 3, 1))]
    )
    assert visible_days(p, date(2024, 4, 1)) == VisibleDays()


# -- rule 1: an approval in force on D ------------------------------------------------------


def test_nothing_before_the_approval_day_everything_asked_for_from_it() -> None:
    # approved 2024-03-10 10:00 Bangkok (03:00Z), period 2024-03-01..2024-03-31.
    # As of 03-09: A = 03-10 > D, not in force → nothing.
    # As of 03-10: in force; X ≤ D − 1 → 03-01..03-09 at once (history).
    p = pair(approved((date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 10, 3)))
    assert visible_days(p, date(2024, 3, 9)) == VisibleDays()
    assert visible_days(p, date(2024, 3, 10)) == days((date(2024, 3, 1), date(2024, 3, 9)))


def test_revoked_on_r_still_visible_on_r_gone_from_r_plus_1() -> None:
    # approved 2024-03-01, revoked 2024-03-20 10:00 Bangkok (03:00Z): R = 03-20.
    # As of 03-20 (R < D fails: still in force): 03-01..03-19. As of 03-21: nothing.
    row = approved(
        (date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 1, 3), revoked_at=utc(2024, 3, 20, 3)
    )
    p = pair(row)
    assert visible_days(p, date(2024, 3, 20)) == days((date(2024, 3, 1), date(2024, 3, 19)))
    assert visible_days(p, date(2024, 3, 21)) == VisibleDays()


def test_a_partner_withdrawal_ends_access_like_a_revocation() -> None:
    row = approved(
        (date(2024, 3, 1), date(2024, 3, 31)),
        utc(2024, 3, 1, 3),
        revoked_at=utc(2024, 3, 20, 3),
        revoked_by="partner",
    )
    assert visible_days(pair(row), date(2024, 3, 20)).count == 19  # 03-01..03-19
    assert visible_days(pair(row), date(2024, 3, 21)) == VisibleDays()


def test_approved_and_revoked_the_same_day() -> None:
    # A = R = 03-10: in force on 03-10 only → as of 03-10 the history 03-01..03-09; as of
    # 03-11 nothing (so the approval day itself is never shown).
    row = approved(
        (date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 10, 1), revoked_at=utc(2024, 3, 10, 9)
    )
    assert visible_days(pair(row), date(2024, 3, 10)) == days((date(2024, 3, 1), date(2024, 3, 9)))
    assert visible_days(pair(row), date(2024, 3, 11)) == VisibleDays()


# -- rule 2: requested period ∩ contract window -------------------------------------------


def test_only_the_requested_period() -> None:
    # period 03-05..03-10, approved 03-01, as of 04-01 (horizon 2023-10-01..2024-03-31)
    p = pair(approved((date(2024, 3, 5), date(2024, 3, 10)), utc(2024, 3, 1, 3)))
    assert visible_days(p, date(2024, 4, 1)) == days((date(2024, 3, 5), date(2024, 3, 10)))


def test_requested_period_cut_by_the_window() -> None:
    # period 02-01..03-31, window [03-10, 03-20) → 03-10..03-19
    p = pair(
        approved((date(2024, 2, 1), date(2024, 3, 31)), utc(2024, 1, 15)),
        windows=[BindingWindow(date(2024, 3, 10), date(2024, 3, 20))],
    )
    assert visible_days(p, date(2024, 4, 1)) == days((date(2024, 3, 10), date(2024, 3, 19)))


# -- rule 3: X ≤ D − 1 --------------------------------------------------------------------


def test_the_approval_day_from_the_next_day() -> None:
    # approved on A = 03-10; as of 03-10 up to 03-09; as of 03-11 up to 03-10 = A.
    p = pair(approved((date(2024, 3, 1), date(2024, 12, 31)), utc(2024, 3, 10, 3)))
    assert max(visible_days(p, date(2024, 3, 10))) == date(2024, 3, 9)
    assert max(visible_days(p, date(2024, 3, 11))) == date(2024, 3, 10)


# -- rule 4: X ≥ D − 6 months, clamped ----------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "earliest"),
    [
        (date(2024, 8, 31), date(2024, 2, 29)),  # Feb 2024 has 29 days: 31 → 29
        (date(2023, 8, 31), date(2023, 2, 28)),  # Feb 2023 has 28
        (date(2024, 3, 31), date(2023, 9, 30)),  # Sep has 30
        (date(2024, 5, 15), date(2023, 11, 15)),  # no clamp, across the year
    ],
)
def test_six_months_back_same_day_clamped(as_of: date, earliest: date) -> None:
    p = pair(approved(WIDE, utc(2020, 1, 1)))
    assert visible_days(p, as_of) == days((earliest, as_of - timedelta(days=1)))


# -- rule 5: excluded regions --------------------------------------------------------------


def test_a_us_creator_is_never_visible() -> None:
    p = pair(approved(WIDE, utc(2024, 1, 1)), region="US")
    assert visible_days(p, date(2024, 4, 1)) == VisibleDays()
    assert not live_today(p, date(2024, 4, 1))


def test_excluded_regions_are_configurable() -> None:
    # excluded {VN}: a VN creator is hidden, a US one is not (the default is replaced).
    row = approved((date(2024, 3, 1), date(2024, 3, 3)), utc(2024, 1, 1))
    vn = pair(row, region="VN", excluded=frozenset({"VN"}))
    us = pair(row, region="US", excluded=frozenset({"VN"}))
    assert visible_days(vn, date(2024, 4, 1)) == VisibleDays()
    assert visible_days(us, date(2024, 4, 1)).count == 3


# -- union, and what grants nothing -------------------------------------------------------


def test_approvals_in_force_add_up() -> None:
    # r1 03-01..03-05 and r2 03-06..03-08 (adjacent: one range), r3 03-20..03-22 revoked
    # on 03-25 → as of 04-01 only r1 ∪ r2 = 03-01..03-08.
    rows = [
        approved((date(2024, 3, 1), date(2024, 3, 5)), utc(2024, 2, 1), request_id="r1"),
        approved((date(2024, 3, 6), date(2024, 3, 8)), utc(2024, 2, 2), request_id="r2"),
        approved(
            (date(2024, 3, 20), date(2024, 3, 22)),
            utc(2024, 2, 3),
            request_id="r3",
            revoked_at=utc(2024, 3, 25),
        ),
    ]
    assert visible_days(pair(*rows), date(2024, 4, 1)) == days((date(2024, 3, 1), date(2024, 3, 8)))
    # as of 03-25 r3 is still in force: 03-01..03-08 and 03-20..03-22
    assert visible_days(pair(*rows), date(2024, 3, 25)).ranges == (
        DayRange(date(2024, 3, 1), date(2024, 3, 8)),
        DayRange(date(2024, 3, 20), date(2024, 3, 22)),
    )


def test_declined_and_unanswered_grant_nothing() -> None:
    declined = Authorization(
        "r1",
        P,
        C,
        utc(2024, 3, 1),
        date(2024, 1, 1),
        date(2024, 3, 31),
        utc(2024, 3, 2),
        "declined",
    )
    pending_then_expired = Authorization(
        "r2", P, C, utc(2024, 3, 1), date(2024, 1, 1), date(2024, 3, 31)
    )
    assert visible_days(pair(declined, pending_then_expired), date(2024, 4, 1)) == VisibleDays()


def test_the_168_hour_boundary() -> None:
    # requested 2024-03-01 00:00Z, expires 2024-03-08 00:00Z. Approved one second before:
    # it counts (A = 03-08 07:59:59 Bangkok → 03-08): as of 03-09, 03-01..03-08.
    # Approved exactly at 168 h: no effect, the request expired: nothing.
    requested = utc(2024, 3, 1)
    period = (date(2024, 3, 1), date(2024, 3, 31))
    just_in_time = approved(
        period, requested + timedelta(hours=168, seconds=-1), requested_at=requested
    )
    too_late = approved(period, requested + timedelta(hours=168), requested_at=requested)
    assert visible_days(pair(just_in_time), date(2024, 3, 9)) == days(
        (date(2024, 3, 1), date(2024, 3, 8))
    )
    assert visible_days(pair(too_late), date(2024, 3, 9)) == VisibleDays()
    assert not live_today(pair(too_late), date(2024, 3, 20))


# -- local days in the partner's market ---------------------------------------------------


def test_approval_at_2330_bangkok_counts_that_day() -> None:
    # 2024-03-10 23:30 Bangkok = 16:30Z: A = 03-10 → as of 03-10 the history to 03-09.
    p = pair(approved((date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 10, 16, 30)))
    assert visible_days(p, date(2024, 3, 10)) == days((date(2024, 3, 1), date(2024, 3, 9)))


def test_approval_at_0030_bangkok_counts_the_next_day() -> None:
    # 2024-03-11 00:30 Bangkok = 2024-03-10 17:30Z: A = 03-11, though the UTC date is 03-10
    # → as of 03-10 nothing; as of 03-11 the history to 03-10.
    p = pair(approved((date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 10, 17, 30)))
    assert visible_days(p, date(2024, 3, 10)) == VisibleDays()
    assert visible_days(p, date(2024, 3, 11)) == days((date(2024, 3, 1), date(2024, 3, 10)))


def test_the_same_instant_is_another_day_in_shanghai() -> None:
    # 2024-03-10 16:30Z is 23:30 in Bangkok (A = 03-10) but 00:30 on 03-11 in Shanghai.
    row = approved((date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 10, 16, 30))
    assert visible_days(pair(row, market="TH"), date(2024, 3, 10)).count == 9
    assert visible_days(pair(row, market="CN"), date(2024, 3, 10)) == VisibleDays()


def test_revocation_at_165959z_vs_170000z_for_bangkok() -> None:
    # 16:59:59Z on 03-20 = 23:59:59 Bangkok → R = 03-20: gone as of 03-21.
    # 17:00:00Z on 03-20 = 00:00:00 Bangkok 03-21 → R = 03-21: still there as of 03-21
    # (03-01..03-20), gone as of 03-22.
    period = (date(2024, 3, 1), date(2024, 3, 31))
    before = pair(approved(period, utc(2024, 3, 1, 3), revoked_at=utc(2024, 3, 20, 16, 59, 59)))
    at = pair(approved(period, utc(2024, 3, 1, 3), revoked_at=utc(2024, 3, 20, 17)))
    assert visible_days(before, date(2024, 3, 21)) == VisibleDays()
    assert visible_days(at, date(2024, 3, 21)) == days((date(2024, 3, 1), date(2024, 3, 20)))
    assert visible_days(at, date(2024, 3, 22)) == VisibleDays()


def test_a_naive_timestamp_is_utc() -> None:
    # the data contract reads a timestamp without an offset as UTC: 17:30 naive = 17:30Z
    # = 00:30 Bangkok on 03-11.
    row = approved((date(2024, 3, 1), date(2024, 3, 31)), datetime(2024, 3, 10, 17, 30))
    assert row.responded_at == utc(2024, 3, 10, 17, 30)
    assert visible_days(pair(row), date(2024, 3, 10)) == VisibleDays()


# -- VisibleDays in a query ---------------------------------------------------------------


def test_visible_days_within_a_query_range() -> None:
    # visible 03-01..03-09 as of 03-10; the query 03-05..03-20 holds 03-05..03-09: 5 days.
    p = pair(approved((date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 10, 3)))
    seen = visible_days(p, date(2024, 3, 10)).within(date(2024, 3, 5), date(2024, 3, 20))
    assert seen == days((date(2024, 3, 5), date(2024, 3, 9)))
    assert seen.count == 5
    with pytest.raises(CompassError):
        visible_days(p, date(2024, 3, 10)).within(date(2024, 3, 5), date(2024, 3, 4))


# -- live numbers today -------------------------------------------------------------------


def test_live_today_needs_an_approval_from_a_day_before() -> None:
    # approved 03-10 (A): on 03-10 A < D fails → public part only; on 03-11 shown.
    p = pair(approved((date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 10, 3)))
    assert not live_today(p, date(2024, 3, 10))
    assert live_today(p, date(2024, 3, 11))


def test_live_today_after_a_revocation() -> None:
    # revoked on R = 03-20: in force on 03-20 (live shown), not from 03-21.
    p = pair(
        approved(
            (date(2024, 3, 1), date(2024, 3, 31)),
            utc(2024, 3, 1, 3),
            revoked_at=utc(2024, 3, 20, 3),
        )
    )
    assert live_today(p, date(2024, 3, 20))
    assert not live_today(p, date(2024, 3, 21))


def test_live_today_needs_today_in_a_contract_window() -> None:
    # the window ends 2024-03-15 (exclusive): live on 03-14, not on 03-15.
    p = pair(
        approved((date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 1, 3)),
        windows=[BindingWindow(date(2024, 1, 1), date(2024, 3, 15))],
    )
    assert live_today(p, date(2024, 3, 14))
    assert not live_today(p, date(2024, 3, 15))


def test_live_today_in_local_days() -> None:
    # approved 03-10 23:30 Bangkok (16:30Z): A = 03-10 → live on 03-11.
    # approved 03-11 00:30 Bangkok (03-10 17:30Z): A = 03-11 → not live on 03-11.
    period = (date(2024, 3, 1), date(2024, 3, 31))
    assert live_today(pair(approved(period, utc(2024, 3, 10, 16, 30))), date(2024, 3, 11))
    assert not live_today(pair(approved(period, utc(2024, 3, 10, 17, 30))), date(2024, 3, 11))


# -- may the partner ask now --------------------------------------------------------------


def test_may_request_only_when_bound_that_local_day() -> None:
    # the window starts 2024-03-11: 03-10 16:59:59Z is 23:59:59 on 03-10 Bangkok (not yet
    # bound), 17:00:00Z is 00:00 on 03-11 (bound).
    p = pair(windows=[BindingWindow(date(2024, 3, 11))])
    refused = may_request(p, utc(2024, 3, 10, 16, 59, 59))
    assert not refused.allowed
    assert refused.reasons == (f"partner {P} is not bound to creator {C} on 2024-03-10",)
    assert may_request(p, utc(2024, 3, 10, 17)).allowed


def test_may_not_ask_a_creator_of_an_excluded_region() -> None:
    check = may_request(pair(region="US"), utc(2024, 3, 10))
    assert check.reasons == (
        f"creator {C} is in region US, whose creators can never be asked for access",
    )
    with pytest.raises(RequestRefused, match="never be asked"):
        check.enforce()


def test_one_pending_request_per_pair() -> None:
    # requested 03-01 00:00Z: pending until 03-08 00:00Z; at that instant expired → may ask.
    pending = Authorization("r1", P, C, utc(2024, 3, 1), date(2024, 3, 1), date(2024, 3, 31))
    p = pair(pending)
    check = may_request(p, utc(2024, 3, 7, 23, 59, 59))
    assert check.reasons == (
        f"request r1 to creator {C} is still pending (it expires at 2024-03-08 00:00:00 UTC)",
    )
    assert may_request(p, utc(2024, 3, 8)).allowed
    # a row requested after the instant asked about does not exist yet
    assert may_request(p, utc(2024, 2, 29)).allowed


def test_may_ask_again_after_a_decline_an_approval_or_a_revocation() -> None:
    declined = Authorization(
        "r1",
        P,
        C,
        utc(2024, 3, 1),
        date(2024, 3, 1),
        date(2024, 3, 31),
        utc(2024, 3, 2),
        "declined",
    )
    assert may_request(pair(declined), utc(2024, 3, 2)).allowed
    # still pending one second before the decline
    assert not may_request(pair(declined), utc(2024, 3, 1, 23, 59, 59)).allowed
    row = approved(
        (date(2024, 3, 1), date(2024, 3, 31)), utc(2024, 3, 2), revoked_at=utc(2024, 3, 5)
    )
    assert may_request(pair(row), utc(2024, 3, 3)).allowed
    assert may_request(pair(row), utc(2024, 3, 6)).allowed


def test_every_reason_at_once() -> None:
    pending = Authorization("r1", P, C, utc(2024, 3, 1), date(2024, 3, 1), date(2024, 3, 31))
    p = pair(pending, windows=[], region="US")
    with pytest.raises(RequestRefused) as refused:
        may_request(p, utc(2024, 3, 2)).enforce()
    assert len(refused.value.reasons) == 3


# -- the pair itself ----------------------------------------------------------------------


def test_rows_of_another_pair_are_refused() -> None:
    other = Authorization("r9", "tsp-th-2", C, utc(2024, 3, 1), date(2024, 3, 1), date(2024, 3, 2))
    with pytest.raises(CompassError, match=r"'r9' is for \(tsp-th-2, cr-1\)"):
        pair(other)


def test_an_unknown_market_is_refused() -> None:
    with pytest.raises(CompassError, match="unknown market 'US': Data Compass knows CN, ID, MY"):
        pair(market="US")


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(CompassError):
        BindingWindow(date(2024, 3, 2), date(2024, 3, 1))
