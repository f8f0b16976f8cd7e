"""Library metric → its compiler. A compiler registers itself with `@register`; asking
for a metric no compiler handles is a `PlanError` naming it."""

from __future__ import annotations

from typing import TypeVar

from tierwise.metrics.compilers.base import MetricCompiler
from tierwise.metrics.scope import PlanError

C = TypeVar("C", bound=type[MetricCompiler])

COMPILERS: dict[str, MetricCompiler] = {}


def register(cls: C) -> C:
    """Make the class the compiler of its `metric`; a second one for a metric is refused."""
    if cls.metric in COMPILERS:
        raise PlanError(f"library metric {cls.metric!r} has two compilers")
    COMPILERS[cls.metric] = cls()
    return cls


def compiler_for(metric: str) -> MetricCompiler:
    try:
        return COMPILERS[metric]
    except KeyError:
        raise PlanError(f"library metric {metric!r} has no compiler") from None
