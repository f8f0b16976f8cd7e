"""Where a command reads platform data from: an embedded store file or a folder, and the
engine its metric plan runs on (DuckDB, or Spark over Parquet tables in a lake)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import duckdb
import typer

if TYPE_CHECKING:
    from tierwise.store.engine import EventEngine
    from tierwise.store.spark import SparkEngine

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="A folder in the canonical data contract (loaded and cached)."),
]
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The DuckDB store (default $TIERWISE_DB or ./tierwise.duckdb)."),
]


def default_db() -> Path:
    return Path(os.environ.get("TIERWISE_DB", "tierwise.duckdb"))


def fail(message: str) -> NoReturn:
    """Bad input: a clear message on standard error, nothing on standard output, exit 1."""
    from rich.console import Console  # imported by the commands that fail, not by every one

    Console(stderr=True).print(f"[red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


@contextmanager
def events(data: Path | None, db: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read connection to the event store named by `--data` or `--db`."""
    from tierwise.store import EventStore, LoadRefused, StoreError

    if data is not None and db is not None:
        raise typer.BadParameter("give --data or --db, not both")
    try:
        if data is not None:
            if not data.is_dir():
                fail(f"{data}: not a folder")
            store = EventStore.for_folder(data)
        else:
            path = db or default_db()
            if not path.exists():
                fail(f"{path}: no such store (load data with `tierwise data load DIR`, or --data)")
            store = EventStore.open(path, read_only=True)
    except LoadRefused as exc:
        fail(str(exc))
    except StoreError as exc:
        fail(str(exc))
    try:
        yield store.con
    finally:
        store.close()


ENGINES = ("duckdb", "spark")

EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Where the metric plan runs: duckdb (the event store) or spark (Parquet tables).",
        case_sensitive=False,
    ),
]
SparkMasterOption = Annotated[
    str,
    typer.Option(
        "--spark-master",
        help="Spark's master: local[N], spark://host:7077, yarn, k8s://… or a Spark Connect "
        "sc://host:15002.",
    ),
]
LakeOption = Annotated[
    str | None,
    typer.Option(
        "--lake",
        help="Spark: the canonical tables as Parquet under a folder or URI (s3a://…, "
        "hdfs://…), each <table>.parquet or <table>/ (partitioned).",
    ),
]


@contextmanager
def event_engine(
    engine: str,
    data: Path | None,
    db: Path | None,
    lake: str | None = None,
    spark_master: str = "local[2]",
) -> Iterator[EventEngine]:
    """The engine the metric plan runs on: DuckDB over the event store (`--data`/`--db`),
    or Spark over Parquet tables (`--lake`, or `--data` naming a local folder of them)."""
    from tierwise.store.engine import DuckDBEngine

    kind = engine.lower()
    if kind not in ENGINES:
        raise typer.BadParameter("use duckdb or spark", param_hint="--engine")
    if kind == "duckdb":
        if lake is not None:
            raise typer.BadParameter("--lake is read by --engine spark", param_hint="--lake")
        with events(data, db) as con:
            yield DuckDBEngine(con)
        return
    # The session is left to end with the process: another user of it (a notebook, the
    # tests) may have made it, and getOrCreate hands it over.
    yield _spark_engine(_lake(data, db, lake), spark_master)


def _lake(data: Path | None, db: Path | None, lake: str | None) -> str:
    """Where Spark reads the tables: a URI as given, a local folder checked to hold
    Parquet (Spark reads no CSV or JSON Lines of the contract)."""
    if db is not None:
        raise typer.BadParameter(
            "the Spark engine reads Parquet tables, not a DuckDB store: give --data DIR or --lake",
            param_hint="--db",
        )
    if (data is None) == (lake is None):
        raise typer.BadParameter("the Spark engine needs --data DIR or --lake URI (one of them)")
    if lake is not None and "://" in lake:
        return lake
    folder = Path(lake) if lake is not None else data
    if folder is None or not folder.is_dir():
        fail(f"{folder}: not a folder")
    text = sorted(
        p.name for p in folder.iterdir() if p.suffix in (".csv", ".jsonl") and p.is_file()
    )
    if text:
        fail(
            f"{folder}: the Spark engine reads Parquet tables, and {', '.join(text)} "
            "are not (write Parquet: tierwise data generate --format parquet, or DuckDB's COPY)"
        )
    return str(folder.resolve())


def _spark_engine(location: str, master: str) -> SparkEngine:
    from tierwise.store.spark import SparkEngine, SparkError, spark_session

    try:
        return SparkEngine.over(spark_session(master), location)
    except SparkError as exc:
        fail(str(exc))
