"""Banded scorecards (TSP): each metric falls in a band, bands give points, points give awards.

points = Σ weight × band_score / max_band_score, weights in percent summing to 100, so points
lie in 0–100. A value in a band marked `disqualifies` bars every award.

The gap to the next award is the fewest band moves reaching it; the margin is how many
points can go, and which single metric's drop would lose a band (and with it the award).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import combinations, product

from tierwise.definitions.scoring import Award, Band, BandedScorecard, ScorecardItem
from tierwise.scoring import bands
from tierwise.scoring.assessment import Assessment, Grading, Metrics
from tierwise.scoring.explain import Labels, next_level, points_text
from tierwise.scoring.trace import Gap, Margin, Relation, Risk, Step, TraceItem
from tierwise.scoring.values import exact, format_value, label_for, or_zero, read_metric, report


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


def assess(
    card: BandedScorecard, grading: Grading, partner_id: str, metrics: Metrics
) -> Assessment:
    """Points, award, trace, the gap to the next award and the margin to keep this one."""
    scored = score_scorecard(card, metrics, partner_id=partner_id)
    level = grading.check_level(scored.award.level if scored.award else None)
    return Assessment(
        score=scored.points,
        integral=False,
        level=level,
        trace=scored.trace,
        gap=scorecard_gap(card, scored, grading.levels, grading.labels),
        margin=scorecard_margin(card, scored, grading.labels),
    )


# --- the gap ---------------------------------------------------------------------------


def _move(metric: str, current: Decimal | None, edge: bands.Edge, labels: Labels) -> str:
    """`raise sellers from 3 to 5`, `lower late dispatch rate from 1.5% to below 1.4%`."""
    label = label_for(labels, metric)
    up = edge.relation in (">=", ">")
    target = format_value(edge.value, label)
    wording: dict[Relation, str] = {
        ">=": target,
        ">": f"above {target}",
        "<": f"below {target}",
        "<=": f"at most {target}",
    }
    verb = "raise" if up else "lower"
    return f"{verb} {label.title} from {format_value(current, label)} to {wording[edge.relation]}"


@dataclass(frozen=True)
class _Option:
    index: int
    band: Band
    edge: bands.Edge
    example: Decimal
    gain: Fraction
    cost: Fraction


def _relative_change(current: Decimal, target: Decimal) -> Fraction:
    """|Δ| / max(|current|, |target|): in [0, 1], defined at 0."""
    scale = max(abs(current), abs(target))
    return Fraction(0) if scale == 0 else exact(abs(target - current)) / exact(scale)


def _options(card: BandedScorecard, index: int, r: ItemResult) -> list[_Option]:
    """Every band this item could move into that earns more (or, from a disqualifying band,
    any band that does not disqualify)."""
    value = or_zero(r.value)
    stuck = r.band is not None and r.band.disqualifies
    out = []
    for band in r.item.bands:
        if band is r.band or band.disqualifies:
            continue
        gain = exact(band_points(card, r.item, band)) - exact(r.points)
        if gain <= 0 and not stuck:
            continue
        edge = bands.entry(band, value)
        if edge is None:
            continue
        cost = _relative_change(value, edge.value)
        out.append(_Option(index, band, edge, bands.example(band, edge), gain, cost))
    return out


def cheapest_steps(
    card: BandedScorecard, result: ScorecardResult, award: Award
) -> tuple[_Option, ...] | None:
    """The fewest band moves reaching `award` (then the least total relative change); None
    when no set of moves reaches it. Exhaustive: scorecards have few items."""
    need = exact(award.min_points) - exact(result.points)
    options = {i: _options(card, i, r) for i, r in enumerate(result.items)}
    mandatory = {
        i for i, r in enumerate(result.items) if r.band is not None and r.band.disqualifies
    }
    if any(not options[i] for i in mandatory):
        return None
    movable = [i for i in options if options[i]]
    for k in range(len(mandatory), len(movable) + 1):
        best: tuple[Fraction, tuple[int, ...], tuple[_Option, ...]] | None = None
        for chosen in combinations(movable, k):
            if not mandatory.issubset(chosen):
                continue
            if sum((max(o.gain for o in options[i]) for i in chosen), start=Fraction(0)) < need:
                continue
            for combo in product(*(options[i] for i in chosen)):
                if sum((o.gain for o in combo), start=Fraction(0)) < need:
                    continue
                key = (sum((o.cost for o in combo), start=Fraction(0)), chosen, combo)
                if best is None or key[:2] < best[:2]:
                    best = key
        if best is not None:
            return best[2]
    return None


def scorecard_gap(
    card: BandedScorecard, result: ScorecardResult, levels: Sequence[str], labels: Labels = None
) -> Gap | None:
    """Points missing to the next award and the cheapest set of band moves that reaches it."""
    current = result.award.level if result.award else None
    target_level = next_level(levels, current)
    if target_level is None:
        return None
    award = next((a for a in card.awards if a.level == target_level), None)
    if award is None:
        return Gap(level=target_level, reachable=False, actions=("no award is defined for it",))
    missing = max(award.min_points - result.points, Decimal(0))
    found = cheapest_steps(card, result, award)
    if found is None:
        return Gap(
            level=target_level,
            points=missing,
            target=award.min_points,
            reachable=False,
            actions=(f"no set of band improvements reaches {target_level}",),
        )
    steps = []
    for o in found:
        r = result.items[o.index]
        text = f"{_move(r.item.metric, r.value, o.edge, labels)} (+{points_text(o.gain)} points)"
        if r.band is not None and r.band.disqualifies:
            text += ", out of a disqualifying band"
        steps.append(
            Step(
                metric=r.item.metric,
                current=r.value,
                target=o.edge.value,
                relation=o.edge.relation,
                example=o.example,
                points=report(o.gain),
                band=bands.text(o.band),
                text=text,
            )
        )
    return Gap(
        level=target_level,
        points=missing,
        target=award.min_points,
        steps=tuple(steps),
        actions=tuple(s.text for s in steps),
    )


# --- the margin ------------------------------------------------------------------------


def scorecard_margin(
    card: BandedScorecard, result: ScorecardResult, labels: Labels = None
) -> Margin | None:
    """How many points can go with the award kept, and which single metric drops would
    lose a band (and whether the award goes with it)."""
    if result.award is None:
        return None
    award = result.award
    margin = result.points - award.min_points
    risks: list[Risk] = []
    for r in result.items:
        if r.band is None:
            continue
        value = or_zero(r.value)
        worse = []
        for band in r.item.bands:
            if band is r.band or not (band.disqualifies or band.score < r.band.score):
                continue
            edge = bands.entry(band, value)
            if edge is None:
                continue
            lost = r.points - band_points(card, r.item, band)
            loses = band.disqualifies or lost > margin
            nearness = abs(bands.example(band, edge) - value)
            worse.append((nearness, band, edge, lost, loses))
        worse.sort(key=lambda w: w[0])
        # the nearest band lost, and if keeping the award there, the nearest that loses it
        picked = worse[:1]
        if picked and not picked[0][4]:
            picked += [w for w in worse[1:] if w[4]][:1]
        for _, band, edge, lost, loses in picked:
            label = label_for(labels, r.item.metric)
            consequence = (
                f"{award.level} is lost (disqualifying band)"
                if band.disqualifies
                else f"{award.level} is lost"
                if loses
                else f"{award.level} is kept"
            )
            risks.append(
                Risk(
                    metric=r.item.metric,
                    current=r.value,
                    threshold=edge.value,
                    relation=edge.relation,
                    points_lost=lost,
                    loses_level=loses,
                    band=bands.text(band),
                    text=(
                        f"if {label.title} ({format_value(r.value, label)}) "
                        f"{_crossing(edge, format_value(edge.value, label))}: "
                        f"−{points_text(lost)} points, {consequence}"
                    ),
                )
            )
    risks.sort(key=lambda k: (not k.loses_level, -k.points_lost, k.metric))
    return Margin(
        level=award.level,
        points=margin,
        risks=tuple(risks),
        notes=(
            f"points can fall by {points_text(margin)} (to {points_text(award.min_points)})"
            f" and keep {award.level}",
        ),
    )


def _crossing(edge: bands.Edge, shown: str) -> str:
    return {
        "<": f"falls below {shown}",
        "<=": f"falls to {shown} or less",
        ">=": f"rises to {shown} or more",
        ">": f"rises above {shown}",
    }[edge.relation]
