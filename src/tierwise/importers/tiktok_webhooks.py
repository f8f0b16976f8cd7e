"""TikTok Shop webhook notifications applied to orders already imported.

A notification says what changed (a status, a refund), not the whole order: the importer
reads the orders it names from a store or a canonical folder (the output of the
`tiktok-orders` import), applies the changes in timestamp order and writes the changed
orders, which a load then replaces by key. The mapping is in docs/importers.md.

Deliveries are at least once: a notification id seen twice is applied once (older
payloads have no id: an identical envelope counts as the same notification). With the app
secret, each captured delivery's signature is checked over the body exactly as received:
hex HMAC-SHA256 with the app secret as key over the app key followed by the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import Field

from tierwise.importers.canonical import ORDERS, OrderRow
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
    loads,
    read_documents,
    source_files,
    validate,
)
from tierwise.importers.problems import Problem, Problems, record_label
from tierwise.importers.result import ImportResult
from tierwise.importers.tiktok import CANCELLED_BY, RETURN_STATUSES, Currency, Status
from tierwise.store import EventStore

ORDER_STATUS_CHANGE = 1
CANCELLATION_STATUS_CHANGE = 11
RETURN_STATUS_CHANGE = 12
REFUND_SUCCESS = 67


class Delivery(Payload):
    """A captured delivery: the request's headers and its body as received."""

    headers: dict[str, str]
    body: str


class Envelope(Payload):
    type: int
    tts_notification_id: OptionalId = None
    shop_id: OptionalId = None
    timestamp: UnixSeconds
    data: dict[str, Any]


class OrderStatusData(Payload):
    order_id: PlatformId
    order_status: Status
    update_time: UnixSeconds


class CancellationData(Payload):
    order_id: PlatformId
    cancellations_role: Literal["BUYER", "SELLER", "SYSTEM"] | None = None
    cancel_status: Literal[
        "CANCELLATION_REQUEST_PENDING",
        "CANCELLATION_REQUEST_SUCCESS",
        "CANCELLATION_REQUEST_CANCELLED",
        "CANCELLATION_REQUEST_COMPLETE",
    ]


class ReturnData(Payload):
    order_id: PlatformId
    return_status: Literal[RETURN_STATUSES]  # type: ignore[valid-type]


class RefundLine(Payload):
    main_order_id: PlatformId
    sku_id: OptionalId = None


class RefundSuccessData(Payload):
    aftersales_request_id: OptionalId = None
    refund_status: Literal["REFUND_SUCCESS"]
    refund_total: Money
    refund_currency: Currency
    refund_timestamp: OptionalSeconds = None
    line_items: list[RefundLine] = Field(min_length=1)


_DATA: dict[int, type[Payload]] = {
    ORDER_STATUS_CHANGE: OrderStatusData,
    CANCELLATION_STATUS_CHANGE: CancellationData,
    RETURN_STATUS_CHANGE: ReturnData,
    REFUND_SUCCESS: RefundSuccessData,
}


@dataclass(frozen=True)
class Signing:
    """The app's key and secret, to verify each delivery's `Authorization` signature."""

    app_key: str
    app_secret: str

    def signature(self, body: str) -> str:
        message = (self.app_key + body).encode("utf-8")
        return hmac.new(self.app_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Notification:
    envelope: Envelope
    data: Payload
    where: Located[None]


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _envelope_of(
    raw: Any, file: str, record: str, signing: Signing | None, found: list[Problem]
) -> Any:
    """The envelope of a record: a bare envelope, or the parsed body of a delivery whose
    signature (when `signing` is given) matches."""
    if not (isinstance(raw, dict) and "body" in raw and "headers" in raw):
        if signing is not None:
            why = "a signature cannot be checked without the delivery: {headers, body}"
            found.append(Problem(file, record, None, why))
        return raw
    delivery = validate(Delivery, raw, file, record, found)
    if delivery is None:
        return None
    if signing is not None:
        given = _header(delivery.headers, "Authorization") or ""
        if not hmac.compare_digest(given.strip().lower(), signing.signature(delivery.body)):
            why = "signature does not match the body (HMAC-SHA256 of app key + body)"
            found.append(Problem(file, record, "headers.Authorization", why, given))
            return None
    try:
        return loads(delivery.body)
    except json.JSONDecodeError as exc:
        found.append(Problem(file, record, "body", f"not JSON: {exc.msg}"))
        return None


def _identity(envelope: Envelope) -> str:
    if envelope.tts_notification_id:
        return envelope.tts_notification_id
    text = json.dumps(envelope.model_dump(mode="json"), sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _records(doc: Document) -> list[Any]:
    return doc.body if isinstance(doc.body, list) else [doc.body]


def read_notifications(
    path: Path, signing: Signing | None, result: ImportResult, found: list[Problem]
) -> list[Notification]:
    """Every distinct, verified notification under `path`, in timestamp order."""
    seen: set[str] = set()
    out: list[Notification] = []
    for file in source_files(path, (".json", ".jsonl"), found):
        for doc in read_documents(file, found):
            for index, raw in enumerate(_records(doc), start=1):
                number = doc.line if doc.line is not None else index
                noun = "line" if doc.line is not None else "record"
                record = record_label(number, raw, ("tts_notification_id",), noun)
                result.records += 1
                body = _envelope_of(raw, doc.file, record, signing, found)
                env = None if body is None else validate(Envelope, body, doc.file, record, found)
                if env is None:
                    continue
                key = _identity(env)
                if key in seen:
                    result.leave_out("notifications delivered again (same id)")
                    continue
                seen.add(key)
                model = _DATA.get(env.type)
                if model is None:
                    result.leave_out(f"notifications of type {env.type} (no effect on orders)")
                    continue
                data = validate(model, env.data, doc.file, f"{record} data", found)
                if data is not None:
                    out.append(Notification(env, data, Located(doc.file, record, None)))
    out.sort(key=lambda n: n.envelope.timestamp)
    return out


# -- the orders they change -------------------------------------------------------------


def _named(n: Notification) -> list[str]:
    """The TikTok order ids a notification is about."""
    if isinstance(n.data, RefundSuccessData):
        return [line.main_order_id for line in n.data.line_items]
    order_id = n.data.model_dump().get("order_id")
    return [str(order_id)] if order_id is not None else []


def _order_ids(notes: list[Notification]) -> set[str]:
    return {order_id for n in notes for order_id in _named(n)}


def _fetch(con: duckdb.DuckDBPyConnection, ids: set[str]) -> dict[str, OrderRow]:
    cols = ", ".join(f'"{c}"' for c in ORDERS.column_names)
    found = con.execute(
        f"SELECT {cols} FROM orders WHERE split_part(order_id, ':', 1) IN (SELECT unnest(?))",
        [sorted(ids)],
    ).fetchall()
    rows = [OrderRow(**dict(zip(ORDERS.column_names, r, strict=True))) for r in found]
    return {r.order_id: r for r in rows}


def base_orders(ids: set[str], db: Path | None, folder: Path | None) -> dict[str, OrderRow]:
    """The stored or imported orders of the TikTok order ids `ids`, by canonical id."""
    if db is not None:
        with EventStore.open(db, read_only=True) as store:
            return _fetch(store.con, ids)
    with EventStore.open(":memory:") as store:
        if folder is not None:
            store.load(folder)
        return _fetch(store.con, ids)


@dataclass
class _Changes:
    rows: dict[str, OrderRow]
    changed: set[str] = field(default_factory=set)
    #: canonical id → the notification that last changed it.
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: canonical id → refund id → amount of the refund-success notifications.
    refunds: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))

    #: TikTok order id → its canonical orders (one, or one per SKU).
    by_order: dict[str, list[OrderRow]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, row in self.rows.items():
            self.by_order.setdefault(key.split(":", 1)[0], []).append(row)

    def of_order(self, order_id: str) -> list[OrderRow]:
        return self.by_order.get(order_id, [])


def _cancel(rows: list[OrderRow], by: str | None) -> list[OrderRow]:
    for row in rows:
        row.cancelled_by = by or row.cancelled_by or "system"
        row.refund_amount = row.amount if row.paid_at is not None else Decimal(0)
    return rows


def _apply_status(n: Notification, data: OrderStatusData, ch: _Changes) -> list[OrderRow]:
    rows = ch.of_order(data.order_id)
    if data.order_status == "CANCELLED":
        return _cancel(rows, None)
    if data.order_status in ("DELIVERED", "COMPLETED"):
        for row in rows:  # a COD order is paid on delivery
            row.paid_at = row.paid_at or instant(data.update_time)
        return rows
    return []


def _apply_refund(
    n: Notification, data: RefundSuccessData, ch: _Changes, found: list[Problem]
) -> list[OrderRow]:
    targets: dict[str, OrderRow] = {}
    for line in data.line_items:
        rows = ch.of_order(line.main_order_id)
        if len(rows) > 1:
            rows = [r for r in rows if r.order_id == f"{line.main_order_id}:{line.sku_id}"]
        targets.update((r.order_id, r) for r in rows)
    if len(targets) > 1:
        why = f"a refund of {len(targets)} SKU orders cannot be split between them"
        found.append(Problem(n.where.file, n.where.record, "data.line_items", why))
        return []
    for row in targets.values():
        if row.currency != data.refund_currency:
            why = f"differs from the order's currency {row.currency}"
            where = "data.refund_currency"
            found.append(Problem(n.where.file, n.where.record, where, why, data.refund_currency))
            return []
        key = data.aftersales_request_id or _identity(n.envelope)
        ch.refunds[row.order_id][key] = data.refund_total
    return list(targets.values())


def _apply(n: Notification, ch: _Changes, found: list[Problem]) -> list[OrderRow]:
    data = n.data
    if isinstance(data, OrderStatusData):
        return _apply_status(n, data, ch)
    if isinstance(data, CancellationData):
        if data.cancel_status != "CANCELLATION_REQUEST_COMPLETE":
            return []
        role = CANCELLED_BY[data.cancellations_role] if data.cancellations_role else None
        return _cancel(ch.of_order(data.order_id), role)
    if isinstance(data, RefundSuccessData):
        return _apply_refund(n, data, ch, found)
    return []  # a return's status carries no amount: its refund comes as type 67


def import_tiktok_webhooks(
    path: Path,
    *,
    db: Path | None = None,
    orders: Path | None = None,
    signing: Signing | None = None,
    limit: int | None = None,
) -> ImportResult:
    """The orders the notifications under `path` change, changed; the orders are read from
    the store `db` or the canonical folder `orders`."""
    found: list[Problem] = []
    result = ImportResult("tiktok-webhooks")
    notes = read_notifications(path, signing, result, found)
    problems = Problems() if limit is None else Problems(limit)
    if not found:
        ch = _Changes(base_orders(_order_ids(notes), db, orders))
        for n in notes:
            touched = _apply(n, ch, found)
            if not any(ch.of_order(order_id) for order_id in _named(n)):
                result.leave_out("notifications of orders not imported yet")
            ch.changed.update(r.order_id for r in touched)
            ch.origins.update((r.order_id, (n.where.file, n.where.record)) for r in touched)
        for order_id, refunds in ch.refunds.items():
            row = ch.rows[order_id]
            total = sum(refunds.values(), Decimal(0))
            row.refund_amount = min(max(row.refund_amount, total), row.amount)
        for k in sorted(ch.changed):
            result.add(ch.rows[k], *ch.origins[k])
    problems.extend(found)
    problems.refuse_if_any(str(path))
    return result
