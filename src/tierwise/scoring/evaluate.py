"""The one entry point the orchestrator calls: score every partner of a period, decide its
status, rank where the program ranks, and explain the gap and the margin.

Pure: no I/O. The result of a partner does not depend on the order of the subjects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from tierwise.core.periods import Period
from tierwise.definitions.scoring import (
    AdditiveComponents,
    BandedScorecard,
    ChannelThresholds,
    DimensionScorecard,
    NormalisedWeightedSum,
    Scoring,
    StatusRules,
)
from tierwise.scoring import explain
from tierwise.scoring import weighted_sum as ws
from tierwise.scoring.additive import AdditiveResult, score_additive
from tierwise.scoring.channels import score_channels
from tierwise.scoring.outcome import Outcome, Subject
from tierwise.scoring.scorecard import score_scorecard
from tierwise.scoring.status import StatusDecision, decide
from tierwise.scoring.trace import Gap, Margin, TraceItem
from tierwise.scoring.values import MetricLabel, ScoringError, normalise_metrics, report

Metrics = dict[str, Decimal | None]


def evaluate(
    scoring: Scoring,
    status: StatusRules,
    levels: Sequence[str],
    subjects: Sequence[Subject],
    period_start: date | Period,
    period_end: date | None = None,
    *,
    labels: Mapping[str, MetricLabel] | None = None,
) -> list[Outcome]:
    """Evaluate one period; one Outcome per subject, in the subjects' order.

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
    run = _Run(status, tuple(levels), start, labels)
    if isinstance(scoring, NormalisedWeightedSum):
        return _ranked(scoring, run, subjects, metrics)
    if isinstance(scoring, DimensionScorecard):
        raise ScoringError(
            "a dimension scorecard is a secondary evaluation: use score_dimensions with the"
            " partners' classes"
        )
    return [_one(scoring, run, s, metrics[s.partner_id]) for s in subjects]


@dataclass(frozen=True)
class _Run:
    """What every partner of one evaluation shares."""

    rules: StatusRules
    levels: tuple[str, ...]
    start: date
    labels: Mapping[str, MetricLabel] | None

    def check_level(self, level: str | None) -> str | None:
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


def _one(
    scoring: BandedScorecard | ChannelThresholds | AdditiveComponents,
    run: _Run,
    subject: Subject,
    metrics: Metrics,
) -> Outcome:
    """A method that scores each partner on its own."""
    pid, labels, levels = subject.partner_id, run.labels, run.levels
    additive: AdditiveResult | None = None
    score: Decimal | None
    gap: Gap | None
    margin: Margin | None
    if isinstance(scoring, BandedScorecard):
        card = score_scorecard(scoring, metrics, partner_id=pid)
        score, integral, trace = card.points, False, card.trace
        computed = run.check_level(card.award.level if card.award else None)
        gap = explain.scorecard_gap(scoring, card, levels, labels)
        margin = explain.scorecard_margin(scoring, card, labels)
    elif isinstance(scoring, ChannelThresholds):
        reached = score_channels(scoring, levels, metrics, partner_id=pid)
        score, integral, trace = None, False, reached.trace
        computed = reached.level
        gap = explain.channel_gap(scoring, reached, levels, labels)
        margin = explain.channel_margin(scoring, reached, labels)
    else:
        additive = score_additive(scoring, metrics, partner_id=pid)
        score, integral, trace = additive.score, additive.integral, additive.trace
        computed = run.check_level(additive.interval.level if additive.interval else None)
        gap = explain.additive_gap(scoring, additive, levels, labels)
        margin = explain.additive_margin(additive)
    decision = run.decide(subject, metrics, additive.group_points if additive else None)
    return _outcome(
        run,
        subject,
        metrics,
        decision,
        score=score,
        integral=integral,
        computed=computed,
        trace=trace,
        gap=gap,
        margin=margin,
        additive=additive,
    )


def _ranked(
    config: NormalisedWeightedSum,
    run: _Run,
    subjects: Sequence[Subject],
    metrics: Mapping[str, Metrics],
) -> list[Outcome]:
    """Scores against each population's maxima; ranks and classes over assessed partners."""
    populations: dict[str | None, list[Subject]] = {}
    for s in subjects:
        populations.setdefault(ws.population_of(config, s.market), []).append(s)
    entries: dict[str, ws.WeightedScore] = {}
    decisions: dict[str, StatusDecision] = {}
    ranked: dict[str | None, list[ws.Ranked]] = {}
    for population, members in populations.items():
        maxima = ws.maxima(config, [metrics[s.partner_id] for s in members])
        for s in members:
            m = metrics[s.partner_id]
            entries[s.partner_id] = ws.score_weighted(
                config, m, maxima, partner_id=s.partner_id, population=population
            )
            decisions[s.partner_id] = run.decide(s, m)
        assessed = [
            entries[s.partner_id] for s in members if decisions[s.partner_id].status == "assessed"
        ]
        ranked[population] = ws.rank(config, assessed)
        for r in ranked[population]:
            run.check_level(r.level)

    places = {r.partner_id: r for pop in ranked.values() for r in pop}
    out = []
    for s in subjects:
        pid = s.partner_id
        entry, decision = entries[pid], decisions[pid]
        pop = ranked[entry.population]
        me = places.get(pid)
        ranking = ws.rank_trace(config, me, len(pop)) if me else ()
        gap = explain.ranking_gap(config, entry, pop, me, run.labels)
        margin = explain.ranking_margin(config, entry, pop, me) if me else None
        out.append(
            _outcome(
                run,
                s,
                metrics[pid],
                decision,
                score=report(entry.score),
                integral=False,
                computed=me.level if me else None,
                rank=me.rank if me else None,
                trace=entry.trace,
                gap=gap,
                margin=margin,
                ranking=ranking,
            )
        )
    return out


def _outcome(
    run: _Run,
    subject: Subject,
    metrics: Metrics,
    decision: StatusDecision,
    *,
    score: Decimal | None,
    integral: bool,
    computed: str | None,
    trace: tuple[TraceItem, ...],
    gap: Gap | None,
    margin: Margin | None,
    rank: int | None = None,
    additive: AdditiveResult | None = None,
    ranking: tuple[TraceItem, ...] = (),
) -> Outcome:
    """The status decides what is shown; the explanations follow the status."""
    pid = subject.partner_id
    shown = computed if decision.status == "assessed" else None
    trace = trace + decision.trace + ranking
    next_level: Gap | None = None
    keep: Margin | None = None
    if decision.status == "assessed":
        next_level = gap
        kept = margin if shown is not None else None
        if kept is not None:
            groups = additive.group_points if additive else None
            headroom = explain.status_headroom(
                run.rules, metrics, groups, partner_id=pid, labels=run.labels
            )
            keep = replace(kept, conditions=headroom)
    else:
        if computed is not None:
            trace += (TraceItem(kind="level", reason=f"no level shown: status {decision.status}"),)
        if decision.status != "novice":
            needs = explain.status_requirements(
                run.rules, decision, metrics, additive, partner_id=pid, labels=run.labels
            )
            if computed is not None:
                next_level = Gap(level=computed, conditions=needs, actions=needs)
            else:
                found = gap
                level = found.level if found else (run.levels[0] if run.levels else "")
                next_level = (
                    replace(found, conditions=needs, actions=needs + found.actions)
                    if found
                    else Gap(level=level, conditions=needs, actions=needs)
                )
    return Outcome(
        partner_id=pid,
        status=decision.status,
        score=score,
        level=shown,
        rank=rank,
        trace=trace,
        next_level=next_level,
        keep=keep,
        computed_level=computed,
        metrics=dict(subject.metrics),
        integral=integral,
    )
