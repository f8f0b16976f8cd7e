"""Runs: record a range of periods from the published standings, publish one, diff two, and
evaluate a changed definition without storing it (what-if)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from tierwise.core.errors import StateError
from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.db.entered import EnteredFacts
from tierwise.db.models import Run
from tierwise.decisions.repository import Decisions
from tierwise.definitions.model import Program, definition_hash
from tierwise.evaluation.documents import (
    NoticeDocument,
    ResultDocument,
    ReviewDocument,
)
from tierwise.evaluation.service import Source, evaluate
from tierwise.lifecycle import Notice
from tierwise.outbox.repository import Outbox
from tierwise.registrations.repository import Registrations
from tierwise.runs.fingerprint import RunFingerprint
from tierwise.runs.history import History, PeriodRun, run_history, score_history
from tierwise.runs.repository import NewResult, NewRun, RunKind, Runs, read_document
from tierwise.store.queries import data_fingerprint, partner_markets

#: A partner within this share of a threshold is reported as close to it by `diff`.
NEAR = Decimal("0.05")

#: The level a diff compares: the level shown after the lifecycle, or the score's own.
LevelKey = Literal["level", "computed_level"]


def _new_run(
    fingerprint: RunFingerprint,
    pr: PeriodRun,
    actor: str,
    kind: RunKind = "run",
    restates: str | None = None,
    reason: str | None = None,
) -> NewRun:
    program = pr.evaluation.program  # the version that scored this period
    results = []
    scores = kind == "scores"  # no lifecycle: no standing to carry
    for step in pr.steps:
        body = pr.evaluation.result(step.partner_id).with_lifecycle(
            tuple(NoticeDocument.model_validate(n.to_dict()) for n in step.notices),
            tuple(ReviewDocument.model_validate(r.to_dict()) for r in step.reviews),
        )
        results.append(
            NewResult(
                partner_id=step.partner_id,
                status=step.status,
                score=step.score,
                computed_level=step.computed_level,
                level=step.level,
                previous_level=step.previous_level,
                change=step.change,
                body=body.to_json(),
                standing=None if scores else step.standing,
            )
        )
    return NewRun(
        program_id=program.id,
        program_version=program.version,
        definition_hash=definition_hash(program),
        data_fingerprint=str(fingerprint),
        period=str(pr.period),
        generated_on=pr.evaluation.generated_on,
        actor=actor,
        results=results,
        awards=[] if scores else [a for s in pr.steps for a in s.awards],
        kind=kind,
        gate_ok=pr.gate.ok,
        gate_report=pr.gate.to_dict(),
        restates=restates,
        reason=reason,
    )


@dataclass(frozen=True)
class RecordedHistory:
    history: History
    run_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        doc = self.history.to_dict()
        for period, run_id in zip(doc["periods"], self.run_ids, strict=True):
            period["run_id"] = run_id
        return doc


# Takes the store, not a session: it reads, evaluates for seconds in DuckDB, then writes,
# and a transaction held across the evaluation would hold SQLite's write lock that long.
def record_run(
    state: StateStore,
    con: Source,
    program: Program,
    first: Period,
    last: Period,
    *,
    actor: str,
    as_of: date | None = None,
    publish: bool = False,
    program_for: Callable[[Period], Program] | None = None,
) -> RecordedHistory:
    """Run periods in order from the published standings before `first`, store each period
    as a preview run (the same inputs reuse the stored run), and publish on request — up to
    the first period whose data gate fails, so the published chain has no gap.

    A run's inputs are the data, the first period, the standings it starts from and the
    decisions it applies: runs over other ranges, or after a new decision, are new runs."""
    with state.session() as session:
        runs = Runs(session)
        standings = runs.published_standings(program.id, str(first))
        decisions = Decisions(session).for_program(program.id, last.generation_date)
        entitlement = Registrations(session).entitlement(program)
        entered = EnteredFacts(session).rows(program.id)
    data = data_fingerprint(con, program)
    inputs: dict[str, Any] = {
        "data": data,
        "from": str(first),
        "standings": {pid: st.to_dict() for pid, st in sorted(standings.items())},
        "decisions": [d.to_dict() for d in decisions],
    }
    if entitlement.registration:  # who may be awarded is an input of the run
        inputs["entitlement"] = {
            "registered": sorted(f"{pid}/{p}" for pid, p in entitlement.registered),
            "sanctions": [s.to_dict() for s in entitlement.sanctions],
        }
    if entered:  # a fact entered since makes a new run (none: the inputs as before)
        inputs["entered_facts"] = [
            [f.partner_id, f.name, f.as_of.isoformat(), str(f.value)] for f in entered
        ]
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode())
    # The data part on its own: appeals compare it with the data as it is now.
    fingerprint = RunFingerprint(data=data, inputs=digest.hexdigest()[:16])
    history = run_history(
        con,
        program,
        first,
        last,
        standings=standings,
        decisions=decisions,
        as_of=as_of,
        program_for=program_for,
        entitlement=entitlement,
        entered_facts=entered,
    )
    markets = partner_markets(con, program.subject_kind)
    return _store(state, program, history, fingerprint, actor, publish, "run", markets)


def _store(
    state: StateStore,
    program: Program,
    history: History,
    fingerprint: RunFingerprint,
    actor: str,
    publish: bool,
    kind: RunKind,
    markets: Mapping[str, str],
) -> RecordedHistory:
    """Store each period as a run of `kind` and publish on request, up to the first period
    whose data gate fails (the published chain has no gap), queuing its notices."""
    ids: list[str] = []
    with state.session() as session:
        runs = Runs(session)
        for pr in history.periods:
            run = runs.add(_new_run(fingerprint, pr, actor, kind=kind))
            ids.append(run.id)
            publish = publish and pr.gate.ok
            if publish and run.status != "published":
                runs.publish(run.id, actor, "published with the run")
                Outbox(session).add_notices(program, _notices(pr), markets)
    return RecordedHistory(history, tuple(ids))


def record_scores(
    state: StateStore,
    con: Source,
    program: Program,
    first: Period,
    last: Period,
    *,
    actor: str,
    as_of: date | None = None,
    publish: bool = False,
    program_for: Callable[[Period], Program] | None = None,
) -> RecordedHistory:
    """Score periods of a kind the program also scores (TSP months, `also_scored`) and
    store each as a `scores` run — no lifecycle, no award, no notice — published on
    request like any run (up to the first period whose data gate fails). The monthly
    report reads them; the standings, the dashboard and the awards never do."""
    if first.kind not in program.period.also_scored:
        raise StateError(
            f"{program.id} does not also score by {first.kind} "
            f"(also_scored: {list(program.period.also_scored)})"
        )
    # Scores carry nothing from period to period: the data alone identifies the run.
    fingerprint = RunFingerprint(data=data_fingerprint(con, program))
    history = score_history(con, program, first, last, as_of=as_of, program_for=program_for)
    # No lifecycle: no notice to queue, so no partner's market to read.
    return _store(state, program, history, fingerprint, actor, publish, "scores", {})


def _notices(pr: PeriodRun) -> list[Notice]:
    return [n for s in pr.steps for n in s.notices]


def publish(
    session: Session,
    con: Source | None,
    program: Program,
    run_id: str,
    actor: str,
    reason: str,
) -> Run:
    """Make a run's levels the displayed ones and queue its notices, in the caller's
    transaction (both happen, or neither)."""
    runs = Runs(session)
    runs.publish(run_id, actor, reason)
    notices = [
        Notice(
            kind=n.kind,
            program_id=n.program_id,
            partner_id=n.partner_id,
            period=n.period,
            params=n.params,
        )
        for r in runs.results(run_id)
        for n in read_document(r.body).notices
    ]
    markets = partner_markets(con, program.subject_kind) if con is not None else {}
    Outbox(session).add_notices(program, notices, markets)
    return runs.get(run_id)


@dataclass(frozen=True)
class Move:
    partner_id: str
    before: str | None
    after: str | None
    kind: str  # up, down, new, lost, unchanged


def _rank(program: Program, level: str | None) -> int:
    return -1 if level is None else program.level_rank(level)


def _near(doc: ResultDocument) -> str | None:
    """Whether a result is within 5% of a threshold, from its own explanation: the gap to
    the next level within 5% of the level's target, or the margin within 5% of the score."""
    if doc.score is None:
        return None
    score = Decimal(str(doc.score))
    nxt, keep = doc.next_level, doc.keep
    measures = (
        ("score", nxt.gap.score if nxt else None, keep.score if keep else None),
        ("points", nxt.gap.points if nxt else None, keep.points if keep else None),
    )
    for key, missing, margin in measures:
        if nxt is not None and missing is not None:
            target = score + Decimal(str(missing))
            if target > 0 and Decimal(str(missing)) <= NEAR * target:
                return f"{missing:g} {key} below {nxt.level}"
        if (
            keep is not None
            and margin is not None
            and score
            and Decimal(str(margin)) <= NEAR * score
        ):
            return f"{margin:g} {key} above losing {keep.level}"
    return None


def _level(doc: ResultDocument | None, key: LevelKey) -> str | None:
    if doc is None:
        return None
    return doc.level if key == "level" else doc.computed_level


def diff_results(
    program: Program,
    before: Mapping[str, ResultDocument],
    after: Mapping[str, ResultDocument],
    level_key: LevelKey = "level",
) -> dict[str, Any]:
    """Who moves between two sets of results, the counts per level, who is close."""
    moves: list[Move] = []
    for pid in sorted(set(before) | set(after)):
        a = _level(before.get(pid), level_key)
        b = _level(after.get(pid), level_key)
        if a == b:
            continue
        if a is None:
            kind = "new"
        elif b is None:
            kind = "lost"
        else:
            kind = "up" if _rank(program, b) > _rank(program, a) else "down"
        moves.append(Move(pid, a, b, kind))
    count_before = Counter(_level(r, level_key) or "none" for r in before.values())
    count_after = Counter(_level(r, level_key) or "none" for r in after.values())
    levels = [*program.level_ids, "none"]
    near = {pid: n for pid, doc in after.items() if (n := _near(doc)) is not None}
    return {
        "moves": [m.__dict__ for m in moves],
        "summary": dict(Counter(m.kind for m in moves)),
        "levels": {lv: [count_before.get(lv, 0), count_after.get(lv, 0)] for lv in levels},
        "near_threshold": near,
    }


def _stored(runs: Runs, run_id: str) -> dict[str, ResultDocument]:
    """A run's result documents with the levels and status its rows hold (after the
    lifecycle), by partner."""
    return {
        r.partner_id: read_document(r.body).with_levels(
            level=r.level, computed_level=r.computed_level, status=r.status
        )
        for r in runs.results(run_id)
    }


def diff_runs(session: Session, program: Program, run_id: str, other: str | None) -> dict[str, Any]:
    """RUN against RUN2, or against what partners see now: the published run of the same
    period, or, for a period not published yet, the latest published period before it."""
    runs = Runs(session)
    run = runs.get(run_id)
    if other is None:
        published = runs.published_run(run.program_id, run.period) or runs.published_before(
            run.program_id, run.period_start, scores=run.kind == "scores"
        )
        other = published.id if published is not None and published.id != run_id else None
    before = _stored(runs, other) if other else {}
    after = _stored(runs, run_id)
    # A scores run holds no level: its partners are compared by the level their score reaches.
    doc = diff_results(
        program, before, after, "computed_level" if run.kind == "scores" else "level"
    )
    doc.update(program=program.id, run=run_id, against=other)
    return doc


# Takes the store, not a session: the evaluation runs for seconds in DuckDB and must not
# hold a transaction (on SQLite, the write lock) while it does.
def whatif(
    state: StateStore,
    con: Source,
    changed: Program,
    period: Period,
) -> dict[str, Any]:
    """Evaluate a changed definition on the same data and diff its computed levels against
    the published run of the period (both read the operators' entered facts); stores
    nothing."""
    with state.reading() as session:
        entered = EnteredFacts(session).rows(changed.id)
    result = evaluate(con, changed, period, entered_facts=entered)
    # A fresh evaluation's document holds the computed level the diff compares.
    after = {o.partner_id: result.result(o.partner_id) for o in result.outcomes}
    with state.session() as session:
        runs = Runs(session)
        published = runs.published_run(changed.id, str(period))
        before = _stored(runs, published.id) if published else {}
    doc = diff_results(changed, before, after, level_key="computed_level")
    doc.update(program=changed.id, period=str(period), against=published.id if published else None)
    return doc


def level_distribution(runs: Runs, program: Program, run: Run) -> dict[str, Any]:
    """Partners per level (lowest first) and per status in one run (a scores run: per
    level its scores reach)."""
    results = runs.results(run.id)
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    levels = [r.computed_level if run.kind == "scores" else r.level for r in results]
    return {
        "program": program.id,
        "run": run.id,
        "period": run.period,
        "status": run.status,
        "levels": {lv: levels.count(lv) for lv in program.level_ids},
        "none": levels.count(None),
        "statuses": dict(sorted(statuses.items())),
    }
