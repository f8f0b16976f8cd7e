"""Order metrics — `gmv`, `settled_gmv`, `settled_orders` — and the shared order scan.

Order metrics of one attribution, service and window are read in one scan of the window's
orders joined to their partner, one `FILTER`ed aggregate per metric, so a program with
several of them scans `orders` once per window."""

from __future__ import annotations

from collections.abc import Sequence

from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers.base import (
    Assembly,
    ScanColumn,
    ScanMember,
    params_of,
)
from tierwise.metrics.compilers.registry import compiler_for, register
from tierwise.metrics.fragments import ident, one_of, where
from tierwise.metrics.nodes import Node
from tierwise.metrics.relations import OrderJoin, Relations
from tierwise.metrics.scope import MetricRequest

#: Output columns naming an order no rate converts: `{UNCONVERTED}N_currency` and `_at`.
UNCONVERTED = "__unconverted_"


def order_filters(rel: Relations, p: lib.OrderParams, alias: str = "o") -> list[str]:
    """The filters that tell metrics of one order scan apart (FILTER clauses)."""
    conds: list[str] = []
    first, end = rel.scope.window(p.window)
    if p.channels:
        conds.append(f"{alias}.channel IN {one_of(p.channels)}")
    if p.good_goods is not None:
        conds.append(f"{'' if p.good_goods else 'NOT '}{alias}.good_goods")
    if p.worry_free is not None:
        conds.append(f"{'' if p.worry_free else 'NOT '}{alias}.worry_free")
    if p.live_longer_than_min is not None:
        lives = rel.long_lives(p.live_longer_than_min, first, end)
        conds.append(
            f"{alias}.channel = 'live' AND {alias}.content_id IN (SELECT live_id FROM {lives})"
        )
    return conds


def filter_reads(rel: Relations, p: lib.OrderParams) -> tuple[Node, ...]:
    """The nodes `order_filters` reads."""
    if p.live_longer_than_min is None:
        return ()
    first, end = rel.scope.window(p.window)
    return (rel.long_lives(p.live_longer_than_min, first, end),)


def attributed_orders(rel: Relations, p: lib.OrderParams) -> tuple[str, tuple[Node, ...]]:
    """FROM clause of the window's orders `o` attributed to their partner (`o.partner_id`),
    and its nodes: orders are joined to the attribution first, then converted."""
    first, end = rel.scope.window(p.window)
    if p.attribution == "seller_creators":
        creators = rel.content_creators(p.service)
        joined = OrderJoin(
            f"content_orders_{p.service}",
            f"JOIN {creators} a ON a.creator_id = o.creator_id",
            "a.partner_id",
            (creators,),
        )
    else:
        kind, col = (
            ("creator", "creator_id")
            if p.attribution == "creator_binding"
            else ("seller", "seller_id")
        )
        segs = rel.attributed_segments(kind, p.service)
        joined = OrderJoin(
            f"{kind}_orders_{p.service}",
            f"JOIN {segs} a ON a.subject_id = o.{col} "
            f"AND o.paid_at >= a.seg_from AND o.paid_at < a.seg_to",
            "a.partner_id",
            (segs,),
        )
    orders = rel.paid_orders(first, end, joined)
    return f"{orders} o", (orders,)


class OrderCompiler(ScanMember):
    """An aggregate over the attributed orders of the window."""

    aggregate: str

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.OrderParams)
        src, reads = attributed_orders(rel, p)
        return Node(
            self.metric,
            f"SELECT o.partner_id, {self.aggregate} AS value FROM {src}"
            f"{where(order_filters(rel, p))} GROUP BY 1",
            reads + filter_reads(rel, p),
        )

    def scan_key(self, request: MetricRequest) -> tuple[str, str, int | None]:
        p = params_of(request, lib.OrderParams)
        return (p.attribution, p.service, p.window.days)

    def scan_column(self, rel: Relations, request: MetricRequest, k: int) -> ScanColumn:
        p = params_of(request, lib.OrderParams)
        value = self.aggregate
        conds = order_filters(rel, p)
        if conds:
            cond = " AND ".join(conds)
            if value.endswith(")") and "FILTER" in value:
                value = value[:-1] + f" AND {cond})"
            else:
                value = f"{value} FILTER (WHERE {cond})"
        return ScanColumn(f"{value} AS v{k}", reads=filter_reads(rel, p))


@register
class Gmv(OrderCompiler):
    metric = "gmv"
    aggregate = "SUM(o.amount)"


@register
class SettledGmv(OrderCompiler):
    metric = "settled_gmv"
    aggregate = "SUM(GREATEST(o.amount - o.refund_amount, 0))"


@register
class SettledOrders(OrderCompiler):
    metric = "settled_orders"
    aggregate = "COUNT(*) FILTER (WHERE o.refund_amount < o.amount)"


def order_scans(assembly: Assembly, ordered: Sequence[MetricRequest]) -> list[str]:
    """Read every scan member of the program in one aggregate per order scan, a column per
    metric (or a relation over the scan's orders, for a member that has one); sets their
    values in `assembly` and returns the select's check columns (the first order per scan
    that no rate converts: the caller refuses it)."""
    scans: dict[tuple[str, str, int | None], list[tuple[MetricRequest, ScanMember]]] = {}
    for r in ordered:
        compiler = compiler_for(r.metric)
        if isinstance(compiler, ScanMember):
            scans.setdefault(compiler.scan_key(r), []).append((r, compiler))
    rel = assembly.relations
    checks: list[str] = []
    for n, (key, members) in enumerate(scans.items()):
        columns = [(r, compiler.scan_column(rel, r, k)) for k, (r, compiler) in enumerate(members)]
        scan = _scan(rel, key, [c for _, c in columns])
        for k, (r, column) in enumerate(columns):
            value = (
                assembly.read(column.relation, "value")
                if column.relation is not None
                else assembly.read(scan, f"v{k}")
            )
            assembly.values[r.name] = f"COALESCE({value}, 0)"
        currency, at = ident(f"{UNCONVERTED}{n}_currency"), ident(f"{UNCONVERTED}{n}_at")
        checks.append(
            f"{assembly.read(scan, 'nc')} AS {currency}, {assembly.read(scan, 'np')} AS {at}"
        )
    return checks


def _scan(rel: Relations, key: tuple[str, str, int | None], columns: Sequence[ScanColumn]) -> Node:
    attribution, service, days = key
    scope = lib.OrderParams.model_validate(
        {"attribution": attribution, "service": service, "window": {"days": days}}
    )
    src, reads = attributed_orders(rel, scope)
    cols = []
    for column in columns:
        if column.relation is None:
            src += column.joins
            reads += column.reads
            cols.append(column.expr)
    # Orders no rate converts would vanish from the sums: the caller refuses them.
    cols.append("arg_min(o.currency, o.paid_at) FILTER (WHERE NOT o.has_rate) AS nc")
    cols.append("MIN(o.paid_at) FILTER (WHERE NOT o.has_rate) AS np")
    return Node(
        "order_scan",
        f"SELECT o.partner_id, {', '.join(cols)} FROM {src} GROUP BY 1",
        tuple(dict.fromkeys(reads)),
    )
