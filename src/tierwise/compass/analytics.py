"""Data Compass's analytics: the creator list of compass.md §3, the data overview and the
creator analytics of programs.md §3, over the visible days only.

The service reads each bound creator's pair (`bindings`, `partners`, `creators`,
`authorizations`, plus rows the consent workflow holds, which count alike), asks the pure
rules (`visible_days`) which days may be seen, and hands those days to the store as a
relation (`store.compass.visible_relation`): every number is computed set-wise in DuckDB
over rows of visible days, never filtered in Python. Every module also reads the previous
period of the same length through the same rules, for the comparison.

This module does I/O through `tierwise.store.compass`; the package's `__init__` does not
import it, so `tierwise.compass` itself stays pure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from tierwise.compass.authorizations import Authorization, merged
from tierwise.compass.days import DayRange, VisibleDays
from tierwise.compass.errors import CompassError
from tierwise.compass.markets import market_zone
from tierwise.compass.profiles import profile_shown
from tierwise.compass.ranges import QueryRange
from tierwise.compass.visibility import (
    DEFAULT_EXCLUDED_REGIONS,
    BindingWindow,
    Pair,
    visible_days,
)
from tierwise.core.kept import Kept
from tierwise.store import compass as store
from tierwise.store.compass import CreatorTotals, Period, VisibleRow

CENT = Decimal("0.01")


# --- the pairs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """A creator bound to the partner, its public part, and the rules' view of the pair."""

    creator_id: str
    handle: str
    followers: int
    pair: Pair

    def overlaps(self, span: DayRange) -> bool:
        """Whether one of its contract windows overlaps the days of `span`."""
        return any(
            w.started_on <= span.last and (w.ended_on is None or w.ended_on > span.first)
            for w in self.pair.windows
        )


@dataclass(frozen=True)
class PartnerView:
    """Everything the rules need about one partner's creators over some days."""

    partner_id: str
    market: str
    zone: str
    creators: tuple[Bound, ...]
    #: as_of → the rules' answer (a view is immutable, so its answer for a day is too).
    _seen: dict[date, Mapping[str, VisibleDays]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def visible(self, as_of: date) -> dict[str, VisibleDays]:
        """Each creator's visible days as of `as_of` (all of them, before any range)."""
        seen = self._seen.get(as_of)
        if seen is None:
            seen = {b.creator_id: visible_days(b.pair, as_of) for b in self.creators}
            if len(self._seen) >= 8:
                self._seen.clear()
            self._seen[as_of] = seen
        return dict(seen)


#: Partner views kept while the store file is unchanged (the rules' inputs — bindings,
#: imported authorization rows — change only with a load, which changes the file). A view
#: is keyed by the file's identity and every argument, workflow rows included, so an
#: answer, an expiry or a revocation makes another key. Stores without a file (a test's
#: in-memory world) are never kept.
_VIEWS: Kept[PartnerView] = Kept(64)


def _file_identity(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The store file (and its write-ahead log) as they are now: device, inode, size and
    modification time of each; None for a store without a file."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    if not rows or not rows[0][0]:
        return None
    file: str = rows[0][0]
    found: list[Any] = [file]
    for path in (file, file + ".wal"):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            found.append(None)
            continue
        found.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(found)


def imported_authorizations(
    con: duckdb.DuckDBPyConnection, partner_id: str | None, creator_id: str | None = None
) -> tuple[Authorization, ...]:
    """The event store's authorization rows of a partner and/or a creator."""
    return tuple(Authorization(**r) for r in store.authorization_rows(con, partner_id, creator_id))


def partner_view(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    span: DayRange,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
    creator_id: str | None = None,
) -> PartnerView:
    """The partner's creators with a contract window overlapping `span` (only `creator_id`
    when given), each as a `Pair` built from the event store's rows and the caller's extra
    authorization rows. Kept while the store file is unchanged (`_Views`)."""
    identity = _file_identity(con)
    key = (
        identity,
        partner_id,
        span,
        tuple(extra_authorizations),
        excluded_regions,
        creator_id,
    )

    def read() -> PartnerView:
        return _read_view(con, partner_id, span, extra_authorizations, excluded_regions, creator_id)

    return read() if identity is None else _VIEWS.get(key, read)


def _read_view(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    span: DayRange,
    extra_authorizations: Sequence[Authorization],
    excluded_regions: frozenset[str],
    creator_id: str | None,
) -> PartnerView:
    market = store.partner_market(con, partner_id)
    if market is None:
        raise CompassError(f"no partner {partner_id!r} in the data")
    imported = imported_authorizations(con, partner_id, creator_id)
    extra = [a for a in extra_authorizations if a.partner_id == partner_id]
    by_creator: dict[str, list[Authorization]] = {}
    for row in merged([*imported, *extra]):
        by_creator.setdefault(row.creator_id, []).append(row)
    creators = []
    for c in store.bound_creators(con, partner_id, span.first, span.last, creator_id):
        pair = Pair(
            partner_id=partner_id,
            creator_id=c.creator_id,
            market=market,
            creator_region=c.region,
            windows=tuple(BindingWindow(s, e) for s, e in c.windows),
            authorizations=tuple(by_creator.get(c.creator_id, ())),
            excluded_regions=excluded_regions,
        )
        creators.append(Bound(c.creator_id, c.handle, c.followers, pair))
    return PartnerView(partner_id, market, market_zone(market).key, tuple(creators))


#: Every day there is: a pair's windows whenever they lie.
ALL_DAYS = DayRange(date.min, date.max)


def pair_of(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    creator_id: str,
    stored: Sequence[Authorization] = (),
) -> Pair | None:
    """One pair as the rules read it — its contract windows whenever they lie, its imported
    rows and `stored` (the consent workflow's) — through the same reads as every module;
    None when the partner or the creator does not exist or the partner was never bound to
    the creator: to the partner, a creator it never had is one that does not exist."""
    if store.partner_market(con, partner_id) is None:
        return None
    view = partner_view(con, partner_id, ALL_DAYS, stored, creator_id=creator_id)
    return view.creators[0].pair if view.creators else None


def _rows(period: Period, seen: Mapping[str, VisibleDays]) -> list[VisibleRow]:
    return [(c, period, r.first, r.last) for c, days in seen.items() for r in days.ranges]


# --- compass.md §3: the creator list ---------------------------------------------------


def money(value: Decimal) -> float:
    """Money for JSON: a number rounded to the cent."""
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class CreatorEntry:
    """One creator of the list: its public part always, its numbers only when authorized."""

    creator_id: str
    handle: str
    authorized: bool
    visible_days: int
    metrics: CreatorTotals | None

    def to_dict(self) -> dict[str, Any]:
        m = self.metrics
        return {
            "creator_id": self.creator_id,
            "handle": self.handle,
            "authorized": self.authorized,
            "visible_days": self.visible_days,
            "metrics": None
            if m is None
            else {
                "gmv": money(m.gmv),
                "refunds": money(m.refunds),
                "orders": m.orders,
                "livestreams": m.livestreams,
                "videos": m.videos,
            },
        }


@dataclass(frozen=True)
class CreatorList:
    """`tierwise compass creators` and `GET /api/v1/compass/creators` (compass.md §3)."""

    partner_id: str
    query: QueryRange
    creators: tuple[CreatorEntry, ...]
    #: The visible days whose numbers were read, per creator (for the access log).
    read: Mapping[str, VisibleDays] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "from": self.query.first.isoformat(),
            "to": self.query.last.isoformat(),
            "as_of": self.query.as_of.isoformat(),
            "creators": [c.to_dict() for c in self.creators],
        }


def creator_list(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
) -> CreatorList:
    """Every creator with a contract window of the partner overlapping the query range, by
    creator_id; authorized when a day of the range is visible; numbers over visible days."""
    view = partner_view(con, partner_id, query.span, extra_authorizations, excluded_regions)
    seen = {
        c: days.within(query.first, query.last) for c, days in view.visible(query.as_of).items()
    }
    shown = {c: days for c, days in seen.items() if days}
    with store.visible_relation(con, _rows("current", shown)) as rel:
        totals = store.creator_totals(con, rel, view.zone) if shown else {}
    entries = tuple(
        CreatorEntry(
            creator_id=b.creator_id,
            handle=b.handle,
            authorized=b.creator_id in shown,
            visible_days=seen[b.creator_id].count,
            metrics=totals.get(b.creator_id) if b.creator_id in shown else None,
        )
        for b in view.creators
    )
    return CreatorList(partner_id, query, entries, shown)


# --- shared by the modules -------------------------------------------------------------


def ratio(numerator: Decimal | int | float, denominator: Decimal | int | float) -> float | None:
    """A ratio, or None when there is nothing to divide by (never a made-up 0)."""
    return None if not denominator else float(numerator) / float(denominator)


def change(
    current: Decimal | int | float | None, previous: Decimal | int | float | None
) -> float | None:
    """The relative change from the previous period; None when it cannot be told (no
    previous value, or a previous value of 0)."""
    if current is None or previous is None or not previous:
        return None
    return (float(current) - float(previous)) / abs(float(previous))


@dataclass(frozen=True)
class _Windows:
    query: QueryRange
    previous: DayRange
    span: DayRange


def _windows(query: QueryRange) -> _Windows:
    previous = query.previous_period()
    return _Windows(query, previous, DayRange(previous.first, query.last))


def _read_days(
    current: Mapping[str, VisibleDays], before: Mapping[str, VisibleDays]
) -> dict[str, VisibleDays]:
    """The days of both periods a module read, per creator with any."""
    read = dict(current)
    for c, days in before.items():
        read[c] = read[c].union(days) if c in read else days
    return read


def _seen_both(
    view: PartnerView, w: _Windows
) -> tuple[dict[str, VisibleDays], dict[str, VisibleDays]]:
    """Each creator's visible days in the query range and in the previous period (creators
    with none left out), both read through the same rules as of the query's day."""
    current: dict[str, VisibleDays] = {}
    before: dict[str, VisibleDays] = {}
    for c, days in view.visible(w.query.as_of).items():
        now = days.within(w.query.first, w.query.last)
        then = days.within(w.previous.first, w.previous.last)
        if now:
            current[c] = now
        if then:
            before[c] = then
    return current, before


# --- programs.md §3: the data overview -------------------------------------------------


@dataclass(frozen=True)
class OverviewFigures:
    """The overview of one period, over authorized creators' visible days only. Rates are
    over the creators with visible days in the period; None when there is nothing to divide
    by."""

    bound_creators: int
    authorized_creators: int
    livestreaming_creators: int
    creators_with_sales: int
    active_rate: float | None
    sales_rate: float | None
    gmv: Decimal
    live_gmv: Decimal
    video_gmv: Decimal
    avg_gmv_per_livestream: Decimal | None
    refunds: Decimal
    settlement_gmv: Decimal
    orders: int
    items_sold: int
    new_followers: int
    livestreams: int
    live_duration_s: int
    live_orders: int
    live_items_sold: int
    live_avg_ctr: float | None
    videos: int
    video_orders: int
    video_items_sold: int
    video_avg_ctr: float | None

    @classmethod
    def of(cls, bound: int, t: Mapping[str, Any] | None) -> OverviewFigures:
        """From the store's totals of one period (None: no creator had a visible day)."""
        t = t or {}

        def n(key: str) -> int:
            return int(t.get(key) or 0)

        def money(key: str) -> Decimal:
            return Decimal(t.get(key) or 0)

        authorized = n("authorized_creators")
        livestreams = n("livestreams")
        return cls(
            bound_creators=bound,
            authorized_creators=authorized,
            livestreaming_creators=n("livestreaming_creators"),
            creators_with_sales=n("creators_with_sales"),
            active_rate=ratio(n("livestreaming_creators"), authorized),
            sales_rate=ratio(n("creators_with_sales"), authorized),
            gmv=money("gmv"),
            live_gmv=money("live_gmv"),
            video_gmv=money("video_gmv"),
            avg_gmv_per_livestream=None
            if not livestreams
            else (money("live_gmv") / livestreams).quantize(Decimal("0.0001")),
            refunds=money("refunds"),
            settlement_gmv=money("gmv") - money("refunds"),
            orders=n("orders"),
            items_sold=n("items_sold"),
            new_followers=n("live_new_followers") + n("video_new_followers"),
            livestreams=livestreams,
            live_duration_s=n("live_duration_s"),
            live_orders=n("live_orders"),
            live_items_sold=n("live_items_sold"),
            live_avg_ctr=ratio(float(t.get("live_ctr_sum") or 0), n("live_ctr_n")),
            videos=n("videos"),
            video_orders=n("video_orders"),
            video_items_sold=n("video_items_sold"),
            video_avg_ctr=ratio(float(t.get("video_ctr_sum") or 0), n("video_ctr_n")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Overview:
    """The data overview of a query range and of the previous period of the same length."""

    partner_id: str
    query: QueryRange
    previous_period: DayRange
    current: OverviewFigures
    previous: OverviewFigures
    #: The visible days whose numbers were read (both periods), per creator.
    read: Mapping[str, VisibleDays] = field(default_factory=dict, compare=False)

    @property
    def changes(self) -> dict[str, float | None]:
        """Each figure's relative change from the previous period."""
        now, then = self.current.as_dict(), self.previous.as_dict()
        return {name: change(now[name], then[name]) for name in now}

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "from": self.query.first.isoformat(),
            "to": self.query.last.isoformat(),
            "as_of": self.query.as_of.isoformat(),
            "previous": {
                "from": self.previous_period.first.isoformat(),
                "to": self.previous_period.last.isoformat(),
            },
            "current": _jsonable(self.current.as_dict()),
            "previous_figures": _jsonable(self.previous.as_dict()),
            "changes": self.changes,
        }


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: money(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def overview(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
) -> Overview:
    """Totals over the partner's authorized creators' visible days, for the query range and
    the previous period of the same length. `bound_creators` counts creators with a
    contract window in the period (their public part); every other figure counts visible
    days only."""
    w = _windows(query)
    view = partner_view(con, partner_id, w.span, extra_authorizations, excluded_regions)
    current, before = _seen_both(view, w)
    rows = _rows("current", current) + _rows("previous", before)
    with store.visible_relation(con, rows) as rel:
        totals = store.overview_totals(con, rel, view.zone) if rows else {}
    bound_now = sum(1 for b in view.creators if b.overlaps(query.span))
    bound_then = sum(1 for b in view.creators if b.overlaps(w.previous))
    return Overview(
        partner_id=partner_id,
        query=query,
        previous_period=w.previous,
        current=OverviewFigures.of(bound_now, totals.get("current")),
        previous=OverviewFigures.of(bound_then, totals.get("previous")),
        read=_read_days(current, before),
    )


# --- programs.md §3: creator analytics -------------------------------------------------


@dataclass(frozen=True)
class ChannelPerformance:
    """One channel (live or video) of a creator over its visible days.

    exposure = product impressions; ctr = clicks / exposure; click_to_order (C-O) = orders
    / clicks; conversion = orders / exposure; rpm = GMV per 1,000 views. Ratios are None
    when there is nothing to divide by."""

    content: int
    views: int
    exposure: int
    clicks: int
    orders: int
    items_sold: int
    gmv: Decimal
    new_followers: int

    @property
    def ctr(self) -> float | None:
        return ratio(self.clicks, self.exposure)

    @property
    def click_to_order(self) -> float | None:
        return ratio(self.orders, self.clicks)

    @property
    def conversion(self) -> float | None:
        return ratio(self.orders, self.exposure)

    @property
    def rpm(self) -> float | None:
        return None if not self.views else float(self.gmv) * 1000 / self.views

    def to_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "views": self.views,
            "exposure": self.exposure,
            "clicks": self.clicks,
            "orders": self.orders,
            "items_sold": self.items_sold,
            "gmv": money(self.gmv),
            "new_followers": self.new_followers,
            "ctr": self.ctr,
            "click_to_order": self.click_to_order,
            "conversion": self.conversion,
            "rpm": self.rpm,
        }


@dataclass(frozen=True)
class CreatorPerformance:
    """A creator's numbers over its visible days of one period: all orders (every channel),
    and the live / video split with the ratios of each and of both together."""

    visible_days: int
    gmv: Decimal
    refunds: Decimal
    orders: int
    items_sold: int
    live: ChannelPerformance
    video: ChannelPerformance

    @property
    def content(self) -> ChannelPerformance:
        """Live and video together."""
        a, b = self.live, self.video
        return ChannelPerformance(
            content=a.content + b.content,
            views=a.views + b.views,
            exposure=a.exposure + b.exposure,
            clicks=a.clicks + b.clicks,
            orders=a.orders + b.orders,
            items_sold=a.items_sold + b.items_sold,
            gmv=a.gmv + b.gmv,
            new_followers=a.new_followers + b.new_followers,
        )

    @classmethod
    def of(cls, days: int, t: Mapping[str, Any]) -> CreatorPerformance:
        def n(key: str) -> int:
            return int(t[key])

        return cls(
            visible_days=days,
            gmv=Decimal(t["gmv"]),
            refunds=Decimal(t["refunds"]),
            orders=n("orders"),
            items_sold=n("items_sold"),
            live=ChannelPerformance(
                content=n("livestreams"),
                views=n("live_views"),
                exposure=n("live_impressions"),
                clicks=n("live_clicks"),
                orders=n("live_orders"),
                items_sold=n("live_items_sold"),
                gmv=Decimal(t["live_gmv"]),
                new_followers=n("live_new_followers"),
            ),
            video=ChannelPerformance(
                content=n("videos"),
                views=n("video_views"),
                exposure=n("video_impressions"),
                clicks=n("video_clicks"),
                orders=n("video_orders"),
                items_sold=n("video_items_sold"),
                gmv=Decimal(t["video_gmv"]),
                new_followers=n("video_new_followers"),
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "visible_days": self.visible_days,
            "gmv": money(self.gmv),
            "refunds": money(self.refunds),
            "orders": self.orders,
            "items_sold": self.items_sold,
            "all": self.content.to_dict(),
            "live": self.live.to_dict(),
            "video": self.video.to_dict(),
        }


@dataclass(frozen=True)
class Profile:
    """A group's split by dimension (age, gender, country: bucket → users), only ever built
    for a group of more than 1,000 users."""

    users: int
    split: Mapping[str, Mapping[str, int]]


def profile_of(split: Mapping[str, Mapping[str, int]]) -> Profile | None:
    """The profile when the group may be shown (compass.md §1), else None: "not enough
    users". The group's size is the largest total of a dimension (each adds up to it)."""
    users = max((sum(b.values()) for b in split.values()), default=0)
    return Profile(users, split) if profile_shown(users) else None


@dataclass(frozen=True)
class CreatorAnalyticsRow:
    """One authorized creator: its performance now and in the previous period (None when
    no day of it is visible), its followers and its follower profile (None: not enough
    users, or none on a visible day)."""

    creator_id: str
    handle: str
    followers: int
    current: CreatorPerformance
    previous: CreatorPerformance | None
    follower_profile: Profile | None

    @property
    def gmv_change(self) -> float | None:
        return change(self.current.gmv, None if self.previous is None else self.previous.gmv)


@dataclass(frozen=True)
class CreatorAnalytics:
    """Creator analytics of a query range: the creators with a visible day in it."""

    partner_id: str
    query: QueryRange
    previous_period: DayRange
    creators: tuple[CreatorAnalyticsRow, ...]
    #: The visible days whose numbers were read (both periods), per creator shown.
    read: Mapping[str, VisibleDays] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        q, p = self.query, self.previous_period
        return {
            "partner_id": self.partner_id,
            "from": q.first.isoformat(),
            "to": q.last.isoformat(),
            "as_of": q.as_of.isoformat(),
            "previous": {"from": p.first.isoformat(), "to": p.last.isoformat()},
            "creators": [
                {
                    "creator_id": c.creator_id,
                    "handle": c.handle,
                    "followers": c.followers,
                    "current": c.current.to_dict(),
                    "previous": None if c.previous is None else c.previous.to_dict(),
                    "gmv_change": c.gmv_change,
                    "follower_profile": None
                    if c.follower_profile is None
                    else {
                        "users": c.follower_profile.users,
                        "split": {k: dict(v) for k, v in c.follower_profile.split.items()},
                    },
                }
                for c in self.creators
            ],
        }


def creator_analytics(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
    creator_id: str | None = None,
) -> CreatorAnalytics:
    """Per authorized creator (a visible day in the range), by creator_id: CTR, C-O, RPM,
    exposure, conversion, new followers, live / video split, compared with the previous
    period; the follower profile only for groups over 1,000 users. With `creator_id`, that
    creator only (none when it has no visible day)."""
    w = _windows(query)
    view = partner_view(
        con, partner_id, w.span, extra_authorizations, excluded_regions, creator_id=creator_id
    )
    current, before = _seen_both(view, w)
    rows = _rows("current", current) + _rows("previous", before)
    with store.visible_relation(con, rows) as rel:
        activity = store.creator_activity(con, rel, view.zone) if current else {}
        audiences = store.creator_audiences(con, rel) if current else {}
    out = []
    for b in view.creators:
        if b.creator_id not in current:
            continue
        then = activity.get(("previous", b.creator_id))
        out.append(
            CreatorAnalyticsRow(
                creator_id=b.creator_id,
                handle=b.handle,
                followers=b.followers,
                current=CreatorPerformance.of(
                    current[b.creator_id].count, activity[("current", b.creator_id)]
                ),
                previous=None
                if then is None
                else CreatorPerformance.of(before[b.creator_id].count, then),
                follower_profile=None
                if b.creator_id not in audiences
                else profile_of(audiences[b.creator_id]),
            )
        )
    read = {c: days for c, days in _read_days(current, before).items() if c in current}
    return CreatorAnalytics(partner_id, query, w.previous, tuple(out), read)


__all__ = [
    "Bound",
    "ChannelPerformance",
    "CreatorAnalytics",
    "CreatorAnalyticsRow",
    "CreatorEntry",
    "CreatorList",
    "CreatorPerformance",
    "CreatorTotals",
    "Overview",
    "OverviewFigures",
    "PartnerView",
    "Profile",
    "change",
    "creator_analytics",
    "creator_list",
    "money",
    "overview",
    "pair_of",
    "partner_view",
    "profile_of",
    "ratio",
]
