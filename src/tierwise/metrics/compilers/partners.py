"""Metrics read from the partner itself: `partner_fact`."""

from __future__ import annotations

from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers.base import RelationCompiler, params_of
from tierwise.metrics.compilers.registry import register
from tierwise.metrics.fragments import day, literal
from tierwise.metrics.nodes import Node
from tierwise.metrics.relations import Relations
from tierwise.metrics.scope import MetricRequest


@register
class PartnerFact(RelationCompiler):
    """The partner's own fact in force on the day (operator facts, e.g. service scores)."""

    metric = "partner_fact"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.PartnerFactParams)
        s = rel.scope
        since = f" AND as_of >= {day(s.period.start)}" if p.within_period else ""
        return Node(
            self.metric,
            f"SELECT subject_id AS partner_id, arg_max(value, as_of) AS value FROM facts "
            f"WHERE subject_kind = 'partner' AND name = {literal(p.fact)} "
            f"AND as_of <= {day(s.day(p.on))}{since} GROUP BY 1",
        )

    def default(self, request: MetricRequest) -> str:
        """The program's default, or no value."""
        default = params_of(request, lib.PartnerFactParams).default
        return "NULL" if default is None else repr(default)
