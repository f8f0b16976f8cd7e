"""Appeals: restate every published period whose data changed since it was run (a
violation revoked on appeal, a corrected order); awards already granted stand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from tierwise.core.canonical import definition_hash
from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.decisions.repository import Decisions
from tierwise.definitions.model import Program
from tierwise.evaluation.documents import ResultDocument
from tierwise.runs.fingerprint import RunFingerprint
from tierwise.runs.history import run_history
from tierwise.runs.repository import Runs
from tierwise.runs.service import _new_run, _stored, data_fingerprint


def apply_appeals(
    state: StateStore,
    con: duckdb.DuckDBPyConnection,
    program: Program,
    *,
    actor: str,
    reason: str,
    program_for: Callable[[Period], Program] | None = None,
) -> list[dict[str, Any]]:
    """Re-evaluate every published period whose inputs changed (a violation revoked on
    appeal, a corrected order) and record a restatement run with its differences. Levels
    and awards already granted stand: an award is final. `program_for` gives the version
    in force for a period (default: `program` for all)."""
    fingerprint = data_fingerprint(con, program)
    with state.session() as session:
        published = [
            r for r in Runs(session).list(program.id, status="published") if r.kind != "whatif"
        ]
    out: list[dict[str, Any]] = []
    for run in sorted(published, key=lambda r: r.period_start):
        if RunFingerprint.parse(run.data_fingerprint).reads(fingerprint):
            continue
        period = Period.parse(run.period)
        rules = program_for(period) if program_for is not None else program
        with state.session() as session:
            done = Runs(session).find_run(
                program.id,
                run.period,
                definition_hash(rules),
                str(RunFingerprint(fingerprint)),
                run.generated_on,
                kind="restatement",
            )
        if done is not None:  # this data has restated this period already
            continue
        with state.session() as session:
            runs = Runs(session)
            standings = runs.published_standings(program.id, run.period)
            decisions = Decisions(session).for_program(program.id, period.generation_date)
            before = _stored(runs, run.id)
        history = run_history(
            con,
            program,
            period,
            period,
            standings=standings,
            decisions=decisions,
            as_of=run.generated_on,
            program_for=program_for,
        )
        pr = history.periods[0]
        after = {s.partner_id: pr.evaluation.result(s.partner_id) for s in pr.steps}
        changes = [
            {
                "partner_id": pid,
                "score": [was[0], now[0]],
                "computed_level": [was[1], now[1]],
            }
            for pid, doc in after.items()
            if (was := _scored(before.get(pid))) != (now := _scored(doc))
        ]
        if not changes:
            continue
        with state.session() as session:
            runs = Runs(session)
            new = runs.add(
                _new_run(
                    RunFingerprint(fingerprint),
                    pr,
                    actor,
                    kind="restatement",
                    restates=run.id,
                    reason=reason,
                )
            )
            runs.record_restatement(run.id, new.id, actor, reason, {"changes": changes})
        out.append(
            {"period": run.period, "restated": run.id, "restatement": new.id, "changes": changes}
        )
    return out


def _scored(doc: ResultDocument | None) -> tuple[int | float | None, str | None]:
    """What a restatement compares: the score and the level the score gives (None, None for
    a partner the other run did not evaluate)."""
    return (None, None) if doc is None else (doc.score, doc.computed_level)
