"""Runs: preview a period, read its results, diff it against the published run, publish."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Query

from tierwise.db.models import Run
from tierwise.runs import service
from tierwise.runs.handlers import parse_period, preview, publish, stored_run
from tierwise.runs.repository import Runs, RunStatus
from tierwise.runs.schemas import (
    DiffOut,
    PreviewIn,
    PublishIn,
    ResultOut,
    RunOut,
    RunSummary,
    run_summary,
)
from tierwise.web.context import Portal, program_of
from tierwise.web.guard import ApiUser, PortalDep, ReadSession
from tierwise.web.problems import Problem, responses
from tierwise.web.schemas import Limit, Offset, Page

router = APIRouter(tags=["runs"])


def run_out(runs: Runs, portal: Portal, run: Run) -> RunOut:
    program = program_of(portal, run.program_id)
    return RunOut(
        **run_summary(run).model_dump(),
        gate_report=run.gate_report or {},
        distribution=service.level_distribution(runs, program, run),
    )


@router.get("/runs", name="api.runs.list", response_model=Page[RunSummary])
def list_runs(
    session: ReadSession,
    principal: ApiUser,
    program_id: Annotated[str | None, Query(max_length=100)] = None,
    period: Annotated[str | None, Query(max_length=16)] = None,
    status: Annotated[str | None, Query(pattern="^(preview|published|superseded)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RunSummary]:
    total, rows = Runs(session).newest_page(
        program_id or None,
        period=period or None,
        status=cast(RunStatus | None, status or None),
        offset=offset,
        limit=limit,
    )
    return Page[RunSummary](
        total=total, offset=offset, limit=limit, items=[run_summary(r) for r in rows]
    )


@router.post(
    "/runs",
    name="api.runs.create",
    response_model=RunOut,
    status_code=201,
    responses=responses(400, 409),
)
def create_run(body: PreviewIn, portal: PortalDep, principal: ApiUser) -> RunOut:
    """Preview a period: evaluate it and store the run, unpublished."""
    program = program_of(portal, body.program_id)
    run_id = preview(portal, program, parse_period(program, body.period), principal.login)
    with portal.state.reading() as session:
        runs = Runs(session)
        return run_out(runs, portal, stored_run(runs, run_id))


@router.get("/runs/{run_id}", name="api.runs.get", response_model=RunOut)
def get_run(run_id: str, portal: PortalDep, session: ReadSession, principal: ApiUser) -> RunOut:
    runs = Runs(session)
    return run_out(runs, portal, stored_run(runs, run_id))


@router.get("/runs/{run_id}/results", name="api.runs.results", response_model=Page[ResultOut])
def run_results(
    run_id: str,
    session: ReadSession,
    principal: ApiUser,
    level: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ResultOut]:
    runs = Runs(session)
    stored_run(runs, run_id)
    total, rows = runs.results_page(run_id, level=level or None, offset=offset, limit=limit)
    items = [
        ResultOut(
            partner_id=r.partner_id,
            status=r.status,
            score=r.score,
            computed_level=r.computed_level,
            level=r.level,
            previous_level=r.previous_level,
            change=r.change,
        )
        for r in rows
    ]
    return Page[ResultOut](total=total, offset=offset, limit=limit, items=items)


@router.get("/runs/{run_id}/diff", name="api.runs.diff", response_model=DiffOut)
def diff_run(
    run_id: str,
    portal: PortalDep,
    principal: ApiUser,
    against: Annotated[str | None, Query(max_length=200)] = None,
) -> DiffOut:
    """Who moves between this run and `against` (default: the published run of its period)."""
    with portal.state.reading() as session:
        runs = Runs(session)
        run = stored_run(runs, run_id)
        if against is not None:
            other = stored_run(runs, against)
            if other.program_id != run.program_id:
                raise Problem.field("query.against", "a run of another program")
        program = program_of(portal, run.program_id)
        return DiffOut(**service.diff_runs(session, program, run_id, against))


@router.post(
    "/runs/{run_id}/publish",
    name="api.runs.publish",
    response_model=RunSummary,
    responses=responses(400, 409),
)
def publish_run(run_id: str, body: PublishIn, portal: PortalDep, principal: ApiUser) -> RunSummary:
    """Make the run's levels the displayed ones (the run published before is superseded)."""
    return run_summary(publish(portal, run_id, principal.login, body.reason))
