"""bench/spark.py's hand-written PySpark job computes buyin-mcn's metrics exactly as tierwise
does, before anything is timed against it: on generated data, and with the two cases the
generated data lacks added by hand — a creator bound to two agencies at once (the order
goes to the earlier binding) and MCN orders in other currencies (converted to CNY at the
rate of the day)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pytest

from tierwise.core.periods import Period
from tierwise.store.spark import SparkEngine
from tierwise.synth.world import generate

BENCH = Path(__file__).resolve().parents[1] / "bench" / "spark.py"
MONTH = Period.parse("2026-09")


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_spark", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _add_rows(lake: Path) -> tuple[str, str, str]:
    """A second agency for a creator from mid-September, overlapping its first binding,
    and two orders of that creator in USD and THB after it (whose rates the data has)."""
    con = duckdb.connect()
    bindings = lake / "bindings.parquet"
    creator, first, second = con.execute(
        f"""SELECT b.subject_id, b.partner_id, o.partner_id
            FROM read_parquet('{bindings}') b
            JOIN read_parquet('{lake}/partners.parquet') p USING (partner_id)
            JOIN read_parquet('{lake}/partners.parquet') o
              ON o.kind = 'mcn' AND o.market = 'CN' AND o.partner_id > b.partner_id
            WHERE b.subject_kind = 'creator' AND b.service = 'mcn' AND p.kind = 'mcn'
              AND p.market = 'CN' AND b.ended_on IS NULL
              AND b.started_on <= DATE '2026-08-01'
            ORDER BY 1, 3 LIMIT 1"""
    ).fetchall()[0]
    con.execute(
        f"""COPY (SELECT * FROM read_parquet('{bindings}')
                  UNION ALL SELECT '{second}', 'creator', '{creator}', 'mcn',
                                   DATE '2026-09-15', NULL)
            TO '{lake}/bindings.new.parquet' (FORMAT parquet)"""
    )
    (lake / "bindings.new.parquet").replace(bindings)
    part = sorted((lake / "orders").glob("part-*.parquet"))[-1]
    con.execute(
        f"""COPY (SELECT * FROM read_parquet('{part}')
                  UNION ALL BY NAME
                  SELECT * REPLACE ('X-USD' AS order_id, '{creator}' AS creator_id,
                      'showcase' AS channel, TIMESTAMPTZ '2026-09-20 04:00:00+00' AS paid_at,
                      CAST(12.3456 AS DECIMAL(18,4)) AS amount,
                      CAST(0 AS DECIMAL(18,4)) AS refund_amount, 'USD' AS currency,
                      false AS abnormal)
                  FROM (SELECT * FROM read_parquet('{part}') LIMIT 1)
                  UNION ALL BY NAME
                  SELECT * REPLACE ('X-THB' AS order_id, '{creator}' AS creator_id,
                      'live' AS channel, TIMESTAMPTZ '2026-09-25 04:00:00+00' AS paid_at,
                      CAST(999.99 AS DECIMAL(18,4)) AS amount,
                      CAST(100 AS DECIMAL(18,4)) AS refund_amount, 'THB' AS currency,
                      false AS abnormal, true AS good_goods)
                  FROM (SELECT * FROM read_parquet('{part}') LIMIT 1))
            TO '{part}.new' (FORMAT parquet)"""
    )
    Path(f"{part}.new").replace(part)
    return creator, first, second


@pytest.mark.spark
def test_the_hand_job_gives_tierwises_buyin_metrics(tmp_path: Path, spark_session: Any) -> None:
    lake = tmp_path / "lake"
    generate(lake, "tiny", seed=3, fmt="parquet", end_month="2026-09", partitioned=True)
    _, first, second = _add_rows(lake)
    bench = _bench()
    engine = SparkEngine.over(spark_session, str(lake))

    assert bench.disagreements(engine, MONTH) == []
    rows = {
        r[0]: dict(zip(bench.BUYIN_METRICS, r[1:], strict=True))
        for r in bench.hand_rows(spark_session, MONTH)
    }
    assert first in rows and second in rows
    # The added orders went to the earlier binding: the later agency's showcase authors do
    # not count the creator, and the two converted orders are in the first agency's GMV.
    SparkEngine.over(spark_session, str(_without_added_orders(tmp_path, lake)))  # re-registers
    without = bench.hand_rows(spark_session, MONTH)
    before = {r[0]: dict(zip(bench.BUYIN_METRICS, r[1:], strict=True)) for r in without}
    assert rows[first]["settled_gmv"] > before[first]["settled_gmv"]
    assert rows[second]["settled_gmv"] == before[second]["settled_gmv"]


def _without_added_orders(tmp_path: Path, lake: Path) -> Path:
    """The same lake without the two added orders."""
    copy = tmp_path / "without"
    con = duckdb.connect()
    for item in lake.iterdir():
        target = copy / item.name
        if item.is_dir():
            target.mkdir(parents=True)
            for part in item.iterdir():
                (target / part.name).symlink_to(part)
        else:
            copy.mkdir(exist_ok=True)
            target.symlink_to(item)
    part = sorted((copy / "orders").glob("part-*.parquet"))[-1]
    source = part.resolve()
    part.unlink()
    con.execute(
        f"""COPY (SELECT * FROM read_parquet('{source}') WHERE order_id NOT LIKE 'X-%')
            TO '{part}' (FORMAT parquet)"""
    )
    return copy
