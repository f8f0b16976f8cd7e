"""The few SQL fragments that differ between engines, and the translation of the rest.

The metric plan is written in DuckDB's SQL and reaches other engines through SQLGlot; what
SQLGlot cannot translate (time-zone arithmetic) is asked of a `Dialect`, so the
plan itself never branches on an engine's name. A dialect also carries DuckDB's number
semantics over (`/` and `AVG` give DOUBLE there), so both engines round the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class Dialect(Protocol):
    #: Whether a relation two parts of the plan read is computed once: DuckDB materializes
    #: a CTE with two readers, Spark inlines it and computes it again for each.
    shares_relations: bool

    def instant(self, utc: datetime) -> str:
        """A literal for a UTC instant (naive datetime in UTC)."""

    def local_midnight(self, date_expr: str, time_zone: str) -> str:
        """The instant a local calendar day starts, from a DATE expression."""

    def local_date(self, ts_expr: str, time_zone: str) -> str:
        """The local calendar day of an instant."""

    def money(self, double_expr: str) -> str:
        """A DOUBLE amount as DECIMAL(18,4), rounded as DuckDB rounds it: half away from
        zero, on the amount times 10,000 in DOUBLE."""

    def row_hash(self, columns: Sequence[str]) -> str:
        """A 64-bit hash of a row's columns, summed into a table's digest (a run's data
        fingerprint). Engines hash differently: a digest is compared with one taken on the
        same engine."""

    def translate(self, sql: str) -> str:
        """The plan's SQL (DuckDB's, with this dialect's fragments) in the engine's own."""


class DuckDB:
    shares_relations = True

    def instant(self, utc: datetime) -> str:
        return f"TIMESTAMPTZ '{utc.isoformat(sep=' ')}+00'"

    def local_midnight(self, date_expr: str, time_zone: str) -> str:
        return f"timezone('{time_zone}', CAST({date_expr} AS TIMESTAMP))"

    def local_date(self, ts_expr: str, time_zone: str) -> str:
        return f"CAST(timezone('{time_zone}', {ts_expr}) AS DATE)"

    def money(self, double_expr: str) -> str:
        return f"CAST({double_expr} AS DECIMAL(18,4))"

    def row_hash(self, columns: Sequence[str]) -> str:
        # The hash of a struct of the same fields: digests taken before the Data Compass
        # columns were added stay the same.
        fields = ", ".join(f'"{c}" := "{c}"' for c in columns)
        return f"hash(struct_pack({fields}))"

    def translate(self, sql: str) -> str:
        return sql


class Spark:
    """Spark SQL, for a session whose `spark.sql.session.timeZone` is UTC (the engine in
    `tierwise.store.spark` sets it): a DATE then casts to its UTC midnight, and
    `to_utc_timestamp` / `from_utc_timestamp` move between a zone's wall clock and UTC."""

    shares_relations = False

    def instant(self, utc: datetime) -> str:
        return f"TIMESTAMPTZ '{utc.isoformat(sep=' ')}+00:00'"

    def local_midnight(self, date_expr: str, time_zone: str) -> str:
        return f"to_utc_timestamp({date_expr}, '{time_zone}')"

    def local_date(self, ts_expr: str, time_zone: str) -> str:
        return f"CAST(from_utc_timestamp({ts_expr}, '{time_zone}') AS DATE)"

    def money(self, double_expr: str) -> str:
        # Spark's own cast rounds the shortest decimal text of the DOUBLE, which differs from
        # DuckDB's in the last place for some products (found on the small generated set).
        scaled = f"round(({double_expr}) * CAST(10000 AS DOUBLE), 0)"
        return f"CAST(CAST({scaled} AS DECIMAL(18,0)) * 0.0001 AS DECIMAL(18,4))"

    def row_hash(self, columns: Sequence[str]) -> str:
        # xxhash64 is signed; as DECIMAL its sum over billions of rows cannot overflow.
        fields = ", ".join(f'"{c}"' for c in columns)
        return f"CAST(xxhash64({fields}) AS DECIMAL(20, 0))"

    def translate(self, sql: str) -> str:
        import sqlglot  # only plans for Spark need it
        from sqlglot import exp

        def as_duckdb_numbers(node: exp.Expression) -> exp.Expression:
            """DuckDB divides and averages in DOUBLE; Spark keeps DECIMAL at a scale of its
            own choosing (as few as 6 places), which would round values differently."""
            if isinstance(node, exp.Avg):
                x = node.this
                return exp.Div(
                    this=exp.cast(exp.Sum(this=x.copy()), "DOUBLE"),
                    expression=exp.cast(exp.Count(this=x.copy()), "DOUBLE"),
                )
            if isinstance(node, exp.Div) and not _is_double_cast(node.this):
                return exp.Div(
                    this=exp.cast(node.this.copy(), "DOUBLE"),
                    expression=exp.cast(node.expression.copy(), "DOUBLE"),
                )
            return node

        tree = sqlglot.parse_one(sql, read="duckdb").transform(as_duckdb_numbers)
        return tree.sql(dialect="spark")


def _is_double_cast(node: object) -> bool:
    from sqlglot import exp

    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DOUBLE)


DUCKDB = DuckDB()
SPARK = Spark()
