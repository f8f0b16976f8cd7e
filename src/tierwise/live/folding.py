"""Events folded into the canonical tables' rows — pure functions, no I/O.

For each row key one event wins: the latest by `at`, ties broken by the greater event id.
So folding does not depend on the order events arrived in (a late minute replaces that
minute only if it was counted later, and never touches another), and folding an event
twice is folding it once. What each table takes:

- `livestreams` (live_id): `live.started` gives the creator, seller and start;
  `live.ended` the end and the totals. A live not ended yet has no end, and its totals
  so far: views and product clicks summed over its minutes, viewers the most online in a
  minute, product impressions summed over its products. No `live.started`, no row (its
  creator is unknown).
- `live_sources` (live_id, source): the views by source of the winning `live.ended`.
- `live_minutes` (live_id, minute), `live_products` (live_id, product_id): the winning
  `live.minute` / `live.product`.
- `orders` (order_id): the winning `order.paid`, its `refund_amount` that of the winning
  `order.refunded` (0 when none). A refund alone, before its payment is known, no row.
- `stock_levels` (product_id, at): each `stock.changed`.
- `violations` (violation_id): the winning `violation.issued`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from tierwise.live.events import (
    LiveEnded,
    LiveEvent,
    LiveMinute,
    LiveProduct,
    LiveStarted,
    OrderPaid,
    OrderRefunded,
    StockChanged,
    ViolationIssued,
)

Row = dict[str, Any]
#: The tables folding writes, in the order a load reads them.
TABLES = (
    "livestreams",
    "live_sources",
    "live_minutes",
    "live_products",
    "stock_levels",
    "orders",
    "violations",
)
KEYS: dict[str, tuple[str, ...]] = {
    "livestreams": ("live_id",),
    "live_sources": ("live_id", "source"),
    "live_minutes": ("live_id", "minute"),
    "live_products": ("live_id", "product_id"),
    "stock_levels": ("product_id", "at"),
    "orders": ("order_id",),
    "violations": ("violation_id",),
}
ZERO = Decimal("0.0000")

E = TypeVar("E", bound=LiveEvent)


def order_key(event: LiveEvent) -> tuple[datetime, str]:
    """Which of two events about the same thing wins: the later one, then the greater id."""
    return (event.at, event.id)


def latest(events: Iterable[E], key: Callable[[E], Hashable]) -> dict[Hashable, E]:
    """The winning event of each key."""
    won: dict[Hashable, E] = {}
    for event in events:
        k = key(event)
        held = won.get(k)
        if held is None or order_key(event) > order_key(held):
            won[k] = event
    return won


def _of(events: list[LiveEvent], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def fold(events: Iterable[LiveEvent]) -> dict[str, list[Row]]:
    """The canonical rows the events make, each table's rows sorted by its key."""
    every = list(events)
    minutes = latest(_of(every, LiveMinute), lambda e: (e.live_id, e.minute))
    products = latest(_of(every, LiveProduct), lambda e: (e.live_id, e.product_id))
    started = latest(_of(every, LiveStarted), lambda e: e.live_id)
    ended = latest(_of(every, LiveEnded), lambda e: e.live_id)
    paid = latest(_of(every, OrderPaid), lambda e: e.order_id)
    refunded = latest(_of(every, OrderRefunded), lambda e: e.order_id)
    stock = latest(_of(every, StockChanged), lambda e: (e.product_id, e.at))
    violations = latest(_of(every, ViolationIssued), lambda e: e.violation_id)
    tables: dict[str, list[Row]] = {
        "livestreams": [
            _livestream(s, ended.get(s.live_id), minutes.values(), products.values())
            for s in started.values()
        ],
        "live_sources": [
            {"live_id": e.live_id, "source": source, "views": views}
            for e in ended.values()
            for source, views in e.sources.items()
        ],
        "live_minutes": [_minute(m) for m in minutes.values()],
        "live_products": [_product(p) for p in products.values()],
        "stock_levels": [
            {"product_id": s.product_id, "at": s.at, "stock": s.stock} for s in stock.values()
        ],
        "orders": [_order(p, refunded.get(p.order_id)) for p in paid.values()],
        "violations": [_violation(v) for v in violations.values()],
    }
    return {name: sorted(rows, key=_sort_key(KEYS[name])) for name, rows in tables.items()}


def _sort_key(key: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    return lambda row: tuple(row[k] for k in key)


def _livestream(
    start: LiveStarted,
    end: LiveEnded | None,
    minutes: Iterable[LiveMinute],
    products: Iterable[LiveProduct],
) -> Row:
    row: Row = {
        "live_id": start.live_id,
        "creator_id": start.creator_id,
        "seller_id": start.seller_id,
        "started_at": start.at,
    }
    if end is not None:
        return row | {
            "ended_at": end.at,
            "views": end.views,
            "viewers": end.viewers,
            "product_impressions": end.product_impressions,
            "product_clicks": end.product_clicks,
        }
    own = [m for m in minutes if m.live_id == start.live_id]
    return row | {
        "ended_at": None,
        "views": sum(m.views for m in own),
        "viewers": max((m.online_viewers for m in own), default=0),
        "product_impressions": sum(p.impressions for p in products if p.live_id == start.live_id),
        "product_clicks": sum(m.product_clicks for m in own),
    }


def _minute(m: LiveMinute) -> Row:
    return {
        "live_id": m.live_id,
        "minute": m.minute,
        "online_viewers": m.online_viewers,
        "views": m.views,
        "product_clicks": m.product_clicks,
        "orders": m.orders,
        "gmv": m.gmv,
        "currency": m.currency,
        "likes": m.likes,
        "comments": m.comments,
        "shares": m.shares,
        "new_followers": m.new_followers,
    }


def _product(p: LiveProduct) -> Row:
    return {
        "live_id": p.live_id,
        "product_id": p.product_id,
        "impressions": p.impressions,
        "clicks": p.clicks,
        "orders": p.orders,
        "items_sold": p.items_sold,
        "gmv": p.gmv,
        "currency": p.currency,
    }


def _order(p: OrderPaid, refund: OrderRefunded | None) -> Row:
    return {
        "order_id": p.order_id,
        "seller_id": p.seller_id,
        "creator_id": p.creator_id,
        "product_id": p.product_id,
        "channel": p.channel,
        "content_id": p.content_id,
        "buyer_id": p.buyer_id,
        "created_at": p.created_at,
        "paid_at": p.at,
        "amount": p.amount,
        "refund_amount": refund.refund_amount if refund is not None else ZERO,
        "currency": p.currency,
        "cancelled_by": None,
        "late_dispatch": p.late_dispatch,
        "return_fault": None,
        "review_rating": None,
        "abnormal": p.abnormal,
        "good_goods": p.good_goods,
        "worry_free": p.worry_free,
        "quantity": p.quantity,
    }


def _violation(v: ViolationIssued) -> Row:
    return {
        "violation_id": v.violation_id,
        "subject_kind": v.subject_kind,
        "subject_id": v.subject_id,
        "kind": v.violation_kind,
        "severe": v.severe,
        "points": v.points,
        "occurred_at": v.at,
        "revoked_at": None,
    }
