"""The operator's programs pages: every program with its periods, one program's runs and
distribution, and the preview form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from tierwise.db.models import Run
from tierwise.definitions.model import Program
from tierwise.partners.directory import applies
from tierwise.programs import handlers
from tierwise.runs import service
from tierwise.runs.repository import Runs
from tierwise.web.context import Portal, program_of
from tierwise.web.forms import FormText, ShortText, flash_of, form_error
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.i18n import pick, translator
from tierwise.web.problems import Problem
from tierwise.web.render import language, render

if TYPE_CHECKING:  # annotations of helpers only: pages never query
    from sqlalchemy.orm import Session

#: An example period per period kind, for the preview form.
PERIOD_EXAMPLES = {"month": "2026-09", "quarter": "2026Q3", "half": "2026H2", "year": "2026"}


router = APIRouter()


@router.get("/operator", name="page.operator")
def operator_home(
    request: Request, portal: PortalDep, session: ReadSession, principal: PageUser
) -> Response:
    """Every program with its latest published period and its runs."""
    runs = Runs(session)
    counts = runs.counts_by_status()
    rows = []
    for program in portal.programs.values():
        rows.append(
            {
                "program": program,
                "latest": runs.latest_published(program.id),
                "runs": sum(n for (pid, _), n in counts.items() if pid == program.id),
                "previews": counts.get((program.id, "preview"), 0),
                "partners": sum(
                    1 for info in portal.catalog.partners.values() if applies(program, info)
                ),
            }
        )
    return render(request, "operator_home.html", {"rows": rows})


def distribution_chart(
    program: Program,
    lang: str,
    series: list[tuple[str, list[int]]],
    no_level: str,
) -> dict[str, Any]:
    """The data island of a level distribution chart: one bar per level, lowest first,
    then "no level"; one data set per series."""
    return {
        "labels": [pick({"en": lv.title.en, "zh": lv.title.zh}, lang) for lv in program.levels]
        + [no_level],
        "datasets": [{"label": label, "data": data} for label, data in series],
    }


def program_context(
    request: Request, portal: Portal, session: Session, program: Program
) -> dict[str, Any]:
    runs = Runs(session)
    _, stored = runs.newest_page(program.id)
    periods: dict[str, list[Run]] = {}
    for run in stored:
        periods.setdefault(run.period, []).append(run)
    latest = runs.latest_published(program.id)
    distribution = None if latest is None else service.level_distribution(runs, program, latest)
    chart = None
    if distribution is not None:
        lang = language(request, getattr(request.state, "principal", None))
        t = translator(lang)
        counts = [*distribution["levels"].values(), distribution["none"]]
        chart = distribution_chart(
            program,
            lang,
            [(t("partners_in", period=distribution["period"]), counts)],
            t("no_level"),
        )
    return {
        "program": program,
        "periods": [
            {
                "period": period,
                "runs": items,
                "published": next((r for r in items if r.status == "published"), None),
            }
            for period, items in periods.items()
        ],
        "latest": latest,
        "distribution": distribution,
        "chart": chart,
        "example": PERIOD_EXAMPLES.get(program.period_kind, ""),
        "self_url": f"/operator/programs/{program.id}",
        "period_value": "",
        "form_error": None,
    }


@router.get("/operator/programs/{program_id}", name="page.operator.program")
def operator_program(
    program_id: str,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
) -> Response:
    program = program_of(portal, program_id)
    return render(
        request, "operator_program.html", program_context(request, portal, session, program)
    )


def excellence_context(portal: Portal, program_id: str, year: int | None) -> dict[str, Any]:
    """The programs with an annual selection, the chosen one's selection of the year (as
    computed now and as published) with its reasons."""
    selecting = {
        pid: p
        for pid, p in portal.programs.items()
        if getattr(p.lifecycle, "annual_excellence", None) is not None
    }
    chosen = selecting.get(program_id) or next(iter(selecting.values()), None)
    year = year or portal.today().year
    selection = None if chosen is None else handlers.excellence(portal, chosen.id, year)
    return {
        "selecting": selecting,
        "chosen": chosen,
        "year": year,
        "selection": selection,
        "form_error": None,
    }


@router.get("/operator/excellence", name="page.operator.excellence")
def operator_excellence(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    program_id: Annotated[str, Query(max_length=100)] = "",
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    context = excellence_context(portal, program_id, year)
    context["flash"] = flash_of(request)
    return render(request, "operator_excellence.html", context)


@router.post("/operator/excellence/publish", name="page.operator.excellence.publish")
def operator_publish_excellence(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    program_id: ShortText = "",
    year: ShortText = "",
    reason: FormText = "",
) -> Response:
    """Publish the year's selection with a reason (audited)."""
    try:
        if not year.isdigit() or not 2000 <= int(year) <= 2100:
            raise Problem.field("year", f"not a year: {year!r}")
        if not reason.strip():
            raise Problem.field("reason", "say why the selection is published")
        handlers.publish(portal, program_id, int(year), principal.login, reason.strip())
    except Problem as problem:
        chosen_year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
        context = excellence_context(portal, program_id, chosen_year)
        context["form_error"] = form_error(problem)
        return render(request, "operator_excellence.html", context, status_code=problem.status)
    target = f"/operator/excellence?program_id={program_id}&year={year}&flash=excellence_published"
    return RedirectResponse(target, status_code=303)
