"""Metrics computed from other metrics of the program: `ratio`, `growth`."""

from __future__ import annotations

from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers.base import Assembly, MetricCompiler, RelationCompiler, params_of
from tierwise.metrics.compilers.registry import compiler_for, register
from tierwise.metrics.scope import MetricRequest, PlanError


@register
class Ratio(MetricCompiler):
    metric = "ratio"

    def depends_on(self, request: MetricRequest) -> tuple[str, ...]:
        p = params_of(request, lib.RatioParams)
        return (p.numerator, p.denominator)

    def value(self, assembly: Assembly, request: MetricRequest) -> str:
        p = params_of(request, lib.RatioParams)
        num, den = assembly.values[p.numerator], assembly.values[p.denominator]
        return f"CASE WHEN {den} = 0 THEN 0 ELSE CAST({num} AS DOUBLE) / {den} END"


@register
class Growth(MetricCompiler):
    """Against the same metric's relation over the previous period's own pieces."""

    metric = "growth"

    def depends_on(self, request: MetricRequest) -> tuple[str, ...]:
        return (params_of(request, lib.GrowthParams).of,)

    def value(self, assembly: Assembly, request: MetricRequest) -> str:
        p = params_of(request, lib.GrowthParams)
        base = assembly.requests[p.of]
        compiler = compiler_for(base.metric)
        if not isinstance(compiler, RelationCompiler):
            raise PlanError(f"metric {request.name!r}: the growth of {base.metric} is not defined")
        previous = compiler.relation(assembly.previous, base)
        cur = assembly.values[p.of]
        prv = f"COALESCE({assembly.read(previous, 'value')}, 0)"
        return (
            f"CASE WHEN {prv} = 0 THEN (CASE WHEN {cur} > 0 THEN 1 ELSE 0 END) "
            f"ELSE (CAST({cur} AS DOUBLE) - {prv}) / {prv} END"
        )
