"""What the REST API and the operator's pages both do with a run request: parse the period,
preview, publish, find the stored run — each refusal turned into a problem document."""

from __future__ import annotations

from tierwise.core.periods import Period, PeriodError
from tierwise.db.errors import PublishRefused, RunNotFound
from tierwise.db.models import Run
from tierwise.definitions.model import Program
from tierwise.definitions.registry import programs_in_force
from tierwise.runs import service
from tierwise.runs.repository import Runs
from tierwise.web.context import Portal
from tierwise.web.problems import REFUSALS, Problem


def stored_run(runs: Runs, run_id: str) -> Run:
    if "\x00" in run_id:  # no run id has one (and PostgreSQL text cannot hold it)
        raise Problem(404, f"no run {run_id!r}")
    try:
        return runs.get(run_id)
    except RunNotFound:
        raise Problem(404, f"no run {run_id!r}") from None


def parse_period(program: Program, text: str, field: str = "body.period") -> Period:
    try:
        period = Period.parse(text)
    except PeriodError as exc:
        raise Problem.field(field, str(exc)) from None
    also = program.period.also_scored
    if period.kind != program.period_kind and period.kind not in also:
        scored = "".join(f" (also scored by {k})" for k in also)
        raise Problem.field(
            field, f"{program.id} runs by {program.period_kind}{scored}, not {period.kind}"
        )
    return period


def preview(portal: Portal, program: Program, period: Period, actor: str) -> str:
    """Evaluate one period from the published standings and store it as a preview run (a
    period of a kind the program also scores: a `scores` run)."""
    record = service.record_run if period.kind == program.period_kind else service.record_scores
    try:
        with portal.events() as con:
            recorded = record(
                portal.state,
                con,
                program,
                period,
                period,
                actor=actor,
                program_for=programs_in_force(program.id),
            )
    except REFUSALS as exc:
        raise Problem(409, str(exc)) from None
    return recorded.run_ids[-1]


def publish(portal: Portal, run_id: str, actor: str, reason: str) -> Run:
    if "\x00" in reason:
        raise Problem.field("reason", "must not contain NUL characters")
    with portal.state.reading() as session:
        program = portal.programs.get(stored_run(Runs(session), run_id).program_id)
    if program is None:
        raise Problem(404, f"run {run_id!r} belongs to no known program")
    try:
        if portal.db_path is not None and portal.db_path.exists():
            with portal.events() as con, portal.state.session() as session:
                return service.publish(session, con, program, run_id, actor, reason)
        with portal.state.session() as session:
            return service.publish(session, None, program, run_id, actor, reason)
    except PublishRefused as exc:
        raise Problem(409, str(exc)) from None
