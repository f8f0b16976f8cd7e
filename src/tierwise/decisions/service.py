"""Operator decisions: checked against the program's policy and the partner's published
standing, then recorded with an audit entry in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from tierwise.core.errors import StateError
from tierwise.db.models import RecordedDecision
from tierwise.decisions.repository import Decisions
from tierwise.definitions.model import Program
from tierwise.lifecycle import Decision, Policy, Standing, check_decision
from tierwise.runs.repository import Runs


def decide(session: Session, program: Program, decision: Decision) -> dict[str, Any]:
    """Check a decision against the program's policy and the partner's published standing,
    then record it (audited in the same transaction)."""
    policy = Policy.of(program)
    runs = Runs(session)
    latest = runs.latest_published(program.id)
    standing = None
    if latest is not None:
        result = runs.result(latest.id, decision.partner_id)
        if result is not None and result.standing is not None:
            standing = Standing.from_dict(result.standing)
    checked = check_decision(policy, standing, decision)
    recorded = Decisions(session).add(program.id, checked, before=standing and standing.to_dict())
    return {"id": recorded.id, **checked.to_dict()}


def decisions_for(session: Session, program_id: str | None) -> list[dict[str, Any]]:
    """The recorded decisions (of one program, or all), oldest first."""
    return [_document(d) for d in Decisions(session).list(program_id)]


def recorded_decision(session: Session, decision_id: int) -> dict[str, Any]:
    """One recorded decision as `decisions_for` lists it."""
    record = Decisions(session).get(decision_id)
    if record is None:
        raise StateError(f"no decision {decision_id}")
    return _document(record)


def _document(d: RecordedDecision) -> dict[str, Any]:
    return {
        "id": d.id,
        "program_id": d.program_id,
        "partner_id": d.partner_id,
        "kind": d.kind,
        "actor": d.actor,
        "reason": d.reason,
        "decided_on": str(d.decided_on),
        "effective": d.effective and str(d.effective),
        "level": d.level,
        "mode": d.mode,
        "until": d.until and str(d.until),
    }


def open_reviews(
    session: Session, programs: Iterable[Program], partner_id: str | None = None
) -> list[dict[str, Any]]:
    """The review items open in each program's latest published standings (an invitation
    review, a promotion, downgrade or removal proposal): the operator's to-do, answered by
    a decision. Never shown to the partner."""
    runs = Runs(session)
    items: list[dict[str, Any]] = []
    for program in programs:
        latest = runs.latest_published(program.id)
        if latest is None:
            continue
        for result in runs.results(latest.id):
            if partner_id is not None and result.partner_id != partner_id:
                continue
            for item in (result.standing or {}).get("reviews", ()):
                items.append(
                    {
                        "program_id": program.id,
                        "period": latest.period,
                        "kind": item["kind"],
                        "partner_id": item["partner_id"],
                        "window": item["window"],
                        "opened_on": item["opened_on"],
                        "level": item["level"],
                        "proposed": item.get("proposed"),
                        "decides": item.get("decides", "invitation_next_year"),
                        "reasons": list(item.get("reasons", ())),
                    }
                )
    return sorted(items, key=lambda i: (i["opened_on"], i["program_id"], i["partner_id"]))
