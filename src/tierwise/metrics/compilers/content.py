"""Content metrics over the creators of a partner's content sellers: `active_sellers`,
`live_hours`, `live_count`, `video_count`, `gpm`."""

from __future__ import annotations

from abc import abstractmethod

from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers.base import RelationCompiler, params_of
from tierwise.metrics.compilers.registry import register
from tierwise.metrics.fragments import literal
from tierwise.metrics.nodes import Node
from tierwise.metrics.relations import Relations
from tierwise.metrics.scope import MetricRequest


def lives(rel: Relations, p: lib.ContentParams, creators: Node) -> str:
    """The window's livestreams of the creators (longer than the minimum when given)."""
    s = rel.scope
    first, end = s.window(p.window)
    longer = (
        f" AND l.ended_at IS NOT NULL AND date_diff('second', l.started_at, l.ended_at) > "
        f"{p.live_longer_than_min * 60}"
        if p.live_longer_than_min is not None
        else ""
    )
    return (
        f"SELECT c.partner_id, c.seller_id, l.live_id, l.views, "
        f"date_diff('second', l.started_at, COALESCE(l.ended_at, l.started_at)) AS secs "
        f"FROM livestreams l JOIN {creators} c ON c.creator_id = l.creator_id "
        f"WHERE l.started_at >= {s.instant(first)} AND l.started_at < {s.instant(end)}{longer}"
    )


def videos(rel: Relations, p: lib.ContentParams, creators: Node) -> str:
    """The videos the creators posted in the window."""
    s = rel.scope
    first, end = s.window(p.window)
    return (
        f"SELECT c.partner_id, c.seller_id, v.video_id, v.views FROM videos v "
        f"JOIN {creators} c ON c.creator_id = v.creator_id "
        f"WHERE v.posted_at >= {s.instant(first)} AND v.posted_at < {s.instant(end)}"
    )


class ContentCompiler(RelationCompiler):
    """A value over the content (livestreams, videos) of the content sellers' creators."""

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.ContentParams)
        creators = rel.content_creators(p.service)
        return Node(self.metric, self.select(rel, p, creators), (creators,))

    @abstractmethod
    def select(self, rel: Relations, p: lib.ContentParams, creators: Node) -> str:
        """The relation's SQL over the creators."""


@register
class LiveHours(ContentCompiler):
    metric = "live_hours"

    def select(self, rel: Relations, p: lib.ContentParams, creators: Node) -> str:
        return (
            f"SELECT partner_id, SUM(secs) / 3600.0 AS value "
            f"FROM ({lives(rel, p, creators)}) GROUP BY 1"
        )


@register
class LiveCount(ContentCompiler):
    metric = "live_count"

    def select(self, rel: Relations, p: lib.ContentParams, creators: Node) -> str:
        return f"SELECT partner_id, COUNT(*) AS value FROM ({lives(rel, p, creators)}) GROUP BY 1"


@register
class VideoCount(ContentCompiler):
    metric = "video_count"

    def select(self, rel: Relations, p: lib.ContentParams, creators: Node) -> str:
        return f"SELECT partner_id, COUNT(*) AS value FROM ({videos(rel, p, creators)}) GROUP BY 1"


@register
class ActiveSellers(ContentCompiler):
    """Sellers whose creators started a livestream or posted a video in the window."""

    metric = "active_sellers"

    def select(self, rel: Relations, p: lib.ContentParams, creators: Node) -> str:
        return (
            f"SELECT partner_id, COUNT(DISTINCT seller_id) AS value FROM ("
            f"SELECT partner_id, seller_id FROM ({lives(rel, p, creators)}) UNION ALL "
            f"SELECT partner_id, seller_id FROM ({videos(rel, p, creators)})) GROUP BY 1"
        )


@register
class Gpm(RelationCompiler):
    """GMV per thousand views of the content, from orders paid by the generation date."""

    metric = "gpm"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.GpmParams)
        s = rel.scope
        creators = rel.content_creators(p.service)
        content = lives(rel, p, creators) if p.content == "live" else videos(rel, p, creators)
        cid = "live_id" if p.content == "live" else "video_id"
        first, _ = s.window(p.window)
        orders = rel.paid_orders(first, s.generated_on)
        return Node(
            self.metric,
            f"SELECT c.partner_id, CASE WHEN SUM(c.views) > 0 "
            f"THEN COALESCE(SUM(g.gmv), 0) * 1000.0 / SUM(c.views) ELSE 0 END AS value "
            f"FROM ({content}) c LEFT JOIN (SELECT content_id, SUM(amount) AS gmv "
            f"FROM {orders} WHERE content_id IS NOT NULL AND channel = {literal(p.content)} "
            f"GROUP BY 1) g ON g.content_id = c.{cid} GROUP BY 1",
            (creators, orders),
        )
