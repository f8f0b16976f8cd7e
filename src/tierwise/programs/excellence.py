"""The yearly selection of excellent partners from the published quarters, read in the
caller's unit of work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.core.errors import DefinitionError, StateError
from tierwise.db.audit import AuditLog
from tierwise.db.engine import now
from tierwise.db.models import ExcellenceSelection
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


def publish_excellence(
    session: Session, program: Program, year: int, actor: str, reason: str
) -> dict[str, Any]:
    """Publish the year's selection as computed now from the published quarters (the
    trophies are announced): stored with who and why, audited in the caller's transaction.
    Publishing the year again replaces it (a restated quarter), the audit log keeps both."""
    if not reason.strip():
        raise StateError("say why the selection is published (kept in the audit log)")
    doc = annual_excellence(session, program, year)
    if not doc["periods"]:
        raise StateError(f"{program.id} has no published quarter of {year}: nothing to select")
    row = session.scalars(
        sa.select(ExcellenceSelection).where(
            ExcellenceSelection.program_id == program.id, ExcellenceSelection.year == year
        )
    ).one_or_none()
    before = None if row is None else row.body
    if row is None:
        row = ExcellenceSelection(program_id=program.id, year=year)
        session.add(row)
    row.body, row.actor, row.reason = doc, actor, reason.strip()
    row.published_at = now(session)
    session.flush()
    AuditLog(session).append(
        actor,
        "excellence_published",
        f"{program.id}/{year}",
        reason=reason,
        before=before,
        after=doc,
    )
    return published_excellence(session, program.id, year) or {}


def published_excellence(session: Session, program_id: str, year: int) -> dict[str, Any] | None:
    """The published selection of a year, with who published it, when and why."""
    row = session.scalars(
        sa.select(ExcellenceSelection).where(
            ExcellenceSelection.program_id == program_id, ExcellenceSelection.year == year
        )
    ).one_or_none()
    if row is None:
        return None
    return {
        **row.body,
        "published_by": row.actor,
        "published_at": row.published_at.isoformat(),
        "reason": row.reason,
    }
