"""Loading a folder into the event store: validation cases, upsert counts, formats, API, CLI.

Every test writes its own small files into tmp_path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import tierwise.cli.data_load  # noqa: F401  (registers the commands)
from tierwise.cli.app import app
from tierwise.store import EventStore, LoadRefused, StoreError
from tierwise.store.contract import TABLE_INDEX, TABLES

# --- writing small folders ------------------------------------------------------------

ORDER = {
    "order_id": "O1",
    "seller_id": "S1",
    "creator_id": "",
    "product_id": "X1",
    "channel": "live",
    "content_id": "",
    "buyer_id": "B1",
    "created_at": "2024-01-01T10:00:00+07:00",
    "paid_at": "2024-01-01T10:05:00+07:00",
    "amount": "100.50",
    "refund_amount": "0",
    "currency": "THB",
    "cancelled_by": "",
    "late_dispatch": "false",
    "return_fault": "",
    "review_rating": "5",
    "abnormal": "0",
    "good_goods": "TRUE",
    "worry_free": "false",
    "quantity": "1",
}
CREATOR = {
    "creator_id": "C1",
    "handle": "@one",
    "region": "TH",
    "followers": "10",
    "seller_id": "",
    "account_type": "affiliate",
}


def order(**changes: str) -> dict[str, str]:
    return {**ORDER, **changes}


def csv_text(
    table: str,
    rows: Sequence[Mapping[str, str]],
    *,
    drop: tuple[str, ...] = (),
    extra: Mapping[str, str] | None = None,
) -> str:
    """A CSV of `rows` with the table's contract columns (minus `drop`, plus `extra`)."""
    columns = [c for c in TABLE_INDEX[table].column_names if c not in drop]
    columns += list(extra or {})
    lines = [",".join(columns)]
    lines += [",".join({**r, **(extra or {})}.get(c, "") for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


PARTNERS = csv_text(
    "partners",
    [
        {
            "partner_id": "P1",
            "name": "Alpha",
            "kind": "isv",
            "market": "TH",
            "joined_on": "2024-01-01",
        },
        {
            "partner_id": "P2",
            "name": "Beta",
            "kind": "tsp",
            "market": "ID",
            "joined_on": "2024-02-01",
        },
    ],
)
SELLERS = csv_text(
    "sellers",
    [
        {"seller_id": "S1", "name": "Shop One", "market": "TH"},
        {"seller_id": "S2", "name": "Shop Two", "market": "ID"},
    ],
)
BASE: dict[str, str | bytes] = {
    "partners.csv": PARTNERS,
    "sellers.csv": SELLERS,
    "orders.csv": csv_text("orders", [order()]),
}


def folder(root: Path, files: Mapping[str, str | bytes], name: str = "data") -> Path:
    out = root / name
    out.mkdir(parents=True, exist_ok=True)
    for file, content in files.items():
        path = out / file
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return out


def counts(store: EventStore) -> dict[str, int]:
    out = {}
    for t in TABLES:
        row = store.con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()
        out[t.name] = int(row[0]) if row else 0
    return out


def snapshot(store: EventStore) -> dict[str, list[tuple[object, ...]]]:
    return {
        t.name: store.con.execute(f'SELECT * FROM "{t.name}" ORDER BY ALL').fetchall()
        for t in TABLES
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    with EventStore.open(tmp_path / "store.duckdb") as s:
        s.load(folder(tmp_path, BASE, "base"))
        yield s


def refuse(store: EventStore, path: Path) -> list[str]:
    with pytest.raises(LoadRefused) as caught:
        store.load(path)
    return caught.value.report.errors.lines()


# --- a bad file is refused whole -------------------------------------------------------

#: The rest of a bad load: a good partners table (P3 is new) and a good new order before
#: the case's bad file, so the test sees that none of them is stored.
GOOD_PART: dict[str, str | bytes] = {
    "partners.csv": PARTNERS + "P3,Gamma,mcn,CN,2024-03-01\n",
    "sellers.csv": SELLERS,
    "orders.csv": csv_text("orders", [order(), order(order_id="O2")]),
}

ORDERS_HEADER_LINE = ",".join(ORDER)


def _orders(*rows: Mapping[str, str]) -> str:
    return csv_text("orders", [order(), *rows])


def _parquet(table: str, columns: dict[str, pa.Array]) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue().to_pybytes()


def _parquet_orders(amount: str, money: pa.DataType) -> bytes:
    """Two orders as Parquet, money typed `money`, the other columns as text."""
    rows = [order(), order(order_id="O2", amount=amount)]
    cols: dict[str, pa.Array] = {}
    for c in TABLE_INDEX["orders"].columns:
        values = [r[c.name] or None for r in rows]
        if c.type == "money":
            texts = [r[c.name] for r in rows]
            typed = [Decimal(v) if money != pa.float64() else float(v) for v in texts]
            cols[c.name] = pa.array(typed, money)
        else:
            cols[c.name] = pa.array(values, pa.string())
    return _parquet("orders", cols)


BAD_CASES: list[tuple[str, dict[str, str | bytes | None], str]] = [
    (
        "missing required column",
        {"orders.csv": csv_text("orders", [order()], drop=("amount",))},
        "orders.csv:1: amount: required column missing",
    ),
    (
        "wrong type",
        {"creators.csv": csv_text("creators", [{**CREATOR, "followers": "many"}])},
        "creators.csv:2: followers: not an integer (many)",
    ),
    (
        "integer with decimals",
        {"creators.csv": csv_text("creators", [{**CREATOR, "followers": "1.5"}])},
        "creators.csv:2: followers: not an integer (1.5)",
    ),
    (
        "impossible date",
        {"partners.csv": PARTNERS + "P3,Gamma,mcn,CN,2024-02-30\n"},
        "partners.csv:4: joined_on: not a date (YYYY-MM-DD) (2024-02-30)",
    ),
    (
        "date not YYYY-MM-DD",
        {"partners.csv": PARTNERS + "P3,Gamma,mcn,CN,2024-3-1\n"},
        "partners.csv:4: joined_on: not a date (YYYY-MM-DD) (2024-3-1)",
    ),
    (
        "bad timestamp",
        {"orders.csv": _orders(order(order_id="O2", created_at="yesterday"))},
        "orders.csv:3: created_at: not an ISO 8601 timestamp (yesterday)",
    ),
    (
        "unknown enum value",
        {"orders.csv": _orders(order(order_id="O2", channel="radio"))},
        "orders.csv:3: channel: not one of live, video, showcase, shop_tab, other (radio)",
    ),
    (
        "null in a required column",
        {"orders.csv": _orders(order(order_id="O2", seller_id=""))},
        "orders.csv:3: seller_id: required value missing",
    ),
    (
        "negative money",
        {"orders.csv": _orders(order(order_id="O2", amount="-1", refund_amount="0"))},
        "orders.csv:3: amount: negative (-1.0000)",
    ),
    (
        "negative count",
        {"creators.csv": csv_text("creators", [{**CREATOR, "followers": "-3"}])},
        "creators.csv:2: followers: negative (-3)",
    ),
    (
        "refund larger than amount",
        {"orders.csv": _orders(order(order_id="O2", refund_amount="200"))},
        "orders.csv:3: refund_amount: refund larger than the amount (200.0000 > 100.5000)",
    ),
    (
        "paid before created",
        {"orders.csv": _orders(order(order_id="O2", paid_at="2024-01-01T09:00:00+07:00"))},
        "orders.csv:3: paid_at: paid before the order was created "
        "(2024-01-01 02:00:00+00 < 2024-01-01 03:00:00+00)",
    ),
    (
        "money with more than 4 decimals",
        {"orders.csv": _orders(order(order_id="O2", amount="1.23456"))},
        "orders.csv:3: amount: not an exact amount (a decimal with at most 4 places) (1.23456)",
    ),
    (
        "not a boolean",
        {"orders.csv": _orders(order(order_id="O2", late_dispatch="yes"))},
        "orders.csv:3: late_dispatch: not a boolean (true, false, 1, 0) (yes)",
    ),
    (
        "same key twice with different content",
        {"orders.csv": _orders(order(order_id="O2"), order(order_id="O2", amount="7"))},
        "orders.csv:4: order_id: same key as orders.csv:3 with different content (O2)",
    ),
    ("empty file", {"videos.csv": b""}, "videos.csv: empty file (0 bytes)"),
    ("CSV without header", {"videos.csv": "\n\n"}, "videos.csv:1: no header row"),
    (
        "not UTF-8",
        {
            "orders.csv": _orders().encode()
            + b"O2,S1,,X1,live,,B\xff\xfe,2024-01-01,,1,0,THB,,0,,,0,0,0,1\n"
        },
        "orders.csv:3: buyer_id: not UTF-8 (O2,S1,,X1,live,,B??,2024-01-01,,1,0,THB,,0,,,0,0,0,1)",
    ),
    (
        "too many fields",
        {"orders.csv": _orders() + "O2,S1,,X1,live,,B1,2024-01-01,,1,0,THB,,0,,,0,0,0,1,extra\n"},
        "orders.csv:3: too many fields (O2,S1,,X1,live,,B1,2024-01-01,,1,0,THB,,0,,,0,0,0,1,extra)",
    ),
    (
        "table given twice",
        {"orders.jsonl": json.dumps(order(order_id="O5")) + "\n"},
        "orders.jsonl: table orders is also given by orders.csv; give it once",
    ),
    (
        "JSON Lines line that is not an object",
        {"products.jsonl": '{"product_id": "X1", "seller_id": "S1", "title": "t"}\n[1, 2]\n'},
        "products.jsonl:2: not a JSON object ([1, 2])",
    ),
    (
        "JSON Lines line that is not JSON",
        {"products.jsonl": '\n{"product_id": "X1", "seller_id": "S1", "title": "t"}\n{oops\n'},
        "products.jsonl:3: not a JSON object ({oops)",
    ),
    (
        "JSON Lines not UTF-8",
        {
            "products.jsonl": b'{"product_id": "X1", "seller_id": "S1", "title": "t"}\n'
            b'{"title": "\xff"}\n'
        },
        "products.jsonl:2: not UTF-8 (ff)",
    ),
    (
        "JSON Lines wrong type",
        {
            "products.jsonl": '{"product_id": "X1", "seller_id": "S1", "title": "t", '
            '"stock": "lots"}\n'
        },
        "products.jsonl:1: stock: not an integer (lots)",
    ),
    (
        "Parquet negative money",
        {"orders.csv": None, "orders.parquet": _parquet_orders("-1", pa.decimal128(18, 4))},
        "orders.parquet:2: amount: negative (-1.0000)",
    ),
    (
        "Parquet double money with more than 4 decimals",
        {"orders.csv": None, "orders.parquet": _parquet_orders("1.23456", pa.float64())},
        "orders.parquet:2: amount: not an exact amount (a decimal with at most 4 places) (1.23456)",
    ),
    (
        "Parquet type that cannot hold the column",
        {
            "partners.csv": None,
            "partners.parquet": _parquet(
                "partners",
                {
                    "partner_id": pa.array(["P3"]),
                    "name": pa.array(["Gamma"]),
                    "kind": pa.array(["mcn"]),
                    "market": pa.array(["CN"]),
                    "joined_on": pa.array([True]),
                },
            ),
        },
        "partners.parquet: joined_on: stored as BOOLEAN, which cannot hold date values",
    ),
    (
        "Parquet double below the minimum",
        {
            "fx_rates.parquet": _parquet(
                "fx_rates",
                {
                    "currency": pa.array(["THB"]),
                    "valid_from": pa.array([date(2024, 1, 1)]),
                    "usd_per_unit": pa.array([-0.5]),
                },
            ),
        },
        "fx_rates.parquet:1: usd_per_unit: negative (-0.500000000000)",
    ),
]


@pytest.mark.parametrize(
    ("files", "expected"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES]
)
def test_a_bad_file_is_refused_whole(
    store: EventStore, tmp_path: Path, files: dict[str, str | bytes | None], expected: str
) -> None:
    before = snapshot(store)
    given = {
        name: content for name, content in {**GOOD_PART, **files}.items() if content is not None
    }
    errors = refuse(store, folder(tmp_path, given))
    assert expected in errors
    assert snapshot(store) == before


def test_the_good_table_before_the_bad_one_is_not_stored(store: EventStore, tmp_path: Path) -> None:
    files = {**GOOD_PART, "orders.csv": _orders(order(order_id="O2", amount="x"))}
    refuse(store, folder(tmp_path, files))
    partners = store.con.execute("SELECT partner_id FROM partners ORDER BY 1").fetchall()
    assert partners == [("P1",), ("P2",)]
    assert counts(store)["orders"] == 1


def test_a_refused_load_into_a_new_store_leaves_every_table_empty(tmp_path: Path) -> None:
    files = {**GOOD_PART, "orders.csv": _orders(order(order_id="O2", amount="x"))}
    with EventStore.open(tmp_path / "new.duckdb") as s:
        with pytest.raises(LoadRefused):
            s.load(folder(tmp_path, files))
        assert set(counts(s).values()) == {0}


def test_every_problem_is_listed_up_to_the_limit(store: EventStore, tmp_path: Path) -> None:
    rows = [order(order_id=f"O{i}", channel="radio") for i in range(2, 62)]
    path = folder(tmp_path, {"orders.csv": _orders(*rows)})
    with pytest.raises(LoadRefused) as caught:
        store.load(path, limit=50)
    errors = caught.value.report.errors
    assert errors.total == 60
    lines = errors.lines()
    assert len(lines) == 51
    assert (
        lines[0]
        == "orders.csv:3: channel: not one of live, video, showcase, shop_tab, other (radio)"
    )
    assert lines[-1] == "and 10 more errors"


def test_problems_in_several_files_and_columns_are_all_listed(
    store: EventStore, tmp_path: Path
) -> None:
    files = {
        "partners.csv": PARTNERS + "P3,Gamma,xyz,CN,2024-13-01\n",
        "orders.csv": _orders(order(order_id="O2", amount="-2", refund_amount="abc")),
    }
    errors = refuse(store, folder(tmp_path, files))
    assert errors == [
        "orders.csv:3: amount: negative (-2.0000)",
        "orders.csv:3: refund_amount: not an exact amount (a decimal with at most 4 places) (abc)",
        "partners.csv:4: kind: not one of isv, tsp, mcn (xyz)",
        "partners.csv:4: joined_on: not a date (YYYY-MM-DD) (2024-13-01)",
    ]


def test_rows_after_an_unparsable_csv_line_keep_their_line_numbers(
    store: EventStore, tmp_path: Path
) -> None:
    text = _orders() + "O2,S1\n" + ",".join(order(order_id="O3", channel="radio").values()) + "\n"
    errors = refuse(store, folder(tmp_path, {"orders.csv": text}))
    assert errors == [
        "orders.csv:3: too few fields (O2,S1)",
        "orders.csv:4: channel: not one of live, video, showcase, shop_tab, other (radio)",
    ]


# --- warnings: the load goes on -------------------------------------------------------


def load_warnings(store: EventStore, path: Path) -> list[str]:
    return store.load(path).warnings.lines()


def test_an_unknown_column_is_a_warning_and_ignored(store: EventStore, tmp_path: Path) -> None:
    text = csv_text("orders", [order(order_id="O2")], extra={"colour": "red"})
    warnings = load_warnings(store, folder(tmp_path, {"orders.csv": text}))
    assert warnings == ["warning: orders.csv:1: colour: unknown column, ignored"]
    assert counts(store)["orders"] == 2


def test_an_unknown_table_file_is_a_warning(store: EventStore, tmp_path: Path) -> None:
    files = {"customers.csv": "id\n1\n", "notes.txt": "hello", "orders.csv": _orders()}
    warnings = load_warnings(store, folder(tmp_path, files))
    assert warnings == [
        "warning: customers.csv: unknown table, ignored",
        "warning: notes.txt: not a .csv, .jsonl or .parquet file, ignored",
    ]


def test_a_header_only_csv_is_an_empty_table_with_a_warning(
    store: EventStore, tmp_path: Path
) -> None:
    files = {"videos.csv": ",".join(TABLE_INDEX["videos"].column_names) + "\n"}
    warnings = load_warnings(store, folder(tmp_path, files))
    assert warnings == ["warning: videos.csv:1: header only, no rows"]
    assert counts(store)["videos"] == 0


def test_an_unresolved_reference_is_a_warning(store: EventStore, tmp_path: Path) -> None:
    files = {"orders.csv": _orders(order(order_id="O2", seller_id="S9"))}
    warnings = load_warnings(store, folder(tmp_path, files))
    assert warnings == ["warning: orders.csv:3: seller_id: refers to no sellers.seller_id (S9)"]
    assert counts(store)["orders"] == 2


def test_references_resolve_against_the_store_and_the_load(
    store: EventStore, tmp_path: Path
) -> None:
    files = {
        "sellers.csv": csv_text("sellers", [{"seller_id": "S3", "name": "New", "market": "TH"}]),
        "orders.csv": _orders(
            order(order_id="O2", seller_id="S2"), order(order_id="O3", seller_id="S3")
        ),
    }
    assert load_warnings(store, folder(tmp_path, files)) == []


def test_identical_duplicates_collapse(store: EventStore, tmp_path: Path) -> None:
    files = {"orders.csv": _orders(order(order_id="O2"), order(order_id="O2"))}
    report = store.load(folder(tmp_path, files))
    assert report.counts("orders").inserted == 1
    assert report.counts("orders").unchanged == 1
    assert counts(store)["orders"] == 2


# --- upsert by key -----------------------------------------------------------------------


def test_upsert_counts_inserted_replaced_unchanged(store: EventStore, tmp_path: Path) -> None:
    files = {
        "orders.csv": csv_text(
            "orders",
            [order(), order(order_id="O2"), order(order_id="O3")],
        )
    }
    first = store.load(folder(tmp_path, files, "first")).counts("orders")
    assert (first.inserted, first.replaced, first.unchanged) == (2, 0, 1)
    files = {
        "orders.csv": csv_text(
            "orders",
            [order(), order(order_id="O2", refund_amount="20.25"), order(order_id="O4")],
        )
    }
    second = store.load(folder(tmp_path, files, "second")).counts("orders")
    assert (second.inserted, second.replaced, second.unchanged) == (1, 1, 1)
    refund = store.con.execute("SELECT refund_amount FROM orders WHERE order_id = 'O2'").fetchone()
    assert refund == (Decimal("20.2500"),)
    assert counts(store)["orders"] == 4


def test_loading_the_same_files_twice_changes_nothing(store: EventStore, tmp_path: Path) -> None:
    before = snapshot(store)
    report = store.load(tmp_path / "base")
    assert all(t.inserted == t.replaced == 0 for t in report.tables)
    assert report.counts("partners").unchanged == 2
    assert snapshot(store) == before


def test_composite_keys_upsert(tmp_path: Path) -> None:
    calls = "app_id,day,calls\nA1,2024-01-01,5\nA1,2024-01-02,6\n"
    again = "app_id,day,calls\nA1,2024-01-01,5\nA1,2024-01-02,7\nA2,2024-01-02,1\n"
    with EventStore.open(":memory:") as s:
        s.load(folder(tmp_path, {"api_calls.csv": calls}, "one"))
        c = s.load(folder(tmp_path, {"api_calls.csv": again}, "two")).counts("api_calls")
        assert (c.inserted, c.replaced, c.unchanged) == (1, 1, 1)


# --- formats, instants, decimals --------------------------------------------------------

UTC7 = timezone(timedelta(hours=7))
TYPED_ORDERS: list[dict[str, object]] = [
    {
        **{c: None for c in ORDER},
        "order_id": f"O{i}",
        "seller_id": "S1",
        "creator_id": "C1" if i % 2 else None,
        "product_id": "X1",
        "channel": ("live", "video")[i % 2],
        "buyer_id": "B1",
        "created_at": datetime(2024, 1, 1, 10, i, tzinfo=UTC7),
        "paid_at": datetime(2024, 1, 1, 10, i + 1, tzinfo=UTC7) if i % 3 else None,
        "amount": Decimal("12345678901.2345") if i == 1 else Decimal(i) / 10,
        "refund_amount": Decimal("0.0001") if i else Decimal(0),
        "currency": "THB",
        "late_dispatch": bool(i % 2),
        "review_rating": 4 if i % 2 else None,
        "abnormal": False,
        "good_goods": True,
        "worry_free": i == 2,
    }
    for i in range(1, 5)
]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _arrow_orders(rows: Sequence[Mapping[str, object]]) -> pa.Table:
    types = {
        "str": pa.string(),
        "int": pa.int64(),
        "money": pa.decimal128(18, 4),
        "bool": pa.bool_(),
        "ts": pa.timestamp("us", tz="UTC"),
    }
    t = TABLE_INDEX["orders"]
    return pa.table({c.name: pa.array([r[c.name] for r in rows], types[c.type]) for c in t.columns})


def _format_folders(root: Path) -> dict[str, Path]:
    names = TABLE_INDEX["orders"].column_names
    csv_rows = [{c: _text(r[c]) for c in names} for r in TYPED_ORDERS]
    jsonl = "".join(
        json.dumps(
            {
                c: (None if r[c] is None else r[c] if isinstance(r[c], bool | int) else _text(r[c]))
                for c in names
            }
        )
        + "\n"
        for r in TYPED_ORDERS
    )
    csv_dir = folder(root, {"orders.csv": csv_text("orders", csv_rows)}, "csv")
    jsonl_dir = folder(root, {"orders.jsonl": jsonl}, "jsonl")
    parquet_dir = root / "parquet"
    parquet_dir.mkdir()
    pq.write_table(_arrow_orders(TYPED_ORDERS), parquet_dir / "orders.parquet")
    parts_dir = root / "parts" / "orders"
    parts_dir.mkdir(parents=True)
    pq.write_table(_arrow_orders(TYPED_ORDERS[:2]), parts_dir / "part-0.parquet")
    pq.write_table(_arrow_orders(TYPED_ORDERS[2:]), parts_dir / "part-1.parquet")
    return {"csv": csv_dir, "jsonl": jsonl_dir, "parquet": parquet_dir, "parts": root / "parts"}


def test_csv_parquet_jsonl_and_partitioned_parquet_load_the_same(tmp_path: Path) -> None:
    loaded = {}
    for name, path in _format_folders(tmp_path).items():
        with EventStore.open(":memory:") as s:
            report = s.load(path)
            assert report.counts("orders").inserted == 4, name
            loaded[name] = snapshot(s)
    assert loaded["csv"] == loaded["jsonl"] == loaded["parquet"] == loaded["parts"]
    assert len(loaded["csv"]["orders"]) == 4


def test_offsets_are_kept_as_instants_and_no_offset_means_utc(
    store: EventStore, tmp_path: Path
) -> None:
    files = {
        "orders.csv": _orders(
            order(
                order_id="O2", created_at="2024-01-01T10:00:00+07:00", paid_at="2024-01-01 03:00:00"
            ),
            order(
                order_id="O3",
                created_at="2024-01-01T03:00:00Z",
                paid_at="2024-01-01T03:00:00.250-02:30",
            ),
        )
    }
    store.load(folder(tmp_path, files))
    rows = store.con.execute(
        "SELECT created_at, paid_at FROM orders WHERE order_id IN ('O2', 'O3') ORDER BY order_id"
    ).fetchall()
    instant = datetime(2024, 1, 1, 3, 0, tzinfo=UTC)
    assert rows[0] == (instant, instant)
    assert rows[1] == (instant, datetime(2024, 1, 1, 5, 30, 0, 250000, tzinfo=UTC))
    (zone,) = store.con.execute("SELECT current_setting('TimeZone')").fetchone() or ("",)
    assert zone == "UTC"


def test_money_is_exact_decimal(store: EventStore, tmp_path: Path) -> None:
    files = {
        "orders.csv": _orders(
            *(order(order_id=f"O{i}", amount="0.1", refund_amount="0.1") for i in range(2, 5)),
            order(order_id="O5", amount="12345678901234.5678", refund_amount="0"),
        )
    }
    store.load(folder(tmp_path, files))
    total, big, kind = store.con.execute(
        "SELECT sum(refund_amount), max(amount), typeof(max(amount)) FROM orders"
    ).fetchone() or (None, None, None)
    assert total == Decimal("0.3000")
    assert big == Decimal("12345678901234.5678")
    assert kind == "DECIMAL(18,4)"


def test_absent_tables_are_created_empty_with_contract_types(tmp_path: Path) -> None:
    with EventStore.open(tmp_path / "s.duckdb") as s:
        s.load(folder(tmp_path, {"partners.csv": PARTNERS}))
        types = dict(
            s.con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'orders'"
            ).fetchall()
        )
        assert counts(s)["orders"] == 0
    assert types["amount"] == "DECIMAL(18,4)"
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"


# --- the Python API ------------------------------------------------------------------------


def test_read_only_store_has_every_contract_table(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE partners (partner_id VARCHAR, name VARCHAR, kind VARCHAR, "
        "market VARCHAR, joined_on DATE)"
    )
    con.close()
    with EventStore.open(path, read_only=True) as s:
        assert counts(s) == {t.name: 0 for t in TABLES}


def test_opening_a_missing_store_read_only_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        EventStore.open(tmp_path / "absent.duckdb", read_only=True)


def test_a_store_made_for_another_contract_is_refused(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "odd.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (order_id BIGINT)")
    con.close()
    with pytest.raises(StoreError, match=r"orders\.order_id is BIGINT"):
        EventStore.open(path)


def test_for_folder_loads_once_into_the_cache(tmp_path: Path) -> None:
    data = folder(tmp_path, BASE)
    cache = tmp_path / "cache"
    with EventStore.for_folder(data, cache=cache) as first:
        assert first.load_report is not None
        assert counts(first)["orders"] == 1
        assert first.path is not None
        built = first.path
    with EventStore.for_folder(data, cache=cache) as second:
        assert second.load_report is None
        assert second.path == built
        assert counts(second)["partners"] == 2
    (data / "orders.csv").write_text(_orders(order(order_id="O2")), encoding="utf-8")
    with EventStore.for_folder(data, cache=cache) as third:
        assert third.path != built
        assert counts(third)["orders"] == 2


def test_for_folder_refuses_a_bad_folder_and_caches_nothing(tmp_path: Path) -> None:
    data = folder(tmp_path, {"orders.csv": _orders(order(order_id="O2", amount="x"))})
    cache = tmp_path / "cache"
    with pytest.raises(LoadRefused, match=r"orders\.csv:3: amount"):
        EventStore.for_folder(data, cache=cache)
    assert list(cache.iterdir()) == []


# --- the commands -------------------------------------------------------------------------

runner = CliRunner()


def test_cli_load_prints_counts_and_info_summarises(tmp_path: Path) -> None:
    data = folder(tmp_path, BASE)
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["data", "load", str(data), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "inserted" in result.stdout and "unchanged" in result.stdout
    assert "partners.csv" in result.stdout
    again = runner.invoke(app, ["data", "load", str(data), "--db", str(db)])
    assert again.exit_code == 0
    info = runner.invoke(app, ["data", "info", "--db", str(db)])
    assert info.exit_code == 0, info.output
    assert "joined_on" in info.stdout and "2024-02-01" in info.stdout
    assert "isv" in info.stdout and "TH" in info.stdout


def test_cli_load_refused_exits_1_with_every_problem(tmp_path: Path) -> None:
    data = folder(tmp_path, {"orders.csv": _orders(order(order_id="O2", amount="x"))})
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["data", "load", str(data), "--db", str(db)])
    assert result.exit_code == 1
    assert "load refused, nothing stored" in result.stderr
    assert (
        "orders.csv:3: amount: not an exact amount (a decimal with at most 4 places) (x)"
        in result.stderr
    )
    assert result.stdout == ""


def test_cli_uses_tierwise_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("TIERWISE_DB", str(db))
    result = runner.invoke(app, ["data", "load", str(folder(tmp_path, BASE))])
    assert result.exit_code == 0, result.output
    assert db.exists()


def test_cli_info_without_a_store_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "info", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "no such store" in result.stderr


def test_cli_default_store_is_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIERWISE_DB", raising=False)
    data = folder(tmp_path, BASE)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = runner.invoke(app, ["data", "load", str(data)])
    assert result.exit_code == 0, result.output
    assert (work / "tierwise.duckdb").exists()
    assert os.environ.get("TIERWISE_DB") is None


def test_cli_load_of_a_missing_folder_exits_1_and_creates_no_store(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["data", "load", str(tmp_path / "nowhere"), "--db", str(db)])
    assert result.exit_code == 1
    assert "not a folder" in result.stderr
    assert not db.exists()


def test_the_store_package_exports_a_small_surface() -> None:
    import tierwise.store as store_package

    assert sorted(store_package.__all__) == [
        "EventStore",
        "Issue",
        "IssueList",
        "LoadProgress",
        "LoadRefused",
        "LoadReport",
        "StoreError",
        "StoreSummary",
        "TableCounts",
        "TableSummary",
        "default_db_path",
        "load_folder",
    ]
    assert all(hasattr(store_package, name) for name in store_package.__all__)
