"""Compile a program's metrics for one period into one set-wise SQL query.

Every metric becomes a relation producing `(partner_id, value)` over all partners at once,
built by its library metric's compiler (`compilers/`) from shared pieces (`relations.py`:
binding attribution, facts in force, converted orders). Pieces are immutable plan nodes
named by their structure (`nodes.py`), so a piece two metrics need is one common table
expression. The SQL is written in DuckDB's dialect using only constructs SQLGlot
transpiles to Spark SQL (see docs/architecture.md); what differs between engines is asked
of the scope's `Dialect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tierwise.metrics.compilers import Assembly, MetricCompiler, compiler_for
from tierwise.metrics.compilers.orders import UNCONVERTED, order_scans
from tierwise.metrics.fragments import SCALE, as_value, ident
from tierwise.metrics.nodes import Node, render, with_list
from tierwise.metrics.relations import Relations
from tierwise.metrics.scope import MetricRequest, PlanError, Scope

__all__ = [
    "SCALE",
    "UNCONVERTED",
    "MetricRequest",
    "Plan",
    "PlanError",
    "Scope",
    "build_plan",
    "compile_plan",
]


@dataclass(frozen=True)
class Plan:
    """One program's query for one period: the partners in scope, a LEFT JOIN per metric
    relation, and the select's columns (a value per metric, then the currency checks)."""

    partners: Node
    joins: tuple[Node, ...]
    columns: tuple[str, ...]

    @property
    def nodes(self) -> list[Node]:
        """Every common table expression, each after the ones it reads."""
        return with_list((self.partners, *self.joins))

    @property
    def sql(self) -> str:
        joins = " ".join(f"LEFT JOIN {j} USING (partner_id)" for j in self.joins)
        select = (
            f"SELECT p.partner_id, p.market, p.joined_on, {', '.join(self.columns)} "
            f"FROM {self.partners} p {joins} ORDER BY p.partner_id"
        )
        return render((self.partners, *self.joins), select)


def _order(requests: Sequence[MetricRequest]) -> list[MetricRequest]:
    """Base metrics first, then derived metrics after what they read."""
    by_name = {r.name: r for r in requests}
    done: dict[str, MetricRequest] = {}

    def visit(r: MetricRequest, path: tuple[str, ...]) -> None:
        if r.name in done:
            return
        if r.name in path:
            raise PlanError(f"metrics {' → '.join((*path, r.name))} form a cycle")
        for dep in _compiler(r).depends_on(r):
            if dep not in by_name:
                raise PlanError(f"metric {r.name!r} reads {dep!r}, which the program lacks")
            visit(by_name[dep], (*path, r.name))
        done[r.name] = r

    for r in requests:
        visit(r, ())
    return list(done.values())


def _compiler(r: MetricRequest) -> MetricCompiler:
    try:
        return compiler_for(r.metric)
    except PlanError:
        raise PlanError(f"metric {r.name!r}: library metric {r.metric!r} has no plan") from None


def build_plan(requests: Sequence[MetricRequest], scope: Scope) -> Plan:
    """The plan of the requested metrics over the scope."""
    relations = Relations(scope)
    ordered = _order(requests)
    assembly = Assembly(relations, {r.name: r for r in ordered})
    checks = order_scans(assembly, ordered)
    for r in ordered:
        if r.name not in assembly.values:
            assembly.values[r.name] = _compiler(r).value(assembly, r)
    columns = [f"{as_value(assembly.values[r.name])} AS {ident(r.name)}" for r in requests]
    return Plan(relations.scope_partners(), tuple(assembly.joins), (*columns, *checks))


def compile_plan(requests: Sequence[MetricRequest], scope: Scope) -> str:
    """One SQL query: a row per partner in scope with `partner_id, market, joined_on` and a
    column per requested metric (exact decimals; null only where a metric has no value)."""
    return build_plan(requests, scope).sql
