"""巨量百应 MCN order exports to canonical orders: 分 API pages and yuan CSV exports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tierwise.importers import ImportRefused
from tierwise.importers.buyin import import_buyin_orders

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "importers" / "buyin"
SH = ZoneInfo("Asia/Shanghai")


def test_api_page_in_fen() -> None:
    rows = {r.order_id: r for r in import_buyin_orders(FIXTURES / "mcn_orders_page.json").rows}
    r = rows["6920000000000000001"]
    assert (r.seller_id, r.product_id, r.creator_id) == (
        "4463798",
        "3473196049974326278",
        "7000000000000000101",
    )
    assert (r.channel, r.content_id) == ("live", "7100000000000000001")  # media_id a JSON number
    assert (r.amount, r.refund_amount, r.currency) == (Decimal("1299.00"), Decimal(0), "CNY")
    # "2024-09-10 12:01:00" Beijing time
    assert r.paid_at == r.created_at == datetime(2024, 9, 10, 12, 1, tzinfo=SH)
    assert (rows["6920000000000000002"].channel, rows["6920000000000000002"].quantity) == (
        "video",
        2,
    )
    # SETTLE with 125万 of 130万 settled: a partial refund of 5万; shop_list is the showcase
    r = rows["6920000000000000003"]
    assert (r.channel, r.content_id) == ("showcase", None)
    assert (r.amount, r.refund_amount) == (Decimal("1300000.00"), Decimal("50000.00"))
    # REFUND: all of it; 'others' is other
    r = rows["6920000000000000004"]
    assert (r.channel, r.amount, r.refund_amount) == ("other", Decimal("199.00"), Decimal("199.00"))
    # no 百应 id: the open id names the author
    assert rows["6920000000000000005"].creator_id == "_000XyZ"


def test_csv_export_in_yuan() -> None:
    rows = {
        r.order_id: r
        for r in import_buyin_orders(FIXTURES / "mcn_orders_yuan.csv", money="yuan").rows
    }
    assert rows["6920000000000000011"].amount == Decimal("1.7")
    r = rows["6920000000000000012"]
    assert (r.amount, r.refund_amount) == (Decimal("1299.00"), Decimal("298.50"))
    assert r.paid_at == datetime(2024, 9, 11, 0, 30, tzinfo=SH)


def test_a_yuan_export_read_as_fen_is_refused_at_its_line() -> None:
    with pytest.raises(ImportRefused) as exc:
        import_buyin_orders(FIXTURES / "mcn_orders_yuan.csv")
    assert (
        "mcn_orders_yuan.csv: line 2 (order_id 6920000000000000011): pay_goods_amount: "
        "分 (fen) is a whole number; is this export in yuan (--money yuan)? (1.7)"
    ) in str(exc.value)


def test_a_fen_export_read_as_yuan_is_refused_when_it_has_too_many_places(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "order_id,product_id,shop_id,pay_goods_amount,flow_point,pay_success_time,media_type\n"
        "1,2,3,1.705,PAY_SUCC,2024-09-10 12:00:00,live\n"
    )
    with pytest.raises(ImportRefused) as exc:
        import_buyin_orders(tmp_path, money="yuan")
    assert "line 2 (order_id 1): pay_goods_amount: yuan have at most 2 decimal places" in str(
        exc.value
    )


@pytest.mark.parametrize(
    ("cell", "column", "expected"),
    [
        (
            "commission_rate",
            "12000",
            "commission_rate: Input should be less than or equal to 10000",
        ),
        (
            "pay_success_time",
            "2024/09/10 12:00",
            "pay_success_time: not a time YYYY-MM-DD HH:MM:SS",
        ),
        (
            "flow_point",
            "PAID",
            "flow_point: Input should be 'PAY_SUCC', 'CONFIRM', 'SETTLE' or 'REFUND'",
        ),
        ("media_type", "tv", "media_type: Input should be"),
    ],
)
def test_refusals(tmp_path: Path, cell: str, column: str, expected: str) -> None:
    row = {
        "order_id": "1",
        "product_id": "2",
        "shop_id": "3",
        "pay_goods_amount": "100",
        "flow_point": "PAY_SUCC",
        "pay_success_time": "2024-09-10 12:00:00",
        "media_type": "live",
        "commission_rate": "3500",
    }
    row[cell] = column
    (tmp_path / "orders.csv").write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n")
    with pytest.raises(ImportRefused) as exc:
        import_buyin_orders(tmp_path)
    assert f"orders.csv: line 2 (order_id 1): {expected}" in str(exc.value)
