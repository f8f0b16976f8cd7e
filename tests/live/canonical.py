"""One day of two lives written by hand in the canonical contract, for the tests that
compare files with events."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

import pytest

from tierwise.store import EventStore
from tierwise.store.contract import TABLE_INDEX

DAY = date(2026, 9, 1)


def csv_text(table: str, rows: Sequence[Mapping[str, str]]) -> str:
    columns = TABLE_INDEX[table].column_names
    lines = [",".join(columns), *(",".join(r.get(c, "") for c in columns) for r in rows)]
    return "\n".join(lines) + "\n"


def _minute(live: str, at: str, online: str, views: str, gmv: str) -> dict[str, str]:
    return {
        "live_id": live,
        "minute": at,
        "online_viewers": online,
        "views": views,
        "product_clicks": "2",
        "orders": "1",
        "gmv": gmv,
        "currency": "USD",
        "likes": "10",
        "comments": "3",
        "shares": "1",
        "new_followers": "0",
    }


def _order(
    order: str, live: str, product: str, paid: str, amount: str, refund: str
) -> dict[str, str]:
    return {
        "order_id": order,
        "seller_id": "S1",
        "creator_id": "C1",
        "product_id": product,
        "channel": "live",
        "content_id": live,
        "buyer_id": "B7",
        "created_at": "2026-09-01T10:00:40Z",
        "paid_at": paid,
        "amount": amount,
        "refund_amount": refund,
        "currency": "USD",
        "late_dispatch": "false",
        "abnormal": "false",
        "good_goods": "true",
        "worry_free": "false",
        "quantity": "2" if order == "O1" else "",
    }


FILES = {
    "livestreams": [
        {
            "live_id": "L1",
            "creator_id": "C1",
            "seller_id": "S1",
            "started_at": "2026-09-01T10:00:00Z",
            "ended_at": "2026-09-01T10:03:00Z",
            "views": "50",
            "viewers": "30",
            "product_impressions": "100",
            "product_clicks": "9",
        },
        {
            "live_id": "L2",
            "creator_id": "C2",
            "started_at": "2026-09-01T22:30:00+08:00",  # 14:30 UTC
            "ended_at": "2026-09-01T23:40:00+08:00",
            "views": "5",
            "viewers": "4",
            "product_impressions": "6",
            "product_clicks": "1",
        },
    ],
    "live_minutes": [
        _minute("L1", "2026-09-01T10:00:00Z", "12", "20", "19.90"),
        _minute("L1", "2026-09-01T10:01:00Z", "25", "20", "0"),
        _minute("L1", "2026-09-01T10:02:00Z", "30", "10", "30.5"),
        _minute("L2", "2026-09-01T14:30:00Z", "4", "5", "0"),
    ],
    "live_sources": [
        {"live_id": "L1", "source": "for_you", "views": "30"},
        {"live_id": "L1", "source": "search", "views": "20"},
    ],
    "live_products": [
        {
            "live_id": "L1",
            "product_id": "X1",
            "impressions": "70",
            "clicks": "6",
            "orders": "1",
            "items_sold": "2",
            "gmv": "19.90",
            "currency": "USD",
        },
        {
            "live_id": "L1",
            "product_id": "X2",
            "impressions": "30",
            "clicks": "3",
            "orders": "1",
            "items_sold": "1",
            "gmv": "30.5",
            "currency": "USD",
        },
    ],
    "stock_levels": [
        {"product_id": "X1", "at": "2026-09-01T10:00:30Z", "stock": "7"},
        {"product_id": "X1", "at": "2026-09-01T10:02:10Z", "stock": "4"},
        {"product_id": "X2", "at": "2026-09-01T10:01:00Z", "stock": "12"},
    ],
    "orders": [
        _order("O1", "L1", "X1", "2026-09-01T10:01:10Z", "19.90", "0"),
        _order("O2", "L1", "X2", "2026-09-01T10:02:30Z", "30.5", "5"),
    ],
    "violations": [
        {
            "violation_id": "V1",
            "subject_kind": "creator",
            "subject_id": "C1",
            "kind": "content",
            "severe": "false",
            "points": "2",
            "occurred_at": "2026-09-01T10:02:00Z",
        }
    ],
}


def write_day(folder: Path) -> Path:
    """The day's files in `folder`; the folder."""
    folder.mkdir()
    for table, rows in FILES.items():
        (folder / f"{table}.csv").write_text(csv_text(table, rows), encoding="utf-8")
    return folder


@pytest.fixture
def from_files(tmp_path: Path) -> Iterator[EventStore]:
    """The day loaded from its files into a DuckDB store of the test's own."""
    with EventStore.open(tmp_path / "files.duckdb") as opened:
        opened.load(write_day(tmp_path / "canonical"))
        yield opened
