"""The engine a program's metric plan runs on: DuckDB here, Spark in `store/spark.py`.

The evaluation asks an engine only for rows of a query written in DuckDB's SQL; the
engine's `Dialect` writes the time-zone fragments and translates the rest, so the plan and
the scoring after it are the same code on every engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import duckdb

from tierwise.metrics.dialect import DUCKDB, Dialect

#: What a query gives back: its column names, then one tuple per row.
Rows = tuple[list[str], list[tuple[Any, ...]]]


class EventEngine(Protocol):
    """Canonical tables under their contract names, queried set-wise."""

    @property
    def name(self) -> str:
        """duckdb or spark: what `--engine` says."""

    @property
    def dialect(self) -> Dialect:
        """Writes the plan's engine-specific fragments and translates the rest."""

    def fetch(self, sql: str) -> Rows:
        """Run a query written in DuckDB's SQL (with this engine's fragments), translated
        by the engine's dialect."""


@dataclass(frozen=True)
class DuckDBEngine:
    """An event store's DuckDB connection (a loaded store, or a test's world)."""

    con: duckdb.DuckDBPyConnection

    @property
    def name(self) -> str:
        return "duckdb"

    @property
    def dialect(self) -> Dialect:
        return DUCKDB

    def fetch(self, sql: str) -> Rows:
        rel = self.con.sql(sql)
        return list(rel.columns), rel.fetchall()


def as_engine(source: duckdb.DuckDBPyConnection | EventEngine) -> EventEngine:
    """A DuckDB connection (every caller before engines) as the engine it stands for."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return DuckDBEngine(source)
    return source
