"""A partner's status for a period: novice, ineligible, observation or assessed.

Checked in this order (StatusRules): novice first (the month joined and the next
`novice_months − 1` months), then the eligibility conditions (all must hold), then the
observation conditions (any holding), else assessed. Only assessed partners get a level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from tierwise.definitions.scoring import Condition, StatusRules
from tierwise.scoring.bands import Edge
from tierwise.scoring.trace import TraceItem
from tierwise.scoring.values import ScoringError, format_number, or_zero, read_metric

Status = Literal["assessed", "novice", "observation", "ineligible"]
STATUSES: tuple[Status, ...] = ("assessed", "novice", "observation", "ineligible")


def subject_name(condition: Condition) -> str:
    """What the condition tests: a metric, or a component group's points."""
    if (condition.metric is None) == (condition.component is None):
        raise ScoringError("a condition names exactly one of `metric` and `component`")
    if condition.metric is not None:
        return condition.metric
    return f"{condition.component} points"


def edges(condition: Condition) -> tuple[Edge, ...]:
    """The bounds of the condition; it holds when every edge holds."""
    out: list[Edge] = []
    if condition.at_least is not None:
        out.append(Edge(condition.at_least, ">="))
    if condition.above is not None:
        out.append(Edge(condition.above, ">"))
    if condition.below is not None:
        out.append(Edge(condition.below, "<"))
    if condition.at_most is not None:
        out.append(Edge(condition.at_most, "<="))
    if condition.equals is not None:
        out += [Edge(condition.equals, ">="), Edge(condition.equals, "<=")]
    return tuple(out)


def text(condition: Condition) -> str:
    """`api_per_day > 0`, `service points < 140`."""
    if condition.equals is not None and len(edges(condition)) == 2:
        return f"{subject_name(condition)} = {format_number(condition.equals)}"
    return " and ".join(f"{subject_name(condition)} {e.text()}" for e in edges(condition))


def value_of(
    condition: Condition,
    metrics: Mapping[str, Decimal | None],
    groups: Mapping[str, Decimal] | None,
    *,
    partner_id: str,
) -> Decimal | None:
    """The tested value: the metric's (None = no value), or the group's points."""
    subject_name(condition)
    if condition.metric is not None:
        return read_metric(metrics, condition.metric, partner_id=partner_id)
    if groups is None:
        raise ScoringError(
            f"condition on component {condition.component!r}: only additive scores have groups"
        )
    group = condition.component or ""
    if group not in groups:
        raise ScoringError(f"condition on unknown component group {group!r}")
    return groups[group]


def holds(condition: Condition, value: Decimal | None) -> bool:
    """Whether the condition holds; no value counts as 0."""
    v = or_zero(value)
    return all(e.holds(v) for e in edges(condition))


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def is_novice(rules: StatusRules, joined_on: date | None, period_start: date) -> bool:
    """Novice when the period starts in the month joined or one of the next
    `novice_months − 1` months (or before the partner joined)."""
    if rules.novice_months <= 0 or joined_on is None:
        return False
    return months_between(joined_on, period_start) < rules.novice_months


@dataclass(frozen=True)
class StatusDecision:
    status: Status
    #: Eligibility conditions that fail (ineligible) or observation conditions that hold.
    conditions: tuple[Condition, ...]
    trace: tuple[TraceItem, ...]


def decide(
    rules: StatusRules,
    *,
    partner_id: str,
    joined_on: date | None,
    period_start: date,
    metrics: Mapping[str, Decimal | None],
    groups: Mapping[str, Decimal] | None = None,
) -> StatusDecision:
    """Decide the status; every condition is evaluated and traced, the first rule wins."""
    trace: list[TraceItem] = []
    novice = is_novice(rules, joined_on, period_start)
    if rules.novice_months > 0:
        if joined_on is None:
            reason = "no joining date: not novice"
        else:
            state = "novice" if novice else "past the novice months"
            reason = (
                f"joined {joined_on.isoformat()}: {state}"
                f" ({rules.novice_months} months from the month joined)"
            )
        trace.append(TraceItem(kind="rule", reason=reason))
    failing: list[Condition] = []
    for condition in rules.eligible_when:
        value = value_of(condition, metrics, groups, partner_id=partner_id)
        ok = holds(condition, value)
        if not ok:
            failing.append(condition)
        trace.append(_condition_item(condition, value, "eligible when", ok))
    observing: list[Condition] = []
    for condition in rules.observation_when:
        value = value_of(condition, metrics, groups, partner_id=partner_id)
        hit = holds(condition, value)
        if hit:
            observing.append(condition)
        trace.append(_condition_item(condition, value, "observation when", hit))

    status: Status
    conditions: tuple[Condition, ...] = ()
    if novice:
        status, reason = "novice", "novice: no level in the novice months"
    elif failing:
        status, conditions = "ineligible", tuple(failing)
        reason = "ineligible: " + "; ".join(f"not {text(c)}" for c in failing)
    elif observing:
        status, conditions = "observation", tuple(observing)
        reason = "observation: " + "; ".join(text(c) for c in observing)
    else:
        status, reason = "assessed", "assessed"
    trace.append(TraceItem(kind="status", reason=reason))
    return StatusDecision(status, conditions, tuple(trace))


def _condition_item(
    condition: Condition, value: Decimal | None, rule: str, result: bool
) -> TraceItem:
    note = " (no value, taken as 0)" if value is None else ""
    return TraceItem(
        kind="rule",
        metric=condition.metric,
        component=condition.component,
        value=value,
        reason=f"{rule} {text(condition)}: {'yes' if result else 'no'}{note}",
    )
