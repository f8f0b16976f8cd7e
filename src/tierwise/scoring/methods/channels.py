"""Channel thresholds (集星): a level is reached when any channel passes it; the highest
level reached is held. A channel passes a level when every one of its metrics meets its
threshold for that level (≥). A channel leads to a level only if it gives a threshold for
that level on every one of its metrics. There is no score.

The gap is, per channel leading to the next level, what each metric misses; the margin is,
per channel passing the level held, how far each metric can fall.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tierwise.definitions.scoring import Channel, ChannelThresholds
from tierwise.scoring.assessment import Assessment, Grading, Metrics
from tierwise.scoring.explain import Labels, next_level
from tierwise.scoring.trace import ChannelDistance, Gap, Margin, MetricDistance, TraceItem
from tierwise.scoring.values import format_number, format_value, label_for, or_zero, read_metric


@dataclass(frozen=True)
class ChannelResult:
    level: str | None
    #: Per channel, the highest level it passes (None: none).
    reached: tuple[tuple[str, str | None], ...]
    values: Mapping[str, Decimal | None]
    trace: tuple[TraceItem, ...]


def offers(channel: Channel, level: str) -> bool:
    return bool(channel.requires) and all(level in t for t in channel.requires.values())


def distance(channel: Channel, level: str, values: Mapping[str, Decimal | None]) -> ChannelDistance:
    """What each metric of the channel misses for the level (0 when met)."""
    return ChannelDistance(
        channel=channel.name,
        level=level,
        metrics=tuple(
            MetricDistance(
                metric=metric,
                value=values[metric],
                threshold=thresholds[level],
                distance=max(thresholds[level] - or_zero(values[metric]), Decimal(0)),
            )
            for metric, thresholds in channel.requires.items()
        ),
    )


def passes(channel: Channel, level: str, values: Mapping[str, Decimal | None]) -> bool:
    return offers(channel, level) and distance(channel, level, values).met


def highest(
    channel: Channel, levels: Sequence[str], values: Mapping[str, Decimal | None]
) -> str | None:
    return next((lv for lv in reversed(levels) if passes(channel, lv, values)), None)


def score_channels(
    config: ChannelThresholds,
    levels: Sequence[str],
    metrics: Mapping[str, Decimal | None],
    *,
    partner_id: str,
) -> ChannelResult:
    """The level reached and a trace of every metric against its thresholds."""
    values = {
        m: read_metric(metrics, m, partner_id=partner_id)
        for c in config.channels
        for m in c.requires
    }
    trace: list[TraceItem] = []
    reached: list[tuple[str, str | None]] = []
    for channel in config.channels:
        for metric, thresholds in channel.requires.items():
            v = or_zero(values[metric])
            met = [lv for lv in levels if lv in thresholds and v >= thresholds[lv]]
            note = " (no value, taken as 0)" if values[metric] is None else ""
            trace.append(
                TraceItem(
                    kind="metric",
                    metric=metric,
                    value=values[metric],
                    component=channel.name,
                    thresholds=tuple((lv, thresholds[lv]) for lv in levels if lv in thresholds),
                    reason=(
                        f"{channel.name}: {metric} {format_number(v)} meets "
                        + (", ".join(met) if met else "no level's threshold")
                        + note
                    ),
                )
            )
        best = highest(channel, levels, values)
        reached.append((channel.name, best))
        trace.append(
            TraceItem(
                kind="level",
                component=channel.name,
                reason=f"{channel.name} passes {best}"
                if best
                else f"{channel.name} passes no level",
            )
        )
    level = next((lv for lv in reversed(levels) if any(r == lv for _, r in reached)), None)
    trace.append(
        TraceItem(
            kind="level",
            reason=f"{level}: the highest level any channel passes"
            if level
            else "no channel passes any level",
        )
    )
    return ChannelResult(level, tuple(reached), values, tuple(trace))


def assess(
    config: ChannelThresholds, grading: Grading, partner_id: str, metrics: Metrics
) -> Assessment:
    """The highest level any channel passes, the trace, the gap and the margin (no score)."""
    reached = score_channels(config, grading.levels, metrics, partner_id=partner_id)
    return Assessment(
        score=None,
        integral=False,
        level=reached.level,
        trace=reached.trace,
        gap=channel_gap(config, reached, grading.levels, grading.labels),
        margin=channel_margin(config, reached, grading.labels),
    )


# --- the gap and the margin ------------------------------------------------------------


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
