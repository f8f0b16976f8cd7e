"""Every DuckDB read of Data Compass.

Who may see what is decided by `tierwise.compass` (pure Python, in day ranges); this module
only reads. The reads of creators' numbers take the visible days as a small relation
(`visible_relation`: one row per creator, period and inclusive day range) and join the
event tables to it, so the filter is applied set-wise in the database: a row of a day that
is not in the relation can never reach a sum. Days are local days of the partner's market:
each range becomes the instants `[local midnight of first, local midnight of last + 1)`.

Money is converted to USD the way the metric plan converts it (`metrics/relations.py`): a
rate of `fx_rates` is in force from the local midnight of its `valid_from` until the next
one, USD is worth one USD, the product is taken as a double and kept as DECIMAL(18,4); an
order no rate converts is refused by name, never dropped from a sum.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from tierwise.core.errors import DataError
from tierwise.core.sql import ident, literal

Period = Literal["current", "previous"]
#: One visible range of one creator: (creator_id, period, first day, last day), both included.
VisibleRow = tuple[str, Period, date, date]

_VISIBLE_SCHEMA = pa.schema(
    [
        ("creator_id", pa.string()),
        ("period", pa.string()),
        ("first_day", pa.date32()),
        ("last_day", pa.date32()),
    ]
)


class MissingRate(DataError):
    """A visible order that no rate of `fx_rates` converts to USD: refused by currency and
    local day, never left out of a sum."""

    def __init__(self, currency: str, day: date) -> None:
        self.currency = currency
        self.day = day
        super().__init__(
            f"no exchange rate for {currency} on {day} in fx_rates "
            "(needed to convert orders to USD)"
        )


# --- the pair's facts ------------------------------------------------------------------


def partner_market(con: duckdb.DuckDBPyConnection, partner_id: str) -> str | None:
    """The partner's market, None when there is no such partner."""
    row = con.execute("SELECT market FROM partners WHERE partner_id = ?", [partner_id]).fetchone()
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class BoundCreator:
    """A creator with a contract window of the partner: its public part and its windows."""

    creator_id: str
    handle: str
    region: str
    followers: int
    windows: tuple[tuple[date, date | None], ...]


def bound_creators(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    first: date,
    last: date,
    creator_id: str | None = None,
) -> list[BoundCreator]:
    """Creators with a contract window of the partner (`bindings`, subject_kind creator, any
    service) overlapping `[first, last]`, by creator_id, each with all its windows; only
    `creator_id` when given (the consent workflow reads one pair)."""
    rows = con.execute(
        """
        WITH w AS (
            SELECT subject_id AS creator_id, started_on, ended_on FROM bindings
            WHERE partner_id = ? AND subject_kind = 'creator'
              AND (CAST(? AS VARCHAR) IS NULL OR subject_id = ?)
        ),
        hit AS (
            SELECT DISTINCT creator_id FROM w
            WHERE started_on <= ? AND (ended_on IS NULL OR ended_on > ?)
        )
        SELECT h.creator_id, COALESCE(c.handle, h.creator_id), COALESCE(c.region, ''),
               COALESCE(c.followers, 0),
               list(struct_pack(s := w.started_on, e := w.ended_on) ORDER BY w.started_on)
        FROM hit h JOIN w USING (creator_id)
        LEFT JOIN creators c ON c.creator_id = h.creator_id
        GROUP BY ALL ORDER BY h.creator_id
        """,
        [partner_id, creator_id, creator_id, last, first],
    ).fetchall()
    return [
        BoundCreator(
            creator_id=r[0],
            handle=r[1],
            region=r[2],
            followers=int(r[3]),
            windows=tuple((w["s"], w["e"]) for w in r[4]),
        )
        for r in rows
    ]


def partner_markets(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every partner's market (the language of the consent workflow's messages)."""
    rows = con.execute("SELECT partner_id, market FROM partners").fetchall()
    return {str(pid): str(market) for pid, market in rows}


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(found and found[0])


def authorization_rows(
    con: duckdb.DuckDBPyConnection, partner_id: str | None, creator_id: str | None = None
) -> list[dict[str, Any]]:
    """The imported `authorizations` rows of the partner and/or the creator (every row
    when neither is given), as dicts of the §2 columns; none in a store loaded before
    Data Compass's tables existed."""
    if not _has_table(con, "authorizations"):
        return []
    cur = con.execute(
        "SELECT request_id, partner_id, creator_id, requested_at, period_from, period_to, "
        "responded_at, response, revoked_at, revoked_by FROM authorizations "
        "WHERE (CAST(? AS VARCHAR) IS NULL OR partner_id = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR creator_id = ?) "
        "ORDER BY request_id",
        [partner_id, partner_id, creator_id, creator_id],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# --- the visible days as a relation ----------------------------------------------------


class Visible(str):
    """The name of a registered relation of visible days, with the first and last day it
    holds: the queries cut each table by these as constants, which DuckDB uses to skip
    row groups by their min/max (a bound read from a sub-query is not pushed down)."""

    first_day: date | None
    last_day: date | None

    def __new__(cls, name: str, first_day: date | None, last_day: date | None) -> Visible:
        made = super().__new__(cls, name)
        made.first_day, made.last_day = first_day, last_day
        return made


@contextmanager
def visible_relation(
    con: duckdb.DuckDBPyConnection, rows: Sequence[VisibleRow]
) -> Iterator[Visible]:
    """Register the visible days as an Arrow table for the queries below; yields its name
    (unique, so concurrent readers of one connection do not meet) and drops it after."""
    table = pa.Table.from_pylist(
        [{"creator_id": c, "period": p, "first_day": a, "last_day": b} for c, p, a, b in rows],
        schema=_VISIBLE_SCHEMA,
    )
    first = min((r[2] for r in rows), default=None)
    last = max((r[3] for r in rows), default=None)
    name = Visible(f"compass_visible_{uuid.uuid4().hex}", first, last)
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)


def _bounds(visible: str, zone: str) -> tuple[str, str]:
    """Instants around the visible days, as SQL: constants when the relation says its
    days (a day wider on each side, so no clock's midnight is cut; the join on `vis` is the
    exact cut), else read from it."""
    first = getattr(visible, "first_day", None)
    last = getattr(visible, "last_day", None)
    if first is None or last is None:
        return "(SELECT lo FROM span)", "(SELECT hi FROM span)"
    tz = ZoneInfo(zone)

    def instant(d: date) -> str:
        at = datetime.combine(d, time(0), tz).astimezone(UTC)
        return f"TIMESTAMPTZ '{at:%Y-%m-%d %H:%M:%S}+00'"

    return instant(first - timedelta(days=1)), instant(last + timedelta(days=2))


def _ctes(visible: str, zone: str, *, minutes: bool) -> str:
    """The CTEs every read shares: the visible ranges as instants, the rates as spans of
    instants, and the orders, livestreams and videos of visible days."""
    z = literal(zone)
    lo, hi = _bounds(visible, zone)
    lives_followers = (
        "LEFT JOIN (SELECT live_id, sum(new_followers) AS new_followers FROM live_minutes "
        "WHERE live_id IN (SELECT live_id FROM lives_seen) GROUP BY live_id) m USING (live_id)"
    )
    live_nf = "COALESCE(m.new_followers, 0)" if minutes else "0"
    return f"""
    vis AS (
        SELECT creator_id, period,
               timezone({z}, CAST(first_day AS TIMESTAMP)) AS start_at,
               timezone({z}, CAST(last_day + 1 AS TIMESTAMP)) AS end_at
        FROM {ident(visible)}
    ),
    span AS (SELECT min(start_at) AS lo, max(end_at) AS hi FROM vis),
    fx AS (
        SELECT currency, timezone({z}, CAST(valid_from AS TIMESTAMP)) AS valid_from,
               COALESCE(timezone({z}, CAST(LEAD(valid_from) OVER
                   (PARTITION BY currency ORDER BY valid_from) AS TIMESTAMP)),
                   TIMESTAMPTZ '9999-01-01 00:00:00+00') AS valid_to,
               CAST(usd_per_unit AS DOUBLE) AS rate
        FROM fx_rates WHERE currency <> 'USD'
    ),
    ord AS (
        SELECT v.period, o.creator_id, o.channel, o.currency, o.paid_at,
               o.content_id, o.product_id, o.buyer_id, o.return_fault, o.review_rating,
               COALESCE(o.quantity, 1) AS items,
               CASE WHEN o.currency = 'USD' THEN o.amount
                    ELSE CAST(CAST(o.amount AS DOUBLE) * fx.rate AS DECIMAL(18,4)) END AS gmv,
               CASE WHEN o.currency = 'USD' THEN o.refund_amount
                    ELSE CAST(CAST(o.refund_amount AS DOUBLE) * fx.rate AS DECIMAL(18,4))
               END AS refunds,
               o.currency = 'USD' OR fx.rate IS NOT NULL AS has_rate
        FROM orders o
        JOIN vis v ON v.creator_id = o.creator_id
             AND o.paid_at >= v.start_at AND o.paid_at < v.end_at
        LEFT JOIN fx ON fx.currency = o.currency
             AND o.paid_at >= fx.valid_from AND o.paid_at < fx.valid_to
        WHERE NOT o.abnormal
          AND o.paid_at >= {lo} AND o.paid_at < {hi}
    ),
    lives_seen AS (
        SELECT v.period, l.creator_id, l.live_id, l.views, l.product_impressions,
               l.product_clicks,
               COALESCE(date_diff('second', l.started_at, l.ended_at), 0) AS duration_s
        FROM livestreams l
        JOIN vis v ON v.creator_id = l.creator_id
             AND l.started_at >= v.start_at AND l.started_at < v.end_at
        WHERE l.started_at >= {lo} AND l.started_at < {hi}
    ),
    lives AS (
        SELECT s.*, {live_nf} AS new_followers FROM lives_seen s
        {lives_followers if minutes else ""}
    ),
    vids AS (
        SELECT v.period, d.creator_id, d.views, d.product_impressions, d.product_clicks,
               d.new_followers
        FROM videos d
        JOIN vis v ON v.creator_id = d.creator_id
             AND d.posted_at >= v.start_at AND d.posted_at < v.end_at
        WHERE d.posted_at >= {lo} AND d.posted_at < {hi}
    )"""


#: Per group: the currency and the local day of the earliest order no rate converts.
_UNCONVERTED = (
    "arg_min(currency, paid_at) FILTER (WHERE NOT has_rate) AS nc, "
    "min(paid_at) FILTER (WHERE NOT has_rate) AS np"
)


def _refuse_unconverted(found: Sequence[tuple[str | None, Any]], zone: str) -> None:
    """Refuse the earliest (currency, paid_at) found, if any; the day is the local one."""
    hits = [(paid_at, currency) for currency, paid_at in found if paid_at is not None]
    if hits:
        paid_at, currency = min(hits)
        raise MissingRate(str(currency), paid_at.astimezone(ZoneInfo(zone)).date())


# --- compass.md §3: the creator list ---------------------------------------------------


@dataclass(frozen=True)
class CreatorTotals:
    """The five numbers of `tierwise compass creators` for one creator's visible days."""

    gmv: Decimal
    refunds: Decimal
    orders: int
    livestreams: int
    videos: int


def creator_totals(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str
) -> dict[str, CreatorTotals]:
    """compass.md §3's metrics per creator of the relation (its `current` rows): GMV and
    refunds in USD and the count of non-abnormal orders paid on visible days, livestreams
    started and videos posted (any status) on visible days."""
    ctes = _ctes(visible, zone, minutes=False)
    rows = con.execute(
        f"""
        WITH {ctes},
        who AS (SELECT DISTINCT creator_id FROM vis WHERE period = 'current'),
        o AS (SELECT creator_id, sum(gmv) AS gmv, sum(refunds) AS refunds, count(*) AS n,
              {_UNCONVERTED} FROM ord WHERE period = 'current' GROUP BY creator_id),
        l AS (SELECT creator_id, count(*) AS n FROM lives_seen WHERE period = 'current'
              GROUP BY creator_id),
        d AS (SELECT creator_id, count(*) AS n FROM vids WHERE period = 'current'
              GROUP BY creator_id)
        SELECT w.creator_id, COALESCE(o.gmv, 0), COALESCE(o.refunds, 0), COALESCE(o.n, 0),
               COALESCE(l.n, 0), COALESCE(d.n, 0), o.nc, o.np
        FROM who w LEFT JOIN o USING (creator_id) LEFT JOIN l USING (creator_id)
        LEFT JOIN d USING (creator_id)
        """
    ).fetchall()
    _refuse_unconverted([(r[6], r[7]) for r in rows], zone)
    return {
        r[0]: CreatorTotals(
            gmv=Decimal(r[1]), refunds=Decimal(r[2]), orders=r[3], livestreams=r[4], videos=r[5]
        )
        for r in rows
    }


# --- the modules: per creator and period, and their totals -----------------------------

#: The base sums of one creator in one period, from which every module's ratio is taken.
ACTIVITY_COLUMNS = (
    "gmv",
    "refunds",
    "orders",
    "items_sold",
    "live_gmv",
    "live_orders",
    "live_items_sold",
    "video_gmv",
    "video_orders",
    "video_items_sold",
    "livestreams",
    "live_duration_s",
    "live_views",
    "live_impressions",
    "live_clicks",
    "live_ctr_sum",
    "live_ctr_n",
    "live_new_followers",
    "videos",
    "video_views",
    "video_impressions",
    "video_clicks",
    "video_ctr_sum",
    "video_ctr_n",
    "video_new_followers",
)


def _activity_sql(ctes: str) -> str:
    return f"""
    WITH {ctes},
    who AS (SELECT DISTINCT creator_id, period FROM vis),
    o AS (
        SELECT period, creator_id, sum(gmv) AS gmv, sum(refunds) AS refunds,
               count(*) AS orders, sum(items) AS items_sold,
               COALESCE(sum(gmv) FILTER (WHERE channel = 'live'), 0) AS live_gmv,
               count(*) FILTER (WHERE channel = 'live') AS live_orders,
               COALESCE(sum(items) FILTER (WHERE channel = 'live'), 0) AS live_items_sold,
               COALESCE(sum(gmv) FILTER (WHERE channel = 'video'), 0) AS video_gmv,
               count(*) FILTER (WHERE channel = 'video') AS video_orders,
               COALESCE(sum(items) FILTER (WHERE channel = 'video'), 0) AS video_items_sold,
               {_UNCONVERTED}
        FROM ord GROUP BY ALL
    ),
    l AS (
        SELECT period, creator_id, count(*) AS livestreams,
               sum(duration_s) AS live_duration_s, sum(views) AS live_views,
               sum(product_impressions) AS live_impressions, sum(product_clicks) AS live_clicks,
               COALESCE(sum(product_clicks / views) FILTER (WHERE views > 0), 0)
                   AS live_ctr_sum,
               count(*) FILTER (WHERE views > 0) AS live_ctr_n,
               sum(new_followers) AS live_new_followers
        FROM lives GROUP BY ALL
    ),
    d AS (
        SELECT period, creator_id, count(*) AS videos, sum(views) AS video_views,
               sum(product_impressions) AS video_impressions,
               sum(product_clicks) AS video_clicks,
               COALESCE(sum(product_clicks / views) FILTER (WHERE views > 0), 0)
                   AS video_ctr_sum,
               count(*) FILTER (WHERE views > 0) AS video_ctr_n,
               sum(new_followers) AS video_new_followers
        FROM vids GROUP BY ALL
    )
    SELECT w.period, w.creator_id,
           {", ".join(f"COALESCE({c}, 0) AS {c}" for c in ACTIVITY_COLUMNS)}, o.nc, o.np
    FROM who w LEFT JOIN o USING (period, creator_id) LEFT JOIN l USING (period, creator_id)
    LEFT JOIN d USING (period, creator_id)
    """


def creator_activity(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str
) -> dict[tuple[Period, str], dict[str, Any]]:
    """The base sums (`ACTIVITY_COLUMNS`) per (period, creator) of the relation, over its
    visible days only; a creator with visible days and no activity has zeros."""
    rows = con.execute(_activity_sql(_ctes(visible, zone, minutes=True)) + " ORDER BY 1, 2")
    found = rows.fetchall()
    _refuse_unconverted([(r[-2], r[-1]) for r in found], zone)
    return {(r[0], r[1]): dict(zip(ACTIVITY_COLUMNS, r[2:-2], strict=True)) for r in found}


#: The overview's totals per period: the activity columns summed, and the creator counts.
OVERVIEW_COLUMNS = (
    "authorized_creators",
    "livestreaming_creators",
    "creators_with_sales",
    *ACTIVITY_COLUMNS,
)


def overview_totals(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str
) -> dict[Period, dict[str, Any]]:
    """The totals per period over every creator of the relation (authorized creators'
    visible days only): the activity sums, the creators with visible days, those who
    livestreamed and those with sales."""
    sums = ", ".join(f"sum({c}) AS {c}" for c in ACTIVITY_COLUMNS)
    found = con.execute(
        f"SELECT period, count(*) AS authorized_creators, "
        f"count(*) FILTER (WHERE livestreams > 0) AS livestreaming_creators, "
        f"count(*) FILTER (WHERE gmv > 0) AS creators_with_sales, {sums}, "
        f"arg_min(nc, np), min(np) "
        f"FROM ({_activity_sql(_ctes(visible, zone, minutes=True))}) GROUP BY period"
    ).fetchall()
    _refuse_unconverted([(r[-2], r[-1]) for r in found], zone)
    return {r[0]: dict(zip(OVERVIEW_COLUMNS, r[1:-2], strict=True)) for r in found}


def creator_audiences(
    con: duckdb.DuckDBPyConnection, visible: str, stage: str = "follower"
) -> dict[str, dict[str, dict[str, int]]]:
    """Each creator's latest `audiences` profile of a stage whose `as_of` is a visible day
    of the current period: creator → dimension → bucket → users. Whether a split may be
    shown is the caller's rule (`profile_shown`)."""
    rows = con.execute(
        f"""
        WITH latest AS (
            SELECT a.subject_id AS creator_id, max(a.as_of) AS as_of
            FROM audiences a JOIN {ident(visible)} v ON v.creator_id = a.subject_id
                 AND a.as_of BETWEEN v.first_day AND v.last_day AND v.period = 'current'
            WHERE a.subject_kind = 'creator' AND a.stage = ?
            GROUP BY ALL
        )
        SELECT a.subject_id, a.dimension, a.bucket, a.users
        FROM audiences a JOIN latest l ON l.creator_id = a.subject_id AND l.as_of = a.as_of
        WHERE a.subject_kind = 'creator' AND a.stage = ?
        ORDER BY 1, 2, 3
        """,
        [stage, stage],
    ).fetchall()
    out: dict[str, dict[str, dict[str, int]]] = {}
    for creator_id, dimension, bucket, users in rows:
        out.setdefault(creator_id, {}).setdefault(dimension, {})[bucket] = int(users)
    return out


__all__ = [
    "ACTIVITY_COLUMNS",
    "OVERVIEW_COLUMNS",
    "BoundCreator",
    "CreatorTotals",
    "MissingRate",
    "Period",
    "VisibleRow",
    "authorization_rows",
    "bound_creators",
    "creator_activity",
    "creator_audiences",
    "creator_totals",
    "overview_totals",
    "partner_market",
    "partner_markets",
    "visible_relation",
]
