"""The scoring methods, one module each, holding its score, its gap to the next level and
its margin to keep the current one, behind one registry keyed by the method's name (the
`method:` of a program's `scoring`).

    METHODS[scoring.method](scoring, grading, subjects, metrics) -> [Outcome]

Most methods score each partner on its own: their module has an `assess` giving one
partner's Assessment, and `assessment.one_by_one` makes it a period's evaluation. The
normalised weighted sum scores and ranks a population at once, so it evaluates the period
itself; the dimension scorecard is a secondary evaluation (`score_dimensions`) and refuses.
A new method is a module here and one line below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tierwise.scoring.assessment import Evaluate, one_by_one
from tierwise.scoring.methods import additive, channels, dimensions, scorecard, weighted_sum

METHODS: Mapping[str, Evaluate[Any]] = {
    "normalised_weighted_sum": weighted_sum.evaluate,
    "banded_scorecard": one_by_one(scorecard.assess),
    "channel_thresholds": one_by_one(channels.assess),
    "additive_components": one_by_one(additive.assess),
    "dimension_scorecard": dimensions.evaluate,
}

__all__ = ["METHODS"]
