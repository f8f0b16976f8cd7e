"""The canonical tables on Apache Spark: Parquet folders (or files) registered as temporary
views under the contract's table names, typed as the contract says.

A platform too large for one machine keeps its orders as partitioned Parquet in a lake
(`s3a://`, `hdfs://`, a local folder); `tierwise evaluate --engine spark` reads them there.
Only the per-partner result rows of the metric plan come back to the driver.

PySpark is an optional dependency (`pip install tierwise[spark]`) and needs Java 17; it is
imported when a Spark engine is made, never by the rest of tierwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tierwise.core.errors import TierwiseError
from tierwise.metrics.dialect import SPARK, Dialect
from tierwise.store.contract import TABLES, Column, Table
from tierwise.store.engine import Rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: The master when none is given: the local machine, two worker threads.
DEFAULT_MASTER = "local[2]"

#: Settings every tierwise session needs, whatever the master: instants read and written
#: in UTC (the Spark dialect's time-zone fragments assume it), and SQL's NULL (not an error)
#: for a division by zero, as in DuckDB.
SESSION_SETTINGS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
}

_SPARK_TYPES = {
    "str": "STRING",
    "int": "BIGINT",
    "num": "DECIMAL(18,6)",
    "money": "DECIMAL(18,4)",
    "bool": "BOOLEAN",
    "date": "DATE",
    "ts": "TIMESTAMP",
}


class SparkError(TierwiseError):
    """Spark could not be started, or a table could not be read."""


def spark_type(c: Column) -> str:
    """The Spark SQL type a contract column is read as."""
    return c.storage or _SPARK_TYPES[c.type]


def spark_session(master: str = DEFAULT_MASTER, conf: Mapping[str, str] | None = None) -> Any:
    """A session on `master`: `local[N]`, `spark://host:7077`, `yarn`, `k8s://…`, or a Spark
    Connect server `sc://host:15002` (needs `pyspark[connect]`)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - the extra is part of dev
        raise SparkError(
            "the Spark engine needs PySpark: pip install 'tierwise[spark]' (and Java 17)"
        ) from exc
    if master.startswith("sc://"):
        builder = SparkSession.builder.remote(master)
    else:
        builder = SparkSession.builder.master(master).appName("tierwise")
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        for key, value in SESSION_SETTINGS.items():
            builder = builder.config(key, value)
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing, a master out of reach: Py4J/gRPC errors
        raise SparkError(f"cannot start Spark on {master}: {exc}") from exc
    for key, value in SESSION_SETTINGS.items():  # an existing or remote session too
        session.conf.set(key, value)
    return session


def table_locations(location: str, t: Table) -> Iterator[str]:
    """Where a table may be under a folder: `<table>.parquet` (a file or a folder of
    parts), or a folder `<table>/` (partitioned, e.g. `month=2024-09/`)."""
    base = location.rstrip("/")
    yield f"{base}/{t.name}.parquet"
    yield f"{base}/{t.name}"


def _name(name: str) -> str:
    """A quoted Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def _contract_select(frame: DataFrame | None, t: Table) -> str:
    """The select that types a table's columns as the contract says (null where the file
    lacks an optional column)."""
    present = set(frame.columns) if frame is not None else set()
    cols = []
    for c in t.columns:
        source = _name(c.name) if c.name in present else "NULL"
        cols.append(f"CAST({source} AS {spark_type(c)}) AS {_name(c.name)}")
    return ", ".join(cols)


@dataclass(frozen=True)
class SparkEngine:
    """A Spark session whose temporary views hold the canonical tables."""

    session: SparkSession

    @property
    def name(self) -> str:
        return "spark"

    @property
    def dialect(self) -> Dialect:
        return SPARK

    @classmethod
    def over(cls, session: SparkSession, location: str) -> SparkEngine:
        """An engine reading the canonical tables under `location` (a local folder or any
        URI Spark reads); a table with no file there is an empty view."""
        engine = cls(session)
        engine.register(location)
        return engine

    def register(self, location: str) -> None:
        """Make each table under `location` the view of its contract name."""
        for t in TABLES:
            frame = self._read(location, t)
            view = f"__tw_{t.name}"
            if frame is None:
                self.session.sql(
                    f"CREATE OR REPLACE TEMPORARY VIEW {_name(t.name)} AS "
                    f"SELECT {_contract_select(None, t)} WHERE FALSE"
                )
                continue
            missing = [c.name for c in t.columns if not c.nullable and c.name not in frame.columns]
            if missing:
                raise SparkError(
                    f"{location}: table {t.name} lacks the required column(s) {missing}"
                )
            frame.createOrReplaceTempView(view)
            self.session.sql(
                f"CREATE OR REPLACE TEMPORARY VIEW {_name(t.name)} AS "
                f"SELECT {_contract_select(frame, t)} FROM {_name(view)}"
            )

    def _read(self, location: str, t: Table) -> DataFrame | None:
        from pyspark.errors import AnalysisException

        for path in table_locations(location, t):
            try:
                frame = self.session.read.parquet(path)
                frame.schema  # noqa: B018 - Spark Connect reads lazily: find a missing path now
            except AnalysisException as exc:
                if "PATH_NOT_FOUND" in str(exc.getCondition() or exc):
                    continue
                raise SparkError(f"{path}: cannot be read as Parquet ({exc})") from exc
            return frame
        return None

    def fetch(self, sql: str) -> Rows:
        """Run the query on Spark; only its result rows come to the driver (as Arrow, so
        decimals stay exact and instants keep their zone)."""
        from pyspark.errors import PySparkException

        try:
            with warnings.catch_warnings():
                # PySpark 4 warns about pandas 3 when it converts; no pandas is involved here.
                warnings.filterwarnings("ignore", "PySpark does not yet", FutureWarning)
                table = self.session.sql(self.dialect.translate(sql)).toArrow()
        except PySparkException as exc:
            raise SparkError(f"Spark refused the query: {exc}") from exc
        columns = list(table.column_names)
        rows = [tuple(r[c] for c in columns) for r in table.to_pylist()]
        return columns, rows
