"""The few SQL fragments that differ between engines.

The metric plan is written in DuckDB's SQL and reaches other engines through SQLGlot; what
SQLGlot cannot translate (time-zone arithmetic) is asked of a `Dialect`, so the
plan itself never branches on an engine's name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Dialect(Protocol):
    def instant(self, utc: datetime) -> str:
        """A literal for a UTC instant (naive datetime in UTC)."""

    def local_midnight(self, date_expr: str, time_zone: str) -> str:
        """The instant a local calendar day starts, from a DATE expression."""

    def local_date(self, ts_expr: str, time_zone: str) -> str:
        """The local calendar day of an instant."""


class DuckDB:
    def instant(self, utc: datetime) -> str:
        return f"TIMESTAMPTZ '{utc.isoformat(sep=' ')}+00'"

    def local_midnight(self, date_expr: str, time_zone: str) -> str:
        return f"timezone('{time_zone}', CAST({date_expr} AS TIMESTAMP))"

    def local_date(self, ts_expr: str, time_zone: str) -> str:
        return f"CAST(timezone('{time_zone}', {ts_expr}) AS DATE)"


DUCKDB = DuckDB()
