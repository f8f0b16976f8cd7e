"""Benchmark: Data Compass's creator list (compass.md §3) and data overview for one partner
over 30 days, against hand-written DuckDB queries of the same numbers.

Run: `python bench/compass.py --db STORE [--partner P] [--as-of D] [--repeat N]` on a
loaded store (`tierwise data load DIR --db STORE`). Without `--partner`, the partner with
the most creators authorized on a day of the range is taken.

In this one process:
- tierwise: `creator_list` and `overview`, end to end (reading the pairs, the rules in
  Python, the set-wise queries, the typed results);
- the hand queries: one DuckDB statement each, written independently (each visible range
  as the instants of its local midnights, rates by an ASOF join, each table cut first to
  the instants the ranges span),
  given the visible ranges the rules computed (the rules are not SQL; computing them is
  not timed for the hand queries, and is for tierwise).
The numbers are compared first and the run stops if they differ. Each of the four is run
once untimed and then `--repeat` times; the best is reported (warm and cold alike).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from tierwise.compass import QueryRange
from tierwise.compass.analytics import (
    CreatorList,
    Overview,
    creator_list,
    overview,
    partner_view,
)
from tierwise.compass.days import DayRange
from tierwise.store.events import EventStore


def visible_rows(
    con: duckdb.DuckDBPyConnection, partner_id: str, query: QueryRange
) -> tuple[str, list[tuple[str, str, date, date]]]:
    """The partner's zone and its creators' visible ranges, per period, from the rules."""
    previous = query.previous_period()
    view = partner_view(con, partner_id, DayRange(previous.first, query.last))
    rows = []
    for creator_id, days in view.visible(query.as_of).items():
        for period, span in (("current", query.span), ("previous", previous)):
            for r in days.within(span.first, span.last).ranges:
                rows.append((creator_id, period, r.first, r.last))
    return view.zone, rows


def _given(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[str, str, date, date]]) -> str:
    """The visible ranges handed to DuckDB as an Arrow table (as tierwise hands its own):
    a VALUES list of 2,000 rows costs more to parse than the query takes to run."""
    table = pa.table(
        {
            "creator_id": pa.array([r[0] for r in rows], pa.string()),
            "period": pa.array([r[1] for r in rows], pa.string()),
            "first_day": pa.array([r[2] for r in rows], pa.date32()),
            "last_day": pa.array([r[3] for r in rows], pa.date32()),
        }
    )
    con.register("hand_visible", table)
    return "SELECT * FROM hand_visible"


def _bounds(zone: str, rows: Sequence[tuple[str, str, date, date]]) -> tuple[str, str]:
    """The instants the visible ranges span, as literals: constant bounds let DuckDB skip
    whole row groups by their min/max before any join."""
    tz = ZoneInfo(zone)
    lo = datetime.combine(min(r[2] for r in rows), datetime.min.time(), tz)
    hi = datetime.combine(max(r[3] for r in rows) + timedelta(days=1), datetime.min.time(), tz)
    return (f"TIMESTAMPTZ '{lo.isoformat()}'", f"TIMESTAMPTZ '{hi.isoformat()}'")


def _hand_base(
    con: duckdb.DuckDBPyConnection, zone: str, rows: Sequence[tuple[str, str, date, date]]
) -> str:
    lo, hi = _bounds(zone, rows) if rows else ("NULL", "NULL")
    return f"""
    v0(creator_id, period, first_day, last_day) AS ({_given(con, rows)}),
    -- each visible range as the instants of its local midnights: the scans compare raw
    -- timestamps with them instead of converting every row to a local date
    v AS (SELECT *, timezone('{zone}', first_day::TIMESTAMP) AS lo_at,
                    timezone('{zone}', (last_day + 1)::TIMESTAMP) AS hi_at FROM v0),
    fx AS (SELECT currency, timezone('{zone}', valid_from::TIMESTAMP) AS since,
                  usd_per_unit::DOUBLE AS rate FROM fx_rates WHERE currency <> 'USD'),
    -- the visible orders first, converted after: the ASOF join sees only the rows kept
    cut AS (
        SELECT v.period, o.creator_id, o.channel, o.currency, o.paid_at, o.amount,
               o.refund_amount, COALESCE(o.quantity, 1) AS items
        FROM orders o JOIN v ON v.creator_id = o.creator_id
             AND o.paid_at >= v.lo_at AND o.paid_at < v.hi_at
        WHERE NOT o.abnormal AND o.paid_at >= {lo} AND o.paid_at < {hi}
    ),
    o AS (
        SELECT c.period, c.creator_id, c.channel, c.items,
               CASE WHEN c.currency = 'USD' THEN c.amount
                    ELSE CAST(c.amount::DOUBLE * fx.rate AS DECIMAL(18,4)) END AS gmv,
               CASE WHEN c.currency = 'USD' THEN c.refund_amount
                    ELSE CAST(c.refund_amount::DOUBLE * fx.rate AS DECIMAL(18,4)) END AS refunds
        FROM cut c ASOF LEFT JOIN fx ON fx.currency = c.currency AND c.paid_at >= fx.since
    ),
    l AS (
        SELECT v.period, l.creator_id, l.live_id, l.views, l.product_clicks,
               COALESCE(date_diff('second', l.started_at, l.ended_at), 0) AS duration_s
        FROM livestreams l JOIN v ON v.creator_id = l.creator_id
             AND l.started_at >= v.lo_at AND l.started_at < v.hi_at
        WHERE l.started_at >= {lo} AND l.started_at < {hi}
    ),
    d AS (
        SELECT v.period, d.creator_id, d.views, d.product_clicks, d.new_followers
        FROM videos d JOIN v ON v.creator_id = d.creator_id
             AND d.posted_at >= v.lo_at AND d.posted_at < v.hi_at
        WHERE d.posted_at >= {lo} AND d.posted_at < {hi}
    )"""


def hand_creator_list(
    con: duckdb.DuckDBPyConnection, zone: str, rows: Sequence[tuple[str, str, date, date]]
) -> dict[str, tuple[Decimal, Decimal, int, int, int]]:
    """creator → (gmv, refunds, orders, livestreams, videos) over the current period."""
    now = [r for r in rows if r[1] == "current"]
    got = con.execute(
        f"""
        WITH {_hand_base(con, zone, now)}
        SELECT c.creator_id, COALESCE(os.gmv, 0), COALESCE(os.refunds, 0),
               COALESCE(os.n, 0), COALESCE(ls.n, 0), COALESCE(ds.n, 0)
        FROM (SELECT DISTINCT creator_id FROM v) c
        LEFT JOIN (SELECT creator_id, sum(gmv) AS gmv, sum(refunds) AS refunds, count(*) AS n
                   FROM o GROUP BY 1) os USING (creator_id)
        LEFT JOIN (SELECT creator_id, count(*) AS n FROM l GROUP BY 1) ls USING (creator_id)
        LEFT JOIN (SELECT creator_id, count(*) AS n FROM d GROUP BY 1) ds USING (creator_id)
        """
    ).fetchall()
    return {r[0]: (Decimal(r[1]), Decimal(r[2]), r[3], r[4], r[5]) for r in got}


OVERVIEW_FIGURES = (
    "authorized_creators",
    "livestreaming_creators",
    "creators_with_sales",
    "gmv",
    "live_gmv",
    "video_gmv",
    "refunds",
    "orders",
    "items_sold",
    "livestreams",
    "live_duration_s",
    "videos",
)


def hand_overview(
    con: duckdb.DuckDBPyConnection, zone: str, rows: Sequence[tuple[str, str, date, date]]
) -> dict[str, dict[str, Any]]:
    """period → the overview's figures (`OVERVIEW_FIGURES`, plus the two average CTRs)."""
    got = con.execute(
        f"""
        WITH {_hand_base(con, zone, rows)},
        per AS (SELECT period, creator_id, sum(gmv) AS gmv FROM o GROUP BY ALL),
        os AS (SELECT period, sum(gmv) AS gmv,
                      sum(gmv) FILTER (WHERE channel = 'live') AS live_gmv,
                      sum(gmv) FILTER (WHERE channel = 'video') AS video_gmv,
                      sum(refunds) AS refunds, count(*) AS n, sum(items) AS items
               FROM o GROUP BY period),
        ls AS (SELECT period, count(DISTINCT creator_id) AS creators, count(*) AS n,
                      sum(duration_s) AS duration_s,
                      avg(product_clicks / views) FILTER (WHERE views > 0) AS ctr
               FROM l GROUP BY period),
        ds AS (SELECT period, count(*) AS n,
                      avg(product_clicks / views) FILTER (WHERE views > 0) AS ctr
               FROM d GROUP BY period),
        vs AS (SELECT period, count(DISTINCT creator_id) AS creators FROM v GROUP BY period),
        sales AS (SELECT period, count(*) FILTER (WHERE gmv > 0) AS creators
                  FROM per GROUP BY period)
        SELECT vs.period, vs.creators, COALESCE(ls.creators, 0), COALESCE(sales.creators, 0),
               COALESCE(os.gmv, 0), COALESCE(os.live_gmv, 0), COALESCE(os.video_gmv, 0),
               COALESCE(os.refunds, 0), COALESCE(os.n, 0), COALESCE(os.items, 0),
               COALESCE(ls.n, 0), COALESCE(ls.duration_s, 0), COALESCE(ds.n, 0),
               ls.ctr, ds.ctr
        FROM vs LEFT JOIN os USING (period) LEFT JOIN ls USING (period)
        LEFT JOIN ds USING (period) LEFT JOIN sales USING (period)
        """
    ).fetchall()
    out = {}
    for r in got:
        figures = dict(zip(OVERVIEW_FIGURES, r[1:13], strict=True))
        figures["live_avg_ctr"], figures["video_avg_ctr"] = r[13], r[14]
        out[r[0]] = figures
    return out


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a))


def disagreements(con: duckdb.DuckDBPyConnection, partner_id: str, query: QueryRange) -> list[str]:
    """Where tierwise and the hand queries differ (empty: the same numbers)."""
    zone, rows = visible_rows(con, partner_id, query)
    problems: list[str] = []
    listed = creator_list(con, partner_id, query)
    hand = hand_creator_list(con, zone, rows)
    ours = {
        c.creator_id: (m.gmv, m.refunds, m.orders, m.livestreams, m.videos)
        for c in listed.creators
        if (m := c.metrics) is not None
    }
    if ours != hand:
        diff = sorted(k for k in ours.keys() | hand.keys() if ours.get(k) != hand.get(k))
        problems.append(f"creator list differs for {diff[:5]} ({len(diff)} creators)")
    ov = overview(con, partner_id, query)
    hand_ov = hand_overview(con, zone, rows)
    for period, figures in (("current", ov.current), ("previous", ov.previous)):
        mine = figures.as_dict()
        for name, value in hand_ov[period].items():
            same = _close(mine[name], value) if name.endswith("_ctr") else mine[name] == value
            if not same:
                problems.append(f"{period} {name}: tierwise {mine[name]!r}, hand {value!r}")
    return problems


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The best wall time and the best CPU time of this process (every DuckDB thread
    included: other work on the machine disturbs it little) over `repeat` runs, after one
    untimed run (warm and cold alike for every contender)."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls), min(cpus)


def busiest_partner(con: duckdb.DuckDBPyConnection, query: QueryRange) -> str:
    """The partner with the most bound creators whose kind has creators (a first guess:
    the creator list tells how many of them are authorized)."""
    row = con.execute(
        "SELECT partner_id FROM bindings WHERE subject_kind = 'creator' "
        "AND started_on <= ? AND (ended_on IS NULL OR ended_on > ?) "
        "GROUP BY partner_id ORDER BY count(DISTINCT subject_id) DESC, partner_id LIMIT 1",
        [query.last, query.first],
    ).fetchone()
    if row is None:
        raise SystemExit("no partner with bound creators in the range")
    return str(row[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--partner")
    ap.add_argument("--as-of", type=date.fromisoformat)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with EventStore.open(args.db, read_only=True) as store:
        con = store.con
        if args.as_of is None:
            latest = con.execute("SELECT max(paid_at)::DATE FROM orders").fetchone()
            as_of = (latest[0] if latest else date.today()) + timedelta(days=1)
        else:
            as_of = args.as_of
        query = QueryRange.custom(as_of - timedelta(days=30), as_of - timedelta(days=1), as_of)
        partner = args.partner or busiest_partner(con, query)
        problems = disagreements(con, partner, query)
        if problems:
            raise SystemExit("tierwise and the hand queries differ:\n" + "\n".join(problems))
        zone, rows = visible_rows(con, partner, query)
        listed: CreatorList = creator_list(con, partner, query)
        ov: Overview = overview(con, partner, query)
        orders = con.execute("SELECT count(*) FROM orders WHERE paid_at IS NOT NULL").fetchone()
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
        print(f"store: {args.db} ({orders[0] if orders else 0:,} paid orders)")
        print(
            f"partner {partner}: {len(listed.creators)} creators listed, "
            f"{ov.current.authorized_creators} authorized in {query.first}..{query.last} "
            f"(as of {as_of}), {ov.previous.authorized_creators} in the previous period; "
            f"{len(rows)} visible ranges"
        )
        print("numbers: tierwise = hand queries (checked before timing)")
        timings = {
            "creator list, tierwise": best_of(
                lambda: creator_list(con, partner, query), args.repeat
            ),
            "creator list, hand query": best_of(
                lambda: hand_creator_list(con, zone, rows), args.repeat
            ),
            "overview, tierwise": best_of(lambda: overview(con, partner, query), args.repeat),
            "overview, hand query": best_of(lambda: hand_overview(con, zone, rows), args.repeat),
            "rules only (pairs + visible days)": best_of(
                lambda: visible_rows(con, partner, query), args.repeat
            ),
        }
        for label, (wall, cpu) in timings.items():
            print(
                f"{label:36s} wall {wall * 1000:8.1f} ms, CPU {cpu * 1000:8.1f} ms "
                f"(best of {args.repeat})"
            )
        for what in ("creator list", "overview"):
            ours, hand = timings[f"{what}, tierwise"], timings[f"{what}, hand query"]
            print(
                f"{what}: tierwise / hand = {ours[0] / hand[0]:.2f}x wall, "
                f"{ours[1] / hand[1]:.2f}x CPU"
            )
        print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
