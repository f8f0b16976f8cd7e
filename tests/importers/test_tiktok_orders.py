"""TikTok Shop order pages (+ affiliate orders, returns) to canonical orders, field by field.

The fixtures (tests/fixtures/importers/tiktok) are written from the public field lists of
Get Order List 202309, Search Seller Affiliate Orders 202410 and Search Returns 202309.
Every expectation below is worked out by hand from the fixture's values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.importers import ImportRefused, OrderRow
from tierwise.importers.tiktok import import_tiktok_orders

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "importers" / "tiktok"
SHOP = "7494726673780148744"


def utc(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, 9, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(scope="module")
def rows() -> dict[str, OrderRow]:
    result = import_tiktok_orders(FIXTURES, SHOP)
    return {r.order_id: r for r in result.rows}


def test_completed_live_order_two_units_one_refunded(rows: dict[str, OrderRow]) -> None:
    r = rows["5770000000000000001"]
    assert r.seller_id == SHOP  # the shop the pages were fetched for
    assert r.product_id == "1728000000000000001"
    # two line rows of one SKU at 199.50: one canonical order of 2 units, 399.00
    assert (r.amount, r.quantity, r.currency) == (Decimal("399.00"), 2, "THB")
    # create_time 1725148800 = 2024-09-01 00:00:00 UTC; paid 300 s later
    assert r.created_at == utc(1)
    assert r.paid_at == utc(1, 0, 5)
    # affiliate row: LIVE by somchai.live in room 7400000000000000001
    assert (r.channel, r.creator_id, r.content_id) == (
        "live",
        "somchai.live",
        "7400000000000000001",
    )
    # return …005 (399.00) was edited into …006 (one line, 199.50): only the latter counts
    assert r.refund_amount == Decimal("199.50")
    # rts 09-02 before the SLA of 09-03
    assert r.late_dispatch is False
    assert r.cancelled_by is None
    assert r.buyer_id == "7000000000000000001"


def test_cancelled_after_payment_is_refunded_whole(rows: dict[str, OrderRow]) -> None:
    r = rows["5770000000000000002"]
    assert r.paid_at == utc(1, 1, 1)  # 1725152460
    assert (r.amount, r.refund_amount, r.cancelled_by) == (
        Decimal("89.00"),
        Decimal("89.00"),
        "buyer",
    )
    assert r.channel == "shop_tab"  # no affiliate row: the shop's own sale


def test_cod_cancelled_before_delivery_was_never_paid(rows: dict[str, OrderRow]) -> None:
    r = rows["5770000000000000003"]
    assert r.paid_at is None
    assert (r.amount, r.refund_amount, r.currency) == (Decimal("89000"), Decimal(0), "VND")
    assert r.cancelled_by == "system"


def test_cod_completed_is_paid_on_delivery(rows: dict[str, OrderRow]) -> None:
    r = rows["5770000000000000004"]
    # paid_time == delivery_time == 1725580800 = 2024-09-06 00:00 UTC
    assert r.paid_at == utc(6)
    assert (r.amount, r.currency) == (Decimal("10000"), "IDR")


def test_unpaid_and_on_hold(rows: dict[str, OrderRow]) -> None:
    assert rows["5770000000000000005"].paid_at is None
    assert rows["5770000000000000005"].currency == "USD"
    assert rows["5770000000000000005"].amount == Decimal("12.50")
    assert rows["5770000000000000006"].paid_at == utc(3, 0, 1, 40)  # 1725321700


def test_two_skus_become_two_orders_and_the_gift_none(rows: dict[str, OrderRow]) -> None:
    a = rows["5770000000000000007:1729000000000000071"]
    b = rows["5770000000000000007:1729000000000000072"]
    assert (a.amount, a.channel, a.creator_id, a.content_id) == (
        Decimal("100.00"),
        "video",
        "nid.video",
        "7300000000000000001",
    )
    # SHOP content is the creator's showcase: no content id
    assert (b.amount, b.channel, b.creator_id, b.content_id) == (
        Decimal("50.00"),
        "showcase",
        "nid.video",
        None,
    )
    assert "5770000000000000007:1729000000000000073" not in rows  # the gift line
    assert "5770000000000000007" not in rows


def test_other_content_types(rows: dict[str, OrderRow]) -> None:
    # PRE_LIVE, PROMOTION_PAGE, LINKSHARE: 'other', with the creator but no live/video id
    for order_id in ("5770000000000000008", "5770000000000000009", "5770000000000000010"):
        assert rows[order_id].channel == "other"
        assert rows[order_id].content_id is None
    assert rows["5770000000000000009"].creator_id == "ploy.deals"


def test_late_dispatch(rows: dict[str, OrderRow]) -> None:
    # rts 1725667200 (09-07) after the SLA 1725580800 (09-06)
    assert rows["5770000000000000009"].late_dispatch is True
    assert rows["5770000000000000010"].late_dispatch is False


def test_partial_and_full_refunds(rows: dict[str, OrderRow]) -> None:
    # accepted partial refund of 60.00 on a 300.00 order
    assert rows["5770000000000000011"].refund_amount == Decimal("60.00")
    # full return of the line: 150.00
    assert rows["5770000000000000012"].refund_amount == Decimal("150.00")
    # a pending return, a rejected one and a replacement refund nothing
    assert rows["5770000000000000010"].refund_amount == 0
    assert rows["5770000000000000009"].refund_amount == 0


def test_samples_and_replacements_are_left_out(rows: dict[str, OrderRow]) -> None:
    assert "5770000000000000013" not in rows
    assert "5770000000000000014" not in rows
    result = import_tiktok_orders(FIXTURES, SHOP)
    assert result.left_out["sample orders"] == 1
    assert result.left_out["replacement orders (the original order is counted)"] == 1
    assert result.left_out["returns of orders not in the pages"] == 1
    assert result.left_out["returns superseded by an edited request"] == 1
    # pending, rejected, replacement completed
    assert result.left_out["returns not refunded (yet)"] == 3
    assert result.records == 17


def test_legacy_integer_statuses(rows: dict[str, OrderRow]) -> None:
    delivered = rows["5760000000000000015"]  # 122 DELIVERED
    assert delivered.paid_at == utc(1, 0, 1, 40)
    assert delivered.cancelled_by is None
    cancelled = rows["5760000000000000016"]  # 140 CANCELLED, never paid, line cancel_user SYSTEM
    assert (cancelled.paid_at, cancelled.cancelled_by, cancelled.refund_amount) == (
        None,
        "system",
        Decimal(0),
    )


def test_a_19_digit_id_given_as_a_json_number_keeps_every_digit(
    rows: dict[str, OrderRow],
) -> None:
    # a float would read 5770000000000000017 as 5770000000000000000
    assert float(5770000000000000017) == 5770000000000000000
    r = rows["5770000000000000017"]
    assert r.product_id == "1728000000000000017"
    assert r.buyer_id == "7000000000000000017"


def _page(order: dict[str, object]) -> str:
    return json.dumps({"code": 0, "message": "Success", "data": {"orders": [order]}})


def _order(order_id: object, price: object = "10.00", **extra: object) -> dict[str, object]:
    order: dict[str, object] = {
        "id": order_id,
        "status": "COMPLETED",
        "create_time": 1725148800,
        "paid_time": 1725148900,
        "payment": {"currency": "THB"},
        "line_items": [{"id": "1", "product_id": "2", "sku_id": "3", "sale_price": price}],
    }
    order.update(extra)
    return order


@settings(max_examples=40, deadline=None)
@given(
    order_id=st.integers(min_value=10**17, max_value=10**20),
    cents=st.integers(min_value=0, max_value=10**12),
)
def test_ids_and_money_survive_exactly(
    tmp_path_factory: pytest.TempPathFactory, order_id: int, cents: int
) -> None:
    folder = tmp_path_factory.mktemp("page")
    price = f"{Decimal(cents) / 100:.2f}"
    (folder / "orders.json").write_text(_page(_order(order_id, price)))
    (row,) = import_tiktok_orders(folder, SHOP).rows
    assert row.order_id == str(order_id)
    assert row.amount == Decimal(price)


def test_webhook_spelling_cancel_is_cancelled(tmp_path: Path) -> None:
    (tmp_path / "orders.json").write_text(_page(_order("9", status="CANCEL")))
    (row,) = import_tiktok_orders(tmp_path, SHOP).rows
    assert (row.cancelled_by, row.refund_amount) == ("system", Decimal("10.00"))


def refusal(tmp_path: Path, order: dict[str, object]) -> str:
    (tmp_path / "orders.json").write_text(_page(order))
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_orders(tmp_path, SHOP)
    return str(exc.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": "SHIPPED"}, "record 1 (id 77): status: not a TikTok Shop order status"),
        ({"status": 999}, "record 1 (id 77): status: not a TikTok Shop order status"),
        ({"create_time": 1725148800000}, "create_time: looks like milliseconds"),
        (
            {"paid_time": None, "status": "AWAITING_SHIPMENT"},
            "paid_time: missing on an order in status AWAITING_SHIPMENT",
        ),
        (
            {"is_cod": True, "status": "DELIVERED", "paid_time": None},
            "delivery_time: missing on a COD order in status DELIVERED",
        ),
        ({"payment": {"currency": "XXX"}}, "payment.currency: not an ISO 4217 currency"),
        ({"line_items": []}, "line_items: List should have at least 1 item"),
    ],
)
def test_refusals_name_file_record_and_field(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    message = refusal(tmp_path, _order("77", **change))
    assert f"{tmp_path / 'orders.json'}: " in message
    assert expected in message


def test_refused_money_and_ids(tmp_path: Path) -> None:
    message = refusal(tmp_path, _order("77", price="12.34567"))
    assert (
        "record 1 (id 77): line_items.0.sale_price: more than 4 decimal places (12.34567)"
        in message
    )
    message = refusal(tmp_path, _order(5.770000000000000017e18))
    assert "id: an id given as a number with a fraction or exponent has lost digits" in message


def test_a_malformed_page_is_refused_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "orders.json").write_text('{"data": {"orders": [\n {"id": "1" "status": 1}]}}')
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_orders(tmp_path, SHOP)
    assert "orders.json: line 2 column 13: not JSON: Expecting ',' delimiter" in str(exc.value)


def test_an_error_response_is_refused(tmp_path: Path) -> None:
    body = {"code": 36009004, "message": "Invalid access token", "data": None}
    (tmp_path / "orders.json").write_text(json.dumps(body))
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_orders(tmp_path, SHOP)
    assert "code: the page is an error response (code 36009004: Invalid access token)" in str(
        exc.value
    )


def test_a_return_larger_than_the_order_is_refused(tmp_path: Path) -> None:
    (tmp_path / "orders.json").write_text(_page(_order("77")))
    ret = {
        "return_id": "R1",
        "order_id": "77",
        "return_type": "REFUND",
        "return_status": "RETURN_OR_REFUND_REQUEST_COMPLETE",
        "refund_amount": {"currency": "THB", "refund_subtotal": "10.01"},
    }
    (tmp_path / "returns.json").write_text(
        json.dumps({"code": 0, "data": {"return_orders": [ret]}})
    )
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_orders(tmp_path, SHOP)
    assert (
        "record 1 (id 77): returns: completed returns refund 10.01 THB of SKU order 77, "
        "more than its 10.00 paid" in str(exc.value)
    )


@pytest.mark.parametrize(
    ("code", "paid", "cancelled_by"),
    [
        (100, False, None),  # UNPAID
        (105, True, None),  # ON_HOLD with a paid_time
        (111, True, None),  # AWAITING_SHIPMENT
        (112, True, None),  # AWAITING_COLLECTION
        (114, True, None),  # PARTIALLY_SHIPPING
        (121, True, None),  # IN_TRANSIT
        (122, True, None),  # DELIVERED
        (130, True, None),  # COMPLETED
        (140, True, "system"),  # CANCELLED after payment, no initiator given
    ],
)
def test_every_legacy_code(tmp_path: Path, code: int, paid: bool, cancelled_by: str | None) -> None:
    order = _order("9", order_status=code)
    del order["status"]  # a v1 export has the integer under order_status
    (tmp_path / "orders.json").write_text(_page(order))
    (row,) = import_tiktok_orders(tmp_path, SHOP).rows
    assert (row.paid_at is not None, row.cancelled_by) == (paid, cancelled_by)
    assert row.refund_amount == (Decimal("10.00") if cancelled_by else 0)


@pytest.mark.parametrize(
    ("status", "refunded"),
    [
        ("RETURN_OR_REFUND_REQUEST_PENDING", False),
        ("REFUND_OR_RETURN_REQUEST_REJECT", False),
        ("AWAITING_BUYER_SHIP", False),
        ("BUYER_SHIPPED_ITEM", False),
        ("REJECT_RECEIVE_PACKAGE", False),
        ("RETURN_OR_REFUND_REQUEST_SUCCESS", False),  # approved, money not sent yet
        ("RETURN_OR_REFUND_REQUEST_CANCEL", False),
        ("RETURN_OR_REFUND_REQUEST_COMPLETE", True),
        ("REPLACEMENT_REQUEST_PENDING", False),
        ("REPLACEMENT_REQUEST_REJECT", False),
        ("REPLACEMENT_REQUEST_REFUND_SUCCESS", True),
        ("REPLACEMENT_REQUEST_CANCEL", False),
        ("REPLACEMENT_REQUEST_COMPLETE", False),
        ("AWAITING_BUYER_RESPONSE", False),
    ],
)
def test_every_return_status(tmp_path: Path, status: str, refunded: bool) -> None:
    (tmp_path / "orders.json").write_text(_page(_order("9")))
    ret = {
        "return_id": "R1",
        "order_id": "9",
        "return_type": "REPLACEMENT" if status.startswith("REPLACEMENT") else "RETURN_AND_REFUND",
        "return_status": status,
        "refund_amount": {"currency": "THB", "refund_subtotal": "4.00"},
    }
    (tmp_path / "returns.json").write_text(
        json.dumps({"code": 0, "data": {"return_orders": [ret]}})
    )
    (row,) = import_tiktok_orders(tmp_path, SHOP).rows
    assert row.refund_amount == (Decimal("4.00") if refunded else 0)


def test_a_return_status_outside_the_enum_is_refused(tmp_path: Path) -> None:
    (tmp_path / "orders.json").write_text(_page(_order("9")))
    ret = {"return_id": "R1", "order_id": "9", "return_type": "REFUND", "return_status": "DONE"}
    (tmp_path / "returns.json").write_text(
        json.dumps({"code": 0, "data": {"return_orders": [ret]}})
    )
    with pytest.raises(ImportRefused) as exc:
        import_tiktok_orders(tmp_path, SHOP)
    assert "returns.json: record 1 (return_id R1): return_status: Input should be" in str(exc.value)


@pytest.mark.parametrize(
    ("initiator", "cancel_user", "expected"),
    [
        ("SELLER", None, "seller"),
        ("BUYER", None, "buyer"),
        ("SYSTEM", None, "system"),
        (None, "SELLER", "seller"),
        (None, "OPERATOR", "system"),
        (None, None, "system"),
    ],
)
def test_who_cancelled(
    tmp_path: Path, initiator: str | None, cancel_user: str | None, expected: str
) -> None:
    order = _order("9", status="CANCELLED", cancellation_initiator=initiator)
    order["line_items"] = [
        {
            "id": "1",
            "product_id": "2",
            "sku_id": "3",
            "sale_price": "10",
            "cancel_user": cancel_user,
        }
    ]
    (tmp_path / "orders.json").write_text(_page(order))
    (row,) = import_tiktok_orders(tmp_path, SHOP).rows
    assert row.cancelled_by == expected
