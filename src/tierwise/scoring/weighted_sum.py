"""Normalised weighted sums (ISV): score = Σ weight/100 · value / population maximum, then a
unique ranking of the eligible partners and classes by rank quotas.

A population is one market, or every partner of the run. A maximum of 0 gives that term 0;
a zero rule (ISV: api_per_day == 0) makes the whole score 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cmp_to_key

from tierwise.definitions.scoring import NormalisedWeightedSum, RankKey
from tierwise.scoring import status as conditions
from tierwise.scoring.trace import TraceItem
from tierwise.scoring.values import exact, format_number, or_zero, read_metric, report


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
