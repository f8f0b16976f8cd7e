"""Data Compass's livestream, video and product analytics (programs.md §3), over the visible
days only, each compared with the previous period of the same length.

Like `compass.analytics`, each call builds the partner's pairs (`partner_view`), asks the
rules for every creator's visible days in the query range and in the previous period, and
hands them to the store as one relation; every number is computed set-wise in DuckDB by
`store.compass_activity`. A livestream, video or product the partner may not see answers
`ContentNotFound`, exactly as one that does not exist. Results are frozen dataclasses with
`to_dict()` for JSON; the lists also become export sheets (`compass.exports`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from tierwise.compass.analytics import (
    PartnerView,
    Profile,
    _read_days,
    _rows,
    _seen_both,
    _windows,
    change,
    money,
    partner_view,
    profile_of,
    ratio,
)
from tierwise.compass.authorizations import Authorization
from tierwise.compass.days import DayRange, VisibleDays
from tierwise.compass.errors import CompassError
from tierwise.compass.ranges import QueryRange
from tierwise.compass.visibility import DEFAULT_EXCLUDED_REGIONS
from tierwise.store import compass as store
from tierwise.store import compass_activity as activity
from tierwise.store.compass_activity import VIDEO_ORDERS, VideoOrder


class ContentNotFound(CompassError, LookupError):
    """No livestream, video or product the partner may see by that id: one of a creator
    or a day it may not see is answered exactly as one that does not exist."""


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _json(getattr(value, f.name)) for f in fields(value)}
    return value


def _profile(p: Profile | None) -> dict[str, Any] | None:
    return None if p is None else {"users": p.users, "split": p.split}


@dataclass(frozen=True)
class _Scope:
    """One call's partner, its creators' visible days in both periods, and the relation."""

    view: PartnerView
    query: QueryRange
    previous_period: DayRange
    current: Mapping[str, VisibleDays]
    previous: Mapping[str, VisibleDays]
    relation: str

    def handle(self, creator_id: str) -> str:
        return next((b.handle for b in self.view.creators if b.creator_id == creator_id), "")

    def read_of(
        self, now: Iterable[str] | None = None, then: Iterable[str] | None = None
    ) -> dict[str, VisibleDays]:
        """The visible days whose numbers a result holds (for the access log): of the
        creators `now` in the range and `then` in the previous period (all when None).
        With no visible day in the range the modules read nothing, not even the previous
        period (its totals are then 0, not read)."""
        if not self.current:
            return {}
        now_ = self.current if now is None else {c: self.current[c] for c in now}
        then_ = (
            self.previous
            if then is None
            else {c: self.previous[c] for c in then if c in self.previous}
        )
        return _read_days(now_, then_)


@contextmanager
def _scope(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    extra: Sequence[Authorization],
    excluded: frozenset[str],
) -> Iterator[_Scope]:
    """The visible days of both periods registered as a relation for the block's reads."""
    w = _windows(query)
    view = partner_view(con, partner_id, w.span, extra, excluded)
    current, before = _seen_both(view, w)
    rows = _rows("current", current) + _rows("previous", before)
    with store.visible_relation(con, rows) as rel:
        yield _Scope(view, query, w.previous, current, before, rel)


def _split(rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    now = [r for r in rows if r["period"] == "current"]
    then = [r for r in rows if r["period"] == "previous"]
    return now, then


def _head(q: QueryRange, previous: DayRange, partner_id: str) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "from": q.first.isoformat(),
        "to": q.last.isoformat(),
        "as_of": q.as_of.isoformat(),
        "previous": {"from": previous.first.isoformat(), "to": previous.last.isoformat()},
    }


def _changes(now: Any, then: Any) -> dict[str, float | None]:
    return {
        f.name: change(getattr(now, f.name), getattr(then, f.name))
        for f in fields(now)
        if isinstance(getattr(now, f.name), int | Decimal)
    }


# --- livestreams -----------------------------------------------------------------------


@dataclass(frozen=True)
class LiveRow:
    """One livestream started on a visible day: its counters, its orders paid on visible
    days (GMV in USD) and the sums of its minutes on visible days."""

    live_id: str
    creator_id: str
    handle: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: int
    views: int
    viewers: int
    impressions: int
    clicks: int
    orders: int
    items_sold: int
    gmv: Decimal
    refunds: Decimal
    buyers: int
    new_followers: int
    likes: int
    comments: int
    shares: int
    peak_online_viewers: int | None

    @property
    def ctr(self) -> float | None:
        """Product clicks per product impression."""
        return ratio(self.clicks, self.impressions)

    @property
    def click_to_order(self) -> float | None:
        return ratio(self.orders, self.clicks)

    @classmethod
    def of(cls, row: Mapping[str, Any], handle: str) -> LiveRow:
        values: dict[str, Any] = {
            f.name: row.get(f.name) for f in fields(cls) if f.name != "handle"
        }
        return cls(handle=handle, **values)

    def to_dict(self) -> dict[str, Any]:
        doc = {f.name: _json(getattr(self, f.name)) for f in fields(self)}
        return doc | {"ctr": self.ctr, "click_to_order": self.click_to_order}


@dataclass(frozen=True)
class LiveTotals:
    """The livestreams of one period added up."""

    livestreams: int
    duration_s: int
    views: int
    orders: int
    items_sold: int
    gmv: Decimal
    new_followers: int

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Any]]) -> LiveTotals:
        return cls(
            livestreams=len(rows),
            duration_s=sum(int(r["duration_s"]) for r in rows),
            views=sum(int(r["views"]) for r in rows),
            orders=sum(int(r["orders"]) for r in rows),
            items_sold=sum(int(r["items_sold"]) for r in rows),
            gmv=sum((Decimal(r["gmv"]) for r in rows), Decimal(0)),
            new_followers=sum(int(r["new_followers"]) for r in rows),
        )


@dataclass(frozen=True)
class LiveHistory:
    """Every livestream started on a visible day of the range, newest first, with the
    totals of the range and of the previous period."""

    partner_id: str
    query: QueryRange
    previous_period: DayRange
    lives: tuple[LiveRow, ...]
    current: LiveTotals
    previous: LiveTotals
    #: The visible days whose numbers were read, per creator (for the access log).
    read: Mapping[str, VisibleDays]

    @property
    def changes(self) -> dict[str, float | None]:
        return _changes(self.current, self.previous)

    def to_dict(self) -> dict[str, Any]:
        return _head(self.query, self.previous_period, self.partner_id) | {
            "current": _json(self.current),
            "previous_totals": _json(self.previous),
            "changes": self.changes,
            "lives": [r.to_dict() for r in self.lives],
        }


def live_history(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
) -> LiveHistory:
    """The history of the partner's creators' livestreams over visible days."""
    with _scope(con, partner_id, query, extra_authorizations, excluded_regions) as s:
        rows = activity.live_rows(con, s.relation, s.view.zone) if s.current else []
    now, then = _split(rows)
    return LiveHistory(
        partner_id,
        query,
        s.previous_period,
        tuple(LiveRow.of(r, s.handle(r["creator_id"])) for r in now),
        LiveTotals.of(now),
        LiveTotals.of(then),
        s.read_of(),
    )


@dataclass(frozen=True)
class LiveProduct:
    """Sales and conversion of one product during a livestream."""

    product_id: str
    title: str
    impressions: int
    clicks: int
    orders: int
    items_sold: int
    gmv: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)} | {
            "ctr": ratio(self.clicks, self.impressions),
            "click_to_order": ratio(self.orders, self.clicks),
        }


@dataclass(frozen=True)
class LiveMinute:
    """One minute of the engagement and viewer trends."""

    minute: datetime
    online_viewers: int
    views: int
    product_clicks: int
    orders: int
    gmv: Decimal
    likes: int
    comments: int
    shares: int
    new_followers: int


@dataclass(frozen=True)
class TrafficSource:
    source: str
    views: int
    share: float | None


@dataclass(frozen=True)
class ViolationNotice:
    violation_id: str
    kind: str
    severe: bool
    points: Decimal
    occurred_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class LiveDetail:
    """One visible livestream: its row, per-product sales and conversion, the per-minute
    trends, traffic sources, violation notices, viewer and buyer profiles (only for groups
    over 1,000 users), and its creator's livestreams of the previous period per livestream
    for the comparison (None when none is visible)."""

    partner_id: str
    query: QueryRange
    previous_period: DayRange
    live: LiveRow
    products: tuple[LiveProduct, ...]
    minutes: tuple[LiveMinute, ...]
    sources: tuple[TrafficSource, ...]
    violations: tuple[ViolationNotice, ...]
    viewer_profile: Profile | None
    buyer_profile: Profile | None
    previous: LiveTotals
    #: The visible days whose numbers were read, per creator (for the access log).
    read: Mapping[str, VisibleDays]

    @property
    def changes(self) -> dict[str, float | None]:
        """This livestream against the creator's average livestream of the previous
        period (views, orders, items sold, GMV, new followers)."""
        n = self.previous.livestreams
        out: dict[str, float | None] = {}
        for name in ("views", "orders", "items_sold", "gmv", "new_followers", "duration_s"):
            then = None if not n else float(getattr(self.previous, name)) / n
            out[name] = change(getattr(self.live, name), then)
        return out

    def to_dict(self) -> dict[str, Any]:
        return _head(self.query, self.previous_period, self.partner_id) | {
            "live": self.live.to_dict(),
            "products": [p.to_dict() for p in self.products],
            "minutes": [_json(m) for m in self.minutes],
            "sources": [_json(x) for x in self.sources],
            "violations": [_json(v) for v in self.violations],
            "viewer_profile": _profile(self.viewer_profile),
            "buyer_profile": _profile(self.buyer_profile),
            "previous_totals": _json(self.previous),
            "changes": self.changes,
        }


def _build(cls: Any, row: Mapping[str, Any]) -> Any:
    return cls(**{f.name: row[f.name] for f in fields(cls)})


def live_detail(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    live_id: str,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
) -> LiveDetail:
    """One livestream started on a visible day of the range (else `ContentNotFound`)."""
    with _scope(con, partner_id, query, extra_authorizations, excluded_regions) as s:
        rel, zone = s.relation, s.view.zone
        found = activity.live_rows(con, rel, zone, live_id) if s.current else []
        now, _ = _split(found)
        if not now:
            raise ContentNotFound(f"no livestream {live_id!r}")
        row = now[0]
        creator = row["creator_id"]
        products = activity.live_products(con, rel, zone, live_id)
        minutes = activity.live_minutes(con, rel, zone, live_id)
        sources = activity.live_sources(con, rel, zone, live_id)
        violations = activity.live_violations(con, rel, zone, live_id)
        viewers = activity.subject_audiences(con, rel, "live", live_id, creator, "viewer")
        buyers = activity.subject_audiences(con, rel, "live", live_id, creator, "buyer")
        before = [
            r
            for r in (activity.live_rows(con, rel, zone) if s.previous else [])
            if r["period"] == "previous" and r["creator_id"] == creator
        ]
    total_views = sum(int(x["views"]) for x in sources)
    return LiveDetail(
        partner_id,
        query,
        s.previous_period,
        LiveRow.of(row, s.handle(creator)),
        tuple(_build(LiveProduct, p) for p in products),
        tuple(_build(LiveMinute, m) for m in minutes),
        tuple(
            TrafficSource(x["source"], int(x["views"]), ratio(int(x["views"]), total_views))
            for x in sources
        ),
        tuple(_build(ViolationNotice, v) for v in violations),
        profile_of(viewers),
        profile_of(buyers),
        LiveTotals.of(before),
        s.read_of([creator], [creator]),
    )


# --- videos ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoRow:
    """One video posted on a visible day, with its orders paid on visible days."""

    video_id: str
    creator_id: str
    handle: str
    posted_at: datetime
    duration_s: int
    status: str
    views: int
    finish_rate: Decimal
    likes: int
    comments: int
    shares: int
    new_followers: int
    impressions: int
    clicks: int
    orders: int
    items_sold: int
    revenue: Decimal
    buyers: int

    @property
    def rpm(self) -> float | None:
        """Revenue per 1,000 views."""
        return None if not self.views else float(self.revenue) * 1000 / self.views

    @property
    def ctr(self) -> float | None:
        return ratio(self.clicks, self.impressions)

    @classmethod
    def of(cls, row: Mapping[str, Any], handle: str) -> VideoRow:
        values: dict[str, Any] = {
            f.name: row.get(f.name) for f in fields(cls) if f.name != "handle"
        }
        return cls(handle=handle, **values)

    def to_dict(self) -> dict[str, Any]:
        doc = {f.name: _json(getattr(self, f.name)) for f in fields(self)}
        doc["finish_rate"] = float(self.finish_rate)
        return doc | {"rpm": self.rpm, "ctr": self.ctr}


@dataclass(frozen=True)
class VideoTotals:
    """The videos of one period added up."""

    videos: int
    views: int
    new_followers: int
    orders: int
    items_sold: int
    revenue: Decimal

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Any]]) -> VideoTotals:
        return cls(
            videos=len(rows),
            views=sum(int(r["views"]) for r in rows),
            new_followers=sum(int(r["new_followers"]) for r in rows),
            orders=sum(int(r["orders"]) for r in rows),
            items_sold=sum(int(r["items_sold"]) for r in rows),
            revenue=sum((Decimal(r["revenue"]) for r in rows), Decimal(0)),
        )


@dataclass(frozen=True)
class VideoList:
    """The videos posted on visible days of the range, sorted by `order` (highest first)."""

    partner_id: str
    query: QueryRange
    previous_period: DayRange
    order: VideoOrder
    videos: tuple[VideoRow, ...]
    current: VideoTotals
    previous: VideoTotals
    #: The visible days whose numbers were read, per creator (for the access log).
    read: Mapping[str, VisibleDays]

    @property
    def changes(self) -> dict[str, float | None]:
        return _changes(self.current, self.previous)

    def to_dict(self) -> dict[str, Any]:
        return _head(self.query, self.previous_period, self.partner_id) | {
            "order": self.order,
            "current": _json(self.current),
            "previous_totals": _json(self.previous),
            "changes": self.changes,
            "videos": [v.to_dict() for v in self.videos],
        }


def video_list(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    order: VideoOrder = "views",
    search: str | None = None,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
) -> VideoList:
    """The partner's creators' videos over visible days, sortable by views, new followers,
    revenue or RPM; `search` keeps the videos whose id holds it."""
    if order not in VIDEO_ORDERS:
        raise CompassError(f"unknown video order {order!r}: use {', '.join(VIDEO_ORDERS)}")
    with _scope(con, partner_id, query, extra_authorizations, excluded_regions) as s:
        rows = (
            activity.video_rows(con, s.relation, s.view.zone, order=order, search=search)
            if s.current
            else []
        )
    now, then = _split(rows)
    return VideoList(
        partner_id,
        query,
        s.previous_period,
        order,
        tuple(VideoRow.of(r, s.handle(r["creator_id"])) for r in now),
        VideoTotals.of(now),
        VideoTotals.of(then),
        s.read_of(),
    )


@dataclass(frozen=True)
class VideoProduct:
    """A product a video sold on visible days."""

    product_id: str
    title: str
    orders: int
    items_sold: int
    revenue: Decimal
    buyers: int


@dataclass(frozen=True)
class RecommendedVideo:
    """A visible video with one of the highest revenues of the same product."""

    video_id: str
    creator_id: str
    handle: str
    orders: int
    items_sold: int
    revenue: Decimal


@dataclass(frozen=True)
class VideoDetail:
    """One visible video: its row (content analysis: views, finish rate, new followers,
    shares, comments, likes), its products, the top-3 videos by revenue selling the same
    product (only when one product is selected or the video sold exactly one; else empty
    and `product_id` None), viewer and buyer profiles over 1,000 users, and the creator's
    average video of the previous period for the comparison."""

    partner_id: str
    query: QueryRange
    previous_period: DayRange
    video: VideoRow
    products: tuple[VideoProduct, ...]
    product_id: str | None
    top_videos: tuple[RecommendedVideo, ...]
    viewer_profile: Profile | None
    buyer_profile: Profile | None
    previous: VideoTotals
    #: The visible days whose numbers were read, per creator (for the access log).
    read: Mapping[str, VisibleDays]

    @property
    def changes(self) -> dict[str, float | None]:
        n = self.previous.videos
        out: dict[str, float | None] = {}
        for name in ("views", "new_followers", "orders", "items_sold", "revenue"):
            then = None if not n else float(getattr(self.previous, name)) / n
            out[name] = change(getattr(self.video, name), then)
        return out

    def to_dict(self) -> dict[str, Any]:
        return _head(self.query, self.previous_period, self.partner_id) | {
            "video": self.video.to_dict(),
            "products": [_json(p) for p in self.products],
            "product_id": self.product_id,
            "top_videos": [_json(v) for v in self.top_videos],
            "viewer_profile": _profile(self.viewer_profile),
            "buyer_profile": _profile(self.buyer_profile),
            "previous_totals": _json(self.previous),
            "changes": self.changes,
        }


def video_detail(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    video_id: str,
    product_id: str | None = None,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
) -> VideoDetail:
    """One video posted on a visible day of the range (else `ContentNotFound`)."""
    with _scope(con, partner_id, query, extra_authorizations, excluded_regions) as s:
        rel, zone = s.relation, s.view.zone
        found = activity.video_rows(con, rel, zone, video_id=video_id) if s.current else []
        now, _ = _split(found)
        if not now:
            raise ContentNotFound(f"no video {video_id!r}")
        row = now[0]
        creator = row["creator_id"]
        products = [
            _build(VideoProduct, p) for p in activity.video_products(con, rel, zone, video_id)
        ]
        if product_id is None and len(products) == 1:
            product_id = products[0].product_id
        elif product_id is not None and product_id not in {p.product_id for p in products}:
            raise ContentNotFound(f"video {video_id!r} sold no product {product_id!r}")
        top = (
            []
            if product_id is None
            else activity.top_videos_for_product(con, rel, zone, product_id, besides=video_id)
        )
        viewers = activity.subject_audiences(con, rel, "video", video_id, creator, "viewer")
        buyers = activity.subject_audiences(con, rel, "video", video_id, creator, "buyer")
        before = [
            r
            for r in (activity.video_rows(con, rel, zone) if s.previous else [])
            if r["period"] == "previous" and r["creator_id"] == creator
        ]
    return VideoDetail(
        partner_id,
        query,
        s.previous_period,
        VideoRow.of(row, s.handle(creator)),
        tuple(products),
        product_id,
        tuple(
            RecommendedVideo(
                t["video_id"],
                t["creator_id"],
                s.handle(t["creator_id"]),
                int(t["orders"]),
                int(t["items_sold"]),
                Decimal(t["revenue"]),
            )
            for t in top
        ),
        profile_of(viewers),
        profile_of(buyers),
        VideoTotals.of(before),
        s.read_of({creator, *(t["creator_id"] for t in top)}, [creator]),
    )


# --- products --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFigures:
    """One product over visible days of one period. Exposure and clicks exist per product
    only for livestreams (`live_products`), so CTR, C-O and the funnel are the live
    channel's; rates are None when there is nothing to divide by."""

    product_id: str
    title: str
    revenue: Decimal
    refunds: Decimal
    orders: int
    buyers: int
    items_sold: int
    refund_orders: int
    live_revenue: Decimal
    live_items_sold: int
    video_revenue: Decimal
    video_items_sold: int
    other_revenue: Decimal
    other_items_sold: int
    returns: int
    rated: int
    negative_reviews: int
    creators: int
    exposure: int
    clicks: int
    live_product_orders: int

    @property
    def ctr(self) -> float | None:
        return ratio(self.clicks, self.exposure)

    @property
    def click_to_order(self) -> float | None:
        return ratio(self.live_product_orders, self.clicks)

    @property
    def return_rate(self) -> float | None:
        """Orders with a return / orders."""
        return ratio(self.returns, self.orders)

    @property
    def negative_review_rate(self) -> float | None:
        """Ratings of 1 or 2 / orders with a rating."""
        return ratio(self.negative_reviews, self.rated)

    @property
    def funnel(self) -> dict[str, Any]:
        """Exposure → click → order, with the rate of each step."""
        return {
            "exposure": self.exposure,
            "clicks": self.clicks,
            "orders": self.live_product_orders,
            "click_rate": self.ctr,
            "order_rate": self.click_to_order,
        }

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)} | {
            "ctr": self.ctr,
            "click_to_order": self.click_to_order,
            "return_rate": self.return_rate,
            "negative_review_rate": self.negative_review_rate,
            "funnel": self.funnel,
        }


@dataclass(frozen=True)
class ProductRow:
    """A product of the range and the same product in the previous period (None: not
    sold or shown there on a visible day)."""

    current: ProductFigures
    previous: ProductFigures | None

    @property
    def changes(self) -> dict[str, float | None]:
        if self.previous is None:
            return {"revenue": None, "orders": None, "items_sold": None, "buyers": None}
        return {
            name: change(getattr(self.current, name), getattr(self.previous, name))
            for name in ("revenue", "orders", "items_sold", "buyers")
        }

    def to_dict(self) -> dict[str, Any]:
        return self.current.to_dict() | {
            "previous": None if self.previous is None else self.previous.to_dict(),
            "changes": self.changes,
        }


@dataclass(frozen=True)
class ProductList:
    """The products sold (or shown in a livestream) on visible days of the range, by
    revenue. The complaint rate is not given: the data has no complaint per product."""

    partner_id: str
    query: QueryRange
    previous_period: DayRange
    products: tuple[ProductRow, ...]
    #: The visible days whose numbers were read, per creator (for the access log).
    read: Mapping[str, VisibleDays]

    def to_dict(self) -> dict[str, Any]:
        return _head(self.query, self.previous_period, self.partner_id) | {
            "products": [p.to_dict() for p in self.products]
        }


def _product_rows(rows: Sequence[dict[str, Any]]) -> list[ProductRow]:
    now, then = _split(rows)
    before = {r["product_id"]: _build(ProductFigures, r) for r in then}
    return [ProductRow(_build(ProductFigures, r), before.get(r["product_id"])) for r in now]


def product_list(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    search: str | None = None,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
) -> ProductList:
    """Product analytics over the partner's creators' visible days; `search` keeps the
    products whose id or title holds it."""
    with _scope(con, partner_id, query, extra_authorizations, excluded_regions) as s:
        rows = (
            activity.product_rows(con, s.relation, s.view.zone, search=search) if s.current else []
        )
    return ProductList(
        partner_id, query, s.previous_period, tuple(_product_rows(rows)), s.read_of()
    )


@dataclass(frozen=True)
class CreatorShare:
    """One creator's part of a product's sales over visible days."""

    creator_id: str
    handle: str
    revenue: Decimal
    orders: int
    items_sold: int
    lives: int
    videos: int
    share: float | None


@dataclass(frozen=True)
class ProductDetail:
    """One product: its figures now and before, the funnel, and each creator's share."""

    partner_id: str
    query: QueryRange
    previous_period: DayRange
    product: ProductRow
    creators: tuple[CreatorShare, ...]
    #: The visible days whose numbers were read, per creator (for the access log).
    read: Mapping[str, VisibleDays]

    def to_dict(self) -> dict[str, Any]:
        return _head(self.query, self.previous_period, self.partner_id) | {
            "product": self.product.to_dict(),
            "creators": [_json(c) for c in self.creators],
        }


def product_detail(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    query: QueryRange,
    product_id: str,
    extra_authorizations: Sequence[Authorization] = (),
    excluded_regions: frozenset[str] = DEFAULT_EXCLUDED_REGIONS,
) -> ProductDetail:
    """One product with a visible sale or livestream showing in the range (else
    `ContentNotFound`)."""
    with _scope(con, partner_id, query, extra_authorizations, excluded_regions) as s:
        rel, zone = s.relation, s.view.zone
        rows = activity.product_rows(con, rel, zone, product_id=product_id) if s.current else []
        found = _product_rows(rows)
        if not found:
            raise ContentNotFound(f"no product {product_id!r}")
        sales = activity.product_creators(con, rel, zone, product_id)
    total = found[0].current.revenue
    return ProductDetail(
        partner_id,
        query,
        s.previous_period,
        found[0],
        tuple(
            CreatorShare(
                c["creator_id"],
                s.handle(c["creator_id"]),
                Decimal(c["revenue"]),
                int(c["orders"]),
                int(c["items_sold"]),
                int(c["lives"]),
                int(c["videos"]),
                ratio(Decimal(c["revenue"]), total),
            )
            for c in sales
        ),
        s.read_of(),
    )


__all__ = [
    "ContentNotFound",
    "CreatorShare",
    "LiveDetail",
    "LiveHistory",
    "LiveMinute",
    "LiveProduct",
    "LiveRow",
    "LiveTotals",
    "ProductDetail",
    "ProductFigures",
    "ProductList",
    "ProductRow",
    "RecommendedVideo",
    "TrafficSource",
    "VideoDetail",
    "VideoList",
    "VideoProduct",
    "VideoRow",
    "VideoTotals",
    "ViolationNotice",
    "live_detail",
    "live_history",
    "product_detail",
    "product_list",
    "video_detail",
    "video_list",
]
