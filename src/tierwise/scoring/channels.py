"""Channel thresholds (集星): a level is reached when any channel passes it; the highest
level reached is held. A channel passes a level when every one of its metrics meets its
threshold for that level (≥). A channel leads to a level only if it gives a threshold for
that level on every one of its metrics. There is no score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tierwise.definitions.scoring import Channel, ChannelThresholds
from tierwise.scoring.trace import ChannelDistance, MetricDistance, TraceItem
from tierwise.scoring.values import format_number, or_zero, read_metric


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
