"""TikTok Shop webhook notifications applied to the orders imported from the order pages.

Fixtures: tests/fixtures/importers/tiktok_webhooks (bare envelopes: types 1, 6, 11, 12, 67,
a repeated id, a legacy envelope without id given twice) and tiktok_webhooks_signed
(captured deliveries with their Authorization header, signed with the test app's key and
secret below).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tierwise.importers import ImportRefused, OrderRow, Signing, write_folder
from tierwise.importers.tiktok import import_tiktok_orders
from tierwise.importers.tiktok_webhooks import import_tiktok_webhooks
from tierwise.store import EventStore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "importers"
SHOP = "7494726673780148744"
SIGNING = Signing("tw-test-app-key", "tw-test-app-secret")


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The canonical folder imported from the TikTok Shop order pages."""
    folder = tmp_path_factory.mktemp("orders")
    write_folder(import_tiktok_orders(FIXTURES / "tiktok", SHOP), folder)
    return folder


def changed(path: Path, orders: Path, signing: Signing | None = None) -> dict[str, OrderRow]:
    result = import_tiktok_webhooks(path, orders=orders, signing=signing)
    return {r.order_id: r for r in result.rows}


def test_notifications_change_the_orders_they_name(orders: Path) -> None:
    rows = changed(FIXTURES / "tiktok_webhooks", orders)
    # exactly the orders changed: 010 (cancellation), 006 (cancel), 009, 008, 007:071 (refunds)
    assert sorted(rows) == [
        "5770000000000000006",
        "5770000000000000007:1729000000000000071",
        "5770000000000000008",
        "5770000000000000009",
        "5770000000000000010",
    ]
    # type 11 CANCELLATION_REQUEST_COMPLETE by the seller on a paid 200.00 order
    assert (
        rows["5770000000000000010"].cancelled_by,
        rows["5770000000000000010"].refund_amount,
    ) == (
        "seller",
        Decimal("200.00"),
    )
    # type 1 CANCEL (the webhook's spelling) of a paid 12.50 order; no role given: system
    assert (
        rows["5770000000000000006"].cancelled_by,
        rows["5770000000000000006"].refund_amount,
    ) == (
        "system",
        Decimal("12.50"),
    )
    # type 67: 20.00; two refunds of 10.00 and 5.25 on one order; one SKU of a 2-SKU order
    assert rows["5770000000000000009"].refund_amount == Decimal("20.00")
    assert rows["5770000000000000008"].refund_amount == Decimal("15.25")
    assert rows["5770000000000000007:1729000000000000071"].refund_amount == Decimal("30.00")
    # the rest of the order is as imported
    assert rows["5770000000000000009"].amount == Decimal("120.00")
    assert rows["5770000000000000009"].late_dispatch is True


def test_duplicates_other_types_and_unknown_orders_are_counted(orders: Path) -> None:
    result = import_tiktok_webhooks(FIXTURES / "tiktok_webhooks", orders=orders)
    assert result.records == 13
    # one repeated id, one legacy envelope given twice (no id: identical content)
    assert result.left_out["notifications delivered again (same id)"] == 2
    assert result.left_out["notifications of type 6 (no effect on orders)"] == 1
    assert result.left_out["notifications of orders not imported yet"] == 1


def test_applying_twice_changes_nothing_more(orders: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with EventStore.open(db) as store:
        store.load(orders)
    for _ in range(2):
        result = import_tiktok_webhooks(FIXTURES / "tiktok_webhooks", db=db)
        from tierwise.importers import load_store

        load_store(result, db)
    with EventStore.open(db, read_only=True) as store:
        (refund,) = store.con.execute(
            "SELECT refund_amount FROM orders WHERE order_id = '5770000000000000008'"
        ).fetchone() or (None,)
    assert refund == Decimal("15.25")  # not 30.50: a refund is set, not added again


def test_signed_deliveries_are_verified(orders: Path) -> None:
    rows = changed(FIXTURES / "tiktok_webhooks_signed", orders, SIGNING)
    # type 1 CANCEL of an order already cancelled by the buyer: who cancelled is kept
    assert rows["5770000000000000002"].cancelled_by == "buyer"
    # type 67 of 100.00 on the order with the 60.00 partial refund: the larger one holds
    assert rows["5770000000000000011"].refund_amount == Decimal("100.00")


def test_the_signature_is_hmac_sha256_of_app_key_and_body() -> None:
    line = (FIXTURES / "tiktok_webhooks_signed" / "deliveries.jsonl").read_text().splitlines()[0]
    delivery = json.loads(line)
    expected = hmac.new(
        b"tw-test-app-secret", b"tw-test-app-key" + delivery["body"].encode(), hashlib.sha256
    ).hexdigest()
    assert delivery["headers"]["Authorization"] == expected == SIGNING.signature(delivery["body"])


def test_a_tampered_body_is_refused(orders: Path, tmp_path: Path) -> None:
    lines = (FIXTURES / "tiktok_webhooks_signed" / "deliveries.jsonl").read_text().splitlines()
    delivery = json.loads(lines[1])
    delivery["body"] = delivery["body"].replace('"100.00"', '"300.00"')
    (tmp_path / "deliveries.jsonl").write_text(lines[0] + "\n" + json.dumps(delivery) + "\n")
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_webhooks(tmp_path, orders=orders, signing=SIGNING)
    message = str(exc.value)
    assert "deliveries.jsonl: line 2: headers.Authorization: signature does not match" in message
    assert "line 1" not in message


def test_unsigned_envelopes_are_refused_when_a_secret_is_given(orders: Path) -> None:
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_webhooks(FIXTURES / "tiktok_webhooks", orders=orders, signing=SIGNING)
    assert "notifications.json: record 1 (tts_notification_id 7327000000000000001): " in str(
        exc.value
    )
    assert "a signature cannot be checked without the delivery" in str(exc.value)


def test_malformed_and_wrong_notifications_are_refused(orders: Path, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_webhooks(FIXTURES / "malformed_webhook.json", orders=orders)
    assert "malformed_webhook.json: line 2 column 45: not JSON: Expecting ',' delimiter" in str(
        exc.value
    )
    bad = [
        {
            "type": 1,
            "tts_notification_id": "1",
            "timestamp": 1725600000,
            "data": {"order_id": "5770000000000000001", "order_status": "LOST", "update_time": 1},
        },
        {
            "type": 67,
            "tts_notification_id": "2",
            "timestamp": 1725600000,
            "data": {
                "refund_status": "REFUND_SUCCESS",
                "refund_total": "1.00",
                "refund_currency": "THB",
                "line_items": [],
            },
        },
        {"type": 1, "tts_notification_id": "3", "timestamp": "yesterday", "data": {}},
    ]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_webhooks(tmp_path, orders=orders)
    message = str(exc.value)
    assert (
        "record 1 (tts_notification_id 1) data: order_status: not a TikTok Shop order status"
        in message
    )
    assert (
        "record 2 (tts_notification_id 2) data: line_items: List should have at least 1 item"
        in message
    )
    assert "record 3 (tts_notification_id 3): timestamp: a time is Unix seconds" in message


def test_a_refund_in_another_currency_is_refused(orders: Path, tmp_path: Path) -> None:
    note = {
        "type": 67,
        "tts_notification_id": "9",
        "timestamp": 1725600000,
        "data": {
            "refund_status": "REFUND_SUCCESS",
            "refund_total": "1.00",
            "refund_currency": "USD",
            "line_items": [{"main_order_id": "5770000000000000009"}],
        },
    }
    (tmp_path / "n.json").write_text(json.dumps(note))
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_webhooks(tmp_path, orders=orders)
    assert "data.refund_currency: differs from the order's currency THB (USD)" in str(exc.value)


def test_cod_delivered_becomes_paid(tmp_path: Path) -> None:
    page = {
        "code": 0,
        "data": {
            "orders": [
                {
                    "id": "77",
                    "status": "IN_TRANSIT",
                    "is_cod": True,
                    "create_time": 1725148800,
                    "payment": {"currency": "VND"},
                    "line_items": [
                        {"id": "1", "product_id": "2", "sku_id": "3", "sale_price": "89000"}
                    ],
                }
            ]
        },
    }
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "orders.json").write_text(json.dumps(page))
    write_folder(import_tiktok_orders(tmp_path / "pages", SHOP), tmp_path / "orders")
    note = {
        "type": 1,
        "tts_notification_id": "5",
        "shop_id": SHOP,
        "timestamp": 1725408000,
        "data": {"order_id": "77", "order_status": "DELIVERED", "update_time": 1725408000},
    }
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "n.json").write_text(json.dumps(note))
    (row,) = import_tiktok_webhooks(tmp_path / "hooks", orders=tmp_path / "orders").rows
    assert row.paid_at == datetime(2024, 9, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "applied"),
    [
        ("CANCELLATION_REQUEST_PENDING", False),
        ("CANCELLATION_REQUEST_SUCCESS", False),
        ("CANCELLATION_REQUEST_CANCELLED", False),
        ("CANCELLATION_REQUEST_COMPLETE", True),
    ],
)
def test_cancellation_statuses(orders: Path, tmp_path: Path, status: str, applied: bool) -> None:
    note = {
        "type": 11,
        "tts_notification_id": "1",
        "timestamp": 1725600000,
        "data": {
            "order_id": "5770000000000000012",
            "cancellations_role": "BUYER",
            "cancel_status": status,
        },
    }
    (tmp_path / "n.json").write_text(json.dumps(note))
    rows = changed(tmp_path, orders)
    if applied:
        assert (
            rows["5770000000000000012"].cancelled_by,
            rows["5770000000000000012"].refund_amount,
        ) == (
            "buyer",
            Decimal("150.00"),
        )
    else:
        assert rows == {}
