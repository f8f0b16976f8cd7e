"""The reports' downloads: a partner's report from its dashboard (its own only: the guard
answers another partner's with 404) and the program report from the operator's program
page. Both read the published run of the period asked for (default: the latest one)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from tierwise.core.errors import ReportError
from tierwise.core.periods import Period, PeriodError
from tierwise.partners.dashboard import program_card
from tierwise.partners.directory import applies
from tierwise.reports.content import partner_report, program_report
from tierwise.reports.formats import MEDIA_TYPES, partner_file, program_file
from tierwise.runs.repository import Runs
from tierwise.web.context import program_of
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.problems import Problem
from tierwise.web.render import language

router = APIRouter()

FormatPath = Literal["pdf", "html", "xlsx"]
PeriodQuery = Annotated[str, Query(max_length=16, description="A published period.")]


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise Problem.field("query.period", str(exc)) from exc


def _download(data: bytes, fmt: FormatPath, name: str) -> Response:
    return Response(
        content=data,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/partners/{partner_id}/programs/{program_id}/report.{fmt}", name="page.partner.report")
def partner_report_download(
    partner_id: str,
    program_id: str,
    fmt: FormatPath,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
    period: PeriodQuery = "",
) -> Response:
    program = program_of(portal, program_id)
    info = portal.catalog.partners.get(partner_id)
    if info is None or not applies(program, info):
        raise Problem(404, f"{program_id} does not grade {partner_id!r}")
    if period:
        chosen = _period(period)
    else:
        latest = program_card(session, program, partner_id, portal.today()).period
        if latest is None:
            raise Problem(404, f"nothing of {partner_id} is published in {program_id}")
        chosen = Period.parse(latest)
    lang = language(request, principal)
    try:
        report = partner_report(
            session, program, partner_id, chosen, lang, partner=info, today=portal.today()
        )
    except ReportError as exc:
        raise Problem(404, str(exc)) from exc
    return _download(partner_file(report, fmt), fmt, f"{program.id}-{chosen}-{partner_id}")


@router.get("/operator/programs/{program_id}/report.{fmt}", name="page.operator.program.report")
def program_report_download(
    program_id: str,
    fmt: FormatPath,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
    period: PeriodQuery = "",
) -> Response:
    program = program_of(portal, program_id)
    if period:
        chosen = _period(period)
    else:
        latest = Runs(session).latest_published(program.id)
        if latest is None:
            raise Problem(404, f"nothing of {program_id} is published")
        chosen = Period.parse(latest.period)
    names = {pid: info.name for pid, info in portal.catalog.partners.items()}
    try:
        report = program_report(session, program, chosen, language(request, principal), names=names)
    except ReportError as exc:
        raise Problem(404, str(exc)) from exc
    data = program_file(report, fmt, portal.today())
    return _download(data, fmt, f"{program.id}-{chosen}")
