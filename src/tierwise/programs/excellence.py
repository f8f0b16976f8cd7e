"""The yearly selection of excellent partners from the published quarters, read in the
caller's unit of work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tierwise.core.errors import DefinitionError
from tierwise.definitions.model import Program
from tierwise.runs.repository import Runs


def annual_excellence(session: Session, program: Program, year: int) -> dict[str, Any]:
    """The yearly selection of excellent partners: each partner's secondary evaluation
    averaged over the year's published periods, the best `per_class` of each class held at
    the end of the year (ties: the smaller partner id), from the classes the selection
    names (ISV v3: S and A; none named: every class). Each choice carries its reasons: the
    score of each quarter it was evaluated in, and their average."""
    policy = program.lifecycle
    choice = getattr(policy, "annual_excellence", None)
    if choice is None:
        raise DefinitionError(f"{program.id} names no annual selection of excellent partners")
    scores: dict[str, list[Decimal]] = {}
    by_quarter: dict[str, dict[str, float]] = {}
    held: dict[str, str | None] = {}
    periods: list[str] = []
    runs = Runs(session)
    for quarter in range(1, 5):
        name = f"{year}Q{quarter}"
        run = runs.published_run(program.id, name)
        if run is None:
            continue
        periods.append(name)
        for r in runs.results(run.id):
            scored = (r.body.get("evaluations") or {}).get(choice.evaluation) or {}
            if scored.get("score") is not None:
                value = Decimal(str(scored["score"]))
                scores.setdefault(r.partner_id, []).append(value)
                by_quarter.setdefault(r.partner_id, {})[name] = float(value)
            held[r.partner_id] = r.level
    average = {pid: sum(v, Decimal(0)) / len(v) for pid, v in scores.items()}
    by_class: dict[str, list[dict[str, Any]]] = {}
    chosen = choice.classes if choice.classes is not None else program.level_ids
    order = [lv for lv in reversed(program.level_ids) if lv in chosen]  # highest first
    for level in order:
        ranked = sorted(
            (pid for pid in average if held.get(pid) == level),
            key=lambda pid: (-average[pid], pid),
        )
        by_class[level] = [
            {
                "partner_id": pid,
                "average": float(average[pid]),
                "quarters": len(scores[pid]),
                "evaluations": by_quarter[pid],
            }
            for pid in ranked[: choice.per_class]
        ]
    return {
        "program": program.id,
        "year": year,
        "evaluation": choice.evaluation,
        "classes": order,
        "periods": periods,
        "excellent": by_class,
    }
