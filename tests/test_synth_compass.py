"""The generator's Data Compass tables: they load under the contract, hold the promised mix,
add up to the tables they derive from, and leave every other table as it was.

The mix is checked on the `small` demo with plain SQL; the bytes of the other tables are
compared between a generation with and one without the Data Compass tables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from tierwise.store import EventStore
from tierwise.store.contract import COMPASS_TABLES, TABLES
from tierwise.synth import FORMATS, generate
from tierwise.synth.compass import split_exact
from tierwise.synth.writer import FileFormat

END = "TIMESTAMPTZ '2026-09-30 16:00:00+00'"  # the end of the data in Shanghai, where MCNs are


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The small demo loaded through the contract loader (which refuses any bad row)."""
    out = tmp_path_factory.mktemp("small")
    generate(out, "small", seed=7)
    store = EventStore.open(":memory:")
    report = store.load(out)
    assert report.warnings.total == 0, list(report.warnings.lines())
    yield store.con
    store.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


# The promised mix ------------------------------------------------------------------------

_MIX = {
    "approved, never revoked": "response = 'approved' AND revoked_at IS NULL",
    "declined": "response = 'declined'",
    "expired (no answer within 7 days)": (
        f"response IS NULL AND requested_at + INTERVAL 7 DAY <= {END}"
    ),
    "pending at the end of the data": f"response IS NULL AND requested_at + INTERVAL 7 DAY > {END}",
    "revoked by the creator": "revoked_by = 'creator'",
    "withdrawn by the partner": "revoked_by = 'partner'",
}


@pytest.mark.parametrize("what", list(_MIX))
def test_requests_end_every_way(small: duckdb.DuckDBPyConnection, what: str) -> None:
    assert one(small, f"SELECT count(*) FROM authorizations WHERE {_MIX[what]}") > 0


def test_most_bound_pairs_were_approved_at_some_time(small: duckdb.DuckDBPyConnection) -> None:
    share = one(
        small,
        """SELECT avg((EXISTS (SELECT 1 FROM authorizations a WHERE a.partner_id = b.partner_id
                 AND a.creator_id = b.subject_id AND a.response = 'approved'))::INT)
           FROM (SELECT DISTINCT partner_id, subject_id FROM bindings
                 WHERE subject_kind = 'creator') b""",
    )
    assert 0.5 < share < 1


def test_requests_are_made_inside_a_contract_window(small: duckdb.DuckDBPyConnection) -> None:
    outside = one(
        small,
        """SELECT count(*) FROM authorizations a WHERE NOT EXISTS (
             SELECT 1 FROM bindings b WHERE b.partner_id = a.partner_id
               AND b.subject_kind = 'creator' AND b.subject_id = a.creator_id
               AND b.started_on <= CAST(a.requested_at + INTERVAL 8 HOUR AS DATE)
               AND CAST(a.requested_at + INTERVAL 8 HOUR AS DATE)
                   < coalesce(b.ended_on, DATE '9999-12-31'))""",
    )
    assert outside == 0


def test_a_pair_asks_again_and_periods_leave_gaps(small: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            small,
            "SELECT count(*) FROM (SELECT partner_id, creator_id FROM authorizations "
            "GROUP BY ALL HAVING count(*) > 1)",
        )
        > 0
    )
    gaps = one(
        small,
        """SELECT count(*) FROM (
             SELECT period_from, lag(period_to) OVER (PARTITION BY partner_id, creator_id
                                                      ORDER BY period_from) AS before
             FROM authorizations WHERE response = 'approved')
           WHERE period_from > before + 1""",
    )
    assert gaps > 0


def test_at_most_one_pending_request_per_pair(small: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            small,
            f"""SELECT count(*) FROM (SELECT partner_id, creator_id FROM authorizations
                WHERE response IS NULL AND requested_at + INTERVAL 7 DAY > {END}
                GROUP BY ALL HAVING count(*) > 1)""",
        )
        == 0
    )


def test_audience_groups_above_and_below_1000_users(small: duckdb.DuckDBPyConnection) -> None:
    sizes = small.execute(
        """SELECT count(*) FILTER (WHERE users > 1000), count(*) FILTER (WHERE users <= 1000)
           FROM (SELECT subject_kind, subject_id, stage, as_of, sum(users) AS users
                 FROM audiences WHERE dimension = 'gender' GROUP BY ALL)"""
    ).fetchone()
    assert sizes is not None and sizes[0] > 0 and sizes[1] > 0


def test_every_dimension_of_a_group_adds_up_to_the_same_users(
    small: duckdb.DuckDBPyConnection,
) -> None:
    assert (
        one(
            small,
            """SELECT count(*) FROM (
                 SELECT subject_kind, subject_id, stage, as_of
                 FROM (SELECT subject_kind, subject_id, stage, as_of, dimension,
                              sum(users) AS users FROM audiences GROUP BY ALL)
                 GROUP BY ALL HAVING count(DISTINCT users) > 1 OR count(*) <> 3)""",
        )
        == 0
    )


def test_some_product_stock_falls_below_5_during_a_live(small: duckdb.DuckDBPyConnection) -> None:
    dips = one(
        small,
        """SELECT count(*) FROM stock_levels s JOIN live_products p USING (product_id)
           JOIN livestreams l USING (live_id)
           WHERE s.stock < 5 AND s.at BETWEEN l.started_at AND l.ended_at""",
    )
    assert dips > 0


def test_live_sales_add_up_to_the_paid_live_orders(small: duckdb.DuckDBPyConnection) -> None:
    differing = one(
        small,
        """SELECT count(*) FROM (SELECT live_id, sum(orders) AS n, sum(gmv) AS g,
                                        sum(items_sold) AS i FROM live_products GROUP BY 1) p
           FULL JOIN (SELECT content_id AS live_id, count(*) AS n, sum(amount) AS g,
                             sum(quantity) AS i
                      FROM orders WHERE channel = 'live' AND paid_at IS NOT NULL GROUP BY 1) o
           USING (live_id)
           WHERE coalesce(p.n, 0) <> coalesce(o.n, 0) OR coalesce(p.g, 0) <> coalesce(o.g, 0)
              OR coalesce(p.i, 0) <> coalesce(o.i, 0)""",
    )
    assert differing == 0


def test_minutes_add_up_to_their_livestream(small: duckdb.DuckDBPyConnection) -> None:
    lives, differing = small.execute(
        """SELECT count(*), count(*) FILTER (WHERE m.views <> l.views
                  OR m.clicks <> l.product_clicks OR m.n <> coalesce(p.n, 0)
                  OR m.g <> coalesce(p.g, 0) OR m.first < l.started_at - INTERVAL 1 MINUTE)
           FROM (SELECT live_id, sum(views) AS views, sum(product_clicks) AS clicks,
                        sum(orders) AS n, sum(gmv) AS g, min(minute) AS first
                 FROM live_minutes GROUP BY 1) m
           JOIN livestreams l USING (live_id)
           LEFT JOIN (SELECT live_id, sum(orders) AS n, sum(gmv) AS g
                      FROM live_products GROUP BY 1) p USING (live_id)"""
    ).fetchone() or (0, 0)
    assert lives > 0 and differing == 0


def test_sources_add_up_to_the_livestream_views(small: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            small,
            """SELECT count(*) FROM livestreams l LEFT JOIN
                 (SELECT live_id, sum(views) AS v FROM live_sources GROUP BY 1) s USING (live_id)
               WHERE coalesce(s.v, 0) <> l.views""",
        )
        == 0
    )


def test_every_order_has_a_quantity(small: duckdb.DuckDBPyConnection) -> None:
    low, high, nulls = small.execute(
        "SELECT min(quantity), max(quantity), count(*) - count(quantity) FROM orders"
    ).fetchone() or (0, 0, 1)
    assert (low, nulls) == (1, 0) and high > 1


# The other tables stay as they were -------------------------------------------------------


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_compass_tables_leave_every_other_table_byte_for_byte(
    tmp_path: Path, fmt: FileFormat
) -> None:
    with_compass = generate(tmp_path / "with", "tiny", 5, fmt).out
    without = generate(tmp_path / "without", "tiny", 5, fmt, compass=False).out
    a, b = _digests(with_compass), _digests(without)
    others = [t.name for t in TABLES if t.name not in COMPASS_TABLES and t.name != "orders"]
    for name in others:
        assert a[f"{name}.{fmt}"] == b[f"{name}.{fmt}"], name
    assert not any(name.startswith(COMPASS_TABLES) for name in b)
    if fmt == "parquet":
        full = pq.read_table(with_compass / "orders.parquet")
        bare = pq.read_table(without / "orders.parquet")
        assert full.drop_columns(["quantity"]).equals(bare.drop_columns(["quantity"]))
        assert bare.column("quantity").null_count == bare.num_rows
        assert full.column("quantity").null_count == 0


def test_a_generation_without_compass_removes_earlier_compass_files(tmp_path: Path) -> None:
    out = tmp_path / "data"
    generate(out, "tiny", 5)
    assert (out / "authorizations.parquet").exists()
    generate(out, "tiny", 5, compass=False)
    assert not any((out / f"{name}.parquet").exists() for name in COMPASS_TABLES)


# The exact split behind every "adds up" ----------------------------------------------------


def test_split_exact_keeps_each_total_and_follows_the_weights() -> None:
    # 10 over weights 1:1:2 is 2.5, 2.5, 5: the largest remainders (a tie) go first-come.
    got = split_exact(
        np.array([10, 7, 0]),
        np.array([0, 0, 0, 1, 1, 2]),
        np.array([1.0, 1.0, 2.0, 0.0, 0.0, 3.0]),
    )
    assert got[2] == 5 and sorted(got[:2].tolist()) == [2, 3]
    assert got[3:5].sum() == 7 and abs(int(got[3]) - int(got[4])) <= 1  # no weight: even
    assert got[5] == 0
