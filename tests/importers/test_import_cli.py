"""`tierwise import`: files for `data load`, straight into a store, and all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tierwise.cli.app import app
from tierwise.store import EventStore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "importers"
SHOP = "7494726673780148744"


def run(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.output


def order_count(db: Path) -> int:
    with EventStore.open(db, read_only=True) as store:
        (n,) = store.con.execute("SELECT count(*) FROM orders").fetchone() or (0,)
    return int(n)


def test_out_writes_a_folder_data_load_reads(tmp_path: Path) -> None:
    code, output = run(
        "import",
        "tiktok-orders",
        str(FIXTURES / "tiktok"),
        "--shop",
        SHOP,
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0, output
    assert "tiktok-orders: 16 orders from 17 records" in output
    assert "left out: 1 sample orders" in output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["orders.csv"]
    code, output = run("data", "load", str(tmp_path / "out"), "--db", str(tmp_path / "s.duckdb"))
    assert code == 0, output
    assert order_count(tmp_path / "s.duckdb") == 16


def test_db_loads_and_a_second_import_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    for _ in range(2):
        code, output = run("import", "douyin-orders", str(FIXTURES / "douyin"), "--db", str(db))
        assert code == 0, output
    assert order_count(db) == 13


def bad_page(folder: Path) -> Path:
    folder.mkdir()
    good = {
        "id": "1",
        "status": "COMPLETED",
        "create_time": 1725148800,
        "paid_time": 1725148900,
        "payment": {"currency": "THB"},
        "line_items": [{"id": "1", "product_id": "2", "sku_id": "3", "sale_price": "10"}],
    }
    bad = dict(good, id="2", status="LOST")
    (folder / "orders.json").write_text(json.dumps({"code": 0, "data": {"orders": [good, bad]}}))
    return folder


def test_a_refused_import_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "orders.csv").write_text("before\n")
    code, output = run(
        "import",
        "tiktok-orders",
        str(bad_page(tmp_path / "pages")),
        "--shop",
        SHOP,
        "--out",
        str(out),
    )
    assert code == 1
    assert "import refused, nothing written" in output
    assert "orders.json: record 2 (id 2): status: not a TikTok Shop order status" in output
    # the good record 1 was not written either, and no staging folder is left behind
    assert (out / "orders.csv").read_text() == "before\n"
    assert sorted(p.name for p in out.iterdir()) == ["orders.csv"]


def test_a_refused_import_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert run("import", "douyin-orders", str(FIXTURES / "douyin"), "--db", str(db))[0] == 0
    code, output = run(
        "import",
        "tiktok-orders",
        str(bad_page(tmp_path / "pages")),
        "--shop",
        SHOP,
        "--db",
        str(db),
    )
    assert code == 1, output
    assert order_count(db) == 13


def test_a_row_the_loader_refuses_is_named_at_its_payload_record(tmp_path: Path) -> None:
    """The loader's text rules (no control character) apply to imports too, and the
    problem names the affiliate record's creator at the order it attributes."""
    folder = tmp_path / "pages"
    folder.mkdir()
    order = {
        "id": "1",
        "status": "COMPLETED",
        "create_time": 1725148800,
        "paid_time": 1725148900,
        "payment": {"currency": "THB"},
        "line_items": [{"id": "1", "product_id": "2", "sku_id": "3", "sale_price": "10"}],
    }
    aff = {
        "id": "1",
        "skus": [
            {
                "sku_id": "3",
                "content_type": "LIVE",
                "content_id": "9",
                "creator_username": "nid\u0007video",
            }
        ],
    }
    (folder / "orders.json").write_text(json.dumps({"code": 0, "data": {"orders": [order]}}))
    (folder / "affiliate.json").write_text(json.dumps({"code": 0, "data": {"orders": [aff]}}))
    db = tmp_path / "s.duckdb"
    code, output = run("import", "tiktok-orders", str(folder), "--shop", SHOP, "--db", str(db))
    assert code == 1
    assert "orders.json: record 1 (id 1): orders.creator_id: " in output
    code, output = run(
        "import", "tiktok-orders", str(folder), "--shop", SHOP, "--out", str(tmp_path / "out")
    )
    assert code == 1
    assert not (tmp_path / "out").exists()  # not even the folder it would have made


def test_options_a_source_needs(tmp_path: Path) -> None:
    code, output = run("import", "tiktok-orders", str(FIXTURES / "tiktok"), "--out", str(tmp_path))
    assert code == 1
    assert "--shop: needed: the shop the order pages were fetched for" in output
    code, output = run(
        "import", "tiktok-webhooks", str(FIXTURES / "tiktok_webhooks"), "--out", str(tmp_path)
    )
    assert code == 1
    assert "--orders: needed" in output
    code, output = run("import", "douyin-orders", str(FIXTURES / "douyin"))
    assert code == 1
    assert "give exactly one of --out DIR and --db FILE" in output
    code, output = run(
        "import",
        "tiktok-webhooks",
        str(FIXTURES / "tiktok_webhooks_signed"),
        "--orders",
        str(tmp_path),
        "--out",
        str(tmp_path),
        "--app-secret",
        "s",
    )
    assert code == 1
    assert "--app-secret needs --app-key" in output


def test_webhooks_into_the_store_they_change(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert (
        run("import", "tiktok-orders", str(FIXTURES / "tiktok"), "--shop", SHOP, "--db", str(db))[0]
        == 0
    )
    code, output = run(
        "import",
        "tiktok-webhooks",
        str(FIXTURES / "tiktok_webhooks_signed"),
        "--db",
        str(db),
        "--app-key",
        "tw-test-app-key",
        "--app-secret",
        "tw-test-app-secret",
    )
    assert code == 0, output
    with EventStore.open(db, read_only=True) as store:
        row = store.con.execute(
            "SELECT refund_amount FROM orders WHERE order_id = '5770000000000000011'"
        ).fetchone()
    assert row is not None and str(row[0]) == "100.0000"


def test_a_path_without_payloads_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a payload")
    code, output = run("import", "douyin-orders", str(tmp_path), "--out", str(tmp_path / "o"))
    assert code == 1
    assert f"{tmp_path}: no payload file (.json, .jsonl) here" in output
    assert not (tmp_path / "o").exists()


def test_problems_beyond_the_limit_are_counted(tmp_path: Path) -> None:
    lines = "order_id,product_id,shop_id,pay_goods_amount,flow_point,pay_success_time,media_type\n"
    lines += "".join(f"{i},2,3,1.5,PAY_SUCC,2024-09-10 12:00:00,live\n" for i in range(5))
    (tmp_path / "export.csv").write_text(lines)
    code, output = run(
        "import", "buyin-orders", str(tmp_path), "--db", str(tmp_path / "s.duckdb"), "--limit", "2"
    )
    assert code == 1
    assert "line 2 (order_id 0): pay_goods_amount" in output
    assert "line 3 (order_id 1): pay_goods_amount" in output
    assert "line 4" not in output
    assert "and 3 more problems" in output
