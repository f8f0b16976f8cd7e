"""Metrics over the sellers bound to a service partner: `seller_rate`, `violations`."""

from __future__ import annotations

from datetime import timedelta

from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers.base import RelationCompiler, params_of
from tierwise.metrics.compilers.registry import register
from tierwise.metrics.fragments import literal
from tierwise.metrics.nodes import Node
from tierwise.metrics.relations import Relations
from tierwise.metrics.scope import MetricRequest

#: rate → (window column, hit condition, base condition), over one seller's orders.
RATES = {
    "seller_cancellation": ("created_at", "o.cancelled_by = 'seller'", "TRUE"),
    "late_dispatch": ("paid_at", "o.late_dispatch", "o.cancelled_by IS NULL"),
    "seller_return": ("paid_at", "o.return_fault = 'seller'", "o.cancelled_by IS NULL"),
    "negative_review": ("paid_at", "o.review_rating <= 2", "o.cancelled_by IS NULL"),
}


def seller_stats(rel: Relations, window: lib.Window) -> Node:
    """Every rate's base and hits per seller in one scan of the window's orders."""
    s = rel.scope
    first, end = s.window(window)
    lo, hi = s.instant(first), s.instant(end)
    cols = []
    for rate, (col, hit, base) in RATES.items():
        inside = f"o.{col} >= {lo} AND o.{col} < {hi} AND {base}"
        cols.append(f"COUNT(*) FILTER (WHERE {inside}) AS {rate}_n")
        cols.append(f"COUNT(*) FILTER (WHERE {inside} AND {hit}) AS {rate}_hit")
    abn = rel.abnormal_creators()
    return Node(
        "seller_stats",
        f"SELECT o.seller_id, {', '.join(cols)} FROM orders o "
        f"WHERE ((o.created_at >= {lo} AND o.created_at < {hi}) "
        f"OR (o.paid_at >= {lo} AND o.paid_at < {hi})) AND NOT o.abnormal "
        f"AND NOT EXISTS (SELECT 1 FROM {abn} x "
        f"WHERE x.creator_id = o.creator_id) GROUP BY 1",
        (abn,),
    )


@register
class SellerRate(RelationCompiler):
    """The mean over bound sellers of each seller's own rate."""

    metric = "seller_rate"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.SellerRateParams)
        sellers = rel.content_sellers(p.service)
        stats = seller_stats(rel, p.window)
        r = p.rate
        return Node(
            self.metric,
            f"SELECT a.partner_id, AVG(CAST(x.{r}_hit AS DOUBLE) / x.{r}_n) AS value "
            f"FROM {sellers} a JOIN {stats} x ON x.seller_id = a.subject_id "
            f"WHERE x.{r}_n > 0 GROUP BY 1",
            (sellers, stats),
        )


#: How violations per seller become the partner's value.
AGGREGATES = {
    "count": "SUM(n)",
    "max_per_seller": "MAX(n)",
    "points_per_seller": "SUM(pts) / COUNT(*)",
}


@register
class Violations(RelationCompiler):
    """Violations of the bound sellers (and their creators) in the window, not revoked by
    the generation date."""

    metric = "violations"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.ViolationParams)
        s = rel.scope
        sellers = rel.content_sellers(p.service)
        first, end = s.window(p.window)
        severe = "" if p.severe is None else f" AND {'' if p.severe else 'NOT '}v.severe"
        # Revoked on or before the generation date: does not count.
        counted = (
            f"(v.revoked_at IS NULL OR v.revoked_at >= {s.instant(s.generated_on + timedelta(1))})"
        )
        subjects = (
            f"SELECT subject_id AS seller_id, partner_id, 'seller' AS kind, subject_id AS sid "
            f"FROM {sellers}"
        )
        if p.subjects == "sellers_and_creators":
            subjects += (
                f" UNION ALL SELECT a.subject_id, a.partner_id, 'creator', c.creator_id "
                f"FROM {sellers} a JOIN creators c ON c.seller_id = a.subject_id "
                f"AND c.account_type IN ('official', 'marketing')"
            )
        per_seller = (
            f"SELECT x.partner_id, x.seller_id, COUNT(v.violation_id) AS n, "
            f"COALESCE(SUM(v.points), 0) AS pts FROM ({subjects}) x "
            f"LEFT JOIN violations v ON v.subject_kind = x.kind AND v.subject_id = x.sid "
            f"AND v.kind = {literal(p.kind)} AND v.occurred_at >= {s.instant(first)} "
            f"AND v.occurred_at < {s.instant(end)}{severe} AND {counted} "
            f"GROUP BY 1, 2"
        )
        return Node(
            self.metric,
            f"SELECT partner_id, {AGGREGATES[p.aggregate]} AS value FROM ({per_seller}) GROUP BY 1",
            (sellers,),
        )
