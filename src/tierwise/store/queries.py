"""Every read of the event store outside loading and the metric plan, in one place: each
function takes a DuckDB connection and returns plain Python values, and is named by the
question it answers. Services above ask these; none of them writes SQL of its own.

The metric plan (`tierwise.metrics`) is the exception: it generates its SQL by design. The
two questions an evaluation asks before its plan (`empty_tables`,
`has_foreign_currency_orders`) are asked of any `EventEngine`, so Spark answers them too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import duckdb

from tierwise.core.periods import Period
from tierwise.core.sql import literal
from tierwise.metrics import catalog as lib
from tierwise.store.contract import TABLE_INDEX, row_digest_sql
from tierwise.store.engine import EventEngine, as_engine

if TYPE_CHECKING:
    from tierwise.definitions.model import Program
    from tierwise.metrics.plan import Scope

#: A partner as the directory shows it: id, name, kind, market, joined on.
PartnerRow = tuple[str, str, str, str, date | None]


def tables_read(program: Program) -> list[str]:
    """The event tables a program's metrics read."""
    return sorted({t for m in program.metrics.values() for t in lib.LIBRARY[m.metric].tables})


def empty_tables(source: duckdb.DuckDBPyConnection | EventEngine, program: Program) -> list[str]:
    """The tables the program reads that hold no row (on any engine)."""
    needed = tables_read(program)
    if not needed:
        return []
    _, counts = as_engine(source).fetch(
        " UNION ALL ".join(
            f"SELECT '{t}' AS t, COUNT(*) AS n FROM (SELECT 1 FROM {t} LIMIT 1) AS x"
            for t in needed
        )
    )
    return [t for t, n in counts if n == 0]


def has_foreign_currency_orders(source: duckdb.DuckDBPyConnection | EventEngine, sc: Scope) -> bool:
    """Whether any order paid in the windows a plan may read is in another currency (on any
    engine; `sc` is written in its dialect)."""
    first = sc.period.start - timedelta(days=120)
    _, rows = as_engine(source).fetch(
        f"SELECT 1 FROM orders WHERE currency <> {literal(sc.currency)} "
        f"AND paid_at >= {sc.instant(first)} AND paid_at < {sc.instant(sc.generated_on)} LIMIT 1"
    )
    return bool(rows)


def data_end(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last day the store has activity for (orders paid, API calls, livestreams)."""
    rows = con.execute(
        "SELECT GREATEST("
        "(SELECT CAST(MAX(paid_at) AS DATE) FROM orders), "
        "(SELECT MAX(day) FROM api_calls), "
        "(SELECT CAST(MAX(started_at) AS DATE) FROM livestreams))"
    ).fetchall()
    end: date | None = rows[0][0] if rows else None
    return end


def latest_complete_period(con: duckdb.DuckDBPyConnection, program: Program) -> Period | None:
    """The latest period of the program's kind that the data covers to its last day."""
    end = data_end(con)
    if end is None:
        return None
    period = Period.containing(end, program.period_kind)
    return period if period.last_day <= end else period.previous


def data_fingerprint(source: duckdb.DuckDBPyConnection | EventEngine, program: Program) -> str:
    """A digest of every table the program reads: the same data gives the same digest on the
    same engine (each engine hashes rows its own way)."""
    engine = as_engine(source)
    tables = sorted({"partners", *tables_read(program)})
    # the columns programs read, not Compass's; one scan per table, one query in all
    _, rows = engine.fetch(
        " UNION ALL ".join(
            f"SELECT '{t}' AS t, COUNT(*) AS n, "
            f"COALESCE(SUM({row_digest_sql(TABLE_INDEX[t], engine.dialect)}), 0) AS h FROM {t}"
            for t in tables
        )
    )
    found = {t: (n, h) for t, n, h in rows}
    parts = [f"{t}:{found[t][0]}:{found[t][1]}" for t in tables]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def partner_markets(
    source: duckdb.DuckDBPyConnection | EventEngine, partner_kind: str
) -> dict[str, str]:
    """The market of every partner of one kind (which language its notices are in)."""
    _, rows = as_engine(source).fetch(
        f"SELECT partner_id, market FROM partners WHERE kind = {literal(partner_kind)}"
    )
    return {pid: market for pid, market in rows}


def partners(con: duckdb.DuckDBPyConnection) -> list[PartnerRow]:
    """Every partner's basic information, by partner id."""
    rows: list[PartnerRow] = con.execute(
        "SELECT partner_id, name, kind, market, joined_on FROM partners ORDER BY partner_id"
    ).fetchall()
    return rows


def creator_bindings(con: duckdb.DuckDBPyConnection, on: date) -> list[tuple[str, str]]:
    """(creator, partner) for every creator binding in force on `on`."""
    rows: list[tuple[str, str]] = con.execute(
        """SELECT DISTINCT subject_id, partner_id FROM bindings
           WHERE subject_kind = 'creator' AND started_on <= ?
             AND (ended_on IS NULL OR ended_on > ?)""",
        [on, on],
    ).fetchall()
    return rows


@dataclass(frozen=True)
class DemoSubjects:
    """Subjects of the demo data worth a demo login (None: the data has none)."""

    mcn: str | None
    tsp: str | None
    creator: str | None
    seller: str | None


def demo_subjects(con: duckdb.DuckDBPyConnection) -> DemoSubjects:
    """An agency with a gap to close, a certified TSP, a creator bound to an agency and a
    seller (the demo data's favourites first, else the first of each)."""

    def first(sql: str) -> str | None:
        row = con.execute(sql).fetchall()
        return None if not row else str(row[0][0])

    return DemoSubjects(
        mcn=first(
            "SELECT partner_id FROM partners WHERE kind = 'mcn' "
            "ORDER BY partner_id = 'mcn-cn-0002' DESC, partner_id LIMIT 1"
        ),
        tsp=first(
            "SELECT partner_id FROM partners WHERE kind = 'tsp' "
            "ORDER BY partner_id = 'tsp-th-0002' DESC, partner_id LIMIT 1"
        ),
        creator=first(
            "SELECT subject_id FROM bindings WHERE subject_kind = 'creator' "
            "AND ended_on IS NULL ORDER BY partner_id = 'mcn-cn-0001' DESC, subject_id LIMIT 1"
        ),
        seller=first("SELECT seller_id FROM sellers ORDER BY seller_id LIMIT 1"),
    )


__all__ = [
    "DemoSubjects",
    "PartnerRow",
    "creator_bindings",
    "data_end",
    "data_fingerprint",
    "demo_subjects",
    "empty_tables",
    "has_foreign_currency_orders",
    "latest_complete_period",
    "partner_markets",
    "partners",
    "tables_read",
]
