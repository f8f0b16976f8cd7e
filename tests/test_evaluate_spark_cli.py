"""`tierwise evaluate --engine spark`: the same document as on DuckDB, from Parquet tables;
and the refusals that name what Spark cannot read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import tierwise.cli.evaluate  # noqa: F401  (registers the commands)
from tests.test_program_buyin import build_levels
from tierwise.cli.app import app

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.mark.spark
def test_evaluate_on_spark_gives_duckdbs_document(tmp_path: Path, spark_session: Any) -> None:
    world = build_levels()
    lake = world.to_parquet(tmp_path / "lake")
    args = ("evaluate", "buyin-mcn", "--period", "2024-09", "--format", "json")
    on_duckdb = invoke(*args, "--data", str(lake))
    on_spark = invoke(*args, "--data", str(lake), "--engine", "spark")
    assert on_duckdb.exit_code == 0, on_duckdb.output
    assert on_spark.exit_code == 0, on_spark.output
    doc = json.loads(on_spark.stdout)
    # the same document, but for the data gate's verdict, which only DuckDB checks
    assert "complete" not in doc
    assert doc == {k: v for k, v in json.loads(on_duckdb.stdout).items() if k != "complete"}
    # B1's worked example (test_program_buyin): 50 + 0.04 + 200 → 250, V1
    b1 = next(r for r in doc["results"] if r["partner_id"] == "B1")
    assert (b1["score"], b1["level"]) == (250, "V1")


def test_spark_refuses_a_duckdb_store_and_text_tables(tmp_path: Path) -> None:
    args = ("evaluate", "buyin-mcn", "--period", "2024-09", "--engine", "spark")
    store = invoke(*args, "--db", str(tmp_path / "x.duckdb"))
    assert store.exit_code == 2  # a usage error, naming the option
    assert "--db" in store.output
    assert "DuckDB" in store.output
    (tmp_path / "orders.csv").write_text("order_id\n")
    text = invoke(*args, "--data", str(tmp_path))
    assert text.exit_code == 1
    assert "orders.csv" in text.stderr
    assert "Parquet" in text.stderr
