"""A running live's figures from its events — pure, no I/O: what a live screen shows.

The events are folded first (`folding.latest`: the latest count of each minute and each
product wins, whatever order they arrived in), then:

- the totals so far: GMV ("transactions"), paid orders, product clicks and views summed
  over the arrived minutes; online viewers of the latest minute;
- the latest minute `M` compared with the previous five minutes: each figure of `M` against
  the mean of the minutes `M-5 .. M-1` that have arrived (a minute that never came is not
  counted as a zero), with the relative change; no comparison when none of them arrived,
  and no change when their mean is 0;
- per-product sales during the live (the latest cumulative `live.product` of each);
- a low-stock notice for each listed product whose stock (the latest `stock.changed` at or
  before now) is below `LOW_STOCK` — only while the live runs: an ended live has none;
- the violations issued to the creator while the live ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tierwise.live.events import (
    LiveEnded,
    LiveEvent,
    LiveMinute,
    LiveProduct,
    LiveStarted,
    StockChanged,
    ViolationIssued,
)
from tierwise.live.folding import latest

#: A listed product with less stock than this is "low in stock" (seed 002).
LOW_STOCK = 5
#: How many minutes before the latest one it is compared with.
COMPARED_MINUTES = 5
#: The figures of a minute that are compared, in the order shown.
MINUTE_FIGURES = (
    "online_viewers",
    "views",
    "product_clicks",
    "orders",
    "gmv",
    "likes",
    "comments",
    "new_followers",
)


@dataclass(frozen=True)
class Comparison:
    """One figure of the latest minute against the mean of the previous five."""

    figure: str
    latest: Decimal
    mean: Decimal | None
    change: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "latest": float(self.latest),
            "mean": None if self.mean is None else float(self.mean),
            "change": self.change,
        }


@dataclass(frozen=True)
class ProductSales:
    """A product's sales during the live so far, and its stock now (None: not known)."""

    product_id: str
    impressions: int
    clicks: int
    orders: int
    items_sold: int
    gmv: Decimal
    currency: str
    stock: int | None
    low_stock: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "impressions": self.impressions,
            "clicks": self.clicks,
            "orders": self.orders,
            "items_sold": self.items_sold,
            "gmv": float(self.gmv),
            "currency": self.currency,
            "stock": self.stock,
            "low_stock": self.low_stock,
        }


@dataclass(frozen=True)
class Violation:
    violation_id: str
    kind: str
    severe: bool
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "violation_id": self.violation_id,
            "kind": self.kind,
            "severe": self.severe,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class LiveFigures:
    """What a live screen shows of one live."""

    live_id: str
    creator_id: str
    started_at: datetime
    ended_at: datetime | None
    online_viewers: int
    gmv: Decimal
    currency: str | None
    orders: int
    product_clicks: int
    views: int
    latest_minute: datetime | None
    #: The minutes of `M-5 .. M-1` that arrived (what the mean is over).
    compared_minutes: int
    comparisons: tuple[Comparison, ...]
    products: tuple[ProductSales, ...]
    violations: tuple[Violation, ...]

    @property
    def running(self) -> bool:
        return self.ended_at is None

    @property
    def low_stock(self) -> tuple[ProductSales, ...]:
        """The listed products low in stock — none once the live has ended."""
        return tuple(p for p in self.products if p.low_stock) if self.running else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "live_id": self.live_id,
            "creator_id": self.creator_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": None if self.ended_at is None else self.ended_at.isoformat(),
            "running": self.running,
            "online_viewers": self.online_viewers,
            "gmv": float(self.gmv),
            "currency": self.currency,
            "orders": self.orders,
            "product_clicks": self.product_clicks,
            "views": self.views,
            "latest_minute": None if self.latest_minute is None else self.latest_minute.isoformat(),
            "compared_minutes": self.compared_minutes,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "products": [p.to_dict() for p in self.products],
            "low_stock": [p.product_id for p in self.low_stock],
            "violations": [v.to_dict() for v in self.violations],
        }


def compare(latest_minute: LiveMinute, before: Sequence[LiveMinute]) -> tuple[Comparison, ...]:
    """Each figure of the latest minute against the mean of `before` (the arrived minutes
    of the five before it)."""
    found = []
    for name in MINUTE_FIGURES:
        now = Decimal(getattr(latest_minute, name))
        if not before:
            found.append(Comparison(name, now, None, None))
            continue
        mean = sum((Decimal(getattr(m, name)) for m in before), Decimal(0)) / len(before)
        change = None if not mean else float((now - mean) / mean)
        found.append(Comparison(name, now, mean, change))
    return tuple(found)


def stock_now(events: Iterable[LiveEvent], now: datetime) -> dict[str, int]:
    """Each product's stock at `now`: its latest count at or before it."""
    counts = [e for e in events if isinstance(e, StockChanged) and e.at <= now]
    return {str(k): e.stock for k, e in latest(counts, lambda e: e.product_id).items()}


def live_figures(events: Iterable[LiveEvent], live_id: str, now: datetime) -> LiveFigures | None:
    """The figures of live `live_id` from its events, the stock counts and the violations
    among `events` (others are ignored); None without its `live.started`."""
    every = list(events)
    start = latest(
        (e for e in every if isinstance(e, LiveStarted) and e.live_id == live_id),
        lambda e: e.live_id,
    ).get(live_id)
    if start is None:
        return None
    end = latest(
        (e for e in every if isinstance(e, LiveEnded) and e.live_id == live_id),
        lambda e: e.live_id,
    ).get(live_id)
    minutes = sorted(
        latest(
            (e for e in every if isinstance(e, LiveMinute) and e.live_id == live_id),
            lambda e: e.minute,
        ).values(),
        key=lambda m: m.minute,
    )
    products = sorted(
        latest(
            (e for e in every if isinstance(e, LiveProduct) and e.live_id == live_id),
            lambda e: e.product_id,
        ).values(),
        key=lambda p: p.product_id,
    )
    stock = stock_now(every, now)
    last = minutes[-1] if minutes else None
    before: list[LiveMinute] = []
    if last is not None:
        first = last.minute - timedelta(minutes=COMPARED_MINUTES)
        before = [m for m in minutes if first <= m.minute < last.minute]
    running = end is None
    return LiveFigures(
        live_id=live_id,
        creator_id=start.creator_id,
        started_at=start.at,
        ended_at=None if end is None else end.at,
        online_viewers=0 if last is None else last.online_viewers,
        gmv=sum((m.gmv for m in minutes), Decimal("0.0000")),
        currency=None if last is None else last.currency,
        orders=sum(m.orders for m in minutes),
        product_clicks=sum(m.product_clicks for m in minutes),
        views=sum(m.views for m in minutes),
        latest_minute=None if last is None else last.minute,
        compared_minutes=len(before),
        comparisons=() if last is None else compare(last, before),
        products=tuple(_sales(p, stock.get(p.product_id), running) for p in products),
        violations=_violations(every, start, end),
    )


def _sales(p: LiveProduct, stock: int | None, running: bool) -> ProductSales:
    low = running and stock is not None and stock < LOW_STOCK
    return ProductSales(
        p.product_id, p.impressions, p.clicks, p.orders, p.items_sold, p.gmv, p.currency,
        stock, low,
    )  # fmt: skip


def _violations(
    events: Sequence[LiveEvent], start: LiveStarted, end: LiveEnded | None
) -> tuple[Violation, ...]:
    issued = latest(
        (
            e
            for e in events
            if isinstance(e, ViolationIssued)
            and e.subject_kind == "creator"
            and e.subject_id == start.creator_id
            and e.at >= start.at
            and (end is None or e.at <= end.at)
        ),
        lambda e: e.violation_id,
    ).values()
    return tuple(
        Violation(v.violation_id, v.violation_kind, v.severe, v.at)
        for v in sorted(issued, key=lambda v: (v.at, v.violation_id))
    )
