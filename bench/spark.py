"""Benchmark: the five programs on DuckDB and on Spark, and tierwise's buyin-mcn metrics on
Spark against a hand-written PySpark DataFrame job computing the same numbers.

Run: `python bench/spark.py --data bench/out/medium-lake bench/out/large-lake [--master local[2]]`
(folders written by `tierwise data generate --format parquet --partitioned`).

For each folder, in this one process and one Spark session:
- every built-in program for its latest complete period, evaluated whole (metric plan,
  scoring, explanations) on DuckDB (the store loaded once, not timed) and on Spark reading
  the Parquet folder in place;
- buyin-mcn's metric plan on Spark against `hand_buyin`, what a data engineer writes with
  the DataFrame API; before anything is timed the two are checked to give the same numbers
  on this data (tests/test_bench_spark.py checks it on small data too).
Every figure is the best of `--repeat` runs after one unmeasured warm-up (`--no-warm-up`:
cold), the same for
every side. Peak memory is the resident set of this process, with the Spark JVM's (a
child of it) on the Spark side, sampled every 10 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import psutil

from tierwise.core.periods import Period
from tierwise.definitions.registry import load_program
from tierwise.evaluation.service import checked_scope, evaluate, requests
from tierwise.metrics.plan import compile_plan
from tierwise.store.events import EventStore
from tierwise.store.queries import latest_complete_period
from tierwise.store.spark import SparkEngine, spark_session

T = TypeVar("T")
PROGRAMS = (
    "buyin-mcn",
    "douyin-jixing-mcn",
    "tts-sea-isv",
    "tts-th-tsp-shop",
    "tts-th-tsp-content",
)
#: buyin-mcn's metrics, in its definition's order.
BUYIN_METRICS = tuple(load_program("buyin-mcn").metrics)
TZ = "Asia/Shanghai"
CURRENCY = "CNY"


def hand_buyin(session: Any, period: Period) -> Any:
    """buyin-mcn's metrics for a month with the PySpark DataFrame API, over the canonical
    tables registered as views: the rules of docs/programs.md written out by hand (orders
    paid in the month in Beijing time, converted to CNY at the rate in force that day, each
    attributed to the creator's MCN binding in force when paid — the earliest-started one
    when two overlap —, creators bound on the last day, facts in force on a day)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    last = period.last_day
    far = F.lit("9999-12-31").cast("date")

    def local_start(day: Any) -> Any:
        """The instant a Beijing day starts."""
        return F.to_utc_timestamp(day.cast("timestamp"), TZ)

    lo = local_start(F.lit(str(period.start)).cast("date"))
    hi = local_start(F.lit(str(period.end)).cast("date"))

    def fact_in_force(kind: str, name: str, day: Any) -> Any:
        facts = session.table("facts").where(
            (F.col("subject_kind") == kind)
            & (F.col("name") == name)
            & (F.col("as_of") <= F.lit(str(day)).cast("date"))
        )
        return facts.groupBy("subject_id").agg(F.max_by("value", "as_of").alias("value"))

    partners = session.table("partners").where(
        (F.col("kind") == "mcn")
        & (F.col("market") == "CN")
        & (F.col("joined_on") <= F.lit(str(last)).cast("date"))
    )
    abnormal = (
        fact_in_force("creator", "abnormal", last)
        .where(F.col("value") == 1)
        .select(F.col("subject_id").alias("creator_id"))
    )

    # The rate of each currency to CNY on each span of days: USD per unit of the
    # currency over USD per unit of CNY, both in force.
    spans = session.table("fx_rates").select("currency", "valid_from", "usd_per_unit")
    spans = spans.withColumn(
        "valid_to",
        F.coalesce(
            F.lead("valid_from").over(Window.partitionBy("currency").orderBy("valid_from")),
            F.lit("9000-01-01").cast("date"),
        ),
    )
    target = spans.where(F.col("currency") == CURRENCY).select(
        F.col("valid_from").alias("t_from"),
        F.col("valid_to").alias("t_to"),
        F.col("usd_per_unit").alias("t_usd"),
    )
    rates = (
        spans.where(F.col("currency") != CURRENCY)
        .unionByName(
            session.createDataFrame(
                [("USD", Decimal(1))], "currency string, usd_per_unit decimal(18,6)"
            ).select(
                "currency",
                F.lit("1900-01-01").cast("date").alias("valid_from"),
                "usd_per_unit",
                F.lit("9000-01-01").cast("date").alias("valid_to"),
            )
        )
        .join(
            target,
            (F.col("valid_from") < F.col("t_to"))
            & (F.col("t_from") < F.col("valid_to"))
            & (F.col("t_usd") > 0),
        )
        .select(
            F.col("currency").alias("fx_currency"),
            local_start(F.greatest("valid_from", "t_from")).alias("fx_from"),
            local_start(F.least("valid_to", "t_to")).alias("fx_to"),
            (F.col("usd_per_unit").cast("double") / F.col("t_usd").cast("double")).alias("rate"),
        )
    )

    def in_cny(column: str) -> Any:
        return (
            F.when(F.col("currency") == CURRENCY, F.col(column))
            .otherwise((F.col(column).cast("double") * F.col("rate")).cast("decimal(18,4)"))
            .alias(column)
        )

    orders = (
        session.table("orders")
        .where((F.col("paid_at") >= lo) & (F.col("paid_at") < hi) & ~F.col("abnormal"))
        .join(abnormal, "creator_id", "left_anti")
        .join(
            F.broadcast(rates),
            (F.col("fx_currency") == F.col("currency"))
            & (F.col("paid_at") >= F.col("fx_from"))
            & (F.col("paid_at") < F.col("fx_to")),
            "left",
        )
        .select(
            "order_id",
            "creator_id",
            "channel",
            "paid_at",
            "good_goods",
            "worry_free",
            in_cny("amount"),
            in_cny("refund_amount"),
        )
    )

    bindings = (
        session.table("bindings")
        .where((F.col("subject_kind") == "creator") & (F.col("service") == "mcn"))
        .join(partners.select("partner_id"), "partner_id")
        .select(
            F.col("subject_id").alias("creator_id"),
            "partner_id",
            "started_on",
            F.coalesce("ended_on", far).alias("ended_on"),
        )
        .where(F.col("started_on") < F.col("ended_on"))
    )
    earliest = Window.partitionBy("creator_id").orderBy("started_on", "partner_id")
    bound = (
        bindings.where(
            (F.col("started_on") <= F.lit(str(last)).cast("date"))
            & (F.col("ended_on") > F.lit(str(last)).cast("date"))
        )
        .withColumn("n", F.row_number().over(earliest))
        .where(F.col("n") == 1)
        .join(abnormal, "creator_id", "left_anti")
        .select("creator_id", "partner_id")
    )

    # Each order to the binding in force when it was paid, the earliest-started first.
    first_binding = Window.partitionBy("order_id").orderBy("started_on", "partner_id")
    attributed = (
        orders.join(bindings, "creator_id")
        .where(
            (F.col("paid_at") >= local_start(F.col("started_on")))
            & (
                F.col("paid_at")
                < local_start(F.least("ended_on", F.lit("9000-01-01").cast("date")))
            )
        )
        .withColumn("n", F.row_number().over(first_binding))
        .where(F.col("n") == 1)
        .join(
            bound.select("creator_id", F.col("partner_id").alias("bound_to")),
            "creator_id",
            "left",
        )
    )
    settled = F.greatest(F.col("amount") - F.col("refund_amount"), F.lit(0))
    sold = F.col("refund_amount") < F.col("amount")
    showcase = F.col("channel") == "showcase"
    sales = attributed.groupBy("partner_id").agg(
        F.sum(settled).alias("settled_gmv"),
        F.count(F.when(sold, 1)).alias("settled_orders"),
        F.sum(F.when(showcase, settled)).alias("showcase_gmv"),
        F.countDistinct(
            F.when(
                sold & showcase & (F.col("bound_to") == F.col("partner_id")), F.col("creator_id")
            )
        ).alias("showcase_authors"),
        F.sum(F.when(F.col("good_goods"), settled)).alias("good_goods_gmv"),
        F.count(F.when(sold & F.col("worry_free"), 1)).alias("worry_free_orders"),
    )

    level = fact_in_force("creator", "author_level", last + timedelta(days=2))
    reputation = fact_in_force("creator", "reputation", last)
    live_days = (
        session.table("livestreams")
        .where((F.col("started_at") >= lo) & (F.col("started_at") < hi))
        .groupBy("creator_id")
        .agg(F.countDistinct(F.to_date(F.from_utc_timestamp("started_at", TZ))).alias("days"))
    )
    authors = (
        bound.join(
            level.select(F.col("subject_id").alias("creator_id"), F.col("value").alias("lv")),
            "creator_id",
            "left",
        )
        .join(
            reputation.select(F.col("subject_id").alias("creator_id"), F.col("value").alias("rep")),
            "creator_id",
            "left",
        )
        .join(live_days, "creator_id", "left")
        .groupBy("partner_id")
        .agg(
            F.count("*").alias("bound_authors"),
            F.count(F.when(F.col("lv") >= 5, 1)).alias("authors_l5"),
            F.avg(F.coalesce(F.col("days"), F.lit(0))).alias("live_commitment"),
            F.avg(F.col("rep").cast("double")).alias("avg_reputation"),
        )
    )
    credit = fact_in_force("partner", "credit_score", last).select(
        F.col("subject_id").alias("partner_id"), F.col("value").alias("credit_score")
    )

    def share(numerator: str, denominator: str) -> Any:
        return F.when(F.col(denominator) == 0, F.lit(0.0)).otherwise(
            F.col(numerator).cast("double") / F.col(denominator)
        )

    zero = [
        "settled_gmv",
        "settled_orders",
        "showcase_gmv",
        "showcase_authors",
        "good_goods_gmv",
        "worry_free_orders",
        "bound_authors",
        "authors_l5",
        "live_commitment",
    ]
    out = (
        partners.select("partner_id")
        .join(sales, "partner_id", "left")
        .join(authors, "partner_id", "left")
        .join(credit, "partner_id", "left")
        .select(
            "partner_id",
            *[F.coalesce(F.col(c), F.lit(0)).alias(c) for c in zero],
            "avg_reputation",
            F.coalesce(F.col("credit_score"), F.lit(100)).alias("credit_score"),
        )
        .withColumn("showcase_share", share("showcase_gmv", "settled_gmv"))
        .withColumn("showcase_author_share", share("showcase_authors", "bound_authors"))
        .withColumn("good_goods_share", share("good_goods_gmv", "settled_gmv"))
    )
    return out.select(
        "partner_id", *[F.col(m).cast("decimal(38,10)").alias(m) for m in BUYIN_METRICS]
    ).orderBy("partner_id")


def hand_rows(session: Any, period: Period) -> list[tuple[Any, ...]]:
    """The hand job's result rows at the driver (partner id, then BUYIN_METRICS)."""
    return [tuple(r) for r in hand_buyin(session, period).collect()]


def tierwise_rows(engine: SparkEngine, period: Period) -> list[tuple[Any, ...]]:
    """tierwise's buyin-mcn metric plan on the engine, in the hand job's shape."""
    program = load_program("buyin-mcn")
    columns, rows = engine.fetch(
        compile_plan(requests(program), checked_scope(engine, program, period))
    )
    at = [columns.index("partner_id"), *[columns.index(m) for m in BUYIN_METRICS]]
    return [tuple(r[i] for i in at) for r in rows]


def disagreements(engine: SparkEngine, period: Period) -> list[str]:
    """Where the hand job and tierwise differ (nothing, for a fair comparison)."""
    hand = {r[0]: r[1:] for r in hand_rows(engine.session, period)}
    ours = {r[0]: r[1:] for r in tierwise_rows(engine, period)}
    found = [
        f"{p}: only in {'tierwise' if p in ours else 'the hand job'}"
        for p in hand.keys() ^ ours.keys()
    ]
    for partner in sorted(hand.keys() & ours.keys()):
        for name, a, b in zip(BUYIN_METRICS, hand[partner], ours[partner], strict=True):
            if a != b:
                found.append(f"{partner}: {name}: hand {a} != tierwise {b}")
    return found


@dataclass
class Measure:
    seconds: float
    peak_rss_mb: float


def _rss(tree: bool) -> int:
    """This process's resident set, with its children's (the Spark JVM) for a Spark side."""
    proc = psutil.Process()
    total = proc.memory_info().rss
    for child in proc.children(recursive=True) if tree else ():
        with contextlib.suppress(psutil.Error):  # a child that ended meanwhile
            total += child.memory_info().rss
    return total


def measured(
    fn: Callable[[], T], repeat: int, tree: bool = True, warm_up: bool = True
) -> tuple[T, Measure]:
    """One unmeasured warm-up (unless not `warm_up`), then the best of `repeat`; the peak
    RSS (of the process tree when `tree`: the Spark JVM is a child of this process)."""
    if warm_up:
        fn()
    peak = _rss(tree)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _rss(tree))
            time.sleep(0.01)

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
    return result, Measure(best, peak / 2**20)


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    import pyspark

    mem = psutil.virtual_memory().total / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, PySpark {pyspark.__version__}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, nargs="+", required=True, help="partitioned lakes")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--driver-memory", default="4g")
    ap.add_argument("--programs", nargs="+", default=list(PROGRAMS), choices=PROGRAMS)
    ap.add_argument(
        "--no-warm-up", dest="warm_up", action="store_false", help="every side timed cold"
    )
    args = ap.parse_args()

    print(f"machine: {machine()}; Spark master {args.master}")
    session = spark_session(args.master, {"spark.driver.memory": args.driver_memory})
    session.sparkContext.setLogLevel("ERROR")
    print(
        "| data | orders | program | period | DuckDB s | Spark s | Spark / DuckDB "
        "| peak MB (DuckDB) | peak MB (Spark) |"
    )
    print("|---|---:|---|---|---:|---:|---:|---:|---:|")
    hand_lines: list[str] = []
    totals: list[tuple[str, int, float, float, float]] = []
    for folder in args.data:
        store = EventStore.for_folder(folder)
        con = store.con
        orders = con.execute("SELECT COUNT(*) FROM orders").fetchall()[0][0]
        spark = SparkEngine.over(session, str(folder))
        duck_total = spark_total = spark_peak = 0.0
        for pid in args.programs:
            program = load_program(pid)
            period = latest_complete_period(con, program)
            assert period is not None
            on_duckdb, md = measured(
                partial(evaluate, con, program, period), args.repeat, False, args.warm_up
            )
            on_spark, ms = measured(
                partial(evaluate, spark, program, period), args.repeat, True, args.warm_up
            )
            assert on_spark.to_dict() == on_duckdb.to_dict(), f"{folder} {pid}: engines differ"
            duck_total += md.seconds
            spark_total += ms.seconds
            spark_peak = max(spark_peak, ms.peak_rss_mb)
            print(
                f"| {folder.name} | {orders:,} | {pid} | {period} | {md.seconds:.2f} "
                f"| {ms.seconds:.2f} | {ms.seconds / md.seconds:.1f}× | {md.peak_rss_mb:,.0f} "
                f"| {ms.peak_rss_mb:,.0f} |"
            )
        totals.append((folder.name, orders, duck_total, spark_total, spark_peak))
        month = latest_complete_period(con, load_program("buyin-mcn"))
        assert month is not None
        found = disagreements(spark, month)
        assert not found, found[:10]
        _, mt = measured(partial(tierwise_rows, spark, month), args.repeat, True, args.warm_up)
        _, mh = measured(partial(hand_rows, session, month), args.repeat, True, args.warm_up)
        hand_lines.append(
            f"| {folder.name} | {orders:,} | {mt.seconds:.2f} | {mh.seconds:.2f} "
            f"| {mt.seconds / mh.seconds:.2f}× |"
        )
        store.close()
    print()
    print(
        "buyin-mcn metrics on Spark: tierwise's plan against the hand-written DataFrame job "
        "(same numbers, checked first)"
    )
    print("| data | orders | tierwise s | hand job s | ratio (target ≤ 1.5×) |")
    print("|---|---:|---:|---:|---:|")
    for line in hand_lines:
        print(line)
    print()
    print("How time grows: the five programs together, against the orders in the data")
    print("| data | orders | DuckDB s | Spark s | Spark s per M orders | Spark peak MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, orders, duck, spark_s, peak in totals:
        print(
            f"| {name} | {orders:,} | {duck:.2f} | {spark_s:.2f} "
            f"| {spark_s / (orders / 1e6):.3f} | {peak:,.0f} |"
        )
    session.stop()


if __name__ == "__main__":
    main()
