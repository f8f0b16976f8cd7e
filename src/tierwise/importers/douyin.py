"""Douyin 抖店 orders (order.searchList / order.orderDetail), after-sales (afterSale.List)
and pushed messages, to canonical orders. The mapping and its decisions are in
docs/importers.md.

A canonical order is a Douyin child (SKU) order: attribution (author, live room, video)
and after-sales are per child order, and 百应 counts orders at that grain too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from tierwise.importers.canonical import OrderRow
from tierwise.importers.payload import (
    SHANGHAI,
    Document,
    DouyinRef,
    Fen,
    Located,
    OptionalId,
    OptionalSeconds,
    Payload,
    PlatformId,
    UnixSeconds,
    fen_to_yuan,
    instant,
    loads,
    read_documents,
    source_files,
    validate,
)
from tierwise.importers.problems import Problem, Problems, record_label
from tierwise.importers.result import ImportResult

ORDER_STATUSES = frozenset({1, 105, 2, 101, 3, 4, 5})
MAIN_STATUSES = frozenset({1, 103, 105, 2, 101, 3, 4, 5, 21, 22, 39})
#: main_status of an order closed by a full refund: before shipment, after, after receipt.
REFUNDED = frozenset({21, 22, 39})
#: order_status of a paid order that is not closed.
PAID = frozenset({105, 2, 101, 3, 5})
#: trade_type of no sale: 寄样 sample, 达人买样 creator's sample, 0元单, 0元抽奖.
NO_SALE_TRADE_TYPES = {
    10: "samples",
    12: "samples",
    5: "zero-price orders",
    11: "zero-price orders",
}
#: after_sale_type of a cancellation: 4 系统取消, 5 用户取消.
CANCEL_TYPES = {4: "system", 5: "buyer"}
AFTER_SALE_SUCCESS = 12
REFUND_SUCCESS = 3
REFUND_SUCCESS_TAG = "206"


class DyAfterSaleInfo(Payload):
    after_sale_status: int = 0
    after_sale_type: int | None = None
    refund_status: int = 0


class DySkuOrder(Payload):
    order_id: PlatformId
    parent_order_id: PlatformId
    order_status: int
    main_status: int
    author_id: DouyinRef = None
    room_id: DouyinRef = None
    room_id_str: DouyinRef = None
    video_id: OptionalId = None
    c_biz: int = 0
    product_id: PlatformId
    product_id_str: OptionalId = None
    sku_id: PlatformId
    item_num: int = Field(ge=1)
    pay_amount: Fen
    create_time: UnixSeconds
    pay_time: OptionalSeconds = None
    trade_type: int = 0
    given_product_type: str | None = None
    after_sale_info: DyAfterSaleInfo | None = None

    @field_validator("order_status")
    @classmethod
    def _order_status(cls, value: int) -> int:
        if value not in ORDER_STATUSES:
            raise ValueError(
                f"not a Douyin order_status ({', '.join(map(str, sorted(ORDER_STATUSES)))})"
            )
        return value

    @field_validator("main_status")
    @classmethod
    def _main_status(cls, value: int, info: ValidationInfo) -> int:
        if value not in MAIN_STATUSES:
            raise ValueError(
                f"not a Douyin main_status ({', '.join(map(str, sorted(MAIN_STATUSES)))})"
            )
        closed = info.data.get("order_status") == 4
        if closed != (value in REFUNDED | {4}):
            raise ValueError(
                f"order_status {info.data.get('order_status')} with main_status {value}: "
                "4 (closed) goes with main_status 4, 21, 22 or 39 and only with them"
            )
        return value


class DyShopOrder(Payload):
    order_id: PlatformId
    shop_id: PlatformId
    doudian_open_id: str | None = None
    pay_time: OptionalSeconds = None
    ship_time: OptionalSeconds = None
    exp_ship_time: OptionalSeconds = None
    sku_order_list: list[DySkuOrder] = Field(min_length=1)


class DyRelated(Payload):
    sku_order_id: PlatformId
    aftersale_pay_amount: Fen | None = None


class DyAfterSaleOrder(Payload):
    shop_order_id: PlatformId
    related_order_info: list[DyRelated] = Field(min_length=1)


class DyAfterSale(Payload):
    aftersale_id: PlatformId
    aftersale_type: int
    aftersale_status: int
    refund_status: int
    refund_amount: Fen


class DyAfterSaleItem(Payload):
    aftersale_info: DyAfterSale
    order_info: DyAfterSaleOrder


class DyPush(Payload):
    """One pushed message: `data` is JSON in a string, parsed a second time."""

    tag: str = Field(pattern=r"^\d+$")
    msg_id: PlatformId
    data: str


class DyRefundSuccess(Payload):
    aftersale_id: PlatformId
    s_id: PlatformId
    p_id: PlatformId
    refund_amount: Fen


@dataclass
class _Pages:
    orders: dict[str, Located[DyShopOrder]] = field(default_factory=dict)
    #: child order id → after-sale id → refunded 分 (after-sale records and 206 pushes).
    refunds: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    messages: set[str] = field(default_factory=set)


def _response_data(doc: Document, found: list[Problem]) -> Any:
    body = doc.body
    if isinstance(body, dict) and "code" in body and body.get("code") not in (10000, "10000"):
        msg = f"the page is an error response (code {body.get('code')}: {body.get('msg')})"
        found.append(Problem(doc.file, None, "code", msg))
        return None
    return body.get("data", body) if isinstance(body, dict) else None


def _read(doc: Document, pages: _Pages, result: ImportResult, found: list[Problem]) -> None:
    if isinstance(doc.body, list):
        _read_pushes(doc, pages, result, found)
        return
    data = _response_data(doc, found)
    if not isinstance(data, dict):
        if data is not None:
            found.append(Problem(doc.file, None, "data", "not an object"))
        return
    if isinstance(data.get("shop_order_list"), list):
        _read_orders(doc.file, data["shop_order_list"], pages, found)
    elif isinstance(data.get("shop_order_detail"), dict):
        _read_orders(doc.file, [data["shop_order_detail"]], pages, found)
    elif isinstance(data.get("items"), list):
        _read_after_sales(doc.file, data["items"], pages, found)
    else:
        why = (
            "not a Douyin page: no data.shop_order_list, data.shop_order_detail or data.items, "
            "and not a pushed message batch (a JSON array)"
        )
        found.append(Problem(doc.file, None, "data", why))


def _read_orders(file: str, items: list[Any], pages: _Pages, found: list[Problem]) -> None:
    for index, raw in enumerate(items, start=1):
        record = record_label(index, raw, ("order_id",))
        order = validate(DyShopOrder, raw, file, record, found)
        if order is not None:
            pages.orders[order.order_id] = Located(file, record, order)


def _read_after_sales(file: str, items: list[Any], pages: _Pages, found: list[Problem]) -> None:
    for index, raw in enumerate(items, start=1):
        info = raw.get("aftersale_info") if isinstance(raw, dict) else None
        record = record_label(index, info, ("aftersale_id",))
        item = validate(DyAfterSaleItem, raw, file, record, found)
        if item is None:
            continue
        a = item.aftersale_info
        if a.aftersale_status != AFTER_SALE_SUCCESS or a.refund_status != REFUND_SUCCESS:
            continue
        related = item.order_info.related_order_info
        if len(related) == 1:
            pages.refunds[related[0].sku_order_id][a.aftersale_id] = a.refund_amount
            continue
        for i, rel in enumerate(related):
            if rel.aftersale_pay_amount is None:
                where = f"order_info.related_order_info.{i}.aftersale_pay_amount"
                why = "needed to split a refund of several child orders"
                found.append(Problem(file, record, where, why))
            else:
                pages.refunds[rel.sku_order_id][a.aftersale_id] = rel.aftersale_pay_amount


def _read_pushes(doc: Document, pages: _Pages, result: ImportResult, found: list[Problem]) -> None:
    for index, raw in enumerate(doc.body, start=1):
        record = record_label(index, raw, ("msg_id",))
        push = validate(DyPush, raw, doc.file, record, found)
        if push is None:
            continue
        if push.msg_id in pages.messages:
            result.leave_out("pushed messages repeated (same msg_id)")
            continue
        pages.messages.add(push.msg_id)
        try:
            data = loads(push.data)
        except json.JSONDecodeError as exc:
            found.append(Problem(doc.file, record, "data", f"not JSON in the string: {exc.msg}"))
            continue
        if push.tag != REFUND_SUCCESS_TAG:
            result.leave_out(f"pushed messages of tag {push.tag} (order pages give the state)")
            continue
        refund = validate(DyRefundSuccess, data, doc.file, f"{record} data", found)
        if refund is not None:
            pages.refunds[refund.s_id].setdefault(refund.aftersale_id, refund.refund_amount)


# -- rows ---------------------------------------------------------------------------------


def _channel(child: DySkuOrder) -> tuple[str, str | None]:
    """Live room, else video, else the author's showcase; no author: the shop's own."""
    room = child.room_id_str or child.room_id
    if room:
        return "live", room
    if child.video_id:
        return "video", child.video_id
    if child.author_id:
        return "showcase", None
    return ("shop_tab" if child.c_biz == 8 else "other"), None


def _cancelled_by(child: DySkuOrder) -> str | None:
    if child.main_status == 4:
        kind = child.after_sale_info.after_sale_type if child.after_sale_info else None
        return CANCEL_TYPES.get(kind or -1, "system")
    if child.main_status == 21:
        return "buyer"
    return None


def _left_out(child: DySkuOrder) -> str | None:
    if child.trade_type in NO_SALE_TRADE_TYPES:
        return NO_SALE_TRADE_TYPES[child.trade_type]
    if (child.given_product_type or "").upper() == "FREE":
        return "free gifts"
    return None


def _refund(
    child: DySkuOrder,
    paid: int | None,
    pages: _Pages,
    where: Located[DyShopOrder],
    found: list[Problem],
) -> int:
    """Refunded 分: all of a closed paid order, else the successful after-sales."""
    if child.main_status in REFUNDED or (child.main_status == 4 and paid):
        return child.pay_amount if paid else 0
    known = pages.refunds.get(child.order_id, {})
    total = sum(known.values())
    info = child.after_sale_info
    label = f"sku_order_list (order_id {child.order_id})"
    if (
        info
        and info.after_sale_status == AFTER_SALE_SUCCESS
        and info.refund_status == REFUND_SUCCESS
        and not known
    ):
        why = "after-sale succeeded but no after-sale record or 206 message gives its amount"
        found.append(Problem(where.file, where.record, f"{label}.after_sale_info", why))
    if total > child.pay_amount:
        why = f"after-sales refund {total} 分, more than the {child.pay_amount} 分 paid"
        found.append(Problem(where.file, where.record, f"{label}.pay_amount", why))
    return total


def _row(
    where: Located[DyShopOrder], child: DySkuOrder, pages: _Pages, found: list[Problem]
) -> OrderRow:
    shop = where.item
    paid = child.pay_time or shop.pay_time
    label = f"sku_order_list (order_id {child.order_id})"
    if paid is None and (child.order_status in PAID or child.main_status in REFUNDED):
        state = f"order_status {child.order_status}, main_status {child.main_status}"
        why = f"missing on a paid order ({state})"
        found.append(Problem(where.file, where.record, f"{label}.pay_time", why))
    channel, content = _channel(child)
    return OrderRow(
        order_id=child.order_id,
        seller_id=shop.shop_id,
        product_id=child.product_id_str or child.product_id,
        channel=channel,
        created_at=instant(child.create_time, SHANGHAI),
        amount=fen_to_yuan(child.pay_amount),
        currency="CNY",
        creator_id=child.author_id,
        content_id=content,
        buyer_id=shop.doudian_open_id or None,
        paid_at=instant(paid, SHANGHAI) if paid else None,
        refund_amount=fen_to_yuan(_refund(child, paid, pages, where, found)),
        cancelled_by=_cancelled_by(child),
        late_dispatch=bool(
            shop.ship_time and shop.exp_ship_time and shop.ship_time > shop.exp_ship_time
        ),
        quantity=child.item_num,
    )


def import_douyin_orders(path: Path, limit: int | None = None) -> ImportResult:
    """Canonical orders of the Douyin pages and pushed messages under `path`; raises
    `ImportRefused` naming every bad record."""
    found: list[Problem] = []
    result = ImportResult("douyin-orders")
    pages = _Pages()
    for file in source_files(path, (".json", ".jsonl"), found):
        for doc in read_documents(file, found):
            _read(doc, pages, result, found)
    for where in pages.orders.values():
        for child in where.item.sku_order_list:
            result.records += 1
            reason = _left_out(child)
            if reason:
                result.leave_out(reason)
                continue
            result.add(_row(where, child, pages, found), where.file, where.record)
    problems = Problems() if limit is None else Problems(limit)
    problems.extend(found)
    problems.refuse_if_any(str(path))
    return result
