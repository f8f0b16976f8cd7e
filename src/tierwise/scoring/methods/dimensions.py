"""Dimension scorecards (ISV quarterly evaluation): a secondary evaluation of partners in
their class. Each dimension scores 0–100; the weights of the dimensions that apply to the
partner's class are renormalised to 100, so the result is 0–100 too.

Growth dimensions: growth ≥ full_at → 100, linear from 0 to full_at, no growth or a decline
→ 0. Fact dimensions: an operator's value in [0, 1] × 100 (a value outside is clamped and
the trace says so).

It needs the partners' classes, so it is not a period's evaluation of its own and has no
gap to a level nor a margin to keep one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from tierwise.definitions.scoring import Dimension, DimensionScorecard, GrowthScore
from tierwise.scoring.assessment import Grading, Metrics
from tierwise.scoring.outcome import DimensionOutcome, Outcome, Subject
from tierwise.scoring.trace import TraceItem
from tierwise.scoring.values import (
    ScoringError,
    exact,
    format_number,
    normalise_metrics,
    or_zero,
    read_metric,
    report,
)


def dimension_points(dimension: Dimension, value: Decimal | None) -> tuple[Fraction, str]:
    """A dimension's 0–100 points and why."""
    v = exact(or_zero(value))
    note = " (no value, taken as 0)" if value is None else ""
    rule = dimension.score
    if isinstance(rule, GrowthScore):
        full = exact(rule.full_at)
        if v <= 0:
            return Fraction(0), f"growth {format_number(report(v))} ≤ 0: 0{note}"
        if v >= full:
            return Fraction(100), f"growth ≥ {format_number(rule.full_at)}: 100{note}"
        return v / full * 100, f"growth linear up to {format_number(rule.full_at)}{note}"
    clamped = min(max(v, Fraction(0)), Fraction(1))
    why = "fact × 100" if clamped == v else "fact outside [0, 1], clamped, × 100"
    return clamped * 100, why + note


def score_dimensions(
    scorecard: DimensionScorecard,
    subjects: Sequence[Subject],
    classes: Mapping[str, str | None],
) -> list[DimensionOutcome]:
    """Score each subject on the dimensions of its class (`classes`: partner_id → class,
    None or absent: unclassed, not evaluated)."""
    return [_score_one(scorecard, s, classes.get(s.partner_id)) for s in subjects]


def evaluate(
    scorecard: DimensionScorecard,
    grading: Grading,
    subjects: Sequence[Subject],
    metrics: Mapping[str, Metrics],
) -> list[Outcome]:
    """Refused: a period's evaluation cannot give the classes this method needs."""
    raise ScoringError(
        "a dimension scorecard is a secondary evaluation: use score_dimensions with the"
        " partners' classes"
    )


def _score_one(
    scorecard: DimensionScorecard, subject: Subject, level: str | None
) -> DimensionOutcome:
    pid = subject.partner_id
    if level is None:
        reason = "no class: the quarterly evaluation applies to classed partners only"
        return DimensionOutcome(pid, None, None, (TraceItem(kind="total", reason=reason),))
    applicable = [d for d in scorecard.dimensions if level in d.classes]
    weight_sum = sum((exact(d.weight) for d in applicable), start=Fraction(0))
    if not applicable or weight_sum == 0:
        reason = f"no dimension applies to class {level}"
        return DimensionOutcome(pid, level, None, (TraceItem(kind="total", reason=reason),))
    metrics = normalise_metrics(subject.metrics, partner_id=pid)
    trace: list[TraceItem] = []
    total = Fraction(0)
    for d in applicable:
        value = read_metric(metrics, d.metric, partner_id=pid)
        points, why = dimension_points(d, value)
        weight = exact(d.weight) * 100 / weight_sum
        total += weight * points / 100
        trace.append(
            TraceItem(
                kind="dimension",
                metric=d.metric,
                component=d.name,
                value=value,
                points=report(points),
                thresholds=(("weight", report(weight)),),
                reason=f"{why}; weight {format_number(d.weight)} renormalised to "
                f"{format_number(report(weight))} for class {level}",
            )
        )
    score = report(total)
    trace.append(
        TraceItem(kind="total", points=score, reason="Σ renormalised weight × points / 100")
    )
    return DimensionOutcome(pid, level, score, tuple(trace))
