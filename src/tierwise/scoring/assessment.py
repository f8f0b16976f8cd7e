"""What a scoring method says of one partner (an Assessment), what every partner of one
grading shares (a Grading), and how the two become the partner's Outcome.

The methods (`scoring.methods`) score and explain; the status decides what of it is shown.
That second half is the same for every method, so it lives here once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TypeVar

from tierwise.definitions.scoring import StatusRules
from tierwise.scoring import explain
from tierwise.scoring.outcome import Outcome, Subject
from tierwise.scoring.status import StatusDecision, decide
from tierwise.scoring.trace import Gap, Margin, TraceItem
from tierwise.scoring.values import MetricLabel, ScoringError

#: One partner's metric values, normalised (None: no value).
Metrics = dict[str, Decimal | None]

C = TypeVar("C")


@dataclass(frozen=True)
class Grading:
    """What every partner of one grading (one program, one period) shares."""

    rules: StatusRules
    levels: tuple[str, ...]
    start: date
    labels: Mapping[str, MetricLabel] | None

    def check_level(self, level: str | None) -> str | None:
        """A level a method computed, refused when the program does not list it."""
        if level is not None and level not in self.levels:
            raise ScoringError(f"level {level!r} is not one of {', '.join(self.levels)}")
        return level

    def decide(
        self, subject: Subject, metrics: Metrics, groups: Mapping[str, Decimal] | None = None
    ) -> StatusDecision:
        return decide(
            self.rules,
            partner_id=subject.partner_id,
            joined_on=subject.joined_on,
            period_start=self.start,
            metrics=metrics,
            groups=groups,
        )


@dataclass(frozen=True)
class Assessment:
    """One partner as its method sees it: score, level, trace, gap and margin, before the
    status decides what is shown."""

    score: Decimal | None
    #: Whether the score is an integer in this program (rendered as an int).
    integral: bool
    #: The level the score alone gives.
    level: str | None
    trace: tuple[TraceItem, ...]
    gap: Gap | None
    margin: Margin | None
    #: Component groups' points, for status conditions on a group (additive methods).
    groups: Mapping[str, Decimal] | None = None
    #: How the method reaches given points in a group, for the status explanations.
    reach: explain.Reach | None = None
    rank: int | None = None
    #: Steps traced after the status (the rank and class of a ranked method).
    ranking: tuple[TraceItem, ...] = ()


#: A method that scores each partner on its own: its config, the grading, a partner, its values.
Assess = Callable[[C, Grading, str, Metrics], Assessment]
#: A method evaluating one period: every subject's Outcome, in the subjects' order.
Evaluate = Callable[[C, Grading, Sequence[Subject], Mapping[str, Metrics]], list[Outcome]]


def one_by_one(assess: Assess[C]) -> Evaluate[C]:
    """The period's evaluation of a method that scores each partner on its own."""

    def evaluate(
        config: C, grading: Grading, subjects: Sequence[Subject], metrics: Mapping[str, Metrics]
    ) -> list[Outcome]:
        out = []
        for s in subjects:
            values = metrics[s.partner_id]
            assessed = assess(config, grading, s.partner_id, values)
            decision = grading.decide(s, values, assessed.groups)
            out.append(outcome(grading, s, values, decision, assessed))
        return out

    return evaluate


def outcome(
    grading: Grading,
    subject: Subject,
    metrics: Metrics,
    decision: StatusDecision,
    assessed: Assessment,
) -> Outcome:
    """The status decides what is shown; the explanations follow the status."""
    shown = assessed.level if decision.status == "assessed" else None
    trace = assessed.trace + decision.trace + assessed.ranking
    next_level: Gap | None = None
    keep: Margin | None = None
    if decision.status == "assessed":
        next_level = assessed.gap
        if shown is not None and assessed.margin is not None:
            keep = _kept(grading, subject, metrics, assessed, assessed.margin)
    else:
        if assessed.level is not None:
            trace += (TraceItem(kind="level", reason=f"no level shown: status {decision.status}"),)
        if decision.status != "novice":
            next_level = _unshown(grading, subject, metrics, decision, assessed)
    return Outcome(
        partner_id=subject.partner_id,
        status=decision.status,
        score=assessed.score,
        level=shown,
        rank=assessed.rank,
        trace=trace,
        next_level=next_level,
        keep=keep,
        computed_level=assessed.level,
        metrics=dict(subject.metrics),
        integral=assessed.integral,
    )


def _kept(
    grading: Grading, subject: Subject, metrics: Metrics, assessed: Assessment, margin: Margin
) -> Margin:
    """The margin of an assessed partner, with how far each status condition is."""
    headroom = explain.status_headroom(
        grading.rules,
        metrics,
        assessed.groups,
        partner_id=subject.partner_id,
        labels=grading.labels,
    )
    return replace(margin, conditions=headroom)


def _unshown(
    grading: Grading,
    subject: Subject,
    metrics: Metrics,
    decision: StatusDecision,
    assessed: Assessment,
) -> Gap:
    """The gap of an ineligible or observed partner: the status's requirements first."""
    needs = explain.status_requirements(
        grading.rules,
        decision,
        metrics,
        assessed.groups,
        assessed.reach,
        partner_id=subject.partner_id,
        labels=grading.labels,
    )
    if assessed.level is not None:
        return Gap(level=assessed.level, conditions=needs, actions=needs)
    found = assessed.gap
    if found is not None:
        return replace(found, conditions=needs, actions=needs + found.actions)
    level = grading.levels[0] if grading.levels else ""
    return Gap(level=level, conditions=needs, actions=needs)
