"""Normalised weighted sums (ISV): score = Σ weight/100 · value / population maximum, then a
unique ranking of the eligible partners and classes by rank quotas.

A population is one market, or every partner of the run. A maximum of 0 gives that term 0;
a zero rule (ISV: api_per_day == 0) makes the whole score 0.

The method scores a population at once (the maxima, the ranking), so it evaluates a whole
period itself. The gap is the score of the last partner of the next class; the margin is how
far the score can fall before the best partner of the class below overtakes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from functools import cmp_to_key

from tierwise.definitions.scoring import NormalisedWeightedSum, RankKey
from tierwise.scoring import status as conditions
from tierwise.scoring.assessment import Assessment, Grading, Metrics, outcome
from tierwise.scoring.explain import Labels, points_text
from tierwise.scoring.outcome import Outcome, Subject
from tierwise.scoring.status import StatusDecision
from tierwise.scoring.trace import Gap, Margin, Step, TraceItem
from tierwise.scoring.values import (
    exact,
    format_number,
    format_value,
    label_for,
    or_zero,
    read_metric,
    report,
)


@dataclass(frozen=True)
class TermResult:
    metric: str
    weight: Decimal
    value: Decimal | None
    maximum: Decimal
    #: weight/100 · value / maximum (0 when the maximum is 0 or a zero rule holds).
    contribution: Fraction


@dataclass(frozen=True)
class WeightedScore:
    partner_id: str
    population: str | None
    score: Fraction
    zeroed: bool
    terms: tuple[TermResult, ...]
    #: Every metric the ranking reads (terms and tie-break keys), as given.
    values: Mapping[str, Decimal | None]
    trace: tuple[TraceItem, ...]


@dataclass(frozen=True)
class Ranked:
    partner_id: str
    rank: int
    level: str | None
    score: Fraction


def population_of(config: NormalisedWeightedSum, market: str | None) -> str | None:
    return market if config.population == "market" else None


def maxima(
    config: NormalisedWeightedSum,
    population: Sequence[Mapping[str, Decimal | None]],
) -> dict[str, Decimal]:
    """Each term's maximum over the population (every partner, eligible or not; no value
    counts as 0; a missing metric is reported when the partner is scored)."""
    return {
        t.metric: max((or_zero(m.get(t.metric)) for m in population), default=Decimal(0))
        for t in config.terms
    }


def ranking_metrics(config: NormalisedWeightedSum) -> tuple[str, ...]:
    keys = [t.metric for t in config.terms]
    keys += [k.key for k in config.tie_break if k.key not in ("score", "partner_id")]
    keys += [c.metric for c in config.zero_when if c.metric is not None]
    return tuple(dict.fromkeys(keys))


def score_weighted(
    config: NormalisedWeightedSum,
    metrics: Mapping[str, Decimal | None],
    population_max: Mapping[str, Decimal],
    *,
    partner_id: str,
    population: str | None,
) -> WeightedScore:
    values = {m: read_metric(metrics, m, partner_id=partner_id) for m in ranking_metrics(config)}
    trace: list[TraceItem] = []
    terms: list[TermResult] = []
    for term in config.terms:
        value, maximum = values[term.metric], population_max[term.metric]
        if maximum == 0:
            share = Fraction(0)
            reason = "the population maximum is 0: term is 0"
        else:
            share = exact(term.weight) * exact(or_zero(value)) / (100 * exact(maximum))
            reason = (
                f"{format_number(term.weight)}% × {format_number(or_zero(value))}"
                f" / {format_number(maximum)}"
            )
        if value is None:
            reason += " (no value, taken as 0)"
        terms.append(TermResult(term.metric, term.weight, value, maximum, share))
        trace.append(
            TraceItem(
                kind="metric",
                metric=term.metric,
                value=value,
                points=report(share),
                thresholds=(("max", maximum),),
                reason=reason,
            )
        )
    zeroed = False
    for rule in config.zero_when:
        value = conditions.value_of(rule, metrics, None, partner_id=partner_id)
        hit = conditions.holds(rule, value)
        zeroed = zeroed or hit
        trace.append(
            TraceItem(
                kind="rule",
                metric=rule.metric,
                value=value,
                reason=f"score is 0 when {conditions.text(rule)}: {'yes' if hit else 'no'}",
            )
        )
    score = Fraction(0) if zeroed else sum((t.contribution for t in terms), start=Fraction(0))
    trace.append(
        TraceItem(
            kind="total",
            points=report(score),
            reason="a zero rule holds: score 0" if zeroed else "score = Σ terms",
        )
    )
    return WeightedScore(partner_id, population, score, zeroed, tuple(terms), values, tuple(trace))


def _key_value(entry: WeightedScore, key: str) -> Fraction:
    if key == "score":
        return entry.score
    return exact(or_zero(entry.values[key]))


def order(config: NormalisedWeightedSum, entries: Sequence[WeightedScore]) -> list[WeightedScore]:
    """Score descending, then the tie-break keys, then partner_id ascending: a total order."""
    keys: tuple[RankKey, ...] = (RankKey(key="score", order="desc"), *config.tie_break)

    def compare(a: WeightedScore, b: WeightedScore) -> int:
        for k in keys:
            if k.key == "partner_id":
                x, y = (a.partner_id, b.partner_id)
                if x != y:
                    return (-1 if x < y else 1) * (1 if k.order == "asc" else -1)
                continue
            xv, yv = _key_value(a, k.key), _key_value(b, k.key)
            if xv != yv:
                return (-1 if xv < yv else 1) * (1 if k.order == "asc" else -1)
        return (a.partner_id > b.partner_id) - (a.partner_id < b.partner_id)

    return sorted(entries, key=cmp_to_key(compare))


def rank(config: NormalisedWeightedSum, entries: Sequence[WeightedScore]) -> list[Ranked]:
    """Unique ranks from 1 and the class of each rank by the quotas, top class first; a
    class without a quota takes every remaining partner."""
    return [
        Ranked(entry.partner_id, i, class_at(config, i), entry.score)
        for i, entry in enumerate(order(config, entries), start=1)
    ]


def class_bounds(config: NormalisedWeightedSum) -> list[tuple[str, int, int | None]]:
    """(level, first rank, last rank) per class, top first; a class without a quota has no
    last rank."""
    out: list[tuple[str, int, int | None]] = []
    first = 1
    for c in config.classes:
        if c.quota is None:
            out.append((c.level, first, None))
            break
        out.append((c.level, first, first + c.quota - 1))
        first += c.quota
    return out


def class_at(config: NormalisedWeightedSum, rank: int) -> str | None:
    return next(
        (
            lv
            for lv, first, last in class_bounds(config)
            if first <= rank and (last is None or rank <= last)
        ),
        None,
    )


def rank_trace(config: NormalisedWeightedSum, ranked: Ranked, size: int) -> tuple[TraceItem, ...]:
    keys = ", ".join(f"{k.key} {k.order}" for k in config.tie_break)
    if not any(k.key == "partner_id" for k in config.tie_break):
        keys += (", " if keys else "") + "partner_id asc"
    bounds = class_bounds(config)
    thresholds = tuple((lv, Decimal(first)) for lv, first, _ in bounds)
    where = next(
        (
            f"ranks {first}–{size if last is None else last}"
            for lv, first, last in bounds
            if lv == ranked.level
        ),
        "beyond every quota",
    )
    return (
        TraceItem(
            kind="rank",
            points=Decimal(ranked.rank),
            reason=(
                f"rank {ranked.rank} of {size} eligible partners (score desc" + f", then {keys})"
            ),
        ),
        TraceItem(
            kind="level",
            points=Decimal(ranked.rank),
            thresholds=thresholds,
            reason=f"{ranked.level}: {where}" if ranked.level else f"no class: {where}",
        ),
    )


def evaluate(
    config: NormalisedWeightedSum,
    grading: Grading,
    subjects: Sequence[Subject],
    metrics: Mapping[str, Metrics],
) -> list[Outcome]:
    """Scores against each population's maxima; ranks and classes over assessed partners."""
    populations: dict[str | None, list[Subject]] = {}
    for s in subjects:
        populations.setdefault(population_of(config, s.market), []).append(s)
    entries: dict[str, WeightedScore] = {}
    decisions: dict[str, StatusDecision] = {}
    ranked: dict[str | None, list[Ranked]] = {}
    for population, members in populations.items():
        top = maxima(config, [metrics[s.partner_id] for s in members])
        for s in members:
            m = metrics[s.partner_id]
            entries[s.partner_id] = score_weighted(
                config, m, top, partner_id=s.partner_id, population=population
            )
            decisions[s.partner_id] = grading.decide(s, m)
        assessed = [
            entries[s.partner_id] for s in members if decisions[s.partner_id].status == "assessed"
        ]
        ranked[population] = rank(config, assessed)
        for r in ranked[population]:
            grading.check_level(r.level)

    places = {r.partner_id: r for pop in ranked.values() for r in pop}
    return [
        outcome(
            grading,
            s,
            metrics[s.partner_id],
            decisions[s.partner_id],
            _assessment(config, grading, entries[s.partner_id], ranked, places),
        )
        for s in subjects
    ]


def _assessment(
    config: NormalisedWeightedSum,
    grading: Grading,
    entry: WeightedScore,
    ranked: Mapping[str | None, list[Ranked]],
    places: Mapping[str, Ranked],
) -> Assessment:
    """One partner's score with its place in its population's ranking, if it has one."""
    population = ranked[entry.population]
    me = places.get(entry.partner_id)
    return Assessment(
        score=report(entry.score),
        integral=False,
        level=me.level if me else None,
        trace=entry.trace,
        gap=ranking_gap(config, entry, population, me, grading.labels),
        margin=ranking_margin(config, entry, population, me) if me else None,
        rank=me.rank if me else None,
        ranking=rank_trace(config, me, len(population)) if me else (),
    )


# --- the gap and the margin ------------------------------------------------------------


def ranking_gap(
    config: NormalisedWeightedSum,
    entry: WeightedScore,
    ranked: Sequence[Ranked],
    me: Ranked | None,
    labels: Labels = None,
) -> Gap | None:
    """The score of the last partner of the next class (and its rank), the difference, and
    for each term the value that alone closes it (the population maximum held).
    `ranked` is the population's ranking, rank 1 first."""
    bounds = class_bounds(config)
    if me is None:
        return Gap(level=bounds[-1][0]) if bounds else None
    position = next((i for i, (lv, _, _) in enumerate(bounds) if lv == me.level), None)
    if position is None or position == 0:
        return None
    level, _, last = bounds[position - 1]
    assert last is not None
    if last > len(ranked):
        return None
    holder = ranked[last - 1]
    diff = max(holder.score - entry.score, Fraction(0))
    ties = ", ".join(k.key for k in config.tie_break) or "partner_id"
    steps: list[Step] = []
    for t in entry.terms:
        if diff == 0 or t.maximum == 0 or t.weight == 0:
            continue
        label = label_for(labels, t.metric)
        value = or_zero(t.value)
        needed = exact(value) + diff * 100 * exact(t.maximum) / exact(t.weight)
        if needed > exact(t.maximum):
            continue
        target = report(needed, rounding=ROUND_CEILING)
        steps.append(
            Step(
                metric=t.metric,
                current=t.value,
                target=target,
                relation=">=",
                example=target,
                points=report(diff),
                text=(
                    f"raise {label.title} from {format_value(t.value, label)} to "
                    f"{format_value(target, label, direction='up')}"
                    f" (+{points_text(diff)} score, the population maximum"
                    f" {format_value(t.maximum, label)} held)"
                ),
            )
        )
    actions = [
        f"reach a score of at least {points_text(holder.score)} (rank {last}, the last {level};"
        f" ties go by {ties})"
    ]
    actions += [s.text for s in steps]
    return Gap(
        level=level,
        score=report(diff),
        target=report(holder.score),
        rank=last,
        steps=tuple(steps),
        actions=tuple(actions),
    )


def ranking_margin(
    config: NormalisedWeightedSum, entry: WeightedScore, ranked: Sequence[Ranked], me: Ranked
) -> Margin | None:
    """How far the score can fall before the best partner of the class below overtakes."""
    if me.level is None:
        return None
    bounds = class_bounds(config)
    position = next(i for i, (lv, _, _) in enumerate(bounds) if lv == me.level)
    _, _, last = bounds[position]
    top = position == 0
    notes = []
    if top:
        notes.append(
            f"{me.level} is not relegated by score (an operator review decides);"
            " the figures below are the ranking fact only"
        )
    if last is None:
        notes.append(f"{me.level} is the last class: it is not lost by score while eligible")
        return Margin(level=me.level, relegated_by_score=False, notes=tuple(notes))
    below = ranked[last] if last < len(ranked) else None
    if below is None:
        notes.append(f"no partner ranks below {me.level}: it is not lost by score")
        return Margin(level=me.level, relegated_by_score=not top, notes=tuple(notes))
    margin = entry.score - below.score
    notes.append(
        f"the score can fall by {points_text(margin)} (to {points_text(below.score)}, the score at"
        f" rank {last + 1}) and stay in ranks {bounds[position][1]}–{last}"
        + (" on the tie-break" if margin == 0 else "")
    )
    return Margin(
        level=me.level, score=report(margin), relegated_by_score=not top, notes=tuple(notes)
    )
