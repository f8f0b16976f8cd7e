"""Partner views (the rules' inputs) are kept while the store file is unchanged, and a
change to the file — a load — is read at once; an in-memory store is never kept."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.compass.test_analytics_modules import QUERY, P, world  # noqa: F401  (the fixture)
from tierwise.compass.analytics import overview, partner_view
from tierwise.testing.world import World


def _on_file(w: World, path: Path) -> duckdb.DuckDBPyConnection:
    w.con.execute(f"ATTACH '{path}' AS f")
    w.con.execute("COPY FROM DATABASE memory TO f")
    w.con.execute("DETACH f")
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    return con


def test_a_view_is_kept_until_the_file_changes(world: World, tmp_path: Path) -> None:  # noqa: F811
    con = _on_file(world, tmp_path / "store.duckdb")
    first = partner_view(con, P, QUERY.span)
    assert partner_view(con, P, QUERY.span) is first
    # By hand (test_analytics_modules): a and b are authorized in the range.
    assert overview(con, P, QUERY).current.authorized_creators == 2
    # b's approval withdrawn from the data (what a load of corrected rows does)
    con.execute("DELETE FROM authorizations WHERE creator_id = 'b'")
    con.execute("CHECKPOINT")
    assert partner_view(con, P, QUERY.span) is not first
    assert overview(con, P, QUERY).current.authorized_creators == 1


def test_an_in_memory_store_is_read_each_time(world: World) -> None:  # noqa: F811
    assert partner_view(world.con, P, QUERY.span) is not partner_view(world.con, P, QUERY.span)
