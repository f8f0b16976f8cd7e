"""Additive components (百应): piecewise-linear component points, summed per group (capped),
summed over enabled groups, rounded half up, mapped by score intervals to a level.

A component's points run linearly between its (value, points) pairs and stay flat below the
first pair and beyond the last. A disabled group gives 0 and is shown as disabled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from tierwise.definitions.scoring import (
    AdditiveComponents,
    Component,
    ComponentGroup,
    ScoreInterval,
)
from tierwise.scoring.trace import TraceItem
from tierwise.scoring.values import (
    exact,
    format_number,
    or_zero,
    read_metric,
    report,
    round_half_up,
)


def piecewise(points: Sequence[tuple[Decimal, Decimal]], value: Decimal) -> Fraction:
    """The points a value earns on the polyline through `points` (flat outside it)."""
    v = exact(value)
    if not points:
        return Fraction(0)
    if v <= points[0][0]:
        return exact(points[0][1])
    for (x0, y0), (x1, y1) in pairwise(points):
        if v <= x1:
            if x1 == x0:
                return exact(y1)
            return exact(y0) + (v - exact(x0)) * (exact(y1) - exact(y0)) / (exact(x1) - exact(x0))
    return exact(points[-1][1])


def inverse(
    points: Sequence[tuple[Decimal, Decimal]], target: Fraction, start: Decimal
) -> Fraction | None:
    """The smallest value ≥ `start` that earns at least `target` points (None: never)."""
    v0 = exact(start)
    if piecewise(points, start) >= target:
        return v0
    for (x0, y0), (x1, y1) in pairwise(points):
        if exact(x1) <= v0 or exact(y1) < target:
            continue
        if y1 == y0 or x1 == x0:
            return max(exact(x1), v0)
        v = exact(x0) + (target - exact(y0)) * (exact(x1) - exact(x0)) / (exact(y1) - exact(y0))
        return max(v, v0)
    return None


def max_points(component: Component) -> Fraction:
    return max((exact(p) for _, p in component.points), default=Fraction(0))


@dataclass(frozen=True)
class ComponentResult:
    component: Component
    value: Decimal | None
    points: Fraction


@dataclass(frozen=True)
class GroupResult:
    group: ComponentGroup
    components: tuple[ComponentResult, ...]
    #: Σ component points before the group's cap.
    uncapped: Fraction
    #: The group's points: capped, and 0 when the group is disabled.
    points: Fraction

    @property
    def room(self) -> Fraction | None:
        """Points the group can still take before its cap (None: no cap)."""
        if self.group.max is None:
            return None
        return max(exact(self.group.max) - self.uncapped, Fraction(0))


@dataclass(frozen=True)
class AdditiveResult:
    total: Fraction
    #: The score reported: rounded half up to an integer (or the exact total).
    score: Decimal
    integral: bool
    groups: tuple[GroupResult, ...]
    interval: ScoreInterval | None
    trace: tuple[TraceItem, ...]

    @property
    def group_points(self) -> dict[str, Decimal]:
        return {g.group.name: report(g.points) for g in self.groups}


def in_interval(interval: ScoreInterval, score: Decimal) -> bool:
    return (interval.from_ is None or score >= interval.from_) and (
        interval.below is None or score < interval.below
    )


def interval_for(config: AdditiveComponents, score: Decimal) -> ScoreInterval | None:
    return next((i for i in config.intervals if in_interval(i, score)), None)


def interval_text(interval: ScoreInterval) -> str:
    lo, hi = interval.from_, interval.below
    if lo is None and hi is None:
        return "any score"
    if lo is None:
        return f"< {format_number(hi)}" if hi is not None else ""
    if hi is None:
        return f"≥ {format_number(lo)}"
    return f"[{format_number(lo)}, {format_number(hi)})"


def score_additive(
    config: AdditiveComponents, metrics: Mapping[str, Decimal | None], *, partner_id: str
) -> AdditiveResult:
    """Component points, group points, the rounded score and the level interval."""
    trace: list[TraceItem] = []
    groups: list[GroupResult] = []
    for group in config.groups:
        components = []
        for component in group.components:
            value = read_metric(metrics, component.metric, partner_id=partner_id)
            points = piecewise(component.points, or_zero(value)) if group.enabled else Fraction(0)
            components.append(ComponentResult(component, value, points))
            trace.append(_component_trace(group, component, value, points))
        uncapped = sum((c.points for c in components), start=Fraction(0))
        capped = uncapped if group.max is None else min(uncapped, exact(group.max))
        result = GroupResult(group, tuple(components), uncapped, capped)
        groups.append(result)
        trace.append(_group_trace(result))

    total = sum((g.points for g in groups), start=Fraction(0))
    integral = config.rounding == "half_up"
    score = Decimal(round_half_up(total)) if integral else report(total)
    trace.append(TraceItem(kind="total", points=report(total), reason="Σ enabled groups' points"))
    if integral:
        trace.append(
            TraceItem(
                kind="rounding",
                points=score,
                reason=f"{format_number(report(total), places=12)} rounded half up to {score}",
            )
        )
    interval = interval_for(config, score)
    trace.append(
        TraceItem(
            kind="level",
            points=score,
            # The lowest interval is open below: it has no threshold to show.
            thresholds=tuple((i.level, i.from_) for i in config.intervals if i.from_ is not None),
            reason=(
                f"{interval.level}: score {interval_text(interval)}"
                if interval is not None
                else "the score is in no level's interval"
            ),
        )
    )
    return AdditiveResult(total, score, integral, tuple(groups), interval, tuple(trace))


def _component_trace(
    group: ComponentGroup, component: Component, value: Decimal | None, points: Fraction
) -> TraceItem:
    thresholds = tuple((format_number(x, places=12), y) for x, y in component.points)
    note = " (no value, taken as 0)" if value is None else ""
    if not group.enabled:
        reason = f"group {group.name} is disabled: 0 points"
    else:
        v = or_zero(value)
        reason = (
            f"{format_number(v)} → {format_number(report(points))} points{_where(component, v)}"
        )
    return TraceItem(
        kind="metric",
        metric=component.metric,
        value=value,
        points=report(points),
        component=group.name,
        thresholds=thresholds,
        reason=reason + note,
    )


def _where(component: Component, v: Decimal) -> str:
    pts = component.points
    if not pts:
        return " (no points defined)"
    if v <= pts[0][0]:
        return f" (at or below the first point {format_number(pts[0][0])})"
    if v >= pts[-1][0]:
        return f" (at or beyond the last point {format_number(pts[-1][0])}: flat)"
    for (x0, y0), (x1, y1) in pairwise(pts):
        if x0 <= v <= x1:
            return (
                f" (linear between {format_number(x0)} → {format_number(y0)}"
                f" and {format_number(x1)} → {format_number(y1)})"
            )
    return ""


def _group_trace(g: GroupResult) -> TraceItem:
    name = g.group.name
    if not g.group.enabled:
        reason = f"{name}: disabled, 0 points"
    elif g.points < g.uncapped:
        reason = f"{name}: {format_number(report(g.uncapped))} capped at {g.group.max}"
    else:
        cap = f" (max {g.group.max})" if g.group.max is not None else ""
        reason = f"{name}: Σ components = {format_number(report(g.points))}{cap}"
    return TraceItem(kind="group", component=name, points=report(g.points), reason=reason)
