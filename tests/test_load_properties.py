"""Properties of loading: idempotent, split loads equal one load, later loads win by key,
and the synthetic generator's output passes validation in every format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.store import EventStore, LoadReport
from tierwise.store.contract import TABLE_INDEX, TABLES

ORDER_COLUMNS = TABLE_INDEX["orders"].column_names
ZONES = [UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3, minutes=-30))]


@st.composite
def orders(draw: st.DrawFn) -> dict[str, str]:
    """One valid order as CSV text values, from a small key pool so keys repeat."""
    amount = draw(st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False))
    refund = draw(st.decimals(min_value=0, max_value=amount, places=4, allow_nan=False))
    created = draw(
        st.datetimes(
            min_value=datetime(2023, 1, 1),
            max_value=datetime(2025, 12, 31),
            timezones=st.sampled_from(ZONES),
        )
    )
    paid = draw(st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
    words = st.text(alphabet="abcXYZ 0-9é", min_size=1, max_size=6)
    flag = st.sampled_from(["true", "false", "1", "0", "TRUE"])
    return {
        "order_id": draw(st.sampled_from([f"O{i}" for i in range(12)])),
        "seller_id": draw(st.sampled_from(["S1", "S2"])),
        "creator_id": draw(st.sampled_from(["", "C1"])),
        "product_id": draw(words),
        "channel": draw(st.sampled_from(TABLE_INDEX["orders"].column("channel").enum or ())),
        "content_id": "",
        "buyer_id": draw(st.sampled_from(["", "B1", "B2"])),
        "created_at": created.isoformat(),
        "paid_at": "" if paid is None else (created + paid).isoformat(),
        "amount": str(amount),
        "refund_amount": str(refund),
        "currency": draw(st.sampled_from(["THB", "IDR"])),
        "cancelled_by": draw(st.sampled_from(["", "seller", "buyer", "system"])),
        "late_dispatch": draw(flag),
        "return_fault": draw(st.sampled_from(["", "seller", "buyer"])),
        "review_rating": draw(st.sampled_from(["", "1", "3", "5"])),
        "abnormal": draw(flag),
        "good_goods": draw(flag),
        "worry_free": draw(flag),
        "quantity": draw(st.sampled_from(["", "1", "2", "12"])),
    }


def one_per_key(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Keep the first row of each key: one load may not give a key two contents."""
    seen: dict[str, dict[str, str]] = {}
    for r in rows:
        seen.setdefault(r["order_id"], r)
    return list(seen.values())


def write_orders(root: Path, name: str, rows: list[dict[str, str]]) -> Path:
    out = root / name
    out.mkdir(parents=True, exist_ok=True)
    lines = [",".join(ORDER_COLUMNS)]
    lines += [",".join(f'"{r[c]}"' if r[c] else "" for c in ORDER_COLUMNS) for r in rows]
    (out / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def snapshot(store: EventStore) -> list[tuple[object, ...]]:
    return store.con.execute("SELECT * FROM orders ORDER BY order_id").fetchall()


_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@_SETTINGS
@given(rows=st.lists(orders(), min_size=1, max_size=12))
def test_loading_twice_equals_loading_once(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str]]
) -> None:
    rows = one_per_key(rows)
    data = write_orders(tmp_path_factory.mktemp("twice"), "data", rows)
    with EventStore.open(":memory:") as s:
        s.load(data)
        once = snapshot(s)
        again = s.load(data).counts("orders")
        assert snapshot(s) == once
    assert (again.inserted, again.replaced, again.unchanged) == (0, 0, len(rows))


@_SETTINGS
@given(rows=st.lists(orders(), min_size=1, max_size=12), cut=st.integers(0, 12))
def test_a_file_loaded_in_two_parts_equals_it_loaded_whole(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str]], cut: int
) -> None:
    rows = one_per_key(rows)
    root = tmp_path_factory.mktemp("split")
    with EventStore.open(":memory:") as whole, EventStore.open(":memory:") as parts:
        whole.load(write_orders(root, "whole", rows))
        parts.load(write_orders(root, "first", rows[:cut]))
        parts.load(write_orders(root, "second", rows[cut:]))
        assert snapshot(parts) == snapshot(whole)


@_SETTINGS
@given(old=st.lists(orders(), max_size=10), new=st.lists(orders(), min_size=1, max_size=10))
def test_a_later_load_replaces_rows_by_key(
    tmp_path_factory: pytest.TempPathFactory,
    old: list[dict[str, str]],
    new: list[dict[str, str]],
) -> None:
    old, new = one_per_key(old), one_per_key(new)
    root = tmp_path_factory.mktemp("later")
    kept = [r for r in old if r["order_id"] not in {n["order_id"] for n in new}]
    with EventStore.open(":memory:") as merged, EventStore.open(":memory:") as expected:
        merged.load(write_orders(root, "old", old))
        report = merged.load(write_orders(root, "new", new)).counts("orders")
        expected.load(write_orders(root, "expected", kept + new))
        assert snapshot(merged) == snapshot(expected)
    old_keys = {r["order_id"] for r in old}
    assert report.inserted == len([r for r in new if r["order_id"] not in old_keys])
    assert report.inserted + report.replaced + report.unchanged == len(new)


def test_money_survives_as_written(tmp_path: Path) -> None:
    row = {c: "" for c in ORDER_COLUMNS} | {
        "order_id": "O1",
        "seller_id": "S1",
        "product_id": "P",
        "channel": "live",
        "created_at": "2024-01-01T00:00:00Z",
        "amount": "99999999999999.9999",
        "refund_amount": "0.0001",
        "currency": "IDR",
        "late_dispatch": "0",
        "abnormal": "0",
        "good_goods": "0",
        "worry_free": "0",
    }
    with EventStore.open(":memory:") as s:
        s.load(write_orders(tmp_path, "d", [row]))
        amount, refund = s.con.execute("SELECT amount, refund_amount FROM orders").fetchone() or ()
    assert (amount, refund) == (Decimal("99999999999999.9999"), Decimal("0.0001"))


# --- the generator's output ----------------------------------------------------------------

synth = pytest.importorskip("tierwise.synth")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_generated_data_passes_validation(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / fmt
    generated = synth.generate(out, "tiny", 3, fmt)
    with EventStore.open(":memory:") as s:
        report: LoadReport = s.load(out)
        assert report.warnings.lines() == []
        for t in TABLES:
            assert report.counts(t.name).inserted == generated.tables[t.name].rows, t.name
