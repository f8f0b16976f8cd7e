"""The columnar import (DuckDB) and the precise reader (pydantic models, one record at a
time) give the same canonical rows: on every fixture, and on generated order pages."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.importers.tiktok import LEGACY_CODES, ORDER_STATUSES, read_precisely
from tierwise.importers.tiktok_columnar import import_tiktok_orders

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "importers" / "tiktok"
SHOP = "7494726673780148744"


def test_every_fixture_gives_the_precise_rows() -> None:
    fast = import_tiktok_orders(FIXTURES, SHOP)
    precise = read_precisely(FIXTURES, SHOP)
    assert fast.rows == precise.rows
    assert fast.origins == precise.origins
    assert (fast.records, fast.left_out) == (precise.records, precise.left_out)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_each_fixture_file_alone(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text((FIXTURES / name).read_text())
    assert import_tiktok_orders(tmp_path, SHOP).rows == read_precisely(tmp_path, SHOP).rows


_ids = st.integers(min_value=10**17, max_value=10**20)
_money = st.integers(min_value=0, max_value=10**9).map(lambda c: f"{Decimal(c) / 100:.2f}")
_status = st.one_of(st.sampled_from(ORDER_STATUSES), st.sampled_from(sorted(LEGACY_CODES)))


@st.composite
def _orders(draw: st.DrawFn) -> dict[str, object]:
    order_id = draw(_ids)
    skus = draw(st.lists(_ids, min_size=1, max_size=3, unique=True))
    lines = [
        {
            "id": f"{order_id}{k}",
            "product_id": draw(_ids),
            "sku_id": draw(st.sampled_from(skus)) if k else skus[0],
            "sale_price": draw(_money),
            "is_gift": draw(st.booleans()) if k else False,
        }
        for k in range(draw(st.integers(min_value=1, max_value=4)))
    ]
    created = draw(st.integers(min_value=1_600_000_000, max_value=1_800_000_000))
    cod = draw(st.booleans())
    return {
        # ids as strings or as JSON numbers (a number of 20 digits is exact too)
        "id": draw(st.sampled_from([order_id, str(order_id)])),
        "status": draw(_status),
        "user_id": str(draw(_ids)),
        "create_time": created,
        "paid_time": created + 60,
        "delivery_time": created + 86_400,
        "rts_time": created + draw(st.integers(min_value=0, max_value=200_000)),
        "rts_sla_time": created + 100_000,
        "is_cod": cod,
        "cancellation_initiator": draw(st.sampled_from([None, "SELLER", "BUYER", "SYSTEM"])),
        "payment": {"currency": draw(st.sampled_from(["THB", "IDR", "USD", "VND", "MYR"]))},
        "line_items": lines,
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.lists(_orders(), min_size=1, max_size=6, unique_by=lambda o: str(o["id"])))
def test_generated_orders_give_identical_rows(
    tmp_path_factory: pytest.TempPathFactory, orders: list[dict[str, object]]
) -> None:
    folder = tmp_path_factory.mktemp("pages")
    page = {"code": 0, "message": "Success", "data": {"orders": orders}}
    (folder / "orders.json").write_text(json.dumps(page))
    affiliate = [
        {
            "id": str(o["id"]),
            "skus": [
                {
                    "sku_id": str(o["line_items"][0]["sku_id"]),  # type: ignore[index]
                    "content_type": ("LIVE", "VIDEO", "SHOP")[i % 3],
                    "content_id": f"74{i:017d}",
                    "creator_username": f"creator{i}",
                }
            ],
        }
        for i, o in enumerate(orders)
        if i % 2 == 0
    ]
    (folder / "affiliate.json").write_text(json.dumps({"code": 0, "data": {"orders": affiliate}}))
    try:
        precise = read_precisely(folder, SHOP)
    except Exception as refused:  # the same refusal, worded the same
        with pytest.raises(type(refused)) as fast_refused:
            import_tiktok_orders(folder, SHOP)
        assert str(fast_refused.value) == str(refused)
        return
    fast = import_tiktok_orders(folder, SHOP)
    assert fast.rows == precise.rows
    assert (fast.records, fast.left_out) == (precise.records, precise.left_out)
