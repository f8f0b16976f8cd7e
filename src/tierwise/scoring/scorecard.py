"""Banded scorecards (TSP): each metric falls in a band, bands give points, points give awards.

points = Σ weight × band_score / max_band_score, weights in percent summing to 100, so points
lie in 0–100. A value in a band marked `disqualifies` bars every award.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from tierwise.definitions.scoring import Award, Band, BandedScorecard, ScorecardItem
from tierwise.scoring import bands
from tierwise.scoring.trace import TraceItem
from tierwise.scoring.values import exact, or_zero, read_metric, report


@dataclass(frozen=True)
class ItemResult:
    item: ScorecardItem
    #: The metric's value as given (None = no value, banded as 0).
    value: Decimal | None
    band: Band | None
    points: Decimal


@dataclass(frozen=True)
class ScorecardResult:
    points: Decimal
    items: tuple[ItemResult, ...]
    disqualified: bool
    award: Award | None
    trace: tuple[TraceItem, ...]


def band_points(card: BandedScorecard, item: ScorecardItem, band: Band | None) -> Decimal:
    """What a band earns for an item: weight × band_score / max_band_score."""
    if band is None or band.disqualifies:
        return Decimal(0)
    return report(exact(item.weight) * band.score / card.max_band_score)


def award_for(card: BandedScorecard, points: Decimal, disqualified: bool) -> Award | None:
    """The award with the highest `min_points` reached; none when disqualified."""
    if disqualified:
        return None
    reached = [a for a in card.awards if points >= a.min_points]
    return max(reached, key=lambda a: a.min_points, default=None)


def score_items(
    card: BandedScorecard, values: Mapping[str, Decimal | None]
) -> tuple[ItemResult, ...]:
    """Band every item's value (None as 0)."""
    out = []
    for item in card.items:
        value = values[item.metric]
        band = bands.find(item.bands, or_zero(value))
        out.append(ItemResult(item, value, band, band_points(card, item, band)))
    return tuple(out)


def total(items: tuple[ItemResult, ...]) -> Decimal:
    return report(sum((exact(i.points) for i in items), start=exact(0)))


def score_scorecard(
    card: BandedScorecard, metrics: Mapping[str, Decimal | None], *, partner_id: str
) -> ScorecardResult:
    """Points, award and trace of one partner."""
    values = {i.metric: read_metric(metrics, i.metric, partner_id=partner_id) for i in card.items}
    items = score_items(card, values)
    trace = [_item_trace(card, r) for r in items]
    points = total(items)
    disqualified = any(r.band is not None and r.band.disqualifies for r in items)
    award = award_for(card, points, disqualified)
    trace.append(
        TraceItem(
            kind="total",
            points=points,
            reason=f"points = Σ weight × band score / {card.max_band_score}",
        )
    )
    thresholds = tuple(
        (a.level, a.min_points) for a in sorted(card.awards, key=lambda a: a.min_points)
    )
    if disqualified:
        reason = "a disqualifying band bars every award"
    elif award is None:
        reason = "below every award's minimum points"
    else:
        reason = f"{award.level}: points ≥ {award.min_points}"
    trace.append(TraceItem(kind="level", points=points, thresholds=thresholds, reason=reason))
    return ScorecardResult(points, items, disqualified, award, tuple(trace))


def _item_trace(card: BandedScorecard, r: ItemResult) -> TraceItem:
    thresholds = tuple((bands.text(b), Decimal(b.score)) for b in r.item.bands)
    note = " (no value, taken as 0)" if r.value is None else ""
    if r.band is None:
        reason = f"in no band: 0 points{note}"
    elif r.band.disqualifies:
        reason = f"band {bands.text(r.band)} disqualifies{note}"
    else:
        reason = (
            f"band {bands.text(r.band)} scores {r.band.score}/{card.max_band_score}"
            f" × weight {r.item.weight}%{note}"
        )
    return TraceItem(
        kind="metric",
        metric=r.item.metric,
        value=r.value,
        points=r.points,
        band=bands.text(r.band) if r.band is not None else None,
        thresholds=thresholds,
        reason=reason,
    )
