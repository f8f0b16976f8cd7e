"""What goes into an evaluation (a Subject per partner) and what comes out (an Outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tierwise.scoring.status import Status
from tierwise.scoring.trace import Gap, Margin, TraceItem
from tierwise.scoring.values import MetricValue, json_score, to_decimal


@dataclass(frozen=True)
class Subject:
    """One partner to evaluate: its metric values for the period, as the metrics layer gave
    them (None = no value), its market (ISV populations) and its joining date (novice)."""

    partner_id: str
    market: str | None = None
    joined_on: date | None = None
    metrics: Mapping[str, MetricValue] = field(default_factory=dict, hash=False)


def _json_metric(value: MetricValue) -> float | int | None:
    """Metrics keep the type the metrics layer chose: counts as ints, amounts as floats."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value
    d = to_decimal(value)
    return None if d is None else float(d)


@dataclass(frozen=True)
class Outcome:
    """One partner's result for one period: the cli-contract's result plus the trace, the gap
    to the next level and the margin to keep the current one."""

    partner_id: str
    status: Status
    #: ISV: 0–1; TSP: points 0–100; 百应: the rounded integer; 集星: None.
    score: Decimal | None
    #: The level shown: None when none is reached or the status shows none.
    level: str | None
    rank: int | None
    trace: tuple[TraceItem, ...]
    next_level: Gap | None
    keep: Margin | None
    #: What the score alone gives, whatever the status (None for ranked classes of
    #: partners not ranked); the level lifecycle reads it.
    computed_level: str | None = None
    metrics: Mapping[str, MetricValue] = field(default_factory=dict, hash=False)
    #: Whether `score` is an integer in this program (rendered as an int).
    integral: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "status": self.status,
            "score": json_score(self.score, integral=self.integral),
            "level": self.level,
            "rank": self.rank,
            "metrics": {k: _json_metric(v) for k, v in self.metrics.items()},
            "next_level": self.next_level.to_dict() if self.next_level else None,
            "keep": self.keep.to_dict() if self.keep else None,
            "computed_level": self.computed_level,
            "trace": [t.to_dict() for t in self.trace],
        }


@dataclass(frozen=True)
class DimensionOutcome:
    """A secondary evaluation (ISV quarterly scorecard) of a partner in its class."""

    partner_id: str
    level: str | None
    #: 0–100; None when the partner has no class or no dimension applies to its class.
    score: Decimal | None
    trace: tuple[TraceItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "level": self.level,
            "score": json_score(self.score, integral=False),
            "trace": [t.to_dict() for t in self.trace],
        }
