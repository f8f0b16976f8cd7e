"""A running live's figures, pure: the latest minute against the mean of the arrived minutes
of the five before it, totals, product sales, low stock (only while running) and
violations — worked out by hand, and the same whatever order the events arrived in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.live.conftest import minute
from tierwise.live.events import LiveEvent, LiveMinute, events_from_json
from tierwise.live.figures import LOW_STOCK, compare, live_figures, stock_now

T0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def iso(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def doc_minute(m: int, counted: int | None = None, **values: Any) -> dict[str, Any]:
    """Minute `m` of live L (zeros but for `values`), counted at the end of it or `counted`."""
    later = m + 1 if counted is None else counted
    return minute(f"m{m}/{counted}", "L", iso(m), iso(later), **values)


START = {"id": "s", "kind": "live.started", "at": iso(0), "live_id": "L", "creator_id": "c"}


def events(*docs: dict[str, Any]) -> list[LiveEvent]:
    return events_from_json(json.dumps(list(docs)))


def test_the_latest_minute_against_the_arrived_minutes_of_the_five_before() -> None:
    found = live_figures(
        events(
            START,
            doc_minute(3, online_viewers=900),  # M-7: outside
            doc_minute(4, online_viewers=60, views=6, gmv="1.50"),  # M-6: outside
            doc_minute(5, online_viewers=10, views=3, gmv="2.00"),  # M-5
            doc_minute(7, online_viewers=20, views=5, gmv="0"),  # M-3
            doc_minute(9, online_viewers=60, views=1, gmv="4.00"),  # M-1
            doc_minute(10, online_viewers=45, views=9, gmv="3.00"),  # M
        ),
        "L",
        NOW,
    )
    assert found is not None
    assert found.latest_minute == T0 + timedelta(minutes=10)
    assert found.compared_minutes == 3
    by = {c.figure: c for c in found.comparisons}
    # online viewers: mean(10, 20, 60) = 30; (45 − 30) / 30 = 0.5
    assert (by["online_viewers"].latest, by["online_viewers"].mean) == (45, 30)
    assert by["online_viewers"].change == 0.5
    # views: mean(3, 5, 1) = 3; (9 − 3) / 3 = 2
    assert (by["views"].mean, by["views"].change) == (3, 2.0)
    # gmv: mean(2, 0, 4) = 2; (3 − 2) / 2 = 0.5
    assert (by["gmv"].mean, by["gmv"].change) == (Decimal(2), 0.5)
    # likes all 0: mean 0, no change
    assert (by["likes"].mean, by["likes"].change) == (0, None)
    # totals over every arrived minute; online viewers of the latest
    assert found.online_viewers == 45
    assert found.views == 0 + 6 + 3 + 5 + 1 + 9
    assert found.gmv == Decimal("10.50")


def test_a_first_minute_has_nothing_to_compare_with() -> None:
    found = live_figures(events(START, doc_minute(0, online_viewers=7)), "L", NOW)
    assert found is not None and found.compared_minutes == 0
    assert next((c.latest, c.mean, c.change) for c in found.comparisons) == (7, None, None)
    empty = live_figures(events(START), "L", NOW)
    assert empty is not None and empty.comparisons == () and empty.latest_minute is None


def test_no_live_started_no_figures() -> None:
    assert live_figures(events(doc_minute(0)), "L", NOW) is None


def test_a_recount_of_a_minute_wins_and_an_older_recount_does_not() -> None:
    found = live_figures(
        events(
            START,
            doc_minute(0, 1, online_viewers=10),
            doc_minute(0, 5, online_viewers=30),  # counted later: wins
            doc_minute(0, 3, online_viewers=20),  # arrives last, counted earlier: loses
            doc_minute(1, online_viewers=60),
        ),
        "L",
        NOW,
    )
    assert found is not None
    assert {c.figure: c.mean for c in found.comparisons}["online_viewers"] == 30


def _product_and_stock(*stock: tuple[int, int]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [
        START,
        {
            "id": "p",
            "kind": "live.product",
            "at": iso(5),
            "live_id": "L",
            "product_id": "P",
            "impressions": 10,
            "clicks": 4,
            "orders": 2,
            "items_sold": 3,
            "gmv": "9.90",
            "currency": "USD",
        },
    ]
    docs += [
        {"id": f"st{n}", "kind": "stock.changed", "at": iso(m), "product_id": "P", "stock": n}
        for m, n in stock
    ]
    return docs


def test_low_stock_below_five_while_running_only() -> None:
    def low(*stock: tuple[int, int], end: bool = False, now: datetime = NOW) -> bool:
        docs = _product_and_stock(*stock)
        if end:
            docs.append(
                {"id": "e", "kind": "live.ended", "at": iso(50), "live_id": "L", "views": 0,
                 "viewers": 0, "product_impressions": 0, "product_clicks": 0}
            )  # fmt: skip
        found = live_figures(events(*docs), "L", now)
        assert found is not None
        return [p.product_id for p in found.low_stock] == ["P"]

    assert not low()  # no count known: no notice
    assert not low((10, LOW_STOCK))  # 5 is not below 5
    assert low((10, LOW_STOCK - 1))
    assert not low((10, 4), (20, 9))  # restocked: cleared
    assert low((10, 4), (20, 9), (30, 0))
    assert not low((10, 4), end=True)  # ended: no notice
    # a count after `now` is not the stock now
    assert not low((10, 9), (90, 1), now=T0 + timedelta(minutes=60))


@given(st.lists(st.tuples(st.integers(0, 59), st.integers(0, 20)), max_size=12))
def test_the_stock_now_is_the_latest_count_at_or_before_now(counts: list[tuple[int, int]]) -> None:
    docs = [
        {"id": f"st{i}", "kind": "stock.changed", "at": iso(m), "product_id": "P", "stock": n}
        for i, (m, n) in enumerate(counts)
    ]
    now = T0 + timedelta(minutes=30)
    found = stock_now(events(*docs) if docs else [], now)
    eligible = [(m, f"st{i}", n) for i, (m, n) in enumerate(counts) if m <= 30]
    if not eligible:
        assert found == {}
    else:
        assert found == {"P": max(eligible)[2]}


@given(st.permutations(range(6)))
def test_the_figures_do_not_depend_on_the_order_events_arrived_in(order: list[int]) -> None:
    docs = [
        START,
        doc_minute(0, online_viewers=5, gmv="1.25"),
        doc_minute(2, online_viewers=9),
        doc_minute(2, 9, online_viewers=11),
        doc_minute(3, online_viewers=40, orders=2),
        doc_minute(4, online_viewers=12, gmv="3.00"),
    ]
    shuffled = [docs[i] for i in order]
    assert live_figures(events(*shuffled), "L", NOW) == live_figures(events(*docs), "L", NOW)


def test_compare_takes_the_mean_of_what_it_is_given() -> None:
    [latest, *before] = [
        m for m in events(doc_minute(9, likes=8), doc_minute(5, likes=2), doc_minute(6, likes=6))
        if isinstance(m, LiveMinute)
    ]  # fmt: skip
    likes = {c.figure: c for c in compare(latest, before)}["likes"]
    assert (likes.latest, likes.mean, likes.change) == (8, 4, 1.0)


def test_violations_of_the_creator_while_the_live_ran() -> None:
    def issued(vid: str, subject: str, m: int) -> dict[str, Any]:
        return {"id": vid, "kind": "violation.issued", "at": iso(m), "violation_id": vid,
                "subject_kind": "creator", "subject_id": subject, "violation_kind": "ipr",
                "severe": True, "points": "2"}  # fmt: skip

    ended = {"id": "e", "kind": "live.ended", "at": iso(30), "live_id": "L", "views": 0,
             "viewers": 0, "product_impressions": 0, "product_clicks": 0}  # fmt: skip
    found = live_figures(
        events(
            START,
            issued("before", "c", -1),
            issued("v1", "c", 10),
            issued("other", "d", 11),
            issued("after", "c", 31),
            ended,
        ),
        "L",
        NOW,
    )
    assert found is not None
    assert [v.violation_id for v in found.violations] == ["v1"]
    assert found.to_dict()["violations"] == [
        {"violation_id": "v1", "kind": "ipr", "severe": True, "at": iso(10)}
    ]
