"""The operator's run pages: preview a period, a run with its gate report, distribution and
diff against what partners see now, and publishing it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from tierwise.db.models import Run
from tierwise.programs.pages import distribution_chart, program_context
from tierwise.runs import service
from tierwise.runs.handlers import parse_period, preview, publish, stored_run
from tierwise.runs.repository import Runs
from tierwise.web.context import Portal, program_of
from tierwise.web.forms import FormText, flash_of, form_error
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.i18n import translator
from tierwise.web.problems import Problem
from tierwise.web.render import language, render

if TYPE_CHECKING:  # annotations of helpers only: pages never query
    from sqlalchemy.orm import Session

router = APIRouter()


@router.post("/operator/programs/{program_id}/preview", name="page.operator.preview")
def operator_preview(
    program_id: str,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
    period: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Evaluate a period and store it as a preview run; show the run."""
    program = program_of(portal, program_id)
    try:
        run_id = preview(
            portal, program, parse_period(program, period.strip(), "period"), principal.login
        )
    except Problem as problem:
        context = program_context(request, portal, session, program)
        context.update(form_error=form_error(problem), period_value=period)
        return render(request, "operator_program.html", context, status_code=problem.status)
    return RedirectResponse(f"/operator/runs/{run_id}?flash=previewed", status_code=303)


def publishable(run: Run) -> bool:
    return run.status == "preview" and run.kind != "whatif" and run.gate_ok


def run_context(request: Request, portal: Portal, session: Session, run_id: str) -> dict[str, Any]:
    runs = Runs(session)
    run = stored_run(runs, run_id)
    program = portal.programs.get(run.program_id)
    if program is None:
        raise Problem(404, f"run {run_id!r} belongs to no known program")
    distribution = service.level_distribution(runs, program, run)
    published = runs.published_run(program.id, run.period)
    other = None  # what partners see now: the run published for the period, or before it
    if published is not None and published.id == run.id:  # this run: what it replaced
        before = runs.published_before(program.id, run.period_start, scores=run.kind == "scores")
        other = None if before is None else before.id
    diff = service.diff_runs(session, program, run.id, other)
    against = None if diff["against"] is None else runs.get(diff["against"])
    lang = language(request, getattr(request.state, "principal", None))
    t = translator(lang)
    level_ids = [*program.level_ids, "none"]
    series = [(t("this_run"), [diff["levels"][lv][1] for lv in level_ids])]
    current = published is not None and published.id == run.id
    if against is not None:
        label = t("published_before" if current else "shown_now", period=against.period)
        series.insert(0, (label, [diff["levels"][lv][0] for lv in level_ids]))
    titles = {lv.id: {"en": lv.title.en, "zh": lv.title.zh} for lv in program.levels}
    return {
        "run": run,
        "program": program,
        "published": published,
        "current": current,
        "distribution": distribution,
        "diff": diff,
        "against": against,
        "level_titles": titles,
        "chart": distribution_chart(program, lang, series, t("no_level")),
        "publishable": publishable(run),
        "partners": portal.catalog.partners,
        "reason_value": "",
        "self_url": f"/operator/runs/{run.id}",
        "form_error": None,
    }


@router.get("/operator/runs/{run_id}", name="page.operator.run")
def operator_run(
    run_id: str,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
) -> Response:
    context = run_context(request, portal, session, run_id)
    context["flash"] = flash_of(request)
    return render(request, "operator_run.html", context)


@router.post("/operator/runs/{run_id}/publish", name="page.operator.publish")
def operator_publish(
    run_id: str,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
    reason: FormText = "",
) -> Response:
    """Publish a preview run: its levels become the ones partners see."""
    try:
        if not reason.strip():
            raise Problem.field("reason", "say why this run is published")
        publish(portal, run_id, principal.login, reason.strip())
    except Problem as problem:
        context = run_context(request, portal, session, run_id)
        context.update(form_error=form_error(problem), reason_value=reason)
        return render(request, "operator_run.html", context, status_code=problem.status)
    return RedirectResponse(f"/operator/runs/{run_id}?flash=published", status_code=303)
