"""Additive components (百应): piecewise-linear component points, summed per group (capped),
summed over enabled groups, rounded half up, mapped by score intervals to a level.

A component's points run linearly between its (value, points) pairs and stay flat below the
first pair and beyond the last. A disabled group gives 0 and is shown as disabled.

The gap to the next interval is, per component, the points it can still give and the value
giving them (the polyline inverted); the margin is how far the score can fall inside the
current interval.
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
from tierwise.scoring.assessment import Assessment, Grading, Metrics
from tierwise.scoring.explain import GroupReach, Labels, next_level, points_text, target_value
from tierwise.scoring.trace import ComponentRoom, Gap, Margin, TraceItem
from tierwise.scoring.values import (
    exact,
    format_number,
    format_value,
    label_for,
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


def assess(
    config: AdditiveComponents, grading: Grading, partner_id: str, metrics: Metrics
) -> Assessment:
    """The rounded score, its interval's level, the trace, the gap and the margin."""
    scored = score_additive(config, metrics, partner_id=partner_id)
    level = grading.check_level(scored.interval.level if scored.interval else None)
    return Assessment(
        score=scored.score,
        integral=scored.integral,
        level=level,
        trace=scored.trace,
        gap=additive_gap(config, scored, grading.levels, grading.labels),
        margin=additive_margin(scored),
        groups=scored.group_points,
        reach=lambda group, points: reach(scored, group, points),
    )


# --- the gap ---------------------------------------------------------------------------


def additive_gap(
    config: AdditiveComponents,
    result: AdditiveResult,
    levels: Sequence[str],
    labels: Labels = None,
) -> Gap | None:
    """Points missing to the next interval and, per component, the points it can still give
    and the value that gives them (the polyline inverted), most points first."""
    current = result.interval.level if result.interval else None
    target_level = next_level(levels, current)
    if target_level is None:
        return None
    interval = next((i for i in config.intervals if i.level == target_level), None)
    if interval is None or interval.from_ is None:
        return Gap(level=target_level, reachable=False, actions=("no score interval leads to it",))
    missing = max(interval.from_ - result.score, Decimal(0))
    # the exact total needed: a rounded score reaches `from` at from − 1/2
    need = exact(interval.from_) - (Fraction(1, 2) if result.integral else 0) - result.total
    rooms = sorted(rooms_left(result, need), key=lambda r: -r.room)
    return Gap(
        level=target_level,
        score=missing,
        target=interval.from_,
        components=tuple(rooms),
        actions=tuple(a for r in rooms if (a := _room_action(r, need, target_level, labels))),
        integral=result.integral,
        reachable=sum((r.room for r in rooms), start=Decimal(0)) >= report(max(need, Fraction(0))),
    )


def rooms_left(result: AdditiveResult, need: Fraction) -> list[ComponentRoom]:
    """Every component of an enabled group that can still give points (its cap and its
    group's cap held), with the value giving them all and the value closing `need` alone."""
    rooms: list[ComponentRoom] = []
    for g in result.groups:
        if not g.group.enabled:
            continue
        for c in g.components:
            room = max_points(c.component) - c.points
            if g.room is not None:
                room = min(room, g.room)
            if room <= 0:
                continue
            start = or_zero(c.value)
            for_room = inverse(c.component.points, c.points + room, start)
            for_gap = inverse(c.component.points, c.points + need, start) if room >= need else None
            rooms.append(
                ComponentRoom(
                    group=g.group.name,
                    metric=c.component.metric,
                    value=c.value,
                    points=report(c.points),
                    room=report(room),
                    value_for_room=target_value(for_room),
                    value_for_gap=target_value(for_gap),
                )
            )
    return rooms


def _room_action(r: ComponentRoom, need: Fraction, level: str, labels: Labels) -> str | None:
    """`raise X from a to b (+n points: enough for V3 alone)`, or the most it gives."""
    label = label_for(labels, r.metric)
    if r.value_for_gap is not None:
        target = format_value(r.value_for_gap, label, direction="up")
        gained = points_text(max(need, Fraction(0)))
        return (
            f"raise {label.title} from {format_value(r.value, label)} to {target}"
            f" (+{gained} points: enough for {level} alone)"
        )
    if r.value_for_room is not None:
        target = format_value(r.value_for_room, label, direction="up")
        return (
            f"raise {label.title} from {format_value(r.value, label)} to {target}"
            f" (+{points_text(r.room)} points, the most it gives)"
        )
    return None


def reach(result: AdditiveResult, group: str, points: Decimal) -> GroupReach | None:
    """For a group with one component, the value of its metric that gives the group
    `points` (None: another shape of group, or never reached)."""
    found = next((g for g in result.groups if g.group.name == group), None)
    if found is None or len(found.components) != 1:
        return None
    c = found.components[0]
    value = target_value(inverse(c.component.points, exact(points), or_zero(c.value)))
    if value is None:
        return None
    return GroupReach(c.component.metric, c.value, value)


# --- the margin ------------------------------------------------------------------------


def additive_margin(result: AdditiveResult) -> Margin | None:
    """How far the score can fall inside the current interval."""
    if result.interval is None:
        return None
    interval = result.interval
    if interval.from_ is None:
        return Margin(
            level=interval.level,
            integral=result.integral,
            notes=(f"{interval.level} is the lowest interval: it is not lost by score",),
        )
    margin = result.score - interval.from_
    notes = [
        f"the score can fall by {points_text(margin)} (to {points_text(interval.from_)})"
        f" and keep {interval.level}"
    ]
    if result.integral:
        notes.append(
            f"the unrounded total ({points_text(result.total)}) must stay ≥"
            f" {points_text(exact(interval.from_) - Fraction(1, 2))}"
        )
    return Margin(level=interval.level, score=margin, integral=result.integral, notes=tuple(notes))
