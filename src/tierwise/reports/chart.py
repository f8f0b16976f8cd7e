"""The charts of a report, drawn on the server: a PDF runs no script, so the portal's
Chart.js cannot draw them. The history is a step line — a level holds for its whole period
and changes at the boundary — with each period's score written above it; the distribution
is bars of partners per level, the previous period's pale beside this one's.

The level names along the axis are HTML beside the SVG, not SVG text: WeasyPrint lays SVG
text out letter by letter, which breaks Thai (its vowels and tone marks stack on the
consonant before them). The SVG holds only digits and period names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

#: The plot, in CSS pixels; the axis of level names is `AXIS` pixels of HTML to its left.
WIDTH = 520
HEIGHT = 220
AXIS = 120
TOP = 24
BOTTOM = 36
RIGHT = 16
ROW = 28  # one bar of the distribution


@dataclass(frozen=True)
class ChartPoint:
    period: str
    #: The level's rank, lowest level 0; -1: no level.
    rank: int
    score: str


@dataclass(frozen=True)
class Chart:
    """An SVG plot and the names of its axis, each with its distance from the top (px)."""

    svg: str
    axis: tuple[tuple[str, float], ...]
    height: int
    axis_width: int = AXIS


def _y(rank: int, levels: int) -> float:
    """Rows from "no level" (bottom) to the top level."""
    inner = HEIGHT - TOP - BOTTOM
    return TOP + inner - (rank + 1) * inner / max(levels, 1)


def _open(width: int, height: int, label: str, font_family: str, kind: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'font-family="{escape(font_family)}" class="{kind}">'
    )


def history_chart(
    points: Sequence[ChartPoint],
    level_names: Sequence[str],
    no_level: str,
    label: str,
    font_family: str = "sans-serif",
) -> Chart:
    """The level held per period (steps) and the score of each period."""
    step = (WIDTH - RIGHT) / max(len(points), 1)
    parts = [_open(WIDTH, HEIGHT, label, font_family, "history-chart")]
    axis: list[tuple[str, float]] = []
    for rank, name in enumerate([no_level, *level_names], start=-1):
        y = _y(rank, len(level_names))
        axis.append((name, y))
        parts.append(
            f'<line x1="0" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#d0d4dc" stroke-width="0.8"/>'
        )
    path: list[str] = []
    for i, point in enumerate(points):
        x0, x1 = i * step, (i + 1) * step
        y = _y(point.rank, len(level_names))
        path.append(f"M{x0:.1f} {y:.1f}" if i == 0 else f"V{y:.1f}")
        path.append(f"H{x1:.1f}")
        mid = (x0 + x1) / 2
        parts.append(
            f'<text x="{mid:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="11" '
            f'fill="#1d4ed8">{escape(point.score)}</text>'
            f'<text x="{mid:.1f}" y="{HEIGHT - BOTTOM + 18:.1f}" text-anchor="middle" '
            f'font-size="11" fill="#444">{escape(point.period)}</text>'
        )
        if i:
            parts.append(
                f'<line x1="{x0:.1f}" y1="{TOP}" x2="{x0:.1f}" y2="{HEIGHT - BOTTOM}" '
                'stroke="#eef0f4" stroke-width="0.8"/>'
            )
    if points:
        parts.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="#1d4ed8" stroke-width="2.5"/>'
        )
    parts.append("</svg>")
    return Chart("".join(parts), tuple(axis), HEIGHT)


def chart_points(history: Sequence[dict[str, Any]], score_text: Any) -> list[ChartPoint]:
    """The points of a card's history (`Card.history`), the score written by `score_text`."""
    return [
        ChartPoint(
            period=str(h["period"]),
            rank=-1 if h["rank"] is None else int(h["rank"]),
            score="" if h["score"] is None else str(score_text(h["score"])),
        )
        for h in history
    ]


def distribution_chart(
    rows: Sequence[tuple[str, int, int | None]],
    label: str,
    before: str,
    after: str,
    font_family: str = "sans-serif",
) -> Chart:
    """Bars of partners per level: (name, this period, the previous period or None)."""
    height = ROW * len(rows) + 40
    most = max([r[1] for r in rows] + [r[2] or 0 for r in rows] + [1])
    inner = WIDTH - RIGHT - 40
    parts = [_open(WIDTH, height, label, font_family, "distribution-chart")]
    axis: list[tuple[str, float]] = []
    for i, (name, now, then) in enumerate(rows):
        y = 8 + i * ROW
        axis.append((name, y + 14))
        if then is not None:
            parts.append(
                f'<rect x="0" y="{y}" width="{inner * then / most:.1f}" height="9" fill="#c7d2fe"/>'
            )
        w = inner * now / most
        parts.append(
            f'<rect x="0" y="{y + 10}" width="{w:.1f}" height="11" fill="#1d4ed8"/>'
            f'<text x="{w + 4:.1f}" y="{y + 20}" font-size="11" fill="#111">{now}</text>'
        )
    y = height - 16
    parts.append(
        f'<rect x="0" y="{y}" width="10" height="10" fill="#1d4ed8"/>'
        f'<text x="14" y="{y + 9}" font-size="11" fill="#444">{escape(after)}</text>'
    )
    if any(r[2] is not None for r in rows):
        parts.append(
            f'<rect x="160" y="{y}" width="10" height="10" fill="#c7d2fe"/>'
            f'<text x="174" y="{y + 9}" font-size="11" fill="#444">{escape(before)}</text>'
        )
    parts.append("</svg>")
    return Chart("".join(parts), tuple(axis), height)
