"""The importers' output: rows of the canonical `orders` table."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any

from tierwise.store.contract import table

ORDERS = table("orders")


@dataclass
class OrderRow:
    """One canonical order: the platform's SKU order (a TikTok Shop order's lines of one
    SKU, a Douyin child order, a 百应 order row)."""

    order_id: str
    seller_id: str
    product_id: str
    channel: str
    created_at: datetime
    amount: Decimal
    currency: str
    creator_id: str | None = None
    content_id: str | None = None
    buyer_id: str | None = None
    paid_at: datetime | None = None
    refund_amount: Decimal = Decimal(0)
    cancelled_by: str | None = None
    late_dispatch: bool = False
    return_fault: str | None = None
    review_rating: int | None = None
    abnormal: bool = False
    good_goods: bool = False
    worry_free: bool = False
    quantity: int | None = None


assert {f.name for f in fields(OrderRow)} == set(ORDERS.column_names), "orders columns drifted"


_COLUMNS = ORDERS.column_names
#: How a value of each Python type is written (`None` is empty, booleans are words).
_TEXT: dict[type, Callable[[Any], str]] = {
    str: str,
    int: str,
    bool: lambda v: "true" if v else "false",
    datetime: datetime.isoformat,
    Decimal: lambda v: format(v, "f"),
    type(None): lambda v: "",
}


def write_csv(rows: Iterable[OrderRow], target: Path) -> Path:
    """Write the rows as a canonical `orders.csv` at `target`."""
    values = attrgetter(*_COLUMNS)
    with target.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(_COLUMNS)
        out.writerows([_TEXT[type(v)](v) for v in values(row)] for row in rows)
    return target
