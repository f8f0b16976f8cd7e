"""Folding events into rows: the same rows whatever order the events came in, and however
many times each came; the latest count of a thing wins."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tierwise.live.events import LiveEvent, parse_events
from tierwise.live.folding import fold

T0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat()


def _doc(kind: str, n: int, live: str, at: int, value: int) -> dict[str, Any]:
    """One event of `kind` about live `live` (or its product/order), `at` seconds after
    T0, with `value` in its figures."""
    base = {"id": f"e{n}", "kind": kind, "at": _iso(T0 + timedelta(seconds=at))}
    money = str(Decimal(value) / 4)
    if kind == "live.started":
        return base | {"live_id": live, "creator_id": f"C{value % 2}"}
    if kind == "live.minute":
        start = T0 + timedelta(minutes=at % 3)
        return base | {
            "live_id": live,
            "minute": _iso(start),
            "online_viewers": value,
            "views": value + 1,
            "product_clicks": value % 3,
            "orders": value % 2,
            "gmv": money,
            "currency": "USD",
            "likes": 0,
            "comments": 0,
            "shares": value,
            "new_followers": 0,
        }
    if kind == "live.product":
        return base | {
            "live_id": live,
            "product_id": f"P{at % 2}",
            "impressions": value,
            "clicks": value,
            "orders": 0,
            "items_sold": 0,
            "gmv": money,
            "currency": "USD",
        }
    if kind == "live.ended":
        return base | {
            "live_id": live,
            "views": value,
            "viewers": value,
            "product_impressions": 0,
            "product_clicks": 0,
            "sources": {"search": value},
        }
    if kind == "order.paid":
        return base | {
            "order_id": f"O{live}",
            "seller_id": "S1",
            "product_id": "P1",
            "channel": "live",
            "content_id": live,
            "created_at": _iso(T0),
            "amount": str(value + 10),
            "currency": "USD",
        }
    if kind == "order.refunded":
        return base | {"order_id": f"O{live}", "refund_amount": money, "currency": "USD"}
    if kind == "stock.changed":
        return base | {"product_id": f"P{value % 2}", "stock": value}
    return base | {
        "violation_id": f"V{live}",
        "subject_kind": "creator",
        "subject_id": "C1",
        "violation_kind": "content",
        "severe": value % 2 == 0,
        "points": money,
    }


_KINDS = [
    "live.started",
    "live.minute",
    "live.product",
    "live.ended",
    "order.paid",
    "order.refunded",
    "stock.changed",
    "violation.issued",
]
_one = st.tuples(
    st.sampled_from(_KINDS),
    st.sampled_from(["L1", "L2"]),
    st.integers(0, 5),  # few instants: ties in `at` happen
    st.integers(0, 40),
)


@st.composite
def event_lists(draw: st.DrawFn) -> list[LiveEvent]:
    specs = draw(st.lists(_one, max_size=30))
    docs = [_doc(kind, n, live, at, value) for n, (kind, live, at, value) in enumerate(specs)]
    return parse_events(json.dumps(docs).encode()) if docs else []


@given(event_lists(), st.randoms(use_true_random=False))
def test_folding_does_not_depend_on_the_order_events_arrive_in(
    events: list[LiveEvent], random: Any
) -> None:
    shuffled = list(events)
    random.shuffle(shuffled)
    assert fold(shuffled) == fold(events)


@given(event_lists(), st.data())
def test_folding_an_event_again_changes_nothing(
    events: list[LiveEvent], data: st.DataObject
) -> None:
    again = data.draw(st.lists(st.sampled_from(events), max_size=10)) if events else []
    assert fold(events + again) == fold(events)
    assert fold(events + events) == fold(events)


def test_the_latest_count_wins_and_a_live_not_ended_has_its_totals_so_far() -> None:
    docs = [
        _doc("live.started", 1, "L1", 0, 1),  # creator C1
        _doc("live.minute", 2, "L1", 3, 8),  # minute 10:00, counted at +3 s: 8 online
        _doc("live.minute", 3, "L1", 0, 5),  # minute 10:00, counted earlier: loses
        _doc("live.minute", 4, "L1", 4, 2),  # minute 10:01: 2 online, 3 views
        _doc("live.product", 5, "L1", 1, 7),  # P1 impressions 7
        _doc("live.product", 6, "L1", 0, 4),  # P0 impressions 4
    ]
    rows = fold(parse_events(json.dumps(docs).encode()))
    assert [
        (r["minute"].minute, r["online_viewers"], r["views"]) for r in rows["live_minutes"]
    ] == [
        (0, 8, 9),
        (1, 2, 3),
    ]
    (live,) = rows["livestreams"]
    assert live == {
        "live_id": "L1",
        "creator_id": "C1",
        "seller_id": None,
        "started_at": T0,
        "ended_at": None,
        "views": 9 + 3,
        "viewers": 8,
        "product_impressions": 7 + 4,
        "product_clicks": 8 % 3 + 2 % 3,
    }
    assert rows["live_sources"] == []
    assert rows["orders"] == []


def test_a_refund_without_its_payment_makes_no_order_and_a_later_refund_wins() -> None:
    docs = [_doc("order.refunded", 1, "L1", 0, 4)]
    assert fold(parse_events(json.dumps(docs).encode()))["orders"] == []
    docs += [_doc("order.paid", 2, "L1", 0, 5), _doc("order.refunded", 3, "L1", 2, 8)]
    (order,) = fold(parse_events(json.dumps(docs).encode()))["orders"]
    assert (order["amount"], order["refund_amount"], order["paid_at"]) == (
        Decimal("15.0000"),
        Decimal("2.0000"),
        T0,
    )
