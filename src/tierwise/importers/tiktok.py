"""TikTok Shop orders (Order API 202309/202507 pages) joined with affiliate orders and
returns, to canonical orders. The mapping and its decisions are in docs/importers.md.

This module is the precise reader (pydantic models, one record at a time); the import
itself is columnar (tiktok_columnar, DuckDB), which hands what it cannot take to the models
here. A canonical order is the order's lines of one SKU (TikTok repeats a line per unit): the
order id itself when the order has one SKU, `<order id>:<sku id>` when it has several,
because attribution (affiliate orders) and refunds (return lines) are per SKU.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field

from tierwise.importers.canonical import OrderRow
from tierwise.importers.payload import (
    Document,
    Located,
    Money,
    OptionalId,
    OptionalSeconds,
    Payload,
    PlatformId,
    UnixSeconds,
    instant,
    read_documents,
    source_files,
    validate,
)
from tierwise.importers.problems import Problem, Problems, record_label
from tierwise.importers.result import ImportResult
from tierwise.store.contract import CURRENCIES

ORDER_STATUSES: tuple[str, ...] = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
#: The v1 API's integer codes, still found in old exports and ERPs.
LEGACY_CODES: dict[int, str] = {
    100: "UNPAID",
    105: "ON_HOLD",
    111: "AWAITING_SHIPMENT",
    112: "AWAITING_COLLECTION",
    114: "PARTIALLY_SHIPPING",
    121: "IN_TRANSIT",
    122: "DELIVERED",
    130: "COMPLETED",
    140: "CANCELLED",
}
#: Statuses after payment: a non-COD order in one of these was paid.
PAID_STATUSES: frozenset[str] = frozenset(ORDER_STATUSES) - {"UNPAID", "ON_HOLD", "CANCELLED"}
CANCELLED_BY: dict[str, str] = {
    "SELLER": "seller",
    "BUYER": "buyer",
    "SYSTEM": "system",
    "OPERATOR": "system",
}
#: Affiliate content_type → canonical channel.
CHANNELS: dict[str, str] = {
    "LIVE": "live",
    "PRE_LIVE": "other",
    "VIDEO": "video",
    "SHOP": "showcase",
    "PROMOTION_PAGE": "other",
    "LINKSHARE": "other",
}
#: Return statuses whose refund has reached the buyer.
REFUNDED: frozenset[str] = frozenset(
    {"RETURN_OR_REFUND_REQUEST_COMPLETE", "REPLACEMENT_REQUEST_REFUND_SUCCESS"}
)
RETURN_STATUSES: tuple[str, ...] = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "REPLACEMENT_REQUEST_PENDING",
    "REPLACEMENT_REQUEST_REJECT",
    "REPLACEMENT_REQUEST_REFUND_SUCCESS",
    "REPLACEMENT_REQUEST_CANCEL",
    "REPLACEMENT_REQUEST_COMPLETE",
    "AWAITING_BUYER_RESPONSE",
)


def order_status(value: Any) -> str:
    """The 202309 status name of a status string or a v1 integer code; the webhook's
    `CANCEL` is `CANCELLED`."""
    if isinstance(value, int) and not isinstance(value, bool) and value in LEGACY_CODES:
        return LEGACY_CODES[value]
    if isinstance(value, str):
        name = value.strip().upper()
        if name.isdigit() and int(name) in LEGACY_CODES:
            return LEGACY_CODES[int(name)]
        if name == "CANCEL":
            return "CANCELLED"
        if name in ORDER_STATUSES:
            return name
    raise ValueError(
        f"not a TikTok Shop order status ({', '.join(ORDER_STATUSES)}, or a v1 code 100…140)"
    )


Status = Annotated[str, BeforeValidator(order_status)]


def _currency(value: Any) -> Any:
    if isinstance(value, str) and value not in CURRENCIES:
        raise ValueError("not an ISO 4217 currency in circulation (THB, IDR, USD…)")
    return value


Currency = Annotated[str, BeforeValidator(_currency)]


class TtsLine(Payload):
    id: PlatformId
    product_id: PlatformId
    sku_id: PlatformId
    sale_price: Money
    currency: Currency | None = None
    is_gift: bool = False
    cancel_user: Literal["BUYER", "SELLER", "OPERATOR", "SYSTEM"] | None = None


class TtsPayment(Payload):
    currency: Currency


class TtsOrder(Payload):
    id: PlatformId
    status: Status = Field(validation_alias=AliasChoices("status", "order_status"))
    user_id: OptionalId = None
    order_type: str | None = None
    create_time: UnixSeconds
    paid_time: OptionalSeconds = None
    rts_time: OptionalSeconds = None
    rts_sla_time: OptionalSeconds = None
    delivery_time: OptionalSeconds = None
    update_time: OptionalSeconds = None
    is_cod: bool = False
    is_sample_order: bool = False
    is_replacement_order: bool = False
    cancellation_initiator: Literal["SELLER", "BUYER", "SYSTEM"] | None = None
    payment: TtsPayment
    line_items: list[TtsLine] = Field(min_length=1)


class TtsAffiliateSku(Payload):
    sku_id: PlatformId
    content_type: Literal["SHOP", "VIDEO", "LIVE", "PRE_LIVE", "PROMOTION_PAGE", "LINKSHARE"]
    content_id: OptionalId = None
    creator_username: str = Field(min_length=1)


class TtsAffiliateOrder(Payload):
    id: PlatformId
    skus: list[TtsAffiliateSku] = Field(min_length=1)


class TtsRefundAmount(Payload):
    currency: Currency
    refund_subtotal: Money


class TtsReturnLine(Payload):
    order_line_item_id: PlatformId
    refund_amount: TtsRefundAmount | None = None


class TtsPartialRefund(Payload):
    amount: Money
    currency: Currency


class TtsReturn(Payload):
    return_id: PlatformId
    order_id: PlatformId
    return_type: Literal["REFUND", "RETURN_AND_REFUND", "REPLACEMENT"]
    return_status: Literal[RETURN_STATUSES]  # type: ignore[valid-type]
    update_time: OptionalSeconds = None
    refund_amount: TtsRefundAmount | None = None
    return_line_items: list[TtsReturnLine] = Field(default_factory=list)
    seller_proposed_return_type: str | None = None
    partial_refund: TtsPartialRefund | None = None
    buyer_rejected_partial_refund: bool = False
    next_return_id: OptionalId = None


@dataclass
class _Pages:
    orders: dict[str, Located[TtsOrder]] = field(default_factory=dict)
    affiliate: dict[tuple[str, str], TtsAffiliateSku] = field(default_factory=dict)
    returns: dict[str, Located[TtsReturn]] = field(default_factory=dict)


_KINDS: dict[str, tuple[str, ...]] = {
    "orders": ("orders", "order_list"),
    "returns": ("return_orders",),
}


def _items(doc: Document, problems: list[Problem]) -> tuple[str, list[Any]] | None:
    """What a page holds (orders, affiliate orders or returns) and its records."""
    body = doc.body
    if isinstance(body, dict) and "code" in body and body.get("code") not in (0, "0"):
        msg = f"the page is an error response (code {body.get('code')}: {body.get('message')})"
        problems.append(Problem(doc.file, None, "code", msg))
        return None
    data = body.get("data", body) if isinstance(body, dict) else None
    if isinstance(data, dict):
        for key in ("orders", "order_list", "return_orders"):
            items = data.get(key)
            if isinstance(items, list):
                if key == "return_orders":
                    return "returns", items
                affiliate = any(isinstance(i, dict) and "skus" in i for i in items)
                return ("affiliate" if affiliate else "orders"), items
    problems.append(
        Problem(
            doc.file,
            None,
            "data",
            "not a TikTok Shop page: no data.orders (orders or affiliate orders) "
            "and no data.return_orders",
        )
    )
    return None


def read_pages(path: Path, found: list[Problem]) -> _Pages:
    """Every order, affiliate and return record of the JSON pages under `path`; a record
    given twice (overlapping pages) is kept in its latest update."""
    pages = _Pages()
    for file in source_files(path, (".json", ".jsonl"), found):
        for doc in read_documents(file, found):
            kind_items = _items(doc, found)
            if kind_items is None:
                continue
            kind, items = kind_items
            for index, raw in enumerate(items, start=1):
                _take(
                    pages, kind, doc.file, record_label(index, raw, ("id", "return_id")), raw, found
                )
    return pages


def _take(pages: _Pages, kind: str, file: str, record: str, raw: Any, found: list[Problem]) -> None:
    if kind == "orders":
        order = validate(TtsOrder, raw, file, record, found)
        if order is not None:
            _keep_latest(pages.orders, order.id, Located(file, record, order))
    elif kind == "affiliate":
        aff = validate(TtsAffiliateOrder, raw, file, record, found)
        for sku in aff.skus if aff else ():
            pages.affiliate[(aff.id, sku.sku_id)] = sku  # type: ignore[union-attr]
    else:
        ret = validate(TtsReturn, raw, file, record, found)
        if ret is not None:
            _keep_latest(pages.returns, ret.return_id, Located(file, record, ret))


def _keep_latest(into: dict[str, Located[Any]], key: str, new: Located[Any]) -> None:
    old = into.get(key)
    if old is None or (new.item.update_time or 0) >= (old.item.update_time or 0):
        into[key] = new


# -- orders to rows -----------------------------------------------------------------------


def _paid_at(order: TtsOrder) -> int | None:
    """When the buyer paid: the paid time, except that a COD order is paid on delivery
    (its paid_time is absent before, and set to about the delivery time after)."""
    if order.status == "UNPAID":
        return None
    if order.is_cod:
        if order.status not in ("DELIVERED", "COMPLETED"):
            return None
        return order.delivery_time or order.paid_time
    return order.paid_time


def _check_paid(order: Located[TtsOrder], paid: int | None, found: list[Problem]) -> None:
    o = order.item
    # a COD order is paid on delivery: before, in any status, it is not paid yet
    required = o.status in ("DELIVERED", "COMPLETED") if o.is_cod else o.status in PAID_STATUSES
    if paid is None and required:
        field_name = "delivery_time" if o.is_cod else "paid_time"
        why = f"missing on {'a COD' if o.is_cod else 'an'} order in status {o.status}"
        found.append(Problem(order.file, order.record, field_name, why))


def _cancelled_by(order: TtsOrder) -> str | None:
    if order.status != "CANCELLED":
        return None
    if order.cancellation_initiator:
        return CANCELLED_BY[order.cancellation_initiator]
    users = [line.cancel_user for line in order.line_items if line.cancel_user]
    return CANCELLED_BY[users[0]] if users else "system"


def _sku_groups(order: TtsOrder) -> dict[str, list[TtsLine]]:
    """The order's counted lines by SKU: gifts and zero-price lottery lines are no sale."""
    groups: dict[str, list[TtsLine]] = {}
    for line in order.line_items:
        if line.is_gift or (order.order_type == "ZERO_LOTTERY" and line.sale_price == 0):
            continue
        groups.setdefault(line.sku_id, []).append(line)
    return groups


def canonical_id(order_id: str, sku_id: str, skus: int) -> str:
    return order_id if skus == 1 else f"{order_id}:{sku_id}"


def _rows_of(
    located: Located[TtsOrder],
    shop_id: str,
    pages: _Pages,
    refunds: dict[tuple[str, str], Decimal],
    found: list[Problem],
) -> list[OrderRow]:
    order = located.item
    currency = order.payment.currency
    paid = _paid_at(order)
    _check_paid(located, paid, found)
    groups = _sku_groups(order)
    rows = []
    for sku_id, lines in groups.items():
        for line in lines:
            if line.currency not in (None, currency):
                found.append(
                    Problem(
                        located.file,
                        located.record,
                        f"line_items (id {line.id}).currency",
                        f"differs from payment.currency {currency}",
                        line.currency,
                    )
                )
        amount = sum((line.sale_price for line in lines), Decimal(0))
        aff = pages.affiliate.get((order.id, sku_id))
        row = OrderRow(
            order_id=canonical_id(order.id, sku_id, len(groups)),
            seller_id=shop_id,
            product_id=lines[0].product_id,
            channel=CHANNELS[aff.content_type] if aff else "shop_tab",
            created_at=instant(order.create_time),
            amount=amount,
            currency=currency,
            creator_id=aff.creator_username if aff else None,
            content_id=aff.content_id if aff and aff.content_type in ("LIVE", "VIDEO") else None,
            buyer_id=order.user_id,
            paid_at=instant(paid) if paid else None,
            cancelled_by=_cancelled_by(order),
            late_dispatch=bool(
                order.rts_time and order.rts_sla_time and order.rts_time > order.rts_sla_time
            ),
            quantity=len(lines),
        )
        row.refund_amount = _refund(
            row, refunds.get((order.id, sku_id), Decimal(0)), located, found
        )
        rows.append(row)
    return rows


def _refund(
    row: OrderRow, returned: Decimal, order: Located[TtsOrder], found: list[Problem]
) -> Decimal:
    """A cancelled paid order is refunded whole; otherwise the completed returns."""
    if row.paid_at is None:
        return Decimal(0)
    if row.cancelled_by is not None:
        return row.amount
    if returned > row.amount:
        found.append(
            Problem(
                order.file,
                order.record,
                "returns",
                f"completed returns refund {returned} {row.currency} of SKU order "
                f"{row.order_id}, more than its {row.amount} paid",
            )
        )
    return returned


# -- returns to refunds -------------------------------------------------------------------


def _partial(r: TtsReturn) -> TtsPartialRefund | None:
    """The seller's partial-refund offer, when the buyer did not reject it."""
    if r.seller_proposed_return_type == "PARTIAL_REFUND" and not r.buyer_rejected_partial_refund:
        return r.partial_refund
    return None


def _per_line(
    ret: Located[TtsReturn], order: TtsOrder, found: list[Problem]
) -> tuple[dict[str, Decimal], set[str], set[str]]:
    """The return's line amounts by SKU, the SKUs it names and the currencies it uses."""
    sku_of_line = {line.id: line.sku_id for line in order.line_items}
    per_sku: dict[str, Decimal] = defaultdict(Decimal)
    skus: set[str] = set()
    currencies: set[str] = set()
    for i, line in enumerate(ret.item.return_line_items):
        sku = sku_of_line.get(line.order_line_item_id)
        if sku is None:
            where = f"return_line_items.{i}.order_line_item_id"
            why = f"no line of order {order.id} has this id"
            found.append(Problem(ret.file, ret.record, where, why, line.order_line_item_id))
            continue
        skus.add(sku)
        if line.refund_amount is not None:
            per_sku[sku] += line.refund_amount.refund_subtotal
            currencies.add(line.refund_amount.currency)
    return dict(per_sku), skus, currencies


def _return_amounts(
    ret: Located[TtsReturn], order: TtsOrder, found: list[Problem]
) -> dict[str, Decimal]:
    """The goods refund of a completed return, per SKU of its order: the accepted partial
    refund, else the line amounts, else the return's subtotal on its one SKU."""
    r = ret.item
    per_sku, skus, currencies = _per_line(ret, order, found)
    skus = skus or {line.sku_id for line in order.line_items}
    partial = _partial(r)
    whole = partial.amount if partial else None
    if partial is None and r.refund_amount is not None:
        currencies.add(r.refund_amount.currency)
        whole = r.refund_amount.refund_subtotal
    if partial is not None:
        currencies = {partial.currency}
    if (partial is not None or not per_sku) and whole is not None:
        if len(skus) != 1:
            why = f"a refund of {len(skus)} SKUs without line amounts cannot be split"
            found.append(Problem(ret.file, ret.record, "return_line_items", why))
            return {}
        per_sku = {next(iter(skus)): whole}
    if currencies - {order.payment.currency}:
        why = f"differs from the order's currency {order.payment.currency}"
        shown = ", ".join(sorted(currencies))
        found.append(Problem(ret.file, ret.record, "refund_amount.currency", why, shown))
        return {}
    return per_sku


def _refunds(
    pages: _Pages, result: ImportResult, found: list[Problem]
) -> dict[tuple[str, str], Decimal]:
    refunds: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for ret in pages.returns.values():
        r = ret.item
        if r.next_return_id is not None:
            result.leave_out("returns superseded by an edited request")
            continue
        if r.return_status not in REFUNDED:
            result.leave_out("returns not refunded (yet)")
            continue
        order = pages.orders.get(r.order_id)
        if order is None:
            result.leave_out("returns of orders not in the pages")
            continue
        for sku, amount in _return_amounts(ret, order.item, found).items():
            refunds[(r.order_id, sku)] += amount
    return refunds


def read_precisely(path: Path, shop_id: str, limit: int | None = None) -> ImportResult:
    """The precise reader: every record through its pydantic model and the mapping above,
    one at a time. `import_tiktok_orders` (tiktok_columnar) is the import; this reader
    words its refusals (file, record, field, as the models name them) and is the oracle
    its tests compare it with. Raises `ImportRefused` naming every bad record."""
    found: list[Problem] = []
    result = ImportResult("tiktok-orders")
    pages = read_pages(path, found)
    refunds = _refunds(pages, result, found)
    for located in pages.orders.values():
        result.records += 1
        order = located.item
        if order.is_sample_order:
            result.leave_out("sample orders")
            continue
        if order.is_replacement_order:
            result.leave_out("replacement orders (the original order is counted)")
            continue
        rows = _rows_of(located, shop_id, pages, refunds, found)
        if not rows:
            result.leave_out("orders of gifts and zero-price lottery lines only")
        for row in rows:
            result.add(row, located.file, located.record)
    problems = Problems() if limit is None else Problems(limit)
    problems.extend(found)
    problems.refuse_if_any(str(path))
    return result


# The import is the columnar path; it uses the models above, so it is imported last.
from tierwise.importers.tiktok_columnar import (  # noqa: E402
    import_tiktok_orders as import_tiktok_orders,
)
