"""Render an evaluation's trace for a person: the same trace the JSON output carries."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from tierwise.evaluation.documents import Keep, ResultDocument
from tierwise.evaluation.service import Evaluation


def _num(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_explanation(console: Console, result: Evaluation, doc: ResultDocument) -> None:
    """One partner's result: who and what, the breakdown, then the gap and the margin."""
    _print_heading(console, result, doc)
    console.print(_breakdown(doc))
    _print_next_level(console, doc)
    if doc.keep:
        _print_keep(console, doc.keep)
    _print_evaluations(console, result, doc)


def _print_evaluations(console: Console, result: Evaluation, doc: ResultDocument) -> None:
    """The period's secondary evaluations (ISV quarterly scorecard): each dimension of the
    class with its value and score, then the weighted total."""
    titles = {ev.id: ev.title.en for ev in result.program.evaluations}
    for ev_id, scored in doc.evaluations.items():
        level = scored.level or "no class"
        table = Table(
            title=f"{titles.get(ev_id, ev_id)} · class {level} · score {_num(scored.score)}"
        )
        for col in ("dimension", "metric", "value", "points", "why"):
            table.add_column(col, justify="right" if col in ("value", "points") else "left")
        for item in scored.trace:
            table.add_row(
                item.component or item.kind,
                item.metric or "",
                _num(item.value),
                _num(item.points),
                item.reason,
            )
        console.print(table)


def _print_heading(console: Console, result: Evaluation, doc: ResultDocument) -> None:
    program = result.program
    console.print(
        f"[bold]{program.id}[/] · {result.period} · partner [bold]{doc.partner_id}[/]"
        f"  ({program.title.en} / {program.title.zh})"
    )
    level = doc.level or "no level"
    console.print(
        f"status [bold]{doc.status}[/] · score {_num(doc.score)} · level [bold]{level}[/]"
        + (f" · rank {doc.rank}" if doc.rank is not None else "")
        + f" · generated {result.generated_on}"
    )


def _breakdown(doc: ResultDocument) -> Table:
    """The trace, one row per step."""
    table = Table(title="Breakdown", show_lines=False)
    for col in ("step", "metric", "value", "band / part", "points", "why"):
        table.add_column(col, justify="right" if col in ("value", "points") else "left")
    for item in doc.trace:
        table.add_row(
            item.kind,
            item.metric or "",
            _num(item.value),
            item.band or item.component or "",
            _num(item.points),
            item.reason,
        )
    return table


def _print_next_level(console: Console, doc: ResultDocument) -> None:
    """What is missing to the next level and the actions that close it (or: the top)."""
    nxt = doc.next_level
    if nxt:
        gap = nxt.gap
        console.print(f"[bold]Next level: {nxt.level}[/]")
        # `target` is where the level starts: a score, or points on banded scorecards.
        for what, missing in (("score", gap.score), ("points", gap.points)):
            if missing is None:
                continue
            if gap.target is not None:
                console.print(f"  {what} needed: {_num(gap.target)} ({_num(missing)} more)")
            else:
                console.print(f"  {what} missing: {_num(missing)}")
        if gap.target is not None and gap.score is None and gap.points is None:
            console.print(f"  needed: {_num(gap.target)}")
        if gap.rank is not None:
            console.print(f"  {nxt.level} ends at rank {gap.rank}")
        for action in gap.actions:
            console.print(f"  • {action}")
    elif doc.level is not None:
        console.print("[bold]Top level reached.[/]")


def _print_keep(console: Console, keep: Keep) -> None:
    """How far the partner can fall and keep its level, and the risks."""
    console.print(f"[bold]To keep {keep.level or 'the status'}:[/]")
    for line in [*keep.notes, *keep.conditions]:
        console.print(f"  • {line}")
    for risk in keep.risks:
        console.print(f"  • {risk.text}")
