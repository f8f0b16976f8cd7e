"""Programs, their definitions and periods."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tierwise.definitions.model import Program
from tierwise.evaluation.service import plan_sql
from tierwise.programs import handlers
from tierwise.programs.schemas import (
    ExcellenceOut,
    LevelOut,
    PeriodOut,
    PlanOut,
    ProgramOut,
    ProgramSummary,
    PublishIn,
)
from tierwise.runs import service
from tierwise.runs.handlers import parse_period
from tierwise.runs.repository import Runs
from tierwise.runs.schemas import Distribution, RunSummary, run_summary
from tierwise.web.context import program_of
from tierwise.web.guard import ApiUser, PortalDep, ReadSession
from tierwise.web.problems import Problem, responses
from tierwise.web.schemas import Texts

router = APIRouter(tags=["programs"])


def summary(program: Program) -> ProgramSummary:
    return ProgramSummary(
        id=program.id,
        version=program.version,
        effective=program.effective,
        title=Texts(en=program.title.en, zh=program.title.zh),
        subject_kind=program.subject_kind,
        markets=list(program.markets),
        period_kind=program.period_kind,
        currency=program.currency,
        levels=[
            LevelOut(
                id=lv.id,
                title=Texts(en=lv.title.en, zh=lv.title.zh),
                badge=lv.badge.name if lv.badge else None,
            )
            for lv in program.levels
        ],
    )


@router.get("/programs", name="api.programs.list", response_model=list[ProgramSummary])
def list_programs(portal: PortalDep, principal: ApiUser) -> list[ProgramSummary]:
    return [summary(p) for p in portal.programs.values()]


@router.get("/programs/{program_id}", name="api.programs.get", response_model=ProgramOut)
def get_program(program_id: str, portal: PortalDep, principal: ApiUser) -> ProgramOut:
    """A program with its full definition (the rules are public to everyone signed in)."""
    program = program_of(portal, program_id)
    return ProgramOut(**summary(program).model_dump(), definition=program.model_dump(mode="json"))


@router.get(
    "/programs/{program_id}/periods", name="api.programs.periods", response_model=list[PeriodOut]
)
def list_periods(
    program_id: str, portal: PortalDep, session: ReadSession, principal: ApiUser
) -> list[PeriodOut]:
    """Every period with stored runs, newest first, and the run published for it."""
    program = program_of(portal, program_id)
    stored = Runs(session)
    _, runs = stored.newest_page(program.id)
    published = stored.published_periods(program.id)
    periods: dict[str, list[RunSummary]] = {}
    for run in runs:
        periods.setdefault(run.period, []).append(run_summary(run))
    return [
        PeriodOut(period=period, published_run=published.get(period), runs=items)
        for period, items in periods.items()
    ]


@router.get(
    "/programs/{program_id}/distribution",
    name="api.programs.distribution",
    response_model=Distribution,
)
def distribution(
    program_id: str,
    portal: PortalDep,
    session: ReadSession,
    principal: ApiUser,
    period: Annotated[str | None, Query(max_length=16)] = None,
) -> Distribution:
    """Partners per level in the published run of `period` (default: the latest)."""
    program = program_of(portal, program_id)
    runs = Runs(session)
    run = runs.published_run(program.id, period) if period else runs.latest_published(program.id)
    if run is None:
        raise Problem(404, f"nothing published for {program.id} {period or ''}".strip())
    return Distribution(**service.level_distribution(runs, program, run))


@router.get("/programs/{program_id}/plan", name="api.programs.plan", response_model=PlanOut)
def get_plan(
    program_id: str,
    portal: PortalDep,
    principal: ApiUser,
    period: Annotated[str, Query(max_length=16, examples=["2026-09", "2026Q3"])],
) -> PlanOut:
    """The generated SQL of the program's metric plan for a period (operators), the query
    `tierwise explain … --sql` prints: paste it into DuckDB to check a number by hand."""
    program = program_of(portal, program_id)
    when = parse_period(program, period, field="query.period")
    with portal.events() as con:
        sql = plan_sql(con, program, when)
    return PlanOut(program=program.id, period=str(when), sql=sql)


Year = Annotated[int, Query(ge=2000, le=2100, examples=[2026])]


@router.get(
    "/programs/{program_id}/excellence",
    name="api.excellence.get",
    response_model=ExcellenceOut,
)
def get_excellence(
    program_id: str, year: Year, portal: PortalDep, principal: ApiUser
) -> ExcellenceOut:
    """The annual excellent partners (ISV: S and A): each one's quarterly evaluation
    scores and their average over the published quarters, and the published selection."""
    return handlers.excellence(portal, program_id, year)


@router.post(
    "/programs/{program_id}/excellence/publish",
    name="api.excellence.publish",
    response_model=ExcellenceOut,
    responses=responses(400, 409),
)
def publish_excellence(
    program_id: str, year: Year, body: PublishIn, portal: PortalDep, principal: ApiUser
) -> ExcellenceOut:
    """Publish the year's selection as computed now (audited `excellence_published`)."""
    return handlers.publish(portal, program_id, year, principal.login, body.reason)
