"""`tierwise evaluate --engine spark` and `tierwise run --engine spark`: the same documents
as on DuckDB, from Parquet tables, the same stored results; and the refusals that name what
Spark cannot read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import tierwise.cli.evaluate
import tierwise.cli.runs  # noqa: F401
from tests.test_program_buyin import build_levels
from tierwise.cli.app import app
from tierwise.db.engine import StateStore
from tierwise.runs.repository import Runs

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
    assert doc == json.loads(on_duckdb.stdout)  # the data gate's verdict included
    # the world has orders on a few days only: the same gate problems, said the same way
    assert doc["complete"] is False
    assert "days of 2024-09 have no paid order" in on_spark.stderr
    assert on_spark.stderr == on_duckdb.stderr
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


@pytest.mark.spark
def test_run_on_spark_stores_the_runs_duckdb_stores(tmp_path: Path, spark_session: Any) -> None:
    """Two months recorded from the same Parquet tables, once per engine into a state store
    of its own: the same levels, gates and result hashes."""
    lake = build_levels().to_parquet(tmp_path / "lake")
    hashes = {}
    for engine in ("duckdb", "spark"):
        url = f"sqlite:///{tmp_path / engine}.db"
        reply = invoke(
            "run", "buyin-mcn", "--from", "2024-08", "--to", "2024-09", "--data", str(lake),
            "--engine", engine, "--state", url, "--publish", "--format", "json",
        )  # fmt: skip
        assert reply.exit_code == 0, reply.output
        doc = json.loads(reply.stdout)
        with StateStore.open(url) as state, state.reading() as session:
            runs = Runs(session)
            stored = [runs.get(p["run_id"]) for p in doc["periods"]]
            hashes[engine] = [(r.period, r.status, r.result_hash) for r in stored]
        for p in doc["periods"]:  # ids and times differ per store; results must not
            del p["run_id"]
        hashes[engine + " document"] = doc
    assert hashes["spark"] == hashes["duckdb"]
    # the world's orders leave days empty: on both engines the gate keeps them previews
    assert [status for _, status, _ in hashes["spark"]] == ["preview", "preview"]
    assert hashes["spark document"] == hashes["duckdb document"]
