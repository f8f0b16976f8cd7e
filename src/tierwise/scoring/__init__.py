"""Scoring: pure functions from a program's scoring config and partners' metric values to
statuses, scores, levels, ranks, a trace of every step, the gap to the next level and the
margin to keep the current one. No I/O.

    evaluate(scoring, status, levels, subjects, period_start, period_end) -> [Outcome]
    score_dimensions(scorecard, subjects, classes) -> [DimensionOutcome]

Errors: ScoringError (a ValueError) for inputs that cannot be scored.
"""

from tierwise.scoring.dimensions import score_dimensions
from tierwise.scoring.evaluate import evaluate
from tierwise.scoring.outcome import DimensionOutcome, Outcome, Subject
from tierwise.scoring.status import STATUSES, Status
from tierwise.scoring.trace import (
    ChannelDistance,
    ComponentRoom,
    Gap,
    Margin,
    MetricDistance,
    Risk,
    Step,
    TraceItem,
)
from tierwise.scoring.values import MetricLabel, MetricValue, ScoringError

__all__ = [
    "STATUSES",
    "ChannelDistance",
    "ComponentRoom",
    "DimensionOutcome",
    "Gap",
    "Margin",
    "MetricDistance",
    "MetricLabel",
    "MetricValue",
    "Outcome",
    "Risk",
    "ScoringError",
    "Status",
    "Step",
    "Subject",
    "TraceItem",
    "evaluate",
    "score_dimensions",
]
