"""The one authorization choke point of Data Compass: which days of creator C partner P
may see as of day D (compass.md §1), whether live numbers of day D may be shown, and
whether P may ask C for access now. Every query, page, export and route asks here and
filters by the answer; none decides on its own.

As of day D, day X is visible when an approval is in force on D (approved on A ≤ D, not
revoked on R < D), X lies in its requested period and in a contract window, D − 6 months
≤ X ≤ D − 1, and the creator's region is not excluded; approvals add up. All days are
local days of the partner's market.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tierwise.compass.authorizations import Approval, Authorization
from tierwise.compass.days import ONE_DAY, DayRange, VisibleDays, earliest_visible_day
from tierwise.compass.errors import CompassError, RequestRefused
from tierwise.compass.markets import as_utc, local_day, market_zone

#: Regions whose creators can never be asked nor seen (compass.md §1, the default).
DEFAULT_EXCLUDED_REGIONS: frozenset[str] = frozenset({"US"})


@dataclass(frozen=True, order=True)
class BindingWindow:
    """A contract window of the pair, from one `bindings` row: `[started_on, ended_on)`,
    `ended_on` None while the binding lasts."""

    started_on: date
    ended_on: date | None = None

    def __post_init__(self) -> None:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise CompassError(
                f"a binding window ends before it starts: {self.started_on}..{self.ended_on}"
            )

    def __contains__(self, day: object) -> bool:
        return (
            isinstance(day, date)
            and self.started_on <= day
            and (self.ended_on is None or day < self.ended_on)
        )

    def days_through(self, last: date) -> DayRange | None:
        """Its days up to `last` included, as an inclusive range; None when there are none
        (a window that ends where it starts, or starts after `last`)."""
        end = last if self.ended_on is None else min(last, self.ended_on - ONE_DAY)
        return DayRange(self.started_on, end) if self.started_on <= end else None


@dataclass(frozen=True)
class Pair:
    """Everything the rules read about one (partner, creator) pair: its contract windows,
    its authorization rows, the partner's market (whose zone counts the days) and the
    creator's region. Rows of another pair are refused: mixing them is how numbers leak."""

    partner_id: str
    creator_id: str
    market: str
    creator_region: str
    windows: tuple[BindingWindow, ...] = ()
    authorizations: tuple[Authorization, ...] = ()
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", market_zone(self.market))
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "authorizations", tuple(self.authorizations))
        object.__setattr__(self, "excluded_regions", frozenset(self.excluded_regions))
        for row in self.authorizations:
            if (row.partner_id, row.creator_id) != (self.partner_id, self.creator_id):
                raise CompassError(
                    f"authorization {row.request_id!r} is for ({row.partner_id}, "
                    f"{row.creator_id}), not for ({self.partner_id}, {self.creator_id})"
                )

    @property
    def region_excluded(self) -> bool:
        return self.creator_region in self.excluded_regions

    @property
    def approvals(self) -> tuple[Approval, ...]:
        """The approvals the rows grant; declined, expired and late-answered rows grant none."""
        found = (row.approval(self.zone) for row in self.authorizations)
        return tuple(a for a in found if a is not None)

    def bound_on(self, day: date) -> bool:
        return any(day in w for w in self.windows)

    def contract_days(self, through: date) -> VisibleDays:
        """The days of every contract window up to `through`."""
        found = (w.days_through(through) for w in self.windows)
        return VisibleDays.of(r for r in found if r is not None)

    def local_day(self, instant: datetime) -> date:
        """The partner's local day of an instant."""
        return local_day(instant, self.zone)


def visible_days(pair: Pair, as_of: date) -> VisibleDays:
    """The days of the creator's data the partner may see as of local day `as_of`."""
    if pair.region_excluded:
        return VisibleDays()
    latest = as_of - ONE_DAY  # daily data is complete the next day
    horizon = VisibleDays((DayRange(earliest_visible_day(as_of), latest),))
    requested = VisibleDays.of(a.period for a in pair.approvals if a.in_force_on(as_of))
    return requested.intersection(pair.contract_days(latest)).intersection(horizon)


def live_today(pair: Pair, day: date) -> bool:
    """Whether live numbers of local day `day` may be shown: an approval in force on `day`
    since a day before it (A < D), `day` in a contract window, the region not excluded.
    Otherwise the live card shows the creator's public part only."""
    if pair.region_excluded or not pair.bound_on(day):
        return False
    return any(a.approved_on < day and a.in_force_on(day) for a in pair.approvals)


@dataclass(frozen=True)
class RequestCheck:
    """The answer to "may the partner ask this creator for access now": allowed when there
    is no reason against it."""

    reasons: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.reasons

    def enforce(self) -> None:
        """Raise `RequestRefused` with every reason, when there is one."""
        if self.reasons:
            raise RequestRefused(self.reasons)


def may_request(pair: Pair, at: datetime) -> RequestCheck:
    """Whether the partner may send the creator a new access request at instant `at`: the
    pair is bound on that local day, the creator's region is not excluded, and no request
    of the pair is pending (rows requested after `at` do not exist yet). Asking again after
    an approval, a decline, an expiry or a revocation is allowed."""
    reasons: list[str] = []
    if pair.region_excluded:
        reasons.append(
            f"creator {pair.creator_id} is in region {pair.creator_region}, whose creators "
            "can never be asked for access"
        )
    day = pair.local_day(at)
    if not pair.bound_on(day):
        reasons.append(
            f"partner {pair.partner_id} is not bound to creator {pair.creator_id} on {day}"
        )
    at = as_utc(at)
    for row in pair.authorizations:
        if row.requested_at <= at and row.status_at(at) == "pending":
            reasons.append(
                f"request {row.request_id} to creator {pair.creator_id} is still pending "
                f"(it expires at {row.expires_at:%Y-%m-%d %H:%M:%S} UTC)"
            )
    return RequestCheck(tuple(reasons))


__all__ = [
    "DEFAULT_EXCLUDED_REGIONS",
    "BindingWindow",
    "Pair",
    "RequestCheck",
    "live_today",
    "may_request",
    "visible_days",
]
