"""Benchmark: every program for one period on generated data, against three baselines.

Run: `python bench/evaluate.py --data DIR` (a generated folder, e.g. medium or large).
The store is built once (not timed). Then, in this one process:
- tierwise evaluates every built-in program for its latest complete period (MCN programs a
  month, ISV and TSP a quarter): the metric query alone, and the whole evaluation;
- (a) the floor: one hand-written DuckDB query computing buyin-mcn's metrics;
- (b) an analyst's pandas implementation of the same metrics, on frames already in memory;
- (c) the same with Polars' lazy API, on Polars frames already in memory.
Every baseline is first checked to give tierwise's numbers on the data (`disagreements`),
and every side is timed the same way: best of `--repeat` runs.
Reported: seconds, orders/s (orders paid in the month ÷ time, and per core), peak RSS.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import polars as pl
import psutil

from tierwise.core.periods import Period
from tierwise.definitions.registry import load_program
from tierwise.evaluation.service import checked_scope, evaluate, requests, scope
from tierwise.metrics.plan import compile_plan
from tierwise.store.events import EventStore
from tierwise.store.queries import latest_complete_period

T = TypeVar("T")
PROGRAMS = (
    "buyin-mcn",
    "douyin-jixing-mcn",
    "tts-sea-isv",
    "tts-th-tsp-shop",
    "tts-th-tsp-content",
)


@dataclass
class Measure:
    label: str
    seconds: float
    peak_rss_mb: float


def measured(label: str, fn: Callable[[], T], repeat: int = 3) -> tuple[T, Measure]:
    """Best of `repeat` runs; peak RSS sampled every 5 ms while the runs go."""
    proc = psutil.Process()
    peak = proc.memory_info().rss
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, proc.memory_info().rss)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    best = float("inf")
    result: Any = None
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - t0)
    finally:
        stop.set()
        sampler.join()
    return result, Measure(label, best, peak / 2**20)


def instant(d: date, tz: str) -> str:
    utc = datetime.combine(d, dtime(0), tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))
    return f"TIMESTAMPTZ '{utc.replace(tzinfo=None).isoformat(sep=' ')}+00'"


def floor_sql(period: Period) -> str:
    """What an expert writes by hand for buyin-mcn's base metrics in one DuckDB query."""
    tz = "Asia/Shanghai"
    last = f"DATE '{period.last_day}'"
    second = f"DATE '{period.last_day + timedelta(days=2)}'"
    lo, hi = instant(period.start, tz), instant(period.end, tz)
    return f"""
WITH p AS (SELECT partner_id FROM partners
           WHERE kind = 'mcn' AND market = 'CN' AND joined_on <= {last}),
b AS (SELECT subject_id AS creator_id, partner_id, started_on,
             COALESCE(ended_on, DATE '9999-12-31') AS ended_on
      FROM bindings WHERE subject_kind = 'creator' AND service = 'mcn'
        AND partner_id IN (SELECT partner_id FROM p)),
abn AS (SELECT subject_id FROM facts WHERE subject_kind = 'creator' AND name = 'abnormal'
        AND as_of <= {last} GROUP BY 1 HAVING arg_max(value, as_of) = 1),
bound AS (SELECT creator_id, arg_min(partner_id, (started_on, partner_id)) AS partner_id
          FROM b WHERE started_on <= {last} AND ended_on > {last}
            AND creator_id NOT IN (SELECT subject_id FROM abn) GROUP BY 1),
o AS (SELECT b.partner_id, o.creator_id, o.channel, o.good_goods, o.worry_free,
             GREATEST(o.amount - o.refund_amount, 0) AS settled, o.refund_amount < o.amount AS s
      FROM orders o JOIN b ON b.creator_id = o.creator_id
       AND o.paid_at >= timezone('{tz}', CAST(b.started_on AS TIMESTAMP))
       AND o.paid_at < timezone('{tz}', CAST(LEAST(b.ended_on, DATE '9000-01-01') AS TIMESTAMP))
      WHERE o.paid_at >= {lo} AND o.paid_at < {hi} AND NOT o.abnormal
        AND o.creator_id NOT IN (SELECT subject_id FROM abn)),
agg AS (SELECT partner_id, SUM(settled) AS settled_gmv, COUNT(*) FILTER (WHERE s) AS settled_orders,
               SUM(settled) FILTER (WHERE channel = 'showcase') AS showcase_gmv,
               SUM(settled) FILTER (WHERE good_goods) AS good_goods_gmv,
               COUNT(*) FILTER (WHERE s AND worry_free) AS worry_free_orders
        FROM o GROUP BY 1),
showcase AS (SELECT o.partner_id, COUNT(DISTINCT o.creator_id) AS n FROM o
             JOIN bound bd ON bd.creator_id = o.creator_id AND bd.partner_id = o.partner_id
             WHERE o.s AND o.channel = 'showcase' GROUP BY 1),
lvl AS (SELECT subject_id, arg_max(value, as_of) AS v FROM facts
        WHERE subject_kind = 'creator' AND name = 'author_level' AND as_of <= {second}
        GROUP BY 1),
rep AS (SELECT subject_id, arg_max(value, as_of) AS v FROM facts
        WHERE subject_kind = 'creator' AND name = 'reputation' AND as_of <= {last} GROUP BY 1),
live AS (SELECT creator_id, COUNT(DISTINCT CAST(timezone('{tz}', started_at) AS DATE)) AS d
         FROM livestreams WHERE started_at >= {lo} AND started_at < {hi} GROUP BY 1),
authors AS (SELECT bd.partner_id, COUNT(*) AS bound,
                   COUNT(*) FILTER (WHERE lvl.v >= 5) AS authors_l5,
                   AVG(COALESCE(live.d, 0)) AS live_commitment, AVG(rep.v) AS avg_reputation
            FROM bound bd LEFT JOIN lvl ON lvl.subject_id = bd.creator_id
            LEFT JOIN rep ON rep.subject_id = bd.creator_id
            LEFT JOIN live ON live.creator_id = bd.creator_id GROUP BY 1),
credit AS (SELECT subject_id AS partner_id, arg_max(value, as_of) AS v FROM facts
           WHERE subject_kind = 'partner' AND name = 'credit_score' AND as_of <= {last}
           GROUP BY 1)
SELECT p.partner_id, COALESCE(agg.settled_gmv, 0) AS settled_gmv,
       COALESCE(agg.settled_orders, 0) AS settled_orders,
       COALESCE(authors.authors_l5, 0) AS authors_l5,
       COALESCE(authors.live_commitment, 0) AS live_commitment,
       COALESCE(agg.showcase_gmv / NULLIF(agg.settled_gmv, 0), 0) AS showcase_share,
       COALESCE(COALESCE(showcase.n, 0) / NULLIF(authors.bound, 0), 0)
           AS showcase_author_share,
       COALESCE(agg.good_goods_gmv / NULLIF(agg.settled_gmv, 0), 0) AS good_goods_share,
       authors.avg_reputation, COALESCE(credit.v, 100) AS credit_score,
       COALESCE(agg.worry_free_orders, 0) AS worry_free_orders
FROM p LEFT JOIN agg USING (partner_id) LEFT JOIN authors USING (partner_id)
LEFT JOIN showcase USING (partner_id) LEFT JOIN credit USING (partner_id)
ORDER BY 1"""


def pandas_buyin(frames: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """What an analyst writes: filter, merge and group with pandas."""
    tz = "Asia/Shanghai"
    start = pd.Timestamp(period.start, tz=tz)
    end = pd.Timestamp(period.end, tz=tz)
    last = pd.Timestamp(period.last_day)
    partners = frames["partners"]
    partners = partners[
        (partners.kind == "mcn")
        & (partners.market == "CN")
        & (pd.to_datetime(partners.joined_on) <= last)
    ]
    facts = frames["facts"]
    facts = facts.assign(as_of=pd.to_datetime(facts.as_of))

    def in_force(name: str, kind: str, day: pd.Timestamp) -> pd.Series:
        f = facts[(facts.subject_kind == kind) & (facts.name == name) & (facts.as_of <= day)]
        return f.sort_values("as_of").groupby("subject_id").value.last().astype(float)

    abnormal = in_force("abnormal", "creator", last)
    abnormal_ids = set(abnormal[abnormal == 1].index)
    b = frames["bindings"]
    b = b[
        (b.subject_kind == "creator")
        & (b.service == "mcn")
        & b.partner_id.isin(partners.partner_id)
    ].copy()
    b["started_on"] = pd.to_datetime(b.started_on)
    b["ended_on"] = pd.to_datetime(b.ended_on).fillna(pd.Timestamp("2262-01-01"))
    o = frames["orders"]
    o = o[(o.paid_at >= start) & (o.paid_at < end) & ~o.abnormal]
    o = o[~o.creator_id.isin(abnormal_ids)]
    o = o.assign(paid_day=o.paid_at.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize())
    m = o.merge(b, left_on="creator_id", right_on="subject_id")
    m = m[(m.paid_day >= m.started_on) & (m.paid_day < m.ended_on)]
    m = m.assign(
        settled=(m.amount - m.refund_amount).clip(lower=0).astype(float),
        s=m.refund_amount < m.amount,
    )
    g = m.groupby("partner_id")
    agg = pd.DataFrame(
        {
            "settled_gmv": g.settled.sum(),
            "settled_orders": g.s.sum(),
            "showcase_gmv": m[m.channel == "showcase"].groupby("partner_id").settled.sum(),
            "good_goods_gmv": m[m.good_goods].groupby("partner_id").settled.sum(),
            "worry_free_orders": m[m.s & m.worry_free].groupby("partner_id").s.sum(),
        }
    ).fillna(0)
    bound = b[(b.started_on <= last) & (b.ended_on > last)]
    bound = bound[~bound.subject_id.isin(abnormal_ids)]
    bound = bound.sort_values(["subject_id", "started_on", "partner_id"]).drop_duplicates(
        "subject_id"
    )
    lvl = in_force("author_level", "creator", last + pd.Timedelta(days=2))
    rep = in_force("reputation", "creator", last)
    lives = frames["livestreams"]
    lives = lives[(lives.started_at >= start) & (lives.started_at < end)]
    live_days = (
        lives.assign(d=lives.started_at.dt.tz_convert(tz).dt.date).groupby("creator_id").d.nunique()
    )
    # a bound author counts where its showcase sale went to the agency it is bound to
    sold = m[m.s & (m.channel == "showcase")]
    showcase_pairs = set(zip(sold.partner_id, sold.creator_id, strict=True))
    a = bound.assign(
        l5=bound.subject_id.map(lvl).fillna(-1) >= 5,
        rep=bound.subject_id.map(rep),
        live=bound.subject_id.map(live_days).fillna(0),
        sc=[
            pair in showcase_pairs for pair in zip(bound.partner_id, bound.subject_id, strict=True)
        ],
    ).groupby("partner_id")
    authors = pd.DataFrame(
        {
            "bound": a.size(),
            "authors_l5": a.l5.sum(),
            "live_commitment": a.live.mean(),
            "avg_reputation": a.rep.mean(),
            "showcase_authors": a.sc.sum(),
        }
    )
    credit = in_force("credit_score", "partner", last)
    out = partners[["partner_id"]].set_index("partner_id").join(agg).join(authors)
    out = out.fillna({c: 0 for c in out.columns if c != "avg_reputation"})
    out["showcase_share"] = (out.showcase_gmv / out.settled_gmv).where(out.settled_gmv > 0, 0)
    out["good_goods_share"] = (out.good_goods_gmv / out.settled_gmv).where(out.settled_gmv > 0, 0)
    out["showcase_author_share"] = (out.showcase_authors / out.bound).where(out.bound > 0, 0)
    out["credit_score"] = out.index.map(credit).fillna(100)
    return out.sort_index()


def polars_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """The five tables buyin-mcn reads as Polars frames in memory, instants in UTC (read
    once, not timed, as the pandas frames are)."""
    frames = {}
    for table in ("partners", "bindings", "facts", "orders", "livestreams"):
        frame = pl.DataFrame(con.sql(f"SELECT * FROM {table}").to_arrow_table())
        instants = [
            pl.col(c).dt.convert_time_zone("UTC")
            for c, kind in frame.schema.items()
            if isinstance(kind, pl.Datetime) and kind.time_zone is not None
        ]
        frames[table] = frame.with_columns(instants) if instants else frame
    return frames


def polars_buyin(frames: dict[str, pl.DataFrame], period: Period) -> pl.DataFrame:
    """What an analyst writes with Polars' lazy API: the hand-written SQL's rules (orders of
    the month in Beijing time, each to the creator's binding in force when paid, creators
    bound on the last day, facts in force), one query plan collected at the end."""
    tz = "Asia/Shanghai"
    last = period.last_day
    lo = datetime.combine(period.start, dtime(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    hi = datetime.combine(period.end, dtime(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    col = pl.col

    def local_midnight(day: pl.Expr) -> pl.Expr:
        return day.cast(pl.Datetime("us")).dt.replace_time_zone(tz).dt.convert_time_zone("UTC")

    facts = frames["facts"].lazy()

    def in_force(kind: str, name: str, on: date) -> pl.LazyFrame:
        return (
            facts.filter(
                (col("subject_kind") == kind) & (col("name") == name) & (col("as_of") <= on)
            )
            .group_by("subject_id")
            .agg(col("value").sort_by("as_of").last())
        )

    partners = (
        frames["partners"]
        .lazy()
        .filter((col("kind") == "mcn") & (col("market") == "CN") & (col("joined_on") <= last))
        .select("partner_id")
    )
    abnormal = in_force("creator", "abnormal", last).filter(col("value") == 1).select("subject_id")
    bindings = (
        frames["bindings"]
        .lazy()
        .filter((col("subject_kind") == "creator") & (col("service") == "mcn"))
        .join(partners, on="partner_id", how="semi")
        .select(
            col("subject_id").alias("creator_id"),
            "partner_id",
            "started_on",
            col("ended_on").fill_null(date(9999, 12, 31)),
        )
    )
    bound = (
        bindings.filter((col("started_on") <= last) & (col("ended_on") > last))
        .join(abnormal, left_on="creator_id", right_on="subject_id", how="anti")
        .sort("started_on", "partner_id")
        .group_by("creator_id")
        .agg(col("partner_id").first())
    )
    spans = bindings.select(
        "creator_id",
        "partner_id",
        local_midnight(col("started_on")).alias("since"),
        local_midnight(pl.min_horizontal("ended_on", pl.lit(date(9000, 1, 1)))).alias("until"),
    )
    sold = col("refund_amount") < col("amount")
    orders = (
        frames["orders"]
        .lazy()
        .filter((col("paid_at") >= lo) & (col("paid_at") < hi) & ~col("abnormal"))
        .join(abnormal, left_on="creator_id", right_on="subject_id", how="anti")
        .join(spans, on="creator_id")
        .filter((col("paid_at") >= col("since")) & (col("paid_at") < col("until")))
        .select(
            "partner_id",
            "creator_id",
            "channel",
            "good_goods",
            "worry_free",
            pl.max_horizontal(col("amount") - col("refund_amount"), pl.lit(0)).alias("settled"),
            sold.alias("s"),
        )
    )
    showcase = col("channel") == "showcase"
    sales = orders.group_by("partner_id").agg(
        col("settled").sum().alias("settled_gmv"),
        col("s").sum().alias("settled_orders"),
        col("settled").filter(showcase).sum().alias("showcase_gmv"),
        col("settled").filter(col("good_goods")).sum().alias("good_goods_gmv"),
        (col("s") & col("worry_free")).sum().alias("worry_free_orders"),
    )
    authors_sold = (
        orders.filter(col("s") & showcase)
        .join(bound, on=["creator_id", "partner_id"], how="semi")
        .group_by("partner_id")
        .agg(col("creator_id").n_unique().alias("showcase_authors"))
    )
    live_days = (
        frames["livestreams"]
        .lazy()
        .filter((col("started_at") >= lo) & (col("started_at") < hi))
        .group_by("creator_id")
        .agg(col("started_at").dt.convert_time_zone(tz).dt.date().n_unique().alias("days"))
    )
    level = in_force("creator", "author_level", last + timedelta(days=2))
    reputation = in_force("creator", "reputation", last)
    authors = (
        bound.join(
            level.rename({"value": "level"}),
            left_on="creator_id",
            right_on="subject_id",
            how="left",
        )
        .join(
            reputation.rename({"value": "rep"}),
            left_on="creator_id",
            right_on="subject_id",
            how="left",
        )
        .join(live_days, on="creator_id", how="left")
        .group_by("partner_id")
        .agg(
            pl.len().alias("bound"),
            (col("level") >= 5).sum().alias("authors_l5"),
            col("days").fill_null(0).mean().alias("live_commitment"),
            col("rep").cast(pl.Float64).mean().alias("avg_reputation"),
        )
    )
    credit = in_force("partner", "credit_score", last).rename(
        {"subject_id": "partner_id", "value": "credit_score"}
    )

    def share(part: str, whole: str) -> pl.Expr:
        return (
            pl.when(col(whole) > 0)
            .then(col(part).cast(pl.Float64) / col(whole).cast(pl.Float64))
            .otherwise(0.0)
        )

    return (
        partners.join(sales, on="partner_id", how="left")
        .join(authors, on="partner_id", how="left")
        .join(authors_sold, on="partner_id", how="left")
        .join(credit, on="partner_id", how="left")
        .with_columns(
            pl.col(
                "settled_gmv",
                "settled_orders",
                "showcase_gmv",
                "good_goods_gmv",
                "worry_free_orders",
                "bound",
                "authors_l5",
                "live_commitment",
                "showcase_authors",
            ).fill_null(0),
            col("credit_score").fill_null(100),
        )
        .with_columns(
            share("showcase_gmv", "settled_gmv").alias("showcase_share"),
            share("good_goods_gmv", "settled_gmv").alias("good_goods_share"),
            share("showcase_authors", "bound").alias("showcase_author_share"),
        )
        .sort("partner_id")
        .collect()
    )


#: The metrics both baselines compute, as buyin-mcn's definition names them.
BASELINE_METRICS = (
    "settled_gmv",
    "settled_orders",
    "authors_l5",
    "live_commitment",
    "showcase_share",
    "showcase_author_share",
    "good_goods_share",
    "avg_reputation",
    "credit_score",
    "worry_free_orders",
)


def _differs(a: Any, b: Any) -> bool:
    """Beyond float noise (pandas sums in floats; tierwise reports 10 decimals)."""
    if a is None or b is None:
        return (a is None) != (b is None)
    x, y = float(a), float(b)
    return abs(x - y) > 1e-6 * max(1.0, abs(y))


def disagreements(con: duckdb.DuckDBPyConnection, period: Period) -> list[str]:
    """Where a baseline's buyin-mcn numbers (hand SQL, pandas, Polars) differ from
    tierwise's: nothing, before the baselines are timed against it
    (tests/test_bench_evaluate.py checks small data too)."""
    program = load_program("buyin-mcn")
    columns, rows = _columns_rows(
        con, compile_plan(requests(program), checked_scope(con, program, period))
    )
    ours = {r[0]: dict(zip(columns, r, strict=True)) for r in rows}
    floor_columns, floor_rows = _columns_rows(con, floor_sql(period))
    tables = ("partners", "bindings", "facts", "orders", "livestreams")
    frames = {t: con.execute(f"SELECT * FROM {t}").df() for t in tables}
    pandas_rows = pandas_buyin(frames, period)
    polars = {r["partner_id"]: r for r in polars_buyin(polars_frames(con), period).to_dicts()}
    found: list[str] = []
    floor = {r[0]: dict(zip(floor_columns, r, strict=True)) for r in floor_rows}
    found += [f"hand SQL: {p}: missing or extra" for p in floor.keys() ^ ours.keys()]
    found += [f"pandas: {p}: missing or extra" for p in set(pandas_rows.index) ^ ours.keys()]
    found += [f"Polars: {p}: missing or extra" for p in polars.keys() ^ ours.keys()]
    for partner in sorted(ours):
        for name in BASELINE_METRICS:
            want = ours[partner][name]
            if partner in floor and _differs(floor[partner][name], want):
                found.append(f"hand SQL: {partner}: {name}: {floor[partner][name]} != {want}")
            if partner in polars and _differs(polars[partner][name], want):
                found.append(f"Polars: {partner}: {name}: {polars[partner][name]} != {want}")
            if partner in pandas_rows.index:
                got = pandas_rows.at[partner, name]
                got = None if pd.isna(got) else got
                if _differs(got, want):
                    found.append(f"pandas: {partner}: {name}: {got} != {want}")
    return found


def _columns_rows(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[Any]]:
    cursor = con.execute(sql)
    return [d[0] for d in cursor.description], cursor.fetchall()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, pandas {pd.__version__}"
    )


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[Any]:
    return con.execute(sql).fetchall()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True, help="a generated data folder")
    ap.add_argument("--db", type=Path, help="store file (default: the folder's cache)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()

    print(f"machine: {machine()}")
    store, m = measured("load", lambda: EventStore.for_folder(args.data), repeat=1)
    print(f"store ready in {m.seconds:.1f} s (load or cache hit)")
    con = store.con
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    total_orders = con.execute("SELECT COUNT(*) FROM orders").fetchall()[0][0]
    print(f"orders in store: {total_orders:,}; DuckDB threads: {threads}")
    rows: list[tuple[str, str, float, int, float]] = []

    buyin = load_program("buyin-mcn")
    month = latest_complete_period(con, buyin)
    assert month is not None
    sc = scope(buyin, month)
    lo, hi = sc.instant(month.start), sc.instant(month.end)
    month_orders = con.execute(
        f"SELECT COUNT(*) FROM orders WHERE paid_at >= {lo} AND paid_at < {hi}"
    ).fetchall()[0][0]

    for pid in PROGRAMS:
        program = load_program(pid)
        period = latest_complete_period(con, program)
        assert period is not None
        s = scope(program, period)
        n = con.execute(
            f"SELECT COUNT(*) FROM orders WHERE paid_at >= {s.instant(period.start)} "
            f"AND paid_at < {s.instant(period.end)}"
        ).fetchall()[0][0]
        sql = compile_plan(requests(program), checked_scope(con, program, period))
        _, mq = measured(f"{pid} metrics", partial(_fetch, con, sql), args.repeat)
        _, me = measured(f"{pid} evaluate", partial(evaluate, con, program, period), args.repeat)
        rows.append((pid, str(period), mq.seconds, n, mq.peak_rss_mb))
        rows.append((pid + " (with scoring)", str(period), me.seconds, n, me.peak_rss_mb))

    found = disagreements(con, month)  # a baseline that counts something else proves nothing
    assert not found, found[:10]
    print("the hand-written SQL, pandas and Polars give tierwise's buyin-mcn numbers on this data")
    floor = floor_sql(month)
    _, mf = measured("floor", lambda: con.execute(floor).fetchall(), args.repeat)
    bare = (
        f"SELECT COUNT(*), SUM(amount - refund_amount) FROM orders "
        f"WHERE paid_at >= {lo} AND paid_at < {hi} AND NOT abnormal"
    )
    _, mb = measured("bare scan", lambda: con.execute(bare).fetchall(), args.repeat)
    rows.append(
        ("(a) hand-written SQL, buyin-mcn", str(month), mf.seconds, month_orders, mf.peak_rss_mb)
    )
    rows.append(
        ("bare scan of the month's orders", str(month), mb.seconds, month_orders, mb.peak_rss_mb)
    )
    if not args.skip_pandas:
        tables = ("partners", "bindings", "facts", "orders", "livestreams")
        frames, ml = measured(
            "pandas load", lambda: {t: con.execute(f"SELECT * FROM {t}").df() for t in tables}, 1
        )
        _, mp = measured("pandas", lambda: pandas_buyin(frames, month), args.repeat)
        rows.append(
            (
                "(b) pandas, buyin-mcn (frames in memory)",
                str(month),
                mp.seconds,
                month_orders,
                mp.peak_rss_mb,
            )
        )
        print(f"pandas: reading the five tables into frames took {ml.seconds:.1f} s (not counted)")
    polar_frames, mpl = measured("Polars load", lambda: polars_frames(con), 1)
    _, mpo = measured("Polars", lambda: polars_buyin(polar_frames, month), args.repeat)
    rows.append(
        (
            "(c) Polars lazy, buyin-mcn (frames in memory)",
            str(month),
            mpo.seconds,
            month_orders,
            mpo.peak_rss_mb,
        )
    )
    print(f"Polars: reading the five tables into frames took {mpl.seconds:.1f} s (not counted)")

    print()
    print(
        "| what | period | seconds | orders in period | orders/s | orders/s per core "
        "| peak RSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, per, secs, n, rss in rows:
        rate = n / secs if secs else 0.0
        print(
            f"| {label} | {per} | {secs:.3f} | {n:,} | {rate / 1e6:.2f}M "
            f"| {rate / threads / 1e6:.2f}M "
            f"| {rss:,.0f} |"
        )
    buyin_metrics = next(r for r in rows if r[0] == "buyin-mcn")[2]
    print()
    print(
        f"buyin-mcn metrics vs hand-written SQL: {buyin_metrics / mf.seconds:.2f}× (target ≤ 1.2×)"
    )
    print(f"buyin-mcn metrics vs Polars lazy: {buyin_metrics / mpo.seconds:.2f}× (target ≤ 1.0×)")
    if not args.skip_pandas:
        print(
            f"tierwise buyin-mcn metric query vs pandas: {mp.seconds / buyin_metrics:.1f}× faster "
            "(target ≥ 10×)"
        )
    five = sum(r[2] for r in rows if r[0].endswith("(with scoring)"))
    print(f"all five programs, one period each, with scoring: {five:.2f} s")


if __name__ == "__main__":
    main()
