"""The contract's tables in a DuckDB database: created when absent, checked when present.

Later SQL (metrics, the evaluator) may name any contract table, loaded or not, so every
store holds all of them with the contract's column types.
"""

from __future__ import annotations

import duckdb

from tierwise.core.errors import DataError
from tierwise.core.sql import ident, literal
from tierwise.store.contract import TABLES, Table, create_table_sql


class StoreError(DataError):
    """A store that cannot be used: missing, or made with a different contract."""


def _canonical(sql_type: str) -> str:
    return "TIMESTAMP WITH TIME ZONE" if sql_type == "TIMESTAMPTZ" else sql_type


def _stored_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        out.setdefault(str(table), {})[str(column)] = str(data_type)
    return out


def _temp_table_sql(t: Table) -> str:
    cols = ", ".join(f"{ident(c.name)} {c.sql_type}" for c in t.columns)
    return f"CREATE TEMP TABLE IF NOT EXISTS {ident(t.name)} ({cols})"


def ensure_schema(con: duckdb.DuckDBPyConnection, *, read_only: bool = False) -> None:
    """Create absent contract tables (as empty temporary tables when read-only), add
    nullable columns a newer contract introduced, and refuse a store whose columns differ."""
    stored = _stored_columns(con)
    problems: list[str] = []
    for t in TABLES:
        have = stored.get(t.name)
        if have is None:
            con.execute(_temp_table_sql(t) if read_only else create_table_sql(t))
            continue
        for c in t.columns:
            found = have.get(c.name)
            if found is None and c.nullable and not read_only:
                con.execute(f"ALTER TABLE {ident(t.name)} ADD COLUMN {ident(c.name)} {c.sql_type}")
            elif found is None:
                problems.append(f"{t.name}.{c.name} is missing")
            elif found != _canonical(c.sql_type):
                problems.append(f"{t.name}.{c.name} is {found}, the contract says {c.sql_type}")
        extra = [name for name in have if name not in t.column_index]
        problems += [f"{t.name}.{name} is not in the contract" for name in extra]
    if problems:
        raise StoreError(
            "the store was made for a different data contract ("
            + "; ".join(problems)
            + "); remove it and load the data again"
        )


def table_is_empty(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute(f"SELECT 1 FROM {ident(name)} LIMIT 1").fetchone() is None


def drop_temp_tables(con: duckdb.DuckDBPyConnection, prefix: str) -> None:
    """Drop this connection's temporary tables whose names start with `prefix`."""
    names = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, "
        f"{literal(prefix)})"
    ).fetchall()
    for (name,) in names:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{ident(str(name))}")
