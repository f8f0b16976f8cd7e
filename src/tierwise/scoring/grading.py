"""The one entry point the orchestrator calls: score every partner of a period, decide its
status, rank where the program ranks, and explain the gap and the margin.

Pure: no I/O. The result of a partner does not depend on the order of the subjects. The
method itself is looked up by its name in `scoring.methods.METHODS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from tierwise.core.periods import Period
from tierwise.definitions.scoring import Scoring, StatusRules
from tierwise.scoring.assessment import Grading
from tierwise.scoring.methods import METHODS
from tierwise.scoring.outcome import Outcome, Subject
from tierwise.scoring.values import MetricLabel, ScoringError, normalise_metrics


def score_partners(
    scoring: Scoring,
    status: StatusRules,
    levels: Sequence[str],
    subjects: Sequence[Subject],
    period_start: date | Period,
    period_end: date | None = None,
    *,
    labels: Mapping[str, MetricLabel] | None = None,
) -> list[Outcome]:
    """Score, decide and explain one period; one Outcome per subject, in the subjects' order.

    `levels` lists the program's levels lowest first (`["B", "A", "S"]`). The period is a
    `Period`, or its first day and its end (exclusive, as `Period.end`); only its first day
    decides the novice months. `labels` names metrics in the explanations' actions.
    """
    start = period_start.start if isinstance(period_start, Period) else period_start
    end = period_start.end if isinstance(period_start, Period) else period_end
    if end is not None and end <= start:
        raise ScoringError(f"the period ends ({end}) before it starts ({start})")
    ids = [s.partner_id for s in subjects]
    if len(set(ids)) != len(ids):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        raise ScoringError(f"partner ids repeat: {', '.join(repeated)}")
    metrics = {
        s.partner_id: normalise_metrics(s.metrics, partner_id=s.partner_id) for s in subjects
    }
    grading = Grading(status, tuple(levels), start, labels)
    return METHODS[scoring.method](scoring, grading, subjects, metrics)
