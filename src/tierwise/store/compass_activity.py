"""DuckDB reads of Data Compass's livestream, video and product analytics.

Like `store.compass`, whose relation and shared CTEs these reads use (`visible_relation`,
`_ctes`): who may see what is decided by `tierwise.compass`; these queries join every
event table to the visible days registered as a relation, so a row of a day the partner
may not see never reaches a sum, a rank or a count. Livestreams count on the local day
they started, videos on the day they were posted, orders on the day they were paid, and a
livestream's minutes and violations on the day they happened — each must be a visible day.

Money is in USD as in `store.compass`: orders through its `ord` CTE; the `gmv` of
`live_products` at the livestream's start and of `live_minutes` at the minute, through the
same rates. An amount no rate converts is refused (`MissingRate`), never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import duckdb

from tierwise.core.sql import ident
from tierwise.store.compass import _UNCONVERTED, _ctes, _refuse_unconverted

VideoOrder = Literal["views", "new_followers", "revenue", "rpm"]
VIDEO_ORDERS: tuple[VideoOrder, ...] = ("views", "new_followers", "revenue", "rpm")


def _usd(amount: str, currency: str) -> str:
    """An amount in USD, with the `fx` row joined beside it (USD is worth one USD)."""
    return (
        f"CASE WHEN {currency} = 'USD' THEN {amount} "
        f"ELSE CAST(CAST({amount} AS DOUBLE) * fx.rate AS DECIMAL(18,4)) END"
    )


def _has_rate(currency: str) -> str:
    return f"({currency} = 'USD' OR fx.rate IS NOT NULL)"


def _fx_at(currency: str, at: str) -> str:
    return (
        f"LEFT JOIN fx ON fx.currency = {currency} AND {at} >= fx.valid_from AND {at} < fx.valid_to"
    )


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _refuse(rows: Sequence[dict[str, Any]], zone: str) -> None:
    """Refuse the earliest unconverted amount the rows name (`nc`, `np`), then drop them."""
    _refuse_unconverted([(r.pop("nc"), r.pop("np")) for r in rows], zone)


#: Livestreams started on a visible day (either period), `WHERE` extended by the caller.
_LIVES = """
lv AS (
    SELECT v.period, l.live_id, l.creator_id, l.started_at, l.ended_at,
           COALESCE(date_diff('second', l.started_at, l.ended_at), 0) AS duration_s,
           l.views, l.viewers, l.product_impressions AS impressions,
           l.product_clicks AS clicks
    FROM livestreams l
    JOIN vis v ON v.creator_id = l.creator_id
         AND l.started_at >= v.start_at AND l.started_at < v.end_at
    WHERE l.started_at >= (SELECT lo FROM span) AND l.started_at < (SELECT hi FROM span)
          {where}
)"""

#: Videos posted on a visible day (either period).
_VIDEOS = """
vd AS (
    SELECT v.period, d.video_id, d.creator_id, d.posted_at, d.duration_s, d.status,
           d.views, d.finish_rate, d.likes, d.comments, d.shares, d.new_followers,
           d.product_impressions AS impressions, d.product_clicks AS clicks
    FROM videos d
    JOIN vis v ON v.creator_id = d.creator_id
         AND d.posted_at >= v.start_at AND d.posted_at < v.end_at
    WHERE d.posted_at >= (SELECT lo FROM span) AND d.posted_at < (SELECT hi FROM span)
          {where}
)"""


# --- livestreams -----------------------------------------------------------------------


def live_rows(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str, live_id: str | None = None
) -> list[dict[str, Any]]:
    """Every livestream started on a visible day (one when `live_id` is given), per period:
    its own counters, its orders (channel live, `content_id` = the live, paid on a visible
    day), and the sums of its minutes that fall on visible days. Newest first."""
    where = "" if live_id is None else "AND l.live_id = $live_id"
    sql = f"""
    WITH {_ctes(visible, zone, minutes=False)},
    {_LIVES.format(where=where)},
    mins AS (
        SELECT m.live_id, sum(m.new_followers) AS new_followers, sum(m.likes) AS likes,
               sum(m.comments) AS comments, sum(m.shares) AS shares,
               max(m.online_viewers) AS peak_online_viewers
        FROM live_minutes m JOIN lv USING (live_id)
        JOIN vis v ON v.creator_id = lv.creator_id
             AND m.minute >= v.start_at AND m.minute < v.end_at
        GROUP BY m.live_id
    ),
    lo AS (
        SELECT o.content_id AS live_id, o.creator_id, count(*) AS orders,
               sum(o.items) AS items_sold, sum(o.gmv) AS gmv, sum(o.refunds) AS refunds,
               count(DISTINCT o.buyer_id) AS buyers, {_UNCONVERTED}
        FROM ord o WHERE o.channel = 'live' AND o.content_id IN (SELECT live_id FROM lv)
        GROUP BY ALL
    )
    SELECT lv.period, lv.live_id, lv.creator_id, lv.started_at, lv.ended_at, lv.duration_s,
           lv.views, lv.viewers, lv.impressions, lv.clicks,
           COALESCE(lo.orders, 0) AS orders, COALESCE(lo.items_sold, 0) AS items_sold,
           COALESCE(lo.gmv, 0) AS gmv, COALESCE(lo.refunds, 0) AS refunds,
           COALESCE(lo.buyers, 0) AS buyers,
           COALESCE(mins.new_followers, 0) AS new_followers, COALESCE(mins.likes, 0) AS likes,
           COALESCE(mins.comments, 0) AS comments, COALESCE(mins.shares, 0) AS shares,
           mins.peak_online_viewers, lo.nc, lo.np
    FROM lv LEFT JOIN lo USING (live_id, creator_id) LEFT JOIN mins USING (live_id)
    ORDER BY lv.period, lv.started_at DESC, lv.live_id
    """
    rows = _dicts(con.execute(sql, {} if live_id is None else {"live_id": live_id}))
    _refuse(rows, zone)
    return rows


def _one_live(visible: str, zone: str) -> str:
    """The CTEs for one visible livestream of the current period (`$live_id`)."""
    lives = _LIVES.format(where="AND l.live_id = $live_id AND v.period = 'current'")
    return f"WITH {_ctes(visible, zone, minutes=False)}, {lives}"


def live_products(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str, live_id: str
) -> list[dict[str, Any]]:
    """Per product of a visible livestream: impressions, clicks, orders, items sold and GMV
    (USD at the livestream's start), by GMV."""
    rows = _dicts(
        con.execute(
            f"""{_one_live(visible, zone)}
            SELECT p.product_id, COALESCE(pr.title, p.product_id) AS title, p.impressions,
                   p.clicks, p.orders, p.items_sold, {_usd("p.gmv", "p.currency")} AS gmv,
                   CASE WHEN NOT {_has_rate("p.currency")} THEN p.currency END AS nc,
                   CASE WHEN NOT {_has_rate("p.currency")} THEN lv.started_at END AS np
            FROM live_products p JOIN lv USING (live_id)
            LEFT JOIN products pr ON pr.product_id = p.product_id
            {_fx_at("p.currency", "lv.started_at")}
            ORDER BY gmv DESC, p.product_id
            """,
            {"live_id": live_id},
        )
    )
    _refuse(rows, zone)
    return rows


def live_minutes(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str, live_id: str
) -> list[dict[str, Any]]:
    """The minutes of a visible livestream that fall on visible days, in order: the
    engagement and viewer trends (GMV in USD at the minute)."""
    rows = _dicts(
        con.execute(
            f"""{_one_live(visible, zone)}
            SELECT m.minute, m.online_viewers, m.views, m.product_clicks, m.orders,
                   {_usd("m.gmv", "m.currency")} AS gmv, m.likes, m.comments, m.shares,
                   m.new_followers,
                   CASE WHEN NOT {_has_rate("m.currency")} THEN m.currency END AS nc,
                   CASE WHEN NOT {_has_rate("m.currency")} THEN m.minute END AS np
            FROM live_minutes m JOIN lv USING (live_id)
            JOIN vis v ON v.creator_id = lv.creator_id
                 AND m.minute >= v.start_at AND m.minute < v.end_at
            {_fx_at("m.currency", "m.minute")}
            ORDER BY m.minute
            """,
            {"live_id": live_id},
        )
    )
    _refuse(rows, zone)
    return rows


def live_sources(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str, live_id: str
) -> list[dict[str, Any]]:
    """The traffic sources of a visible livestream, by views."""
    return _dicts(
        con.execute(
            f"""{_one_live(visible, zone)}
            SELECT s.source, s.views FROM live_sources s JOIN lv USING (live_id)
            ORDER BY s.views DESC, s.source
            """,
            {"live_id": live_id},
        )
    )


def live_violations(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str, live_id: str
) -> list[dict[str, Any]]:
    """Violation notices of the creator that occurred during a visible livestream (from its
    start to its end) and on a visible day, in order."""
    return _dicts(
        con.execute(
            f"""{_one_live(visible, zone)}
            SELECT x.violation_id, x.kind, x.severe, x.points, x.occurred_at, x.revoked_at
            FROM violations x
            JOIN lv ON x.subject_kind = 'creator' AND x.subject_id = lv.creator_id
                 AND x.occurred_at >= lv.started_at
                 AND x.occurred_at <= COALESCE(lv.ended_at, lv.started_at)
            JOIN vis v ON v.creator_id = lv.creator_id
                 AND x.occurred_at >= v.start_at AND x.occurred_at < v.end_at
            ORDER BY x.occurred_at, x.violation_id
            """,
            {"live_id": live_id},
        )
    )


def subject_audiences(
    con: duckdb.DuckDBPyConnection,
    visible: str,
    subject_kind: str,
    subject_id: str,
    creator_id: str,
    stage: str,
) -> dict[str, dict[str, int]]:
    """The latest `audiences` split of a live or video and a stage whose `as_of` is a
    visible day of its creator in the current period: dimension → bucket → users."""
    rows = con.execute(
        f"""
        WITH latest AS (
            SELECT max(a.as_of) AS as_of FROM audiences a
            JOIN {ident(visible)} v ON v.creator_id = $creator_id
                 AND v.period = 'current' AND a.as_of BETWEEN v.first_day AND v.last_day
            WHERE a.subject_kind = $kind AND a.subject_id = $subject AND a.stage = $stage
        )
        SELECT a.dimension, a.bucket, a.users FROM audiences a JOIN latest USING (as_of)
        WHERE a.subject_kind = $kind AND a.subject_id = $subject AND a.stage = $stage
        ORDER BY 1, 2
        """,
        {
            "creator_id": creator_id,
            "kind": subject_kind,
            "subject": subject_id,
            "stage": stage,
        },
    ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for dimension, bucket, users in rows:
        out.setdefault(dimension, {})[bucket] = int(users)
    return out


# --- videos ----------------------------------------------------------------------------

_VIDEO_SORT = {
    "views": "vd.views DESC",
    "new_followers": "vd.new_followers DESC",
    "revenue": "revenue DESC",
    "rpm": "CASE WHEN vd.views > 0 THEN CAST(revenue AS DOUBLE) * 1000 / vd.views END "
    "DESC NULLS LAST",
}


def video_rows(
    con: duckdb.DuckDBPyConnection,
    visible: str,
    zone: str,
    *,
    order: VideoOrder = "views",
    video_id: str | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """Every video posted on a visible day (one when `video_id` is given; those whose id
    holds `search`), per period, with its orders (channel video, `content_id` = the video,
    paid on a visible day); sorted by `order`, then video_id."""
    if order not in _VIDEO_SORT:
        raise ValueError(f"unknown video order {order!r}: use {', '.join(VIDEO_ORDERS)}")
    where = []
    params: dict[str, Any] = {}
    if video_id is not None:
        where.append("AND d.video_id = $video_id")
        params["video_id"] = video_id
    if search:
        where.append("AND contains(lower(d.video_id), lower($search))")
        params["search"] = search
    sql = f"""
    WITH {_ctes(visible, zone, minutes=False)},
    {_VIDEOS.format(where=" ".join(where))},
    vo AS (
        SELECT o.content_id AS video_id, o.creator_id, count(*) AS orders,
               sum(o.items) AS items_sold, sum(o.gmv) AS revenue,
               count(DISTINCT o.buyer_id) AS buyers, {_UNCONVERTED}
        FROM ord o WHERE o.channel = 'video' AND o.content_id IN (SELECT video_id FROM vd)
        GROUP BY ALL
    )
    SELECT vd.period, vd.video_id, vd.creator_id, vd.posted_at, vd.duration_s, vd.status,
           vd.views, vd.finish_rate, vd.likes, vd.comments, vd.shares, vd.new_followers,
           vd.impressions, vd.clicks, COALESCE(vo.orders, 0) AS orders,
           COALESCE(vo.items_sold, 0) AS items_sold, COALESCE(vo.revenue, 0) AS revenue,
           COALESCE(vo.buyers, 0) AS buyers, vo.nc, vo.np
    FROM vd LEFT JOIN vo USING (video_id, creator_id)
    ORDER BY vd.period, {_VIDEO_SORT[order]}, vd.video_id
    """
    rows = _dicts(con.execute(sql, params))
    _refuse(rows, zone)
    return rows


def video_products(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str, video_id: str
) -> list[dict[str, Any]]:
    """The products a visible video sold on visible days: orders, items, revenue, buyers."""
    videos = _VIDEOS.format(where="AND d.video_id = $video_id AND v.period = 'current'")
    rows = _dicts(
        con.execute(
            f"""
            WITH {_ctes(visible, zone, minutes=False)}, {videos}
            SELECT o.product_id, COALESCE(any_value(pr.title), o.product_id) AS title,
                   count(*) AS orders, sum(o.items) AS items_sold, sum(o.gmv) AS revenue,
                   count(DISTINCT o.buyer_id) AS buyers, {_UNCONVERTED}
            FROM ord o JOIN vd ON vd.video_id = o.content_id AND vd.creator_id = o.creator_id
            LEFT JOIN products pr ON pr.product_id = o.product_id
            WHERE o.channel = 'video'
            GROUP BY o.product_id ORDER BY revenue DESC, o.product_id
            """,
            {"video_id": video_id},
        )
    )
    _refuse(rows, zone)
    return rows


def top_videos_for_product(
    con: duckdb.DuckDBPyConnection,
    visible: str,
    zone: str,
    product_id: str,
    *,
    besides: str,
    limit: int = 3,
) -> list[dict[str, Any]]:
    """The visible videos (posted on a visible day of the current period) other than
    `besides` with the highest revenue of one product on visible days of that period."""
    videos = _VIDEOS.format(where="AND v.period = 'current'")
    rows = _dicts(
        con.execute(
            f"""
            WITH {_ctes(visible, zone, minutes=False)}, {videos}
            SELECT o.content_id AS video_id, o.creator_id, count(*) AS orders,
                   sum(o.items) AS items_sold, sum(o.gmv) AS revenue, {_UNCONVERTED}
            FROM ord o JOIN vd ON vd.video_id = o.content_id AND vd.creator_id = o.creator_id
            WHERE o.channel = 'video' AND o.period = 'current' AND o.product_id = $product
                  AND o.content_id <> $besides
            GROUP BY ALL ORDER BY revenue DESC, video_id LIMIT $limit
            """,
            {"product": product_id, "besides": besides, "limit": limit},
        )
    )
    _refuse(rows, zone)
    return rows


# --- products --------------------------------------------------------------------------


def product_rows(
    con: duckdb.DuckDBPyConnection,
    visible: str,
    zone: str,
    *,
    product_id: str | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """Per period and product: its orders paid on visible days (revenue, refunds, orders,
    buyers, items, the live / video / other split, returns, ratings), and the exposure,
    clicks and orders of `live_products` over livestreams started on visible days."""
    params: dict[str, Any] = {}
    keep = []
    if product_id is not None:
        keep.append("k.product_id = $product")
        params["product"] = product_id
    if search:
        keep.append(
            "(contains(lower(k.product_id), lower($search)) "
            "OR contains(lower(COALESCE(pr.title, '')), lower($search)))"
        )
        params["search"] = search
    where = "" if not keep else "WHERE " + " AND ".join(keep)
    sql = f"""
    WITH {_ctes(visible, zone, minutes=False)},
    {_LIVES.format(where="")},
    lp AS (
        SELECT lv.period, p.product_id, sum(p.impressions) AS exposure,
               sum(p.clicks) AS clicks, sum(p.orders) AS live_product_orders
        FROM live_products p JOIN lv USING (live_id) GROUP BY ALL
    ),
    po AS (
        SELECT period, product_id, sum(gmv) AS revenue, sum(refunds) AS refunds,
               count(*) AS orders, count(DISTINCT buyer_id) AS buyers,
               sum(items) AS items_sold,
               count(*) FILTER (WHERE refunds > 0) AS refund_orders,
               COALESCE(sum(gmv) FILTER (WHERE channel = 'live'), 0) AS live_revenue,
               COALESCE(sum(items) FILTER (WHERE channel = 'live'), 0) AS live_items_sold,
               COALESCE(sum(gmv) FILTER (WHERE channel = 'video'), 0) AS video_revenue,
               COALESCE(sum(items) FILTER (WHERE channel = 'video'), 0) AS video_items_sold,
               COALESCE(sum(gmv) FILTER (WHERE channel NOT IN ('live', 'video')), 0)
                   AS other_revenue,
               COALESCE(sum(items) FILTER (WHERE channel NOT IN ('live', 'video')), 0)
                   AS other_items_sold,
               count(*) FILTER (WHERE return_fault IS NOT NULL) AS returns,
               count(review_rating) AS rated,
               count(*) FILTER (WHERE review_rating <= 2) AS negative_reviews,
               count(DISTINCT creator_id) AS creators, {_UNCONVERTED}
        FROM ord GROUP BY ALL
    ),
    k AS (SELECT period, product_id FROM po UNION SELECT period, product_id FROM lp)
    SELECT k.period, k.product_id, COALESCE(pr.title, k.product_id) AS title,
           COALESCE(po.revenue, 0) AS revenue, COALESCE(po.refunds, 0) AS refunds,
           COALESCE(po.orders, 0) AS orders, COALESCE(po.buyers, 0) AS buyers,
           COALESCE(po.items_sold, 0) AS items_sold,
           COALESCE(po.refund_orders, 0) AS refund_orders,
           COALESCE(po.live_revenue, 0) AS live_revenue,
           COALESCE(po.live_items_sold, 0) AS live_items_sold,
           COALESCE(po.video_revenue, 0) AS video_revenue,
           COALESCE(po.video_items_sold, 0) AS video_items_sold,
           COALESCE(po.other_revenue, 0) AS other_revenue,
           COALESCE(po.other_items_sold, 0) AS other_items_sold,
           COALESCE(po.returns, 0) AS returns, COALESCE(po.rated, 0) AS rated,
           COALESCE(po.negative_reviews, 0) AS negative_reviews,
           COALESCE(po.creators, 0) AS creators,
           COALESCE(lp.exposure, 0) AS exposure, COALESCE(lp.clicks, 0) AS clicks,
           COALESCE(lp.live_product_orders, 0) AS live_product_orders, po.nc, po.np
    FROM k LEFT JOIN po USING (period, product_id) LEFT JOIN lp USING (period, product_id)
    LEFT JOIN products pr ON pr.product_id = k.product_id
    {where}
    ORDER BY k.period, revenue DESC, k.product_id
    """
    rows = _dicts(con.execute(sql, params))
    _refuse(rows, zone)
    return rows


def product_creators(
    con: duckdb.DuckDBPyConnection, visible: str, zone: str, product_id: str
) -> list[dict[str, Any]]:
    """Each visible creator's sales of one product in the current period (revenue, orders,
    items, the lives and videos that sold it), by revenue: the creator share."""
    rows = _dicts(
        con.execute(
            f"""
            WITH {_ctes(visible, zone, minutes=False)}
            SELECT creator_id, sum(gmv) AS revenue, count(*) AS orders,
                   sum(items) AS items_sold,
                   count(DISTINCT content_id) FILTER (WHERE channel = 'live') AS lives,
                   count(DISTINCT content_id) FILTER (WHERE channel = 'video') AS videos,
                   {_UNCONVERTED}
            FROM ord WHERE period = 'current' AND product_id = $product
            GROUP BY creator_id ORDER BY revenue DESC, creator_id
            """,
            {"product": product_id},
        )
    )
    _refuse(rows, zone)
    return rows


__all__ = [
    "VIDEO_ORDERS",
    "VideoOrder",
    "live_minutes",
    "live_products",
    "live_rows",
    "live_sources",
    "live_violations",
    "product_creators",
    "product_rows",
    "subject_audiences",
    "top_videos_for_product",
    "video_products",
    "video_rows",
]
