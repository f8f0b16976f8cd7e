"""Metrics over the creators bound to an agency: `bound_subjects` (creators or sellers),
`creators_with_fact`, `creator_fact_mean`, `creators_with_sales`, `live_days_per_creator`."""

from __future__ import annotations

from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers.base import RelationCompiler, ScanColumn, ScanMember, params_of
from tierwise.metrics.compilers.orders import attributed_orders, order_filters
from tierwise.metrics.compilers.registry import register
from tierwise.metrics.fragments import one_of, where
from tierwise.metrics.nodes import Node
from tierwise.metrics.relations import Relations
from tierwise.metrics.scope import MetricRequest


def _count_per_partner(stem: str, source: Node) -> Node:
    return Node(stem, f"SELECT partner_id, COUNT(*) AS value FROM {source} GROUP BY 1", (source,))


@register
class BoundSubjects(RelationCompiler):
    """Subjects bound on a day (creators: abnormal ones left out) or during a window."""

    metric = "bound_subjects"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.BoundParams)
        s = rel.scope
        if p.at == "window":
            first, end = s.window(p.window)
            source = rel.attributed_during(p.subject_kind, p.service, first, end)
        elif p.subject_kind == "creator":
            source = rel.bound_creators(p.service, s.day(p.on))
        else:
            source = rel.attributed_on(p.subject_kind, p.service, s.day(p.on))
        return _count_per_partner(self.metric, source)


@register
class CreatorsWithFact(RelationCompiler):
    metric = "creators_with_fact"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.FactCountParams)
        bound = rel.bound_creators(p.service, rel.scope.period.last_day)
        facts = rel.facts_on("creator", p.fact, rel.scope.day(p.on))
        return Node(
            self.metric,
            f"SELECT b.partner_id, COUNT(*) AS value FROM {bound} b "
            f"JOIN {facts} f ON f.subject_id = b.creator_id "
            f"WHERE f.value >= {p.at_least} GROUP BY 1",
            (bound, facts),
        )


@register
class CreatorFactMean(RelationCompiler):
    metric = "creator_fact_mean"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.FactMeanParams)
        bound = rel.bound_creators(p.service, rel.scope.period.last_day)
        facts = rel.facts_on("creator", p.fact, rel.scope.day(p.on))
        return Node(
            self.metric,
            f"SELECT b.partner_id, AVG(f.value) AS value FROM {bound} b "
            f"JOIN {facts} f ON f.subject_id = b.creator_id GROUP BY 1",
            (bound, facts),
        )

    def default(self, request: MetricRequest) -> str:
        """No bound creator with the fact: no mean."""
        return "NULL"


@register
class CreatorsWithSales(ScanMember):
    """Creators bound on the last day with a settled order that belongs to the partner
    (the binding in force when paid). In a program it is read with its service's
    creator-attributed scan of the period, over the same orders."""

    metric = "creators_with_sales"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        """Bound creators with such an order: a semi-join of the bound creators (one row
        each) to the attributed orders, which needs no distinct count over the orders."""
        p = params_of(request, lib.CreatorSalesParams)
        bound = rel.bound_creators(p.service, rel.scope.period.last_day)
        orders = lib.OrderParams(service=p.service, channels=p.channels)
        src, reads = attributed_orders(rel, orders)
        conds = [
            "o.creator_id = b.creator_id",
            "o.partner_id = b.partner_id",
            *order_filters(rel, orders),
            "o.refund_amount < o.amount",
        ]
        return Node(
            self.metric,
            f"SELECT b.partner_id, COUNT(*) AS value FROM {bound} b "
            f"WHERE EXISTS (SELECT 1 FROM {src}{where(conds)}) GROUP BY 1",
            (bound, *reads),
        )

    def scan_key(self, request: MetricRequest) -> tuple[str, str, int | None]:
        p = params_of(request, lib.CreatorSalesParams)
        return ("creator_binding", p.service, None)

    def scan_column(self, rel: Relations, request: MetricRequest, k: int) -> ScanColumn:
        """The semi-join beside the scan where the engine computes the attributed orders
        once for both; else a distinct count in the scan itself (the orders read once)."""
        if rel.scope.dialect.shares_relations:
            return ScanColumn(relation=self.relation(rel, request))
        p = params_of(request, lib.CreatorSalesParams)
        bound = rel.bound_creators(p.service, rel.scope.period.last_day)
        chan = f" AND o.channel IN {one_of(p.channels)}" if p.channels else ""
        return ScanColumn(
            f"COUNT(DISTINCT o.creator_id) FILTER (WHERE bc{k}.creator_id IS NOT NULL "
            f"AND o.refund_amount < o.amount{chan}) AS v{k}",
            joins=(
                f" LEFT JOIN {bound} bc{k} ON bc{k}.creator_id = o.creator_id "
                f"AND bc{k}.partner_id = o.partner_id"
            ),
            reads=(bound,),
        )


@register
class LiveDaysPerCreator(RelationCompiler):
    metric = "live_days_per_creator"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.LiveDaysParams)
        s = rel.scope
        bound = rel.bound_creators(p.service, s.period.last_day)
        days = Node(
            "live_days",
            f"SELECT creator_id, COUNT(DISTINCT {s.local_date('started_at')}) AS d "
            f"FROM livestreams WHERE started_at >= {s.instant(s.period.start)} "
            f"AND started_at < {s.instant(s.period.end)} GROUP BY 1",
        )
        return Node(
            self.metric,
            f"SELECT b.partner_id, AVG(COALESCE(d.d, 0)) AS value FROM {bound} b "
            f"LEFT JOIN {days} d ON d.creator_id = b.creator_id GROUP BY 1",
            (bound, days),
        )
