"""What the consent workflow reads from the event store: the `Pair` of a partner and a
creator — the partner's market, the creator's region, the pair's contract windows and its
imported `authorizations` rows — to which the caller adds the workflow's own rows. Kept
apart from the workflow so that it stays free of DuckDB."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from tierwise.compass.authorizations import Authorization
from tierwise.compass.visibility import BindingWindow, Pair

AUTHORIZATION_COLUMNS = (
    "request_id",
    "partner_id",
    "creator_id",
    "requested_at",
    "period_from",
    "period_to",
    "responded_at",
    "response",
    "revoked_at",
    "revoked_by",
)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(found and found[0])


def imported_rows(
    con: duckdb.DuckDBPyConnection, partner_id: str, creator_id: str
) -> tuple[Authorization, ...]:
    """The pair's rows of the imported `authorizations` table (none in a store loaded
    before Data Compass's tables existed)."""
    if not _has_table(con, "authorizations"):
        return ()
    rows = con.execute(
        f"SELECT {', '.join(AUTHORIZATION_COLUMNS)} FROM authorizations "
        "WHERE partner_id = ? AND creator_id = ? ORDER BY requested_at, request_id",
        [partner_id, creator_id],
    ).fetchall()
    return tuple(Authorization(**dict(zip(AUTHORIZATION_COLUMNS, r, strict=True))) for r in rows)


def pair_of(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    creator_id: str,
    stored: Iterable[Authorization] = (),
) -> Pair | None:
    """The pair as the rules read it, with the imported rows and `stored` (the workflow's);
    None when the partner or the creator does not exist or the partner was never bound to
    the creator — to the partner, a creator it never had is one that does not exist."""
    partner = con.execute(
        "SELECT market FROM partners WHERE partner_id = ?", [partner_id]
    ).fetchone()
    creator = con.execute(
        "SELECT region FROM creators WHERE creator_id = ?", [creator_id]
    ).fetchone()
    if partner is None or creator is None:
        return None
    windows = tuple(
        BindingWindow(started, ended)
        for started, ended in con.execute(
            """SELECT started_on, ended_on FROM bindings
               WHERE partner_id = ? AND subject_kind = 'creator' AND subject_id = ?
               ORDER BY started_on, ended_on""",
            [partner_id, creator_id],
        ).fetchall()
    )
    if not windows:
        return None
    imported = imported_rows(con, partner_id, creator_id)
    known = {a.request_id for a in imported}
    rows = (*imported, *(a for a in stored if a.request_id not in known))
    return Pair(partner_id, creator_id, str(partner[0]), str(creator[0]), windows, rows)


def partner_markets(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every partner's market (the language of its messages)."""
    return {
        str(pid): str(market)
        for pid, market in con.execute("SELECT partner_id, market FROM partners").fetchall()
    }
