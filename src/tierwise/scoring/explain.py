"""Explanations: the gap to the next level and the margin to keep the current one.

Pure functions of the scoring config and a method's result (plus the ranked population for
ranked classes). Each returns the structured record (Gap, Margin) with concrete actions for
people; the CLI, the portal and the reports only render them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from itertools import combinations, product

from tierwise.definitions.scoring import (
    AdditiveComponents,
    Award,
    Band,
    BandedScorecard,
    ChannelThresholds,
    Condition,
    NormalisedWeightedSum,
    StatusRules,
)
from tierwise.scoring import bands
from tierwise.scoring import status as conditions
from tierwise.scoring.additive import AdditiveResult, inverse, max_points
from tierwise.scoring.channels import ChannelResult, distance, offers, passes
from tierwise.scoring.scorecard import ItemResult, ScorecardResult, band_points
from tierwise.scoring.trace import (
    ChannelDistance,
    ComponentRoom,
    Gap,
    Margin,
    MetricDistance,
    Relation,
    Risk,
    Step,
)
from tierwise.scoring.values import (
    MetricLabel,
    exact,
    format_number,
    format_value,
    label_for,
    or_zero,
    report,
)
from tierwise.scoring.weighted_sum import Ranked, WeightedScore, class_bounds

Labels = Mapping[str, MetricLabel] | None


def next_level(levels: Sequence[str], current: str | None) -> str | None:
    """The level above `current` (levels lowest first); the first level when there is none."""
    if current is None:
        return levels[0] if levels else None
    i = list(levels).index(current)
    return levels[i + 1] if i + 1 < len(levels) else None


def _points(x: Decimal | Fraction) -> str:
    return format_number(x if isinstance(x, Decimal) else report(x))


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


# --- banded scorecards ---------------------------------------------------------------


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
        text = f"{_move(r.item.metric, r.value, o.edge, labels)} (+{_points(o.gain)} points)"
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
                        f"−{_points(lost)} points, {consequence}"
                    ),
                )
            )
    risks.sort(key=lambda k: (not k.loses_level, -k.points_lost, k.metric))
    return Margin(
        level=award.level,
        points=margin,
        risks=tuple(risks),
        notes=(
            f"points can fall by {_points(margin)} (to {_points(award.min_points)})"
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


# --- additive components -------------------------------------------------------------


def additive_gap(
    config: AdditiveComponents,
    result: AdditiveResult,
    levels: Sequence[str],
    labels: Labels = None,
) -> Gap | None:
    """Points missing to the next interval and, per component, the points it can still give
    and the value that gives them (the polyline inverted), most points first."""
    current = result.interval.level if result.interval else None
    target_level = next_level(levels, current)
    if target_level is None:
        return None
    interval = next((i for i in config.intervals if i.level == target_level), None)
    if interval is None or interval.from_ is None:
        return Gap(level=target_level, reachable=False, actions=("no score interval leads to it",))
    missing = max(interval.from_ - result.score, Decimal(0))
    # the exact total needed: a rounded score reaches `from` at from − 1/2
    need = exact(interval.from_) - (Fraction(1, 2) if result.integral else 0) - result.total
    rooms: list[ComponentRoom] = []
    for g in result.groups:
        if not g.group.enabled:
            continue
        for c in g.components:
            room = max_points(c.component) - c.points
            if g.room is not None:
                room = min(room, g.room)
            if room <= 0:
                continue
            start = or_zero(c.value)
            for_room = inverse(c.component.points, c.points + room, start)
            for_gap = inverse(c.component.points, c.points + need, start) if room >= need else None
            rooms.append(
                ComponentRoom(
                    group=g.group.name,
                    metric=c.component.metric,
                    value=c.value,
                    points=report(c.points),
                    room=report(room),
                    value_for_room=_target(for_room),
                    value_for_gap=_target(for_gap),
                )
            )
    rooms.sort(key=lambda r: -r.room)
    actions = []
    for r in rooms:
        label = label_for(labels, r.metric)
        if r.value_for_gap is not None:
            target = format_value(r.value_for_gap, label, direction="up")
            gained = _points(max(need, Fraction(0)))
            actions.append(
                f"raise {label.title} from {format_value(r.value, label)} to {target}"
                f" (+{gained} points: enough for {target_level} alone)"
            )
        elif r.value_for_room is not None:
            target = format_value(r.value_for_room, label, direction="up")
            actions.append(
                f"raise {label.title} from {format_value(r.value, label)} to {target}"
                f" (+{_points(r.room)} points, the most it gives)"
            )
    return Gap(
        level=target_level,
        score=missing,
        target=interval.from_,
        components=tuple(rooms),
        actions=tuple(actions),
        integral=result.integral,
        reachable=sum((r.room for r in rooms), start=Decimal(0)) >= report(max(need, Fraction(0))),
    )


def _target(value: Fraction | None) -> Decimal | None:
    return None if value is None else report(value, rounding=ROUND_CEILING)


def additive_margin(result: AdditiveResult) -> Margin | None:
    """How far the score can fall inside the current interval."""
    if result.interval is None:
        return None
    interval = result.interval
    if interval.from_ is None:
        return Margin(
            level=interval.level,
            integral=result.integral,
            notes=(f"{interval.level} is the lowest interval: it is not lost by score",),
        )
    margin = result.score - interval.from_
    notes = [
        f"the score can fall by {_points(margin)} (to {_points(interval.from_)})"
        f" and keep {interval.level}"
    ]
    if result.integral:
        notes.append(
            f"the unrounded total ({_points(result.total)}) must stay ≥"
            f" {_points(exact(interval.from_) - Fraction(1, 2))}"
        )
    return Margin(level=interval.level, score=margin, integral=result.integral, notes=tuple(notes))


# --- channel thresholds --------------------------------------------------------------


def channel_gap(
    config: ChannelThresholds,
    result: ChannelResult,
    levels: Sequence[str],
    labels: Labels = None,
) -> Gap | None:
    """Per channel leading to the next level, what each metric misses (0 when met)."""
    target_level = next_level(levels, result.level)
    if target_level is None:
        return None
    found = tuple(
        distance(c, target_level, result.values) for c in config.channels if offers(c, target_level)
    )
    actions = []
    for cd in found:
        moves = [
            f"{label_for(labels, m.metric).title} from "
            f"{format_value(m.value, label_for(labels, m.metric))} to "
            f"{format_value(m.threshold, label_for(labels, m.metric))}"
            f" (+{format_value(m.distance, label_for(labels, m.metric))})"
            for m in cd.metrics
            if m.distance > 0
        ]
        actions.append(f"{cd.channel}: raise " + " and ".join(moves))
    return Gap(
        level=target_level,
        channels=found,
        actions=tuple(actions),
        reachable=bool(found),
    )


def channel_margin(
    config: ChannelThresholds, result: ChannelResult, labels: Labels = None
) -> Margin | None:
    """The level is kept while any channel passing it still passes: per such channel, how
    far each metric can fall."""
    if result.level is None:
        return None
    level = result.level
    holding = []
    for c in config.channels:
        if not passes(c, level, result.values):
            continue
        holding.append(
            ChannelDistance(
                channel=c.name,
                level=level,
                metrics=tuple(
                    MetricDistance(m.metric, m.value, m.threshold, or_zero(m.value) - m.threshold)
                    for m in distance(c, level, result.values).metrics
                ),
            )
        )
    notes = []
    for cd in holding:
        parts = [
            f"{label_for(labels, m.metric).title} can fall by "
            f"{format_value(m.distance, label_for(labels, m.metric))}"
            for m in cd.metrics
        ]
        notes.append(f"{cd.channel} keeps {level} while " + " and ".join(parts))
    if len(holding) > 1:
        notes.append(f"{level} is lost only when every one of these channels fails")
    return Margin(level=level, channels=tuple(holding), notes=tuple(notes))


# --- ranked classes ------------------------------------------------------------------


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
                    f" (+{_points(diff)} score, the population maximum"
                    f" {format_value(t.maximum, label)} held)"
                ),
            )
        )
    actions = [
        f"reach a score of at least {_points(holder.score)} (rank {last}, the last {level};"
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
        f"the score can fall by {_points(margin)} (to {_points(below.score)}, the score at"
        f" rank {last + 1}) and stay in ranks {bounds[position][1]}–{last}"
        + (" on the tie-break" if margin == 0 else "")
    )
    return Margin(
        level=me.level, score=report(margin), relegated_by_score=not top, notes=tuple(notes)
    )


# --- status conditions ---------------------------------------------------------------


def _subject_label(condition: Condition, labels: Labels) -> MetricLabel:
    if condition.metric is not None:
        return label_for(labels, condition.metric)
    return MetricLabel(f"{condition.component} points")


def _group_hint(
    condition: Condition, edge: bands.Edge, additive: AdditiveResult | None, labels: Labels
) -> str:
    """For a group with one component, the metric value that gives the group's points."""
    if condition.component is None or additive is None or edge.relation not in (">=", ">"):
        return ""
    group = next((g for g in additive.groups if g.group.name == condition.component), None)
    if group is None or len(group.components) != 1:
        return ""
    c = group.components[0]
    value = _target(inverse(c.component.points, exact(edge.value), or_zero(c.value)))
    if value is None:
        return ""
    label = label_for(labels, c.component.metric)
    shown = format_value(value, label, direction="up")
    return f" ({label.title} from {format_value(c.value, label)} to {shown})"


def status_requirements(
    rules: StatusRules,
    decision: conditions.StatusDecision,
    metrics: Mapping[str, Decimal | None],
    additive: AdditiveResult | None,
    *,
    partner_id: str,
    labels: Labels = None,
) -> tuple[str, ...]:
    """What to change before a level is shown: the failing eligibility conditions, or a way
    out of each observation condition that holds."""
    groups = additive.group_points if additive else None
    out = []
    for c in decision.conditions:
        value = conditions.value_of(c, metrics, groups, partner_id=partner_id)
        v = or_zero(value)
        label = _subject_label(c, labels)
        if decision.status == "ineligible":
            missing = [e for e in conditions.edges(c) if not e.holds(v)]
            out.append(
                "; ".join(
                    _requirement(label, value, e) + _group_hint(c, e, additive, labels)
                    for e in missing
                )
            )
        else:
            ways = [e.negated for e in conditions.edges(c)]
            out.append(
                " or ".join(
                    _requirement(label, value, e) + _group_hint(c, e, additive, labels)
                    for e in ways
                )
                + " (to leave observation)"
            )
    return tuple(out)


def _requirement(label: MetricLabel, value: Decimal | None, edge: bands.Edge) -> str:
    up = edge.relation in (">=", ">")
    target = format_value(edge.value, label)
    wording: dict[Relation, str] = {
        ">=": f"to at least {target}",
        ">": f"above {target}",
        "<": f"below {target}",
        "<=": f"to at most {target}",
    }
    verb = "raise" if up else "lower"
    return f"{verb} {label.title} from {format_value(value, label)} {wording[edge.relation]}"


def status_headroom(
    rules: StatusRules,
    metrics: Mapping[str, Decimal | None],
    groups: Mapping[str, Decimal] | None,
    *,
    partner_id: str,
    labels: Labels = None,
) -> tuple[str, ...]:
    """For an assessed partner, how far each status condition is from changing the status."""
    out = []
    checks = [(c, "ineligible unless") for c in rules.eligible_when]
    checks += [(c, "observation when") for c in rules.observation_when]
    for c, rule in checks:
        value = conditions.value_of(c, metrics, groups, partner_id=partner_id)
        v = or_zero(value)
        label = _subject_label(c, labels)
        text = f"{rule} {conditions.text(c)}: now {format_value(value, label)}"
        single = conditions.edges(c)
        if len(single) == 1:
            edge = single[0] if rule.startswith("ineligible") else single[0].negated
            room = v - edge.value if edge.relation in (">=", ">") else edge.value - v
            way = "fall" if edge.relation in (">=", ">") else "rise"
            strict = edge.relation in (">", "<")
            text += f" (can {way} by {'less than ' if strict else ''}{format_value(room, label)})"
        out.append(text)
    return tuple(out)
