"""The data fingerprint of a run is computed in the database (a sum of row hashes over the
columns programs read): any change to one graded cell of one row changes it, the same
rows in another order do not, and a column no program reads does not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.definitions.registry import load_program
from tierwise.store.contract import TABLE_INDEX
from tierwise.store.queries import data_fingerprint
from tierwise.testing.world import World

PROGRAM = load_program("buyin-mcn")
#: A changed value for each graded column of `orders` (a different, valid value).
CHANGES = {
    "order_id": "order_id || '-x'",
    "seller_id": "'S1'",
    "creator_id": "'c1'",
    "product_id": "'other-product'",
    "channel": "'video'",
    "content_id": "'v9'",
    "buyer_id": "'b9'",
    "created_at": "created_at - INTERVAL 1 SECOND",
    "paid_at": "paid_at + INTERVAL 1 SECOND",
    "amount": "amount + 0.01",
    "refund_amount": "refund_amount + 0.01",
    "currency": "'USD'",
    "cancelled_by": "'buyer'",
    "late_dispatch": "NOT late_dispatch",
    "return_fault": "'seller'",
    "review_rating": "COALESCE(review_rating, 0) + 1",
    "abnormal": "NOT abnormal",
    "good_goods": "NOT good_goods",
    "worry_free": "NOT worry_free",
}


def test_every_graded_column_is_tried() -> None:
    graded = {c.name for c in TABLE_INDEX["orders"].columns if c.graded}
    assert set(CHANGES) == graded


def world(path: Path) -> duckdb.DuckDBPyConnection:
    w = World(duckdb.connect(str(path)))
    w.partner("P1", joined_on=date(2020, 1, 1))
    w.seller("S0")
    w.seller("S1")
    for c in ("c0", "c1"):
        w.creator(c)
        w.bind("P1", c)
    start = datetime(2024, 9, 1, 4, tzinfo=UTC)
    for i in range(6):
        w.order(start + timedelta(days=i), str(1000 + i), creator_id="c0")
    return w.con


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(column=st.sampled_from(sorted(CHANGES)), row=st.integers(0, 5))
def test_any_changed_cell_changes_the_fingerprint(tmp_path: Path, column: str, row: int) -> None:
    path = tmp_path / f"{column}-{row}.duckdb"
    path.unlink(missing_ok=True)
    con = world(path)
    before = data_fingerprint(con, PROGRAM)
    target = con.execute("SELECT order_id FROM orders ORDER BY order_id").fetchall()[row][0]
    con.execute(f"UPDATE orders SET {column} = {CHANGES[column]} WHERE order_id = ?", [target])
    assert data_fingerprint(con, PROGRAM) != before
    con.close()


def test_the_same_rows_in_another_order_and_ungraded_columns_change_nothing(
    tmp_path: Path,
) -> None:
    con = world(tmp_path / "w.duckdb")
    before = data_fingerprint(con, PROGRAM)
    con.execute("CREATE TABLE shuffled AS SELECT * FROM orders ORDER BY order_id DESC")
    con.execute("DELETE FROM orders")
    con.execute("INSERT INTO orders SELECT * FROM shuffled")
    assert data_fingerprint(con, PROGRAM) == before
    con.execute("UPDATE orders SET quantity = 3")  # Data Compass's column: no program reads it
    assert data_fingerprint(con, PROGRAM) == before
    con.execute("DELETE FROM orders WHERE order_id = (SELECT max(order_id) FROM orders)")
    assert data_fingerprint(con, PROGRAM) != before  # a row gone
    con.close()
