"""巨量百应 (buyin) MCN order exports (buyin.instituteOrderMCN rows) to canonical orders.

The API gives money in 分 and the exports of third-party tools re-state it in yuan; no
heuristic can tell 170 分 from 170 yuan, so the unit is the caller's choice (`money`).
Times are `YYYY-MM-DD HH:MM:SS` in Beijing time. The mapping is in docs/importers.md.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from tierwise.importers.canonical import OrderRow
from tierwise.importers.payload import (
    BeijingTime,
    Document,
    OptionalId,
    Payload,
    PlatformId,
    decimal_money,
    fen_to_yuan,
    read_csv_rows,
    read_documents,
    source_files,
    validate,
)
from tierwise.importers.problems import Problem, Problems, record_label
from tierwise.importers.result import ImportResult

MoneyUnit = Literal["fen", "yuan"]
CHANNELS = {"shop_list": "showcase", "video": "video", "live": "live", "others": "other"}
_YUAN_PLACES = Decimal("0.01")


def _amount(value: Any, info: ValidationInfo) -> Decimal | None:
    """An amount in the unit of the export (`money` in the validation context), in yuan."""
    if value is None or value == "":
        return None
    unit = (info.context or {}).get("money", "fen")
    if unit == "fen":
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit():
            raise ValueError("分 (fen) is a whole number; is this export in yuan (--money yuan)?")
        return fen_to_yuan(int(text))
    amount = decimal_money(value)
    if amount != amount.quantize(_YUAN_PLACES):
        raise ValueError("yuan have at most 2 decimal places; is this export in 分 (fen)?")
    return amount


class BuyinOrder(Payload):
    order_id: PlatformId
    product_id: PlatformId
    shop_id: PlatformId
    author_buyin_id: OptionalId = None
    author_openid: OptionalId = None
    pay_goods_amount: Decimal
    settled_goods_amount: Decimal | None = None
    commission_rate: int | None = Field(default=None, ge=0, le=10_000)
    flow_point: Literal["PAY_SUCC", "CONFIRM", "SETTLE", "REFUND"]
    pay_success_time: BeijingTime
    item_num: int = Field(default=1, ge=1)
    media_type: Literal["shop_list", "video", "live", "others"]
    media_id: OptionalId = None

    _money = field_validator("pay_goods_amount", "settled_goods_amount", mode="before")(_amount)

    @field_validator("pay_success_time")
    @classmethod
    def _paid(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("every 百应 order was paid: a pay time is required")
        return value


def _rows_of(doc: Document, found: list[Problem]) -> list[Any] | None:
    body = doc.body
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and "code" in body and body.get("code") not in (10000, "10000"):
        msg = f"the page is an error response (code {body.get('code')}: {body.get('msg')})"
        found.append(Problem(doc.file, None, "code", msg))
        return None
    data = body.get("data", body) if isinstance(body, dict) else None
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        return list(data["orders"])
    if doc.line is not None and isinstance(body, dict):
        return [body]  # JSON Lines: one order per line
    found.append(Problem(doc.file, None, "data", "not a 百应 order page: no data.orders"))
    return None


def _refund(order: BuyinOrder, found: list[Problem], file: str, record: str) -> Decimal:
    """REFUND: all of it; SETTLE: what did not settle (a partial refund); else nothing."""
    if order.flow_point == "REFUND":
        return order.pay_goods_amount
    if order.flow_point != "SETTLE":
        return Decimal(0)
    settled = order.settled_goods_amount
    if settled is None:
        found.append(Problem(file, record, "settled_goods_amount", "required once SETTLE"))
        return Decimal(0)
    if settled > order.pay_goods_amount:
        why = f"more than pay_goods_amount {order.pay_goods_amount}"
        found.append(Problem(file, record, "settled_goods_amount", why, str(settled)))
        return Decimal(0)
    return order.pay_goods_amount - settled


def _row(order: BuyinOrder, file: str, record: str, found: list[Problem]) -> OrderRow:
    channel = CHANNELS[order.media_type]
    paid = order.pay_success_time
    assert paid is not None  # validated
    return OrderRow(
        order_id=order.order_id,
        seller_id=order.shop_id,
        product_id=order.product_id,
        channel=channel,
        created_at=paid,
        amount=order.pay_goods_amount,
        currency="CNY",
        creator_id=order.author_buyin_id or order.author_openid,
        content_id=order.media_id if channel in ("live", "video") else None,
        paid_at=paid,
        refund_amount=_refund(order, found, file, record),
        quantity=order.item_num,
    )


def _batches(file: Path, found: list[Problem]) -> list[tuple[str, list[Any], int, str]]:
    """The records of a file with the number of its first one and what it counts: CSV and
    JSON Lines records are named by their line (a CSV header is line 1)."""
    if file.suffix.lower() == ".csv":
        return [(str(file), list(read_csv_rows(file, found)), 2, "line")]
    batches = []
    for doc in read_documents(file, found):
        rows = _rows_of(doc, found)
        if rows is not None:
            noun = "record" if doc.line is None else "line"
            batches.append((doc.file, rows, doc.line or 1, noun))
    return batches


def import_buyin_orders(
    path: Path, money: MoneyUnit = "fen", limit: int | None = None
) -> ImportResult:
    """Canonical orders of the 百应 exports under `path` (API pages, JSON arrays, JSON
    Lines or CSV with the API's column names); `money` is the unit of their amounts."""
    found: list[Problem] = []
    result = ImportResult("buyin-orders")
    seen: set[str] = set()
    context = {"money": money}
    for file in source_files(path, (".json", ".jsonl", ".csv"), found):
        for name, rows, first, noun in _batches(file, found):
            for index, raw in enumerate(rows, start=first):
                record = record_label(index, raw, ("order_id",), noun)
                order = validate(BuyinOrder, raw, name, record, found, context)
                result.records += 1
                if order is None:
                    continue
                if order.order_id in seen:
                    result.leave_out("orders given twice (the first is kept)")
                    continue
                seen.add(order.order_id)
                result.add(_row(order, name, record, found), name, record)
    problems = Problems() if limit is None else Problems(limit)
    problems.extend(found)
    problems.refuse_if_any(str(path))
    return result
