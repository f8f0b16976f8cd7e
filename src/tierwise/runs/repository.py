"""Runs: each period's evaluation stored once, published by an operator, never edited.

    runs = Runs(session)
    run = runs.add(NewRun(...))          # the same inputs give back the stored run
    runs.publish(run.id, actor, reason)  # published; the previous one superseded
    runs.published_standings(program_id, before_period)  # where the lifecycle continues

A run's id is derived from its inputs (`run-<program>-<period>-<12 hex>`), its results are
hashed in Python over canonical JSON (`result_hash`, identical on every engine), and its
status moves only along `TRANSITIONS`. Every change is appended to the audit log in the
same transaction.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.core.canonical import plain, sha256_hex
from tierwise.core.errors import StateError
from tierwise.core.periods import Period, PeriodError
from tierwise.db.audit import AuditLog
from tierwise.db.engine import hold_until_commit, now
from tierwise.db.errors import ImmutableRun, PublishRefused, RunNotFound
from tierwise.db.models import (
    RUN_KINDS,
    Publication,
    Restatement,
    Run,
    RunAward,
    RunResult,
    Sanction,
)
from tierwise.evaluation.documents import ResultDocument
from tierwise.lifecycle import Award, Standing

RunKind = Literal["run", "whatif", "restatement", "scores"]
RunStatus = Literal["preview", "published", "superseded"]

#: The status moves a run may make. Publishing a superseded run puts it back (a rollback).
TRANSITIONS: frozenset[tuple[RunStatus, RunStatus]] = frozenset(
    {("preview", "published"), ("published", "superseded"), ("superseded", "published")}
)


@dataclass(frozen=True)
class NewResult:
    """One partner's result as the run orchestrator computed it."""

    partner_id: str
    status: str
    score: Decimal | None
    computed_level: str | None
    level: str | None
    previous_level: str | None
    change: str
    #: Metrics, trace, next_level, keep: stored as canonical JSON (decimals as text).
    body: Mapping[str, Any] = field(default_factory=dict)
    #: The lifecycle standing after the period (None: no lifecycle applied).
    standing: Standing | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical form, as `RunResult.to_dict()` reads it back."""
        return {
            "partner_id": self.partner_id,
            "status": self.status,
            "score": None if self.score is None else str(self.score),
            "computed_level": self.computed_level,
            "level": self.level,
            "previous_level": self.previous_level,
            "change": self.change,
            "body": plain(self.body),
            "standing": None if self.standing is None else plain(self.standing.to_dict()),
        }


@dataclass(frozen=True)
class NewRun:
    """A run to store: its inputs (which identify it) and its outputs."""

    program_id: str
    program_version: int
    #: SHA-256 of the definition's canonical JSON (`canonical.definition_hash`).
    definition_hash: str
    #: The caller's fingerprint of the input data the run read.
    data_fingerprint: str
    period: str
    generated_on: date
    actor: str
    results: Sequence[NewResult] = ()
    awards: Sequence[Award] = ()
    kind: RunKind = "run"
    gate_ok: bool = True
    gate_report: Mapping[str, Any] = field(default_factory=dict)
    #: restatement: the run it restates.
    restates: str | None = None
    #: Why, for the audit log.
    reason: str | None = None

    @property
    def inputs(self) -> list[Any]:
        return [
            self.program_id,
            self.period,
            self.definition_hash,
            self.data_fingerprint,
            self.generated_on.isoformat(),
            self.kind,
        ]

    @property
    def id(self) -> str:
        """Derived from the inputs: the same inputs, the same id."""
        return f"run-{self.program_id}-{self.period}-{sha256_hex(self.inputs)[:12]}"

    @property
    def result_hash(self) -> str:
        return result_hash([r.to_dict() for r in self.results], [a.to_dict() for a in self.awards])


def read_document(body: Mapping[str, Any]) -> ResultDocument:
    """A stored result body (`RunResult.body`) as its typed document: the one place a body
    leaves the database, so no reader walks the JSON with `.get()`. Bodies are written with
    `ResultDocument.to_json()`; reading one back gives the same JSON again."""
    return ResultDocument.model_validate(body)


def result_hash(results: Sequence[Mapping[str, Any]], awards: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 over the canonical JSON of every result (by partner) and award."""
    return sha256_hex(
        {
            "results": sorted(results, key=lambda r: str(r["partner_id"])),
            "awards": sorted(
                awards, key=lambda a: (str(a["partner_id"]), str(a["for_period"]), str(a["award"]))
            ),
        }
    )


@dataclass(frozen=True)
class HistoryEntry:
    """A partner's published result for one period."""

    period: str
    run_id: str
    status: str
    score: str | None
    computed_level: str | None
    level: str | None
    previous_level: str | None
    change: str
    published_at: datetime


class Runs:
    """Runs, results, awards, publications and restatements of the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.audit = AuditLog(session)

    # -- storing ----------------------------------------------------------------------

    def add(self, new: NewRun) -> Run:
        """Store a run (status preview) with its results and awards, or return the stored
        run of the same inputs. The same inputs with other results raise ImmutableRun.

        Two sessions storing the same inputs at once queue on the run's lock: the second
        finds the first's run and reuses it."""
        self._check(new)
        digest = new.result_hash
        hold_until_commit(self.session, "run", new.id)
        existing = self.find_run(
            new.program_id,
            new.period,
            new.definition_hash,
            new.data_fingerprint,
            new.generated_on,
            new.kind,
        )
        if existing is not None:
            if existing.result_hash != digest:
                raise ImmutableRun(
                    f"run {existing.id} is stored with other results (result_hash "
                    f"{existing.result_hash[:12]}…, now {digest[:12]}…): the same inputs must "
                    "give the same results; a changed input gives a new run"
                )
            return existing
        if self.session.get(Run, new.id) is not None:
            raise ImmutableRun(f"run id {new.id} is taken by a run of other inputs")
        run = Run(
            id=new.id,
            program_id=new.program_id,
            program_version=new.program_version,
            definition_hash=new.definition_hash,
            data_fingerprint=new.data_fingerprint,
            period=new.period,
            period_start=Period.parse(new.period).start,
            generated_on=new.generated_on,
            created_at=now(self.session),
            actor=new.actor,
            kind=new.kind,
            status="preview",
            gate_ok=new.gate_ok,
            gate_report=dict(new.gate_report),
            result_hash=digest,
            partners=len(new.results),
            restates=new.restates,
        )
        self.session.add(run)
        self.session.flush()
        self.session.add_all(
            RunResult(
                run_id=run.id,
                partner_id=r.partner_id,
                status=r.status,
                score=None if r.score is None else str(r.score),
                computed_level=r.computed_level,
                level=r.level,
                previous_level=r.previous_level,
                change=r.change,
                body=dict(r.body),
                standing=None if r.standing is None else r.standing.to_dict(),
            )
            for r in new.results
        )
        self.session.add_all(
            RunAward(
                run_id=run.id,
                program_id=new.program_id,
                partner_id=a.partner_id,
                award=a.award,
                for_period=str(a.for_period),
                valid_from=a.valid_from,
                valid_to=a.valid_to,
            )
            for a in new.awards
        )
        self.session.flush()
        self.audit.append(
            new.actor,
            "run",
            run.id,
            reason=new.reason,
            after=self._summary(run),
        )
        return run

    def _check(self, new: NewRun) -> None:
        problems: list[str] = []
        if new.kind not in RUN_KINDS:
            problems.append(f"kind {new.kind!r} is not one of {', '.join(RUN_KINDS)}")
        if not new.actor.strip():
            problems.append("an actor is required")
        try:
            Period.parse(new.period)
        except PeriodError as exc:
            problems.append(str(exc))
        partners = [r.partner_id for r in new.results]
        if len(set(partners)) != len(partners):
            problems.append("a partner has more than one result")
        if (new.kind == "restatement") != (new.restates is not None):
            problems.append("a restatement names the run it restates (`restates`), and only it")
        if new.restates is not None:
            restated = self.session.get(Run, new.restates)
            if restated is None:
                problems.append(f"restates {new.restates}: no such run")
            elif (restated.program_id, restated.period) != (new.program_id, new.period):
                problems.append(
                    f"restates {new.restates}, a run of {restated.program_id} {restated.period}"
                )
        if problems:
            raise StateError(f"run of {new.program_id} {new.period}: " + "; ".join(problems))

    @staticmethod
    def _summary(run: Run) -> dict[str, Any]:
        return {
            "id": run.id,
            "program_id": run.program_id,
            "program_version": run.program_version,
            "period": run.period,
            "kind": run.kind,
            "status": run.status,
            "definition_hash": run.definition_hash,
            "data_fingerprint": run.data_fingerprint,
            "generated_on": run.generated_on,
            "gate_ok": run.gate_ok,
            "result_hash": run.result_hash,
            "partners": run.partners,
            "restates": run.restates,
        }

    # -- reading ----------------------------------------------------------------------

    def find_run(
        self,
        program_id: str,
        period: str,
        definition_hash: str,
        data_fingerprint: str,
        generated_on: date,
        kind: RunKind = "run",
    ) -> Run | None:
        """The run stored for exactly these inputs, if any."""
        return self.session.scalars(
            sa.select(Run).where(
                Run.program_id == program_id,
                Run.period == period,
                Run.definition_hash == definition_hash,
                Run.data_fingerprint == data_fingerprint,
                Run.generated_on == generated_on,
                Run.kind == kind,
            )
        ).one_or_none()

    def get(self, run_id: str, *, lock: bool = False) -> Run:
        """The run; `lock` holds its row until the transaction ends and reads it afresh
        (a run already in the session may have been published since it was read)."""
        query = sa.select(Run).where(Run.id == run_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        run = self.session.scalars(query).one_or_none()
        if run is None:
            raise RunNotFound(f"no run {run_id!r}")
        return run

    def list(
        self,
        program_id: str | None = None,
        *,
        period: str | None = None,
        status: RunStatus | None = None,
        kind: RunKind | None = None,
    ) -> builtins.list[Run]:
        """Runs, oldest period first, then by creation."""
        query = _runs_where(program_id, period, status, kind).order_by(
            Run.program_id, Run.period_start, Run.created_at, Run.id
        )
        return builtins.list(self.session.scalars(query))

    def newest_page(
        self,
        program_id: str | None = None,
        *,
        period: str | None = None,
        status: RunStatus | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[int, builtins.list[Run]]:
        """How many runs match, and a page of them, newest period first, then the newest
        created (all of them with no `limit`)."""
        query = _runs_where(program_id, period, status, None)
        total = self.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        page = query.order_by(Run.period_start.desc(), Run.created_at.desc(), Run.id)
        rows = self.session.scalars(page.offset(offset).limit(limit))
        return total or 0, builtins.list(rows)

    def counts_by_status(self) -> dict[tuple[str, str], int]:
        """How many runs each program has in each status: (program, status) -> count."""
        query = sa.select(Run.program_id, Run.status, sa.func.count()).group_by(
            Run.program_id, Run.status
        )
        return {(pid, status): n for pid, status, n in self.session.execute(query)}

    def results(self, run_id: str) -> builtins.list[RunResult]:
        """A run's results by partner id."""
        query = sa.select(RunResult).where(RunResult.run_id == run_id)
        return builtins.list(self.session.scalars(query.order_by(RunResult.partner_id)))

    def results_page(
        self, run_id: str, *, level: str | None = None, offset: int = 0, limit: int | None = None
    ) -> tuple[int, builtins.list[RunResult]]:
        """How many of a run's results match `level` (None: all), and a page of them by
        partner id."""
        query = sa.select(RunResult).where(RunResult.run_id == run_id)
        if level is not None:
            query = query.where(RunResult.level == level)
        total = self.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        page = query.order_by(RunResult.partner_id).offset(offset).limit(limit)
        return total or 0, builtins.list(self.session.scalars(page))

    def result(self, run_id: str, partner_id: str) -> RunResult | None:
        return self.session.get(RunResult, (run_id, partner_id))

    def awards(self, run_id: str) -> builtins.list[RunAward]:
        query = sa.select(RunAward).where(RunAward.run_id == run_id)
        return list(
            self.session.scalars(
                query.order_by(RunAward.partner_id, RunAward.for_period, RunAward.award)
            )
        )

    def recompute_hash(self, run_id: str) -> str:
        """The result hash recomputed from what is stored (equals `Run.result_hash` unless
        the rows were changed behind the store's back)."""
        return result_hash(
            [r.to_dict() for r in self.results(run_id)],
            [a.to_dict() for a in self.awards(run_id)],
        )

    # -- publishing -------------------------------------------------------------------

    def publish(self, run_id: str, actor: str, reason: str) -> Publication:
        """Make the run's levels the displayed ones for its program and period; the run
        published before for them is superseded, in the same transaction.

        Publications of one program and period queue on its lock, taken before the run's
        row: the second sees the first's publication (there may be no row to lock before
        the first), so it supersedes it, or is refused as already published."""
        if not actor.strip() or not reason.strip():
            raise PublishRefused("publishing needs an actor and a reason")
        unlocked = self.get(run_id)  # program and period never change
        hold_until_commit(self.session, "publication", unlocked.program_id, unlocked.period)
        run = self.get(run_id, lock=True)
        if run.kind == "whatif":
            raise PublishRefused(f"{run.id} is a what-if run: it is never published")
        if not run.gate_ok:
            raise PublishRefused(
                f"{run.id} failed the data-completeness gate and can only be previewed: "
                + _gate_problems(run.gate_report)
            )
        if run.status == "published":
            raise PublishRefused(f"{run.id} is already published")
        publication = self.session.scalars(
            sa.select(Publication)
            .where(Publication.program_id == run.program_id, Publication.period == run.period)
            .with_for_update()
        ).one_or_none()
        previous: Run | None = None
        if publication is None:
            publication = Publication(program_id=run.program_id, period=run.period)
            self.session.add(publication)
        else:
            previous = self.get(publication.run_id, lock=True)
            _move(previous, "superseded")
        _move(run, "published")
        publication.run_id = run.id
        publication.published_at = now(self.session)
        publication.published_by = actor
        publication.reason = reason
        self.session.flush()
        self.audit.append(
            actor,
            "publish",
            run.id,
            reason=reason,
            before={
                "program_id": run.program_id,
                "period": run.period,
                "published": None if previous is None else previous.id,
            },
            after={"program_id": run.program_id, "period": run.period, "published": run.id},
        )
        return publication

    def publication(self, program_id: str, period: str) -> Publication | None:
        return self.session.get(Publication, (program_id, period))

    def published_periods(self, program_id: str) -> dict[str, str]:
        """The run published for each of the program's published periods: period -> run id."""
        query = sa.select(Publication.period, Publication.run_id).where(
            Publication.program_id == program_id
        )
        return {period: run_id for period, run_id in self.session.execute(query)}

    def published_run(self, program_id: str, period: str) -> Run | None:
        publication = self.publication(program_id, period)
        return None if publication is None else self.get(publication.run_id)

    def latest_published(self, program_id: str) -> Run | None:
        """The published run of the program's latest published period (of its own period
        kind: monthly scores runs are not standings)."""
        return self.session.scalars(
            sa.select(Run)
            .join(Publication, Publication.run_id == Run.id)
            .where(Publication.program_id == program_id, Run.kind != "scores")
            .order_by(Run.period_start.desc())
            .limit(1)
        ).first()

    def published_before(self, program_id: str, start: date, *, scores: bool = False) -> Run | None:
        """The published run of the latest period that starts before `start`: of the
        program's own period kind, or with `scores` of the scores runs (TSP months)."""
        return self.session.scalars(
            sa.select(Run)
            .join(Publication, Publication.run_id == Run.id)
            .where(
                Publication.program_id == program_id,
                Run.period_start < start,
                (Run.kind == "scores") if scores else (Run.kind != "scores"),
            )
            .order_by(Run.period_start.desc())
            .limit(1)
        ).first()

    def published_standings(self, program_id: str, before_period: str) -> dict[str, Standing]:
        """Each partner's standing after its latest published period before `before_period`:
        what the lifecycle continues from."""
        start = Period.parse(before_period).start
        rows = self.session.execute(
            sa.select(RunResult.partner_id, RunResult.standing)
            .join(Run, Run.id == RunResult.run_id)
            .join(Publication, Publication.run_id == Run.id)
            .where(
                Publication.program_id == program_id,
                Run.period_start < start,
                Run.kind != "scores",
                RunResult.standing.is_not(None),
            )
            .order_by(Run.period_start, RunResult.partner_id)
        )
        latest: dict[str, Any] = {}
        for partner_id, standing in rows:
            latest[partner_id] = standing
        return {pid: Standing.from_dict(data) for pid, data in sorted(latest.items())}

    def history(self, program_id: str, partner_id: str) -> builtins.list[HistoryEntry]:
        """A partner's published results of the program's own periods, oldest first."""
        rows = self.session.execute(
            sa.select(RunResult, Run.period, Publication.published_at)
            .join(Run, Run.id == RunResult.run_id)
            .join(Publication, Publication.run_id == Run.id)
            .where(
                Publication.program_id == program_id,
                RunResult.partner_id == partner_id,
                Run.kind != "scores",
            )
            .order_by(Run.period_start)
        )
        return [
            HistoryEntry(
                period=period,
                run_id=r.run_id,
                status=r.status,
                score=r.score,
                computed_level=r.computed_level,
                level=r.level,
                previous_level=r.previous_level,
                change=r.change,
                published_at=published_at,
            )
            for r, period, published_at in rows
        ]

    def published_awards(
        self, program_id: str, partner_id: str | None = None, *, forfeited: bool = False
    ) -> builtins.list[Award]:
        """Awards granted by published (or since superseded) runs: an award is final — but
        for one an operator forfeited (a TSP's false declaration), left out unless
        `forfeited` asks for them too."""
        query = (
            sa.select(RunAward)
            .join(Run, Run.id == RunAward.run_id)
            .where(RunAward.program_id == program_id, Run.status != "preview", Run.kind != "whatif")
            .order_by(RunAward.partner_id, RunAward.for_period, RunAward.award)
        )
        if not forfeited:
            query = query.where(
                ~sa.exists().where(
                    Sanction.kind == "forfeit",
                    Sanction.program_id == RunAward.program_id,
                    Sanction.partner_id == RunAward.partner_id,
                    Sanction.period == RunAward.for_period,
                )
            )
        if partner_id is not None:
            query = query.where(RunAward.partner_id == partner_id)
        seen: dict[tuple[str, str, str], Award] = {}
        for row in self.session.scalars(query):
            seen.setdefault((row.partner_id, row.for_period, row.award), row.to_award())
        return list(seen.values())

    # -- restatements -----------------------------------------------------------------

    def record_restatement(
        self,
        from_run: str,
        to_run: str,
        actor: str,
        reason: str,
        differences: Any,
    ) -> Restatement:
        """Record that `to_run` (kind restatement) restates `from_run`, and what differs;
        recorded before (a second `appeals apply` that reused the restatement run), the
        record as it stands."""
        old, new = self.get(from_run), self.get(to_run)
        if new.kind != "restatement" or new.restates != old.id:
            raise StateError(f"{new.id} is not a restatement of {old.id}")
        if not actor.strip() or not reason.strip():
            raise StateError("a restatement needs an actor and a reason")
        hold_until_commit(self.session, "run", new.id)
        recorded = self.session.scalars(
            sa.select(Restatement).where(Restatement.to_run == new.id)
        ).one_or_none()
        if recorded is not None:
            return recorded
        restatement = Restatement(
            program_id=old.program_id,
            period=old.period,
            from_run=old.id,
            to_run=new.id,
            actor=actor,
            reason=reason,
            differences=differences,
            created_at=now(self.session),
        )
        self.session.add(restatement)
        self.session.flush()
        self.audit.append(
            actor,
            "restatement",
            new.id,
            reason=reason,
            before={"run": old.id, "result_hash": old.result_hash},
            after={"run": new.id, "result_hash": new.result_hash, "differences": differences},
        )
        return restatement

    def restatements(self, program_id: str) -> builtins.list[Restatement]:
        query = sa.select(Restatement).where(Restatement.program_id == program_id)
        return builtins.list(self.session.scalars(query.order_by(Restatement.id)))


def _runs_where(
    program_id: str | None, period: str | None, status: str | None, kind: str | None
) -> sa.Select[Run]:
    """Runs, filtered by whichever of program, period, status and kind are given."""
    query = sa.select(Run)
    if program_id is not None:
        query = query.where(Run.program_id == program_id)
    if period is not None:
        query = query.where(Run.period == period)
    if status is not None:
        query = query.where(Run.status == status)
    if kind is not None:
        query = query.where(Run.kind == kind)
    return query


def _move(run: Run, to: RunStatus) -> None:
    if (run.status, to) not in TRANSITIONS:
        raise PublishRefused(f"{run.id} cannot go from {run.status} to {to}")
    run.status = to


def _gate_problems(report: Any) -> str:
    problems = report.get("problems") if isinstance(report, dict) else None
    if problems:
        return "; ".join(str(p) for p in problems)
    return "see its gate report"
