"""Regressions of issue 16 in the loader: hostile folders are refused with a located
problem and nothing stored, and the rules behind each case hold for every column of the
contract (text, timestamps, currencies, CSV quoting)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from tests.test_load import BASE, ORDER, PARTNERS, SELLERS, _orders, csv_text, folder, order
from tierwise.cli.app import app
from tierwise.store import EventStore, LoadRefused
from tierwise.store.contract import ID_LENGTH, TABLES, TEXT_LENGTH
from tierwise.store.issues import Issue


def refused(path: Path) -> list[str]:
    """The errors of a refused load into a new store, which must stay empty."""
    with EventStore.open(":memory:") as store:
        with pytest.raises(LoadRefused) as caught:
            store.load(path)
        for t in TABLES:
            assert store.con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone() == (0,)
    return caught.value.report.errors.lines()


def loads(path: Path) -> EventStore:
    store = EventStore.open(":memory:")
    store.load(path)
    return store


# --- 3. time-zone offsets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "created_at",
    [
        "2026-01-01T10:00:00+99:99",
        "2026-01-01T10:00:00+24:00",
        "2026-01-01T10:00:00+0960",
        "2026-01-01T10:00:00+14:30",
        "2026-01-01T10:00:00-15",
        "2026-01-01T10:00:00 Asia/Bangkok",
        "2026-01-01T10:00:00 UTC",
        "2026-01-01T10:00:00+07:00:15",
    ],
)
def test_an_impossible_or_named_offset_is_refused(tmp_path: Path, created_at: str) -> None:
    data = folder(
        tmp_path, {**BASE, "orders.csv": _orders(order(order_id="O2", created_at=created_at))}
    )
    assert refused(data) == [f"orders.csv:3: created_at: not an ISO 8601 timestamp ({created_at})"]


@pytest.mark.parametrize(
    ("created_at", "utc"),
    [
        ("2026-01-01T10:00:00+14:00", "2025-12-31 20:00:00+00"),
        ("2026-01-01T10:00:00-12:00", "2026-01-01 22:00:00+00"),
        ("2026-01-01T10:00:00+0530", "2026-01-01 04:30:00+00"),
        ("2026-01-01T10:00:00+07", "2026-01-01 03:00:00+00"),
        ("2026-01-01 10:00:00.25Z", "2026-01-01 10:00:00.25+00"),
        ("2026-01-01T10:00", "2026-01-01 10:00:00+00"),
        ("2026-01-01", "2026-01-01 00:00:00+00"),
    ],
)
def test_offsets_within_fourteen_hours_are_kept_as_instants(
    tmp_path: Path, created_at: str, utc: str
) -> None:
    data = folder(
        tmp_path,
        {**BASE, "orders.csv": csv_text("orders", [order(created_at=created_at, paid_at="")])},
    )
    with loads(data) as store:
        assert store.con.execute("SELECT CAST(created_at AS VARCHAR) FROM orders").fetchone() == (
            utc,
        )


# --- 4. a file that cannot be parsed -------------------------------------------------------


def test_random_bytes_after_a_valid_header_are_a_located_problem(tmp_path: Path) -> None:
    noise = random.Random(1)
    products = b"product_id,seller_id,title,stock\n" + bytes(
        noise.randrange(256) for _ in range(300)
    )
    data = folder(tmp_path, {**BASE, "products.csv": products})
    errors = refused(data)
    assert errors, errors
    assert all(e.startswith(("products.csv:", "products.csv: not a CSV file: ")) for e in errors), (
        errors
    )
    assert not any("Transaction" in e or "ROLLBACK" in e for e in errors), errors


def test_a_file_the_reader_gives_up_on_is_named_not_the_engine(tmp_path: Path) -> None:
    """A CSV the reader cannot parse past its header: the other tables' problems still come
    out (no aborted transaction), each at its file."""
    products = b"product_id,seller_id,title,stock\nX1,S1,t,1\rX2,S1,t,2\n\r\nX3\r"
    files = {
        **BASE,
        "products.csv": products,
        "sellers.csv": SELLERS + "S3,Shop,TH,extra\n",
    }
    errors = refused(folder(tmp_path, files))
    assert any(e.startswith("sellers.csv:4: too many fields") for e in errors), errors
    assert all(e.startswith(("products.csv", "sellers.csv")) for e in errors), errors
    assert not any("Error:" in e for e in errors), errors


def test_the_cli_exits_1_with_located_problems_for_random_bytes(tmp_path: Path) -> None:
    noise = random.Random(1)
    products = b"product_id,seller_id,title,stock\n" + bytes(
        noise.randrange(256) for _ in range(300)
    )
    data = folder(tmp_path, {**BASE, "products.csv": products})
    result = CliRunner().invoke(
        app, ["data", "load", str(data), "--db", str(tmp_path / "s.duckdb")]
    )
    assert result.exit_code == 1
    assert "products.csv:" in result.output and "TransactionContext" not in result.output


# --- 5. text: NUL and other control characters, NFC, length ------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"partners.csv": PARTNERS + "P\x003,Gamma,mcn,CN,2024-03-01\n"},
            "partners.csv:4: partner_id: contains a control character (P\\x003)",
        ),
        (
            {"sellers.csv": SELLERS + "S\x009,Shop,TH\n"},
            "sellers.csv:4: seller_id: contains a control character (S\\x009)",
        ),
        (
            {"sellers.csv": SELLERS + "S9,Sh\x00op,TH\n"},
            "sellers.csv:4: name: contains a control character (Sh\\x00op)",
        ),
        (
            {"sellers.csv": SELLERS + "S9,Shop\x1b[31m,TH\n"},
            "sellers.csv:4: name: contains a control character (Shop\\x1b[31m)",
        ),
        (
            {"sellers.csv": SELLERS + "S9,Shop\u0085,TH\n"},
            "sellers.csv:4: name: contains a control character (Shop\\x85)",
        ),
        (
            {"sellers.csv": SELLERS + "Se\u0301,Shop,TH\n"},
            "sellers.csv:4: seller_id: not in Unicode NFC form (Se\u0301)",
        ),
        (
            {"sellers.csv": SELLERS + f"{'S' * (ID_LENGTH + 1)},Shop,TH\n"},
            f"sellers.csv:4: seller_id: longer than {ID_LENGTH} characters "
            f"({ID_LENGTH + 1} characters)",
        ),
        (
            {"sellers.csv": SELLERS + f"S9,{'n' * (TEXT_LENGTH + 1)},TH\n"},
            f"sellers.csv:4: name: longer than {TEXT_LENGTH} characters "
            f"({TEXT_LENGTH + 1} characters)",
        ),
        (
            {"orders.csv": _orders(order(order_id="O2", channel="live\x00"))},
            "orders.csv:3: channel: contains a control character (live\\x00)",
        ),
        (
            {
                "orders.csv": None,
                "orders.jsonl": json.dumps(order(order_id="O\u00002")) + "\n",
            },
            "orders.jsonl:1: order_id: contains a control character (O\\x002)",
        ),
    ],
    ids=[
        "NUL in partner_id",
        "NUL in seller_id",
        "NUL in a name",
        "escape sequence in a name",
        "C1 control in a name",
        "not NFC",
        "id too long",
        "name too long",
        "NUL in an enum",
        "NUL in JSON Lines",
    ],
)
def test_text_rules_hold_in_every_text_column(
    tmp_path: Path, files: dict[str, str | None], expected: str
) -> None:
    merged = {k: v for k, v in {**BASE, **files}.items() if v is not None}
    errors = refused(folder(tmp_path, merged))
    assert expected in errors, errors


def test_a_nul_in_a_parquet_string_is_refused(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "data"
    folder(tmp_path, {"sellers.csv": SELLERS})
    pq.write_table(
        pa.table(
            {
                "partner_id": ["P\x001"],
                "name": ["Alpha"],
                "kind": ["isv"],
                "market": ["TH"],
                "joined_on": ["2024-01-01"],
            }
        ),
        path / "partners.parquet",
    )
    assert refused(path) == [
        "partners.parquet:1: partner_id: contains a control character (P\\x001)"
    ]


def test_names_in_any_script_and_quotes_load(tmp_path: Path) -> None:
    sellers = SELLERS + 'S3,"ร้าน ""ดี"" 好店 — Ünïcödé",TH\n'
    with loads(folder(tmp_path, {**BASE, "sellers.csv": sellers})) as store:
        (name,) = store.con.execute(
            "SELECT name FROM sellers WHERE seller_id = 'S3'"
        ).fetchone() or ("",)
    assert name == 'ร้าน "ดี" 好店 — Ünïcödé'


def test_a_problem_line_shows_control_characters_escaped() -> None:
    line = str(Issue("error", "a.csv", "what", 2, "c", "x\x00\n\u202ey 中"))
    assert line == "a.csv:2: c: what (x\\x00\\n\\u202ey 中)"


# --- 6. an id PostgreSQL cannot hold never reaches the state store -------------------------


def test_a_nul_id_is_refused_before_any_run(tmp_path: Path) -> None:
    partners = csv_text(
        "partners",
        [
            {
                "partner_id": "mcn\x00-1",
                "name": "A",
                "kind": "mcn",
                "market": "CN",
                "joined_on": "2024-01-01",
            }
        ],
    )
    data = folder(tmp_path, {"partners.csv": partners})
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["data", "load", str(data), "--db", str(db)])
    assert result.exit_code == 1
    assert "partners.csv:2: partner_id: contains a control character (mcn\\x00-1)" in result.output


# --- 7. currencies and stray quotes ----------------------------------------------------------


@pytest.mark.parametrize("currency", ["XXX", "thb", "TH", "ABC", "XAU"])
def test_an_unknown_currency_is_refused(tmp_path: Path, currency: str) -> None:
    data = folder(
        tmp_path, {**BASE, "orders.csv": _orders(order(order_id="O2", currency=currency))}
    )
    assert refused(data) == [f"orders.csv:3: currency: not an ISO 4217 currency code ({currency})"]


def test_an_fx_rate_in_an_unknown_currency_is_refused(tmp_path: Path) -> None:
    fx = "currency,valid_from,usd_per_unit\nTHB,2024-01-01,0.028\nXTS,2024-01-01,1\n"
    data = folder(tmp_path, {**BASE, "fx_rates.csv": fx})
    assert refused(data) == ["fx_rates.csv:3: currency: not an ISO 4217 currency code (XTS)"]


@pytest.mark.parametrize(
    "line",
    ['P3,Gam"ma,mcn,CN,2024-03-01', 'P3,Gamma",mcn,CN,2024-03-01', 'P3,"Gam"ma,mcn,CN,2024-03-01'],
    ids=["inside", "at the end", "after a quoted part"],
)
def test_a_stray_quote_in_a_csv_field_is_refused(tmp_path: Path, line: str) -> None:
    data = folder(
        tmp_path, {**BASE, "partners.csv": PARTNERS + line + "\nP4,Delta,mcn,CN,2024-03-01\n"}
    )
    assert refused(data) == [f"partners.csv:4: badly quoted field ({line})"]


def test_a_stray_quote_after_a_multi_line_field_names_its_record(tmp_path: Path) -> None:
    partners = PARTNERS + 'P3,"Gam\nma",mcn,CN,2024-03-01\nP4,Del"ta,mcn,CN,2024-03-01\n'
    data = folder(tmp_path, {**BASE, "partners.csv": partners})
    assert refused(data) == ['partners.csv:5: badly quoted field (P4,Del"ta,mcn,CN,2024-03-01)']


def test_the_demo_order_still_loads(tmp_path: Path) -> None:
    with loads(folder(tmp_path, BASE)) as store:
        assert store.con.execute("SELECT order_id, currency FROM orders").fetchall() == [
            (ORDER["order_id"], ORDER["currency"])
        ]
