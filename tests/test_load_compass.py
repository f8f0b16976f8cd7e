"""Loading the Data Compass tables (compass.md §2) and `orders.quantity`: valid rows are
stored with their types, every refusal names file, row, column and value, and a folder
without the tables (or without the column) loads as before.

Every test writes its own small files; expected values are worked out by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tierwise.store import EventStore, LoadRefused
from tierwise.store.contract import COMPASS_TABLES, TABLE_INDEX, row_digest_sql


def csv_text(table: str, rows: Sequence[Mapping[str, str]]) -> str:
    """A CSV of `rows` with all of the table's contract columns; absent values are empty."""
    columns = TABLE_INDEX[table].column_names
    lines = [",".join(columns), *(",".join(r.get(c, "") for c in columns) for r in rows)]
    return "\n".join(lines) + "\n"


def load(tmp_path: Path, files: Mapping[str, str]) -> EventStore:
    data = tmp_path / "data"
    data.mkdir()
    for name, text in files.items():
        (data / name).write_text(text, encoding="utf-8")
    store = EventStore.open(":memory:")
    store.load(data)
    return store


def refusal(tmp_path: Path, files: Mapping[str, str]) -> list[str]:
    with pytest.raises(LoadRefused) as refused:
        load(tmp_path, files)
    return list(refused.value.report.errors.lines())


REQUEST = {
    "request_id": "R1",
    "partner_id": "P1",
    "creator_id": "C1",
    "requested_at": "2024-03-01T10:00:00+07:00",
    "period_from": "2024-01-01",
    "period_to": "2024-06-30",
    "responded_at": "2024-03-02T09:00:00+07:00",
    "response": "approved",
    "revoked_at": "2024-04-10T08:00:00+07:00",
    "revoked_by": "creator",
}
MINUTE = {
    "live_id": "L1",
    "minute": "2024-03-05T20:01:00+07:00",
    "online_viewers": "120",
    "views": "35",
    "product_clicks": "4",
    "orders": "2",
    "gmv": "398.50",
    "currency": "THB",
    "likes": "300",
    "comments": "12",
    "shares": "1",
    "new_followers": "3",
}
SOURCE = {"live_id": "L1", "source": "for_you", "views": "1200"}
LIVE_PRODUCT = {
    "live_id": "L1",
    "product_id": "X1",
    "impressions": "900",
    "clicks": "40",
    "orders": "3",
    "items_sold": "5",
    "gmv": "597.75",
    "currency": "THB",
}
STOCK = {"product_id": "X1", "at": "2024-03-05T20:00:00+07:00", "stock": "7"}
AUDIENCE = {
    "subject_kind": "live",
    "subject_id": "L1",
    "stage": "viewer",
    "dimension": "age",
    "bucket": "18-24",
    "users": "1500",
    "as_of": "2024-03-05",
}


def request(**changes: str) -> dict[str, str]:
    return {**REQUEST, **changes}


# --- valid rows --------------------------------------------------------------------------


def test_each_compass_table_loads_with_the_contract_types(tmp_path: Path) -> None:
    store = load(
        tmp_path,
        {
            "authorizations.csv": csv_text(
                "authorizations",
                [
                    REQUEST,
                    request(
                        request_id="R2", responded_at="", response="", revoked_at="", revoked_by=""
                    ),
                ],
            ),
            "live_minutes.csv": csv_text("live_minutes", [MINUTE]),
            "live_sources.csv": csv_text("live_sources", [SOURCE, {**SOURCE, "source": "shop"}]),
            "live_products.csv": csv_text("live_products", [LIVE_PRODUCT]),
            "stock_levels.csv": csv_text("stock_levels", [STOCK]),
            "audiences.csv": csv_text("audiences", [AUDIENCE]),
        },
    )
    con = store.con
    assert con.execute(
        "SELECT requested_at, period_to, responded_at, response, revoked_at, revoked_by "
        "FROM authorizations WHERE request_id = 'R1'"
    ).fetchone() == (
        datetime(2024, 3, 1, 3, 0, tzinfo=UTC),  # 10:00 at +07:00
        date(2024, 6, 30),
        datetime(2024, 3, 2, 2, 0, tzinfo=UTC),
        "approved",
        datetime(2024, 4, 10, 1, 0, tzinfo=UTC),
        "creator",
    )
    assert con.execute(
        "SELECT responded_at, response, revoked_by FROM authorizations WHERE request_id = 'R2'"
    ).fetchone() == (None, None, None)
    assert con.execute("SELECT minute, orders, gmv FROM live_minutes").fetchone() == (
        datetime(2024, 3, 5, 13, 1, tzinfo=UTC),
        2,
        Decimal("398.5000"),
    )
    assert con.execute("SELECT sum(views) FROM live_sources").fetchone() == (2400,)
    assert con.execute("SELECT items_sold, gmv FROM live_products").fetchone() == (
        5,
        Decimal("597.7500"),
    )
    assert con.execute("SELECT stock FROM stock_levels").fetchone() == (7,)
    assert con.execute("SELECT users, as_of FROM audiences").fetchone() == (1500, date(2024, 3, 5))


def test_a_folder_without_the_compass_tables_loads_and_they_are_empty(tmp_path: Path) -> None:
    store = load(
        tmp_path,
        {"partners.csv": "partner_id,name,kind,market,joined_on\nP1,Alpha,tsp,TH,2024-01-01\n"},
    )
    for name in COMPASS_TABLES:
        assert store.con.execute(f'SELECT count(*) FROM "{name}"').fetchone() == (0,), name
    shown = {t.table: t.rows for t in store.summary().tables}
    assert {name: shown[name] for name in COMPASS_TABLES} == dict.fromkeys(COMPASS_TABLES, 0)


ORDER_WITHOUT_QUANTITY = (
    "order_id,seller_id,product_id,channel,created_at,amount,refund_amount,currency,"
    "late_dispatch,abnormal,good_goods,worry_free\n"
    "O1,S1,X1,live,2024-01-01T10:00:00Z,100,0,THB,false,false,false,false\n"
)


def test_orders_without_a_quantity_column_load_with_quantity_null(tmp_path: Path) -> None:
    store = load(tmp_path, {"orders.csv": ORDER_WITHOUT_QUANTITY})
    assert store.con.execute("SELECT order_id, quantity FROM orders").fetchall() == [("O1", None)]


def test_orders_with_a_quantity_keep_it(tmp_path: Path) -> None:
    header, row = ORDER_WITHOUT_QUANTITY.splitlines()
    store = load(tmp_path, {"orders.csv": f"{header},quantity\n{row},3\n"})
    assert store.con.execute("SELECT quantity FROM orders").fetchall() == [(3,)]


def test_an_old_store_without_quantity_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with EventStore.open(path) as store:
        store.con.execute("ALTER TABLE orders DROP COLUMN quantity")
        store.con.execute("DROP TABLE authorizations")
    with EventStore.open(path) as store:
        columns = [r[0] for r in store.con.execute("DESCRIBE orders").fetchall()]
        assert columns[-1] == "quantity"
        assert store.con.execute("SELECT count(*) FROM authorizations").fetchone() == (0,)


# --- refusals ----------------------------------------------------------------------------

A = "authorizations.csv"
REFUSED: list[tuple[str, dict[str, str], str]] = [
    (
        "response without responded_at",
        {A: csv_text("authorizations", [request(responded_at="", revoked_at="", revoked_by="")])},
        f"{A}:2: responded_at: missing while response is given (approved)",
    ),
    (
        "responded_at without response",
        {A: csv_text("authorizations", [request(response="", revoked_at="", revoked_by="")])},
        f"{A}:2: response: missing while responded_at is given (2024-03-02 02:00:00+00)",
    ),
    (
        "answered before requested",
        {A: csv_text("authorizations", [request(responded_at="2024-03-01T09:59:59+07:00")])},
        f"{A}:2: responded_at: answered before it was requested "
        "(2024-03-01 02:59:59+00 < 2024-03-01 03:00:00+00)",
    ),
    (
        "revoked after a decline",
        {A: csv_text("authorizations", [request(response="declined")])},
        f"{A}:2: revoked_at: revoked without an approval (declined)",
    ),
    (
        "revoked without any answer",
        {A: csv_text("authorizations", [request(responded_at="", response="")])},
        f"{A}:2: revoked_at: revoked without an approval",
    ),
    (
        "revoked before the answer",
        {A: csv_text("authorizations", [request(revoked_at="2024-03-02T08:59:00+07:00")])},
        f"{A}:2: revoked_at: revoked before it was answered "
        "(2024-03-02 01:59:00+00 < 2024-03-02 02:00:00+00)",
    ),
    (
        "revoked_at without revoked_by",
        {A: csv_text("authorizations", [request(revoked_by="")])},
        f"{A}:2: revoked_by: missing while revoked_at is given (2024-04-10 01:00:00+00)",
    ),
    (
        "revoked_by without revoked_at",
        {A: csv_text("authorizations", [request(revoked_at="")])},
        f"{A}:2: revoked_at: missing while revoked_by is given (creator)",
    ),
    (
        "period_to before period_from",
        {A: csv_text("authorizations", [request(period_from="2024-07-01")])},
        f"{A}:2: period_to: ends before it starts (2024-06-30 < 2024-07-01)",
    ),
    (
        "unknown response",
        {A: csv_text("authorizations", [request(response="maybe", revoked_at="", revoked_by="")])},
        f"{A}:2: response: not one of approved, declined (maybe)",
    ),
    (
        "unknown revoker",
        {A: csv_text("authorizations", [request(revoked_by="platform")])},
        f"{A}:2: revoked_by: not one of creator, partner (platform)",
    ),
    (
        "request id given twice with other content",
        {A: csv_text("authorizations", [REQUEST, request(creator_id="C2")])},
        f"{A}:3: request_id: same key as {A}:2 with different content (R1)",
    ),
    (
        "requested_at missing",
        {A: csv_text("authorizations", [request(requested_at="")])},
        f"{A}:2: requested_at: required value missing",
    ),
    (
        "a minute that is not the start of one",
        {
            "live_minutes.csv": csv_text(
                "live_minutes", [{**MINUTE, "minute": "2024-03-05T20:01:30Z"}]
            )
        },
        "live_minutes.csv:2: minute: not the start of a minute (2024-03-05 20:01:30+00)",
    ),
    (
        "negative online viewers",
        {"live_minutes.csv": csv_text("live_minutes", [{**MINUTE, "online_viewers": "-1"}])},
        "live_minutes.csv:2: online_viewers: negative (-1)",
    ),
    (
        "GMV with five decimals",
        {"live_minutes.csv": csv_text("live_minutes", [{**MINUTE, "gmv": "1.23456"}])},
        "live_minutes.csv:2: gmv: not an exact amount (a decimal with at most 4 places) (1.23456)",
    ),
    (
        "same live and minute twice",
        {"live_minutes.csv": csv_text("live_minutes", [MINUTE, {**MINUTE, "views": "36"}])},
        "live_minutes.csv:3: live_id, minute: same key as live_minutes.csv:2 with different "
        "content (L1, 2024-03-05 13:01:00+00)",
    ),
    (
        "unknown traffic source",
        {"live_sources.csv": csv_text("live_sources", [{**SOURCE, "source": "radio"}])},
        "live_sources.csv:2: source: not one of for_you, following, search, shop, live_square, "
        "other (radio)",
    ),
    (
        "items sold not an integer",
        {"live_products.csv": csv_text("live_products", [{**LIVE_PRODUCT, "items_sold": "2.5"}])},
        "live_products.csv:2: items_sold: not an integer (2.5)",
    ),
    (
        "product missing in a live's sales",
        {"live_products.csv": csv_text("live_products", [{**LIVE_PRODUCT, "product_id": ""}])},
        "live_products.csv:2: product_id: required value missing",
    ),
    (
        "negative stock",
        {"stock_levels.csv": csv_text("stock_levels", [{**STOCK, "stock": "-3"}])},
        "stock_levels.csv:2: stock: negative (-3)",
    ),
    (
        "stock without an instant",
        {"stock_levels.csv": csv_text("stock_levels", [{**STOCK, "at": "soon"}])},
        "stock_levels.csv:2: at: not an ISO 8601 timestamp (soon)",
    ),
    (
        "unknown subject kind",
        {"audiences.csv": csv_text("audiences", [{**AUDIENCE, "subject_kind": "shop"}])},
        "audiences.csv:2: subject_kind: not one of live, video, product, creator (shop)",
    ),
    (
        "unknown stage",
        {"audiences.csv": csv_text("audiences", [{**AUDIENCE, "stage": "lurker"}])},
        "audiences.csv:2: stage: not one of viewer, clicker, buyer, follower (lurker)",
    ),
    (
        "unknown dimension",
        {"audiences.csv": csv_text("audiences", [{**AUDIENCE, "dimension": "income"}])},
        "audiences.csv:2: dimension: not one of age, gender, country (income)",
    ),
    (
        "bad as_of day",
        {"audiences.csv": csv_text("audiences", [{**AUDIENCE, "as_of": "2024-02-30"}])},
        "audiences.csv:2: as_of: not a date (YYYY-MM-DD) (2024-02-30)",
    ),
    (
        "zero items in an order",
        {
            "orders.csv": ORDER_WITHOUT_QUANTITY.replace(
                "worry_free\n", "worry_free,quantity\n"
            ).replace("false,false\n", "false,false,0\n")
        },
        "orders.csv:2: quantity: below the minimum 1 (0)",
    ),
]


@pytest.mark.parametrize(
    ("files", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_a_bad_compass_file_is_refused_whole(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    good = {"live_sources.csv": csv_text("live_sources", [SOURCE])}
    errors = refusal(tmp_path, {**good, **files})
    assert errors == [message]


def test_a_refused_compass_file_stores_nothing_of_the_load(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "live_sources.csv").write_text(csv_text("live_sources", [SOURCE]))
    (data / "authorizations.csv").write_text(csv_text("authorizations", [request(response="")]))
    with EventStore.open(":memory:") as store:
        with pytest.raises(LoadRefused):
            store.load(data)
        assert store.con.execute("SELECT count(*) FROM live_sources").fetchone() == (0,)


def test_the_row_digest_of_graded_columns_is_the_digest_before_quantity() -> None:
    # A run's data fingerprint must not move because a Data Compass column was added.
    with EventStore.open(":memory:") as store:
        con = store.con
        columns = [c for c in TABLE_INDEX["orders"].columns if c.name != "quantity"]
        con.execute(
            "CREATE TEMP TABLE before_quantity AS SELECT "
            + ", ".join(f'CAST(NULL AS {c.sql_type}) AS "{c.name}"' for c in columns)
        )
        con.execute("UPDATE before_quantity SET order_id = 'O1', amount = 12.5")
        con.execute(
            "INSERT INTO orders SELECT *, 4 FROM before_quantity"  # the same row, quantity 4
        )
        old = con.execute("SELECT hash(before_quantity) FROM before_quantity").fetchone()
        now = con.execute(f"SELECT {row_digest_sql(TABLE_INDEX['orders'])} FROM orders").fetchone()
        assert old == now
