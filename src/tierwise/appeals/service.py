"""Appeals: restate every published period whose data changed since it was run (a
violation revoked on appeal, a corrected order); awards already granted stand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.db.entered import EnteredFacts
from tierwise.decisions.repository import Decisions
from tierwise.definitions.model import Program, definition_hash
from tierwise.evaluation.documents import ResultDocument
from tierwise.lifecycle import Decision, Standing
from tierwise.registrations.repository import Registrations
from tierwise.runs.fingerprint import RunFingerprint
from tierwise.runs.history import PeriodRun, run_history
from tierwise.runs.repository import Runs
from tierwise.runs.service import _new_run, _stored
from tierwise.store.queries import data_fingerprint


@dataclass(frozen=True)
class _Stale:
    """A published period whose data changed, with what its re-evaluation starts from."""

    run_id: str
    #: The period as the published run names it, and parsed.
    name: str
    period: Period
    generated_on: date
    standings: dict[str, Standing]
    decisions: list[Decision]
    before: dict[str, ResultDocument]


def _stale_periods(
    runs: Runs,
    decisions: Decisions,
    program: Program,
    fingerprint: str,
    program_for: Callable[[Period], Program] | None,
) -> list[_Stale]:
    """The published periods, oldest first, whose data changed since and that this data
    has not restated yet."""
    # Scores runs (TSP months) carry no level to restate: an award reads the quarter.
    published = [
        r for r in runs.list(program.id, status="published") if r.kind not in ("whatif", "scores")
    ]
    stale: list[_Stale] = []
    for run in sorted(published, key=lambda r: r.period_start):
        if RunFingerprint.parse(run.data_fingerprint).reads(fingerprint):
            continue
        period = Period.parse(run.period)
        rules = program_for(period) if program_for is not None else program
        done = runs.find_run(
            program.id,
            run.period,
            definition_hash(rules),
            str(RunFingerprint(fingerprint)),
            run.generated_on,
            kind="restatement",
        )
        if done is not None:  # this data has restated this period already
            continue
        stale.append(
            _Stale(
                run_id=run.id,
                name=run.period,
                period=period,
                generated_on=run.generated_on,
                standings=runs.published_standings(program.id, run.period),
                decisions=decisions.for_program(program.id, period.generation_date),
                before=_stored(runs, run.id),
            )
        )
    return stale


def _changes(stale: _Stale, pr: PeriodRun) -> list[dict[str, Any]]:
    """The partners whose score or computed level differs from the published run."""
    after = {s.partner_id: pr.evaluation.result(s.partner_id) for s in pr.steps}
    return [
        {
            "partner_id": pid,
            "score": [was[0], now[0]],
            "computed_level": [was[1], now[1]],
        }
        for pid, doc in after.items()
        if (was := _scored(stale.before.get(pid))) != (now := _scored(doc))
    ]


# Takes the store, not a session: it reads, evaluates each period for seconds in DuckDB,
# then writes, and a transaction held across the evaluations would hold SQLite's write lock.
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
    in force for a period (default: `program` for all).

    One read of the state for every period (restatements are never published, so one
    period's restatement changes nothing another starts from), then one write per period
    restated."""
    fingerprint = data_fingerprint(con, program)
    with state.session() as session:
        stale = _stale_periods(Runs(session), Decisions(session), program, fingerprint, program_for)
        entitlement = Registrations(session).entitlement(program)
        entered = EnteredFacts(session).rows(program.id)
    out: list[dict[str, Any]] = []
    for item in stale:
        history = run_history(
            con,
            program,
            item.period,
            item.period,
            standings=item.standings,
            decisions=item.decisions,
            as_of=item.generated_on,
            program_for=program_for,
            entitlement=entitlement,
            entered_facts=entered,  # as the runs read them: only the data's change shows
        )
        pr = history.periods[0]
        changes = _changes(item, pr)
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
                    restates=item.run_id,
                    reason=reason,
                )
            )
            runs.record_restatement(item.run_id, new.id, actor, reason, {"changes": changes})
        out.append(
            {
                "period": item.name,
                "restated": item.run_id,
                "restatement": new.id,
                "changes": changes,
            }
        )
    return out


def _scored(doc: ResultDocument | None) -> tuple[int | float | None, str | None]:
    """What a restatement compares: the score and the level the score gives (None, None for
    a partner the other run did not evaluate)."""
    return (None, None) if doc is None else (doc.score, doc.computed_level)
