"""What an evaluation says about itself: the trace, the gap to the next level, the margin.

The CLI, the portal and the reports render these records; none of them recomputes a score.
Every record is a frozen dataclass with `to_dict()` giving JSON-ready plain values
(Decimal → float, except scores a program rounds to integers).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from tierwise.scoring.values import json_number, json_score

TraceKind = Literal[
    "metric",  # a metric's value and what it earns (band, component points, threshold test)
    "rule",  # a zero rule or a status condition
    "group",  # a component group's points (cap, disabled)
    "dimension",  # one dimension of a dimension scorecard
    "total",  # the score or points before rounding
    "rounding",
    "rank",
    "level",
    "status",
]

Relation = Literal[">=", ">", "<", "<="]


@dataclass(frozen=True)
class TraceItem:
    """One step of an evaluation: a metric's value, what it earned, and why."""

    kind: TraceKind
    reason: str
    metric: str | None = None
    value: Decimal | None = None
    points: Decimal | None = None
    #: The band the value fell in, as text ("[5, 15)", "< 0.004").
    band: str | None = None
    #: The component group (additive), channel (thresholds) or dimension the step belongs to.
    component: str | None = None
    #: What the value was compared with: band edges, level thresholds, a population maximum.
    thresholds: tuple[tuple[str, Decimal], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.metric is not None:
            out["metric"] = self.metric
            out["value"] = json_number(self.value)
        elif self.value is not None:
            out["value"] = float(self.value)
        if self.points is not None:
            out["points"] = json_number(self.points)
        if self.band is not None:
            out["band"] = self.band
        if self.component is not None:
            out["component"] = self.component
        if self.thresholds:
            out["thresholds"] = {k: float(v) for k, v in self.thresholds}
        out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Step:
    """One metric change proposed to reach a level: move `metric` from `current` to satisfy
    `relation target` (`example` is a concrete value that does), earning `points`."""

    metric: str
    current: Decimal | None
    target: Decimal
    relation: Relation
    example: Decimal
    points: Decimal
    text: str
    #: The band reached, as text (banded scorecards).
    band: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "metric": self.metric,
            "current": json_number(self.current),
            "target": float(self.target),
            "relation": self.relation,
            "points": float(self.points),
        }
        if self.band is not None:
            out["band"] = self.band
        out["text"] = self.text
        return out


@dataclass(frozen=True)
class Risk:
    """A metric change that loses points: when `metric relation threshold`, `points_lost`
    go, and `loses_level` says whether the level held goes with them."""

    metric: str
    current: Decimal | None
    threshold: Decimal
    relation: Relation
    points_lost: Decimal
    loses_level: bool
    text: str
    band: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "metric": self.metric,
            "current": json_number(self.current),
            "threshold": float(self.threshold),
            "relation": self.relation,
            "points_lost": float(self.points_lost),
            "loses_level": self.loses_level,
        }
        if self.band is not None:
            out["band"] = self.band
        out["text"] = self.text
        return out


@dataclass(frozen=True)
class MetricDistance:
    """A metric against one threshold: `distance` is what is missing (gap: target − value,
    0 when met) or what can be lost (margin: value − threshold)."""

    metric: str
    value: Decimal | None
    threshold: Decimal
    distance: Decimal


@dataclass(frozen=True)
class ChannelDistance:
    """One channel of a thresholds program against one level."""

    channel: str
    level: str
    metrics: tuple[MetricDistance, ...]

    @property
    def met(self) -> bool:
        return all(m.distance == 0 for m in self.metrics)

    def to_dict(self) -> dict[str, float]:
        return {m.metric: float(m.distance) for m in self.metrics}


@dataclass(frozen=True)
class ComponentRoom:
    """What one additive component can still give: `room` points (up to its maximum and its
    group's cap), reached at `value_for_room`; `value_for_gap` closes the gap alone, if it can."""

    group: str
    metric: str
    value: Decimal | None
    points: Decimal
    room: Decimal
    value_for_room: Decimal | None
    value_for_gap: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "metric": self.metric,
            "value": json_number(self.value),
            "points": float(self.points),
            "room": float(self.room),
            "value_for_room": json_number(self.value_for_room),
            "value_for_gap": json_number(self.value_for_gap),
        }


@dataclass(frozen=True)
class Gap:
    """What is missing to reach `level`, the next level (or the first one, for a partner
    without a level). Only the fields meaningful for the program's method are set."""

    level: str
    #: Score missing (百应: points to the next interval; ISV: score difference to `target`).
    score: Decimal | None = None
    #: Points missing (banded scorecards).
    points: Decimal | None = None
    #: The score or points the level starts at (ISV: the score of the last partner of the
    #: next class, at `rank`).
    target: Decimal | None = None
    rank: int | None = None
    channels: tuple[ChannelDistance, ...] = ()
    components: tuple[ComponentRoom, ...] = ()
    #: The cheapest set of metric changes that reaches the level (banded scorecards), or
    #: alternative single-metric changes (ranked scores).
    steps: tuple[Step, ...] = ()
    #: Status conditions to meet before any level is shown (ineligible, observation).
    conditions: tuple[str, ...] = ()
    #: Concrete actions for people, best first.
    actions: tuple[str, ...] = ()
    #: Whether the score is an integer in this program (百应).
    integral: bool = False
    reachable: bool = True

    def to_dict(self) -> dict[str, Any]:
        gap: dict[str, Any] = {}
        if self.score is not None:
            gap["score"] = json_score(self.score, integral=self.integral)
        if self.points is not None:
            gap["points"] = float(self.points)
        if self.target is not None:
            gap["target"] = json_score(self.target, integral=self.integral)
        if self.rank is not None:
            gap["rank"] = self.rank
        if self.channels:
            gap["channels"] = {c.channel: c.to_dict() for c in self.channels}
        if self.components:
            gap["components"] = [c.to_dict() for c in self.components]
        if self.steps:
            gap["steps"] = [s.to_dict() for s in self.steps]
        if self.conditions:
            gap["conditions"] = list(self.conditions)
        if not self.reachable:
            gap["reachable"] = False
        gap["actions"] = list(self.actions)
        return {"level": self.level, "gap": gap}


@dataclass(frozen=True)
class Margin:
    """How far a partner can fall and keep `level`, the level it holds."""

    level: str
    #: How much the score can fall with the level kept (None: not lost by score).
    score: Decimal | None = None
    #: How many points can be lost with the level kept (banded scorecards).
    points: Decimal | None = None
    #: False where the program never takes the level away for a lower score (ISV S).
    relegated_by_score: bool = True
    channels: tuple[ChannelDistance, ...] = ()
    risks: tuple[Risk, ...] = ()
    #: Status conditions close to changing the status (observation, eligibility).
    conditions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    integral: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level}
        if self.score is not None:
            out["score"] = json_score(self.score, integral=self.integral)
        if self.points is not None:
            out["points"] = float(self.points)
        out["relegated_by_score"] = self.relegated_by_score
        if self.channels:
            out["channels"] = {c.channel: c.to_dict() for c in self.channels}
        if self.risks:
            out["risks"] = [r.to_dict() for r in self.risks]
        if self.conditions:
            out["conditions"] = list(self.conditions)
        out["notes"] = list(self.notes)
        return out
