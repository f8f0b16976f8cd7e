"""Douyin 抖店 order pages, after-sales and pushed messages to canonical orders.

The fixtures (tests/fixtures/importers/douyin) follow the public field lists of
order.searchList / order.orderDetail, afterSale.List and the message push (tags 101, 106,
206). Money is in 分, times are Unix seconds (shown in Asia/Shanghai). Every expectation is
worked out by hand from the fixture values.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierwise.importers import ImportRefused, OrderRow
from tierwise.importers.douyin import import_douyin_orders

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "importers" / "douyin"
SH = ZoneInfo("Asia/Shanghai")
#: 1725940800 = 2024-09-10 12:00:00 in Shanghai.
CREATED = datetime(2024, 9, 10, 12, 0, tzinfo=SH)


@pytest.fixture(scope="module")
def rows() -> dict[str, OrderRow]:
    return {r.order_id: r for r in import_douyin_orders(FIXTURES).rows}


def test_live_child_order_with_big_json_number_ids(rows: dict[str, OrderRow]) -> None:
    # ids written as JSON numbers above 2**53 keep every digit
    r = rows["6919000000000000001"]
    assert r.seller_id == "4463798"
    assert r.product_id == "3473196049974326278"
    assert (r.channel, r.creator_id, r.content_id) == (
        "live",
        "3500000000000000001",
        "7100000000000000001",
    )
    assert (r.amount, r.currency, r.refund_amount) == (Decimal("1299.00"), "CNY", Decimal(0))
    assert r.created_at == CREATED
    assert r.paid_at == datetime(2024, 9, 10, 12, 1, tzinfo=SH)
    assert r.buyer_id == "1@#AbCdEf0001"
    # ship 1726000000 before exp_ship_time 1726113600
    assert r.late_dispatch is False


def test_video_child_of_the_same_parent(rows: dict[str, OrderRow]) -> None:
    r = rows["6919000000000000002"]
    # room_id 0 is no room; video_id set; child order_status given as the string "5"
    assert (r.channel, r.content_id, r.quantity) == ("video", "7200000000000000001", 2)
    assert r.amount == Decimal("119.80")  # 11980 分


def test_closed_order_disambiguated_by_main_status(rows: dict[str, OrderRow]) -> None:
    # 4/22 发货后退款完结: paid, refunded whole, not a cancellation; showcase (author, no content)
    r = rows["6919000000000000010"]
    assert (r.amount, r.refund_amount, r.cancelled_by) == (
        Decimal("199.00"),
        Decimal("199.00"),
        None,
    )
    assert (r.channel, r.content_id) == ("showcase", None)
    # 4/4 cancelled before payment by the buyer (after_sale_type 5): nothing paid
    r = rows["6919000000000000020"]
    assert (r.paid_at, r.refund_amount, r.cancelled_by) == (None, Decimal(0), "buyer")
    assert r.channel == "shop_tab"  # c_biz 8 小店自卖, no author
    # 4/21 发货前退款完结: refunded before shipment, counted as the buyer's cancellation
    r = rows["6919000000000000030"]
    assert (r.refund_amount, r.cancelled_by) == (Decimal("1299.00"), "buyer")
    # 4/39 收货后退款完结
    r = rows["6919000000000000040"]
    assert (r.refund_amount, r.cancelled_by) == (Decimal("59.90"), None)


def test_partial_refunds_from_after_sales_and_pushes(rows: dict[str, OrderRow]) -> None:
    # afterSale.List: 3000 分 refunded on a 10000 分 line
    assert rows["6919000000000000060"].refund_amount == Decimal("30.00")
    # push 206 of 2950 分, delivered twice (same msg_id): counted once; shipped late
    r = rows["6919000000000000050"]
    assert (r.amount, r.refund_amount, r.quantity) == (Decimal("88.50"), Decimal("29.50"), 3)
    assert r.late_dispatch is True  # ship 1726200000 after 1726113600
    # an after-sale still waiting (status 6) refunds nothing
    assert rows["6919000000000000090"].refund_amount == 0


def test_paid_statuses_and_partial_payment(rows: dict[str, OrderRow]) -> None:
    for order_id in ("6919000000000000070", "6919000000000000071", "6919000000000000072"):
        assert rows[order_id].paid_at == datetime(2024, 9, 10, 12, 1, 40, tzinfo=SH)
    # 1/103 部分支付 (deposit presale): not paid
    assert rows["6919000000000000080"].paid_at is None


def test_samples_zero_price_and_gifts_left_out(rows: dict[str, OrderRow]) -> None:
    for order_id in ("6919000000000000061", "6919000000000000081", "6919000000000000082"):
        assert order_id not in rows
    result = import_douyin_orders(FIXTURES)
    assert result.left_out["samples"] == 1
    assert result.left_out["zero-price orders"] == 1
    assert result.left_out["free gifts"] == 1
    assert result.left_out["pushed messages repeated (same msg_id)"] == 1
    assert result.records == 16
    assert len(result.rows) == 13


def _order(**child: Any) -> dict[str, Any]:
    line = {
        "order_id": "1",
        "parent_order_id": "1",
        "order_status": 2,
        "main_status": 2,
        "product_id": "9",
        "sku_id": "8",
        "item_num": 1,
        "pay_amount": 100,
        "create_time": 1725940800,
        "pay_time": 1725940800,
    }
    line.update(child)
    return {"order_id": "1", "shop_id": "7", "sku_order_list": [line]}


def refused(tmp_path: Path, *orders: dict[str, Any], extra: Any = None) -> str:
    page = {"code": 10000, "msg": "success", "data": {"shop_order_list": list(orders)}}
    (tmp_path / "orders.json").write_text(json.dumps(page))
    if extra is not None:
        (tmp_path / "push.json").write_text(json.dumps(extra))
    with pytest.raises(ImportRefused) as exc:
        import_douyin_orders(tmp_path)
    return str(exc.value)


def test_a_status_pair_the_platform_never_sends_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, _order(order_status=4, main_status=2))
    assert (
        "orders.json: record 1 (order_id 1): sku_order_list.0.main_status: order_status 4 "
        "with main_status 2" in message
    )
    message = refused(tmp_path, _order(order_status=2, main_status=22))
    assert "sku_order_list.0.main_status: order_status 2 with main_status 22" in message
    message = refused(tmp_path, _order(order_status=7))
    assert "sku_order_list.0.order_status: not a Douyin order_status" in message


def test_money_in_yuan_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, _order(pay_amount="1.5"))
    assert (
        "sku_order_list.0.pay_amount: 分 (fen) is a whole number; is this amount in yuan? (1.5)"
        in message
    )


def test_a_successful_after_sale_needs_its_amount(tmp_path: Path) -> None:
    info = {"after_sale_status": 12, "after_sale_type": 1, "refund_status": 3}
    message = refused(tmp_path, _order(order_status=3, main_status=3, after_sale_info=info))
    assert "sku_order_list (order_id 1).after_sale_info: after-sale succeeded but no" in message


def test_a_pushed_message_with_bad_inner_json_is_refused(tmp_path: Path) -> None:
    pushes = [{"tag": "206", "msg_id": "5", "data": '{"aftersale_id": 1, "s_id": 1,'}]
    message = refused(tmp_path, _order(), extra=pushes)
    assert "push.json: record 1 (msg_id 5): data: not JSON in the string" in message
    pushes = [{"tag": "206", "msg_id": "5", "data": '{"aftersale_id": 1, "s_id": 1, "p_id": 1}'}]
    message = refused(tmp_path, _order(), extra=pushes)
    assert "push.json: record 1 (msg_id 5) data: refund_amount: Field required" in message


def test_a_refund_above_the_paid_amount_is_refused(tmp_path: Path) -> None:
    data = json.dumps({"aftersale_id": 1, "s_id": 1, "p_id": 1, "refund_amount": 101})
    message = refused(tmp_path, _order(), extra=[{"tag": "206", "msg_id": "5", "data": data}])
    assert "after-sales refund 101 分, more than the 100 分 paid" in message


@settings(max_examples=40, deadline=None)
@given(
    fen=st.integers(min_value=1, max_value=10**15),
    share=st.fractions(min_value=0, max_value=1),
    big_id=st.integers(min_value=2**53, max_value=2**63 - 1),
)
def test_fen_become_exact_yuan_and_int64_ids_stay_whole(
    tmp_path_factory: pytest.TempPathFactory, fen: int, share: Fraction, big_id: int
) -> None:
    refund = int(fen * share)
    folder = tmp_path_factory.mktemp("dy")
    order = _order(order_id=big_id, parent_order_id=big_id, pay_amount=fen, author_id=big_id)
    page = {"code": 10000, "data": {"shop_order_list": [order]}}
    push = {"aftersale_id": 1, "s_id": big_id, "p_id": big_id, "refund_amount": refund}
    (folder / "orders.json").write_text(json.dumps(page))
    (folder / "push.json").write_text(
        json.dumps([{"tag": "206", "msg_id": "1", "data": json.dumps(push)}])
    )
    (row,) = import_douyin_orders(folder).rows
    assert (row.order_id, row.creator_id) == (str(big_id), str(big_id))
    assert row.amount * 100 == fen
    assert row.refund_amount * 100 == refund


@pytest.mark.parametrize(
    ("trade_type", "given", "left_out"),
    [
        (0, None, None),
        (1, None, None),  # 拼团: a sale
        (2, None, None),  # 定金预售: a sale
        (5, None, "zero-price orders"),
        (10, None, "samples"),
        (11, None, "zero-price orders"),
        (12, None, "samples"),
        (0, "FREE", "free gifts"),
        (0, "MASTER", None),
    ],
)
def test_trade_types_and_gifts(
    tmp_path: Path, trade_type: int, given: str | None, left_out: str | None
) -> None:
    page = {
        "code": 10000,
        "data": {"shop_order_list": [_order(trade_type=trade_type, given_product_type=given)]},
    }
    (tmp_path / "orders.json").write_text(json.dumps(page))
    result = import_douyin_orders(tmp_path)
    assert len(result.rows) == (0 if left_out else 1)
    if left_out:
        assert result.left_out[left_out] == 1
