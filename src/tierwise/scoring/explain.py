"""Explanations: what every scoring method's gap and margin share.

Each method's own gap to the next level and margin to keep the current one live next to its
score in `scoring.methods`; what is here is shared by all of them: the level above, how
points and targets are written, and the explanations of a partner's status (what to change
before a level is shown, how far an assessed partner is from another status). The records
(`Gap`, `Margin`, `Step`, `Risk` …) are in `scoring.trace`; the CLI, the portal and the
reports only render them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

from tierwise.definitions.scoring import Condition, StatusRules
from tierwise.scoring import bands
from tierwise.scoring import status as conditions
from tierwise.scoring.trace import Relation
from tierwise.scoring.values import (
    MetricLabel,
    format_number,
    format_value,
    label_for,
    or_zero,
    report,
)

Labels = Mapping[str, MetricLabel] | None


def next_level(levels: Sequence[str], current: str | None) -> str | None:
    """The level above `current` (levels lowest first); the first level when there is none."""
    if current is None:
        return levels[0] if levels else None
    i = list(levels).index(current)
    return levels[i + 1] if i + 1 < len(levels) else None


def points_text(x: Decimal | Fraction) -> str:
    """Points or a score as people read them (an exact fraction reported first)."""
    return format_number(x if isinstance(x, Decimal) else report(x))


def target_value(value: Fraction | None) -> Decimal | None:
    """A value to reach, reported rounded up so that reaching it is enough."""
    return None if value is None else report(value, rounding=ROUND_CEILING)


@dataclass(frozen=True)
class GroupReach:
    """The one metric behind a component group's points, its value, and the value that
    gives the group the points asked."""

    metric: str
    value: Decimal | None
    target: Decimal


#: How a method with component groups reaches given points in a group (None: it cannot say).
Reach = Callable[[str, Decimal], GroupReach | None]


# --- status conditions ---------------------------------------------------------------


def _subject_label(condition: Condition, labels: Labels) -> MetricLabel:
    if condition.metric is not None:
        return label_for(labels, condition.metric)
    return MetricLabel(f"{condition.component} points")


def _group_hint(condition: Condition, edge: bands.Edge, reach: Reach | None, labels: Labels) -> str:
    """For a group with one component, the metric value that gives the group's points."""
    if condition.component is None or reach is None or edge.relation not in (">=", ">"):
        return ""
    found = reach(condition.component, edge.value)
    if found is None:
        return ""
    label = label_for(labels, found.metric)
    shown = format_value(found.target, label, direction="up")
    return f" ({label.title} from {format_value(found.value, label)} to {shown})"


def status_requirements(
    rules: StatusRules,
    decision: conditions.StatusDecision,
    metrics: Mapping[str, Decimal | None],
    groups: Mapping[str, Decimal] | None,
    reach: Reach | None,
    *,
    partner_id: str,
    labels: Labels = None,
) -> tuple[str, ...]:
    """What to change before a level is shown: the failing eligibility conditions, or a way
    out of each observation condition that holds (`reach`: how a method with component
    groups gives a group its points)."""
    out = []
    for c in decision.conditions:
        value = conditions.value_of(c, metrics, groups, partner_id=partner_id)
        v = or_zero(value)
        label = _subject_label(c, labels)
        if decision.status == "ineligible":
            missing = [e for e in conditions.edges(c) if not e.holds(v)]
            out.append(
                "; ".join(
                    _requirement(label, value, e) + _group_hint(c, e, reach, labels)
                    for e in missing
                )
            )
        else:
            ways = [e.negated for e in conditions.edges(c)]
            out.append(
                " or ".join(
                    _requirement(label, value, e) + _group_hint(c, e, reach, labels) for e in ways
                )
                + " (to leave observation)"
            )
    return tuple(out)


def _requirement(label: MetricLabel, value: Decimal | None, edge: bands.Edge) -> str:
    up = edge.relation in (">=", ">")
    target = format_value(edge.value, label)
    wording: dict[Relation, str] = {
        ">=": f"to at least {target}",
        ">": f"above {target}",
        "<": f"below {target}",
        "<=": f"to at most {target}",
    }
    verb = "raise" if up else "lower"
    return f"{verb} {label.title} from {format_value(value, label)} {wording[edge.relation]}"


def status_headroom(
    rules: StatusRules,
    metrics: Mapping[str, Decimal | None],
    groups: Mapping[str, Decimal] | None,
    *,
    partner_id: str,
    labels: Labels = None,
) -> tuple[str, ...]:
    """For an assessed partner, how far each status condition is from changing the status."""
    out = []
    checks = [(c, "ineligible unless") for c in rules.eligible_when]
    checks += [(c, "observation when") for c in rules.observation_when]
    for c, rule in checks:
        value = conditions.value_of(c, metrics, groups, partner_id=partner_id)
        v = or_zero(value)
        label = _subject_label(c, labels)
        text = f"{rule} {conditions.text(c)}: now {format_value(value, label)}"
        single = conditions.edges(c)
        if len(single) == 1:
            edge = single[0] if rule.startswith("ineligible") else single[0].negated
            room = v - edge.value if edge.relation in (">=", ">") else edge.value - v
            way = "fall" if edge.relation in (">=", ">") else "rise"
            strict = edge.relation in (">", "<")
            text += f" (can {way} by {'less than ' if strict else ''}{format_value(room, label)})"
        out.append(text)
    return tuple(out)
