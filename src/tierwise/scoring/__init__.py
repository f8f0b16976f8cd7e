"""Scoring: pure functions from a program's scoring config and partners' metric values to
statuses, scores, levels, ranks, a trace of every step, the gap to the next level and the
margin to keep the current one. No I/O.

    score_partners(scoring, status, levels, subjects, period_start, period_end) -> [Outcome]
    score_dimensions(scorecard, subjects, classes) -> [DimensionOutcome]

One module per scoring method in `scoring.methods` (its score, gap and margin), found by the
method's name; the configuration models they read are the program schema's
(`tierwise.definitions.scoring`).

Errors: ScoringError (an EvaluationError of `tierwise.core.errors`, also a ValueError) for
inputs that cannot be scored.
"""

from tierwise.scoring.grading import score_partners
from tierwise.scoring.methods.dimensions import score_dimensions
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
    "score_dimensions",
    "score_partners",
]
