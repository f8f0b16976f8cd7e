"""Metrics read from the partner itself: `partner_fact`, `partner_fact_peak` and
`partner_violations`."""

from __future__ import annotations

from datetime import date, timedelta

from tierwise.core.periods import Period
from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers.base import RelationCompiler, params_of
from tierwise.metrics.compilers.registry import register
from tierwise.metrics.fragments import day, literal
from tierwise.metrics.nodes import Node
from tierwise.metrics.relations import Relations
from tierwise.metrics.scope import MetricRequest, Scope


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
            f"SELECT subject_id AS partner_id, arg_max(value, as_of) AS value "
            f"FROM {s.partner_facts} "
            f"WHERE subject_kind = 'partner' AND name = {literal(p.fact)} "
            f"AND as_of <= {day(s.day(p.on))}{since} GROUP BY 1",
        )

    def default(self, request: MetricRequest) -> str:
        """The program's default, or no value."""
        default = params_of(request, lib.PartnerFactParams).default
        return "NULL" if default is None else repr(default)


def months_window(scope: Scope, months: int | None) -> tuple[date, date]:
    """[first day, end) of the `months` months ending with the period's last month, or the
    period itself: a quarterly program reads its half year at the half's second quarter."""
    if months is None:
        return scope.period.start, scope.period.end
    last = Period.containing(scope.period.last_day, "month")
    return last.shift(1 - months).start, scope.period.end


@register
class PartnerFactPeak(RelationCompiler):
    """The highest value of the partner's fact entered in the window: 0 when every value
    entered in the window was 0 (a new API interface not adopted for half a year)."""

    metric = "partner_fact_peak"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.PartnerFactPeakParams)
        first, end = months_window(rel.scope, p.months)
        return Node(
            self.metric,
            f"SELECT subject_id AS partner_id, MAX(value) AS value "
            f"FROM {rel.scope.partner_facts} "
            f"WHERE subject_kind = 'partner' AND name = {literal(p.fact)} "
            f"AND as_of >= {day(first)} AND as_of < {day(end)} GROUP BY 1",
        )

    def default(self, request: MetricRequest) -> str:
        default = params_of(request, lib.PartnerFactPeakParams).default
        return "NULL" if default is None else repr(default)


@register
class PartnerViolations(RelationCompiler):
    """Violations recorded against the partner (a data leak, serious seller complaints) in
    the window, not revoked by the generation date."""

    metric = "partner_violations"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.PartnerViolationParams)
        s = rel.scope
        first, end = months_window(s, p.months)
        kinds = ", ".join(literal(k) for k in p.kinds)
        severe = "" if p.severe is None else f" AND {'' if p.severe else 'NOT '}severe"
        # Revoked on or before the generation date: does not count.
        after = s.instant(s.generated_on + timedelta(1))
        counted = f"(revoked_at IS NULL OR revoked_at >= {after})"
        return Node(
            self.metric,
            f"SELECT subject_id AS partner_id, COUNT(*) AS value FROM violations "
            f"WHERE subject_kind = 'partner' AND kind IN ({kinds}) "
            f"AND occurred_at >= {s.instant(first)} AND occurred_at < {s.instant(end)}"
            f"{severe} AND {counted} GROUP BY 1",
        )
