"""The data of a partner's history charts, computed from its published results so the
page only draws it: the series per period, the level boundaries as threshold lines, and
the periods that were not graded as a level (ineligible, observation, novice) marked so
that their zero is not read as a score.

A program with a score (百应, the Thai TSP programs) has one chart: the score against the
score intervals of its levels. A program without one (集星 grades by channel thresholds)
has one chart per channel metric: its values against the metric's threshold per level.
Pure functions: the pages pass in what they read from the state database."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tierwise.definitions.model import Program
from tierwise.definitions.scoring import AdditiveComponents, BandedScorecard, ChannelThresholds
from tierwise.partners.wording import format_number
from tierwise.web.i18n import pick

#: Statuses whose period is not graded as a level: marked on the chart, out of its line.
MARKED_STATUSES = ("ineligible", "observation", "novice")


@dataclass(frozen=True)
class Threshold:
    """A level boundary: from `value` on, the series reaches `level`."""

    level: str
    value: Decimal


@dataclass(frozen=True)
class ChannelMetric:
    """A metric of a channel of a channel-thresholds program, with its threshold per level."""

    channel: str
    channel_title: Mapping[str, str]
    metric: str
    thresholds: tuple[Threshold, ...]


def score_thresholds(program: Program) -> tuple[Threshold, ...]:
    """The lower score boundary of each level that has one, lowest first: the `from` of a
    score interval (百应), the minimum points of an award (Thai TSP). Levels given by rank
    or invitation (ISV) have none."""
    scoring = program.scoring
    if isinstance(scoring, AdditiveComponents):
        found = [Threshold(i.level, i.from_) for i in scoring.intervals if i.from_ is not None]
    elif isinstance(scoring, BandedScorecard):
        found = [Threshold(a.level, a.min_points) for a in scoring.awards]
    else:
        return ()
    return tuple(sorted(found, key=lambda t: (t.value, _rank(program, t.level))))


def channel_metrics(program: Program) -> tuple[ChannelMetric, ...]:
    """Each metric of each channel (集星) with its threshold per level, lowest level
    first; empty for a program graded by score."""
    scoring = program.scoring
    if not isinstance(scoring, ChannelThresholds):
        return ()
    return tuple(
        ChannelMetric(
            channel.name,
            channel.title,
            metric,
            tuple(
                sorted(
                    (Threshold(level, value) for level, value in by_level.items()),
                    key=lambda t: _rank(program, t.level),
                )
            ),
        )
        for channel in scoring.channels
        for metric, by_level in channel.requires.items()
    )


def _rank(program: Program, level: str) -> int:
    return program.level_rank(level) if level in program.level_ids else -1


def _number(value: Any) -> float | None:
    return None if value is None else float(Decimal(str(value)))


def _level_title(program: Program, level: str, lang: str) -> str:
    if level not in program.level_ids:
        return level
    title = program.level(level).title
    return str(pick({"en": title.en, "zh": title.zh}, lang))


def drawn_thresholds(thresholds: Sequence[Threshold], top: float) -> tuple[Threshold, ...]:
    """The thresholds a chart draws: those up to the series' highest value and the first
    above it (the next boundary). The others are listed beside the chart: drawn, 集星's
    50M CNY line would flatten a 100k series to the axis."""
    below = tuple(th for th in thresholds if float(th.value) <= top)
    above = sorted((th for th in thresholds if float(th.value) > top), key=lambda th: th.value)
    return below + tuple(above[:1])


def series_chart(
    program: Program,
    history: Sequence[Mapping[str, Any]],
    values: Sequence[Any],
    thresholds: Sequence[Threshold],
    value_label: str,
    lang: str,
    t: Callable[..., str],
) -> dict[str, Any]:
    """One chart's data island: `values` per period of `history` (a marked period's value
    moves from the line to `marked_values`), the level rank per period, and the
    threshold lines labelled with the level titles in `lang`."""
    line: list[float | None] = []
    marked: list[float | None] = []
    for h, value in zip(history, values, strict=True):
        number = _number(value)
        if h["status"] in MARKED_STATUSES:
            line.append(None)
            marked.append(number)
        else:
            line.append(number)
            marked.append(None)
    known = [v for v in line + marked if v is not None]
    return {
        "labels": [h["period"] for h in history],
        "values": line if known else None,
        "marked_values": marked,
        "marked_status": [
            t("status_" + h["status"]) if h["status"] in MARKED_STATUSES else None for h in history
        ],
        "rank": [h["rank"] for h in history],
        "levels": [_level_title(program, lv, lang) for lv in program.level_ids],
        "thresholds": [
            {
                "value": float(th.value),
                "level": th.level,
                "drawn": th in drawn_thresholds(thresholds, max(known, default=0.0)),
                "label": t(
                    "threshold_at",
                    level=_level_title(program, th.level, lang),
                    value=format_number(th.value),
                ),
            }
            for th in thresholds
        ],
        "value_label": value_label,
        "level_label": t("level"),
        "no_level": t("no_level"),
        "marked_label": t("chart_marked"),
    }


def history_charts(
    program: Program,
    history: Sequence[Mapping[str, Any]],
    metrics: Mapping[str, Mapping[str, Any]],
    titles: Mapping[str, Mapping[str, str]],
    lang: str,
    t: Callable[..., str],
) -> list[dict[str, Any]]:
    """The history charts of a card: one of the score against the level boundaries, or
    (a program without a score) one per channel metric against its thresholds, `metrics`
    being each period's metric values. Each chart is `{"key", "title", "data"}`."""
    channels = channel_metrics(program)
    if not channels:
        data = series_chart(
            program,
            history,
            [h["score"] for h in history],
            score_thresholds(program),
            t("score"),
            lang,
            t,
        )
        return [{"key": "score", "title": t("score"), "data": data}]
    charts = []
    for c in channels:
        values = [metrics.get(h["period"], {}).get(c.metric) for h in history]
        metric_title = str(pick(titles.get(c.metric), lang) or c.metric)
        if program.metric_unit(c.metric) == "money":  # the axis says in which currency
            metric_title = f"{metric_title} ({program.currency})"
        channel_title = str(pick(c.channel_title, lang) or c.channel)
        data = series_chart(program, history, values, c.thresholds, metric_title, lang, t)
        key = f"{c.channel}-{c.metric}"
        charts.append({"key": key, "title": f"{channel_title} · {metric_title}", "data": data})
    return charts
