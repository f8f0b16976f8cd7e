"""The operator's pages: programs and their periods, previewing a period, a run with its
gate report, distribution and diff against what partners see now, publishing it,
decisions, appeals, the audit log with its verification, and the outbox.

Forms post back here; a refused form (a bad period, a run that cannot be published, a
decision the policy rejects) shows the page again with the reason and the status of the
refusal, and a form that worked redirects (303) to the page that shows its effect."""

from __future__ import annotations

from math import ceil
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tierwise.definitions.model import Program
from tierwise.portal.directory import applies
from tierwise.runs import service
from tierwise.state import Run, Runs
from tierwise.web.api.operations import record_decision, restate_appeals
from tierwise.web.api.runs import parse_period, preview, publish, stored_run
from tierwise.web.context import Portal
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.i18n import pick, translator
from tierwise.web.pages import router
from tierwise.web.pages.render import language, render
from tierwise.web.problems import Problem
from tierwise.web.schemas import AppealsIn, DecisionIn

#: `?flash=` values a redirect may ask for, and the message each shows.
FLASHES = {
    "previewed": "flash_previewed",
    "published": "flash_published",
    "decided": "flash_decided",
}
DECISION_KINDS = ("invite", "downgrade", "remove", "continue_invitation", "override")
AUDIT_PAGE = 50
OUTBOX_PAGE = 50
#: An example period per period kind, for the preview form.
PERIOD_EXAMPLES = {"month": "2026-09", "quarter": "2026Q3", "half": "2026H2", "year": "2026"}

FormText = Annotated[str, Form(max_length=2000)]
ShortText = Annotated[str, Form(max_length=200)]


def flash_of(request: Request) -> str | None:
    return FLASHES.get(request.query_params.get("flash", ""))


def program_of(portal: Portal, program_id: str) -> Program:
    program = portal.programs.get(program_id)
    if program is None:
        raise Problem(404, f"no program {program_id!r}")
    return program


def form_error(problem: Problem) -> dict[str, Any]:
    return {"status": problem.status, "detail": problem.detail or ""}


def validation_detail(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts)


# -- programs ---------------------------------------------------------------------------------


@router.get("/operator", name="page.operator")
def operator_home(
    request: Request, portal: PortalDep, session: ReadSession, principal: PageUser
) -> Response:
    """Every program with its latest published period and its runs."""
    counts: dict[tuple[str, str], int] = {
        (program_id, status): count
        for program_id, status, count in session.execute(
            sa.select(Run.program_id, Run.status, sa.func.count()).group_by(
                Run.program_id, Run.status
            )
        )
    }
    runs = Runs(session)
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
    stored = session.scalars(
        sa.select(Run)
        .where(Run.program_id == program.id)
        .order_by(Run.period_start.desc(), Run.created_at.desc(), Run.id)
    ).all()
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


# -- runs ---------------------------------------------------------------------------------------


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
        before = runs.published_before(program.id, run.period_start)
        other = None if before is None else before.id
    diff = service.diff_runs(portal.state, program, run.id, other)
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


# -- decisions and appeals ------------------------------------------------------------------


def decisions_context(portal: Portal, program_id: str) -> dict[str, Any]:
    decisions = service.decisions_for(portal.state, program_id or None)
    return {
        "decisions": list(reversed(decisions)),
        "programs": portal.programs,
        "program_filter": program_id,
        "kinds": DECISION_KINDS,
        "partners": sorted(portal.catalog.partners),
        "form": {},
        "form_error": None,
    }


@router.get("/operator/decisions", name="page.operator.decisions")
def operator_decisions(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    program_id: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    context = decisions_context(portal, program_id)
    context["flash"] = flash_of(request)
    return render(request, "operator_decisions.html", context)


@router.post("/operator/decisions", name="page.operator.decisions.add")
def operator_decide(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    program_id: ShortText = "",
    kind: ShortText = "",
    partner_id: ShortText = "",
    reason: FormText = "",
    level: ShortText = "",
    mode: ShortText = "",
    until: ShortText = "",
    effective: ShortText = "",
    decided_on: ShortText = "",
    continues: ShortText = "",
) -> Response:
    """Record a decision with its reason, checked like the API's."""
    form = {
        "program_id": program_id,
        "kind": kind,
        "partner_id": partner_id.strip(),
        "reason": reason.strip(),
        "level": level.strip(),
        "mode": mode,
        "until": until,
        "effective": effective,
        "decided_on": decided_on,
        "continues": continues,
    }
    fields: dict[str, Any] = {k: v for k, v in form.items() if v and k != "continues"}
    if continues in ("yes", "no"):
        fields["continues"] = continues == "yes"
    try:
        try:
            body = DecisionIn.model_validate(fields)
        except ValidationError as exc:
            raise Problem(422, validation_detail(exc)) from None
        record_decision(portal, body, principal.login)
    except Problem as problem:
        context = decisions_context(portal, "")
        context.update(form=form, form_error=form_error(problem))
        return render(request, "operator_decisions.html", context, status_code=problem.status)
    return RedirectResponse("/operator/decisions?flash=decided", status_code=303)


def appeals_context(portal: Portal, session: Session) -> dict[str, Any]:
    runs = Runs(session)
    done = [r for program in portal.programs.values() for r in runs.restatements(program.id)]
    done.sort(key=lambda r: r.id, reverse=True)
    return {
        "programs": portal.programs,
        "restatements": done,
        "restated": None,
        "form": {},
        "form_error": None,
    }


@router.get("/operator/appeals", name="page.operator.appeals")
def operator_appeals(
    request: Request, portal: PortalDep, session: ReadSession, principal: PageUser
) -> Response:
    return render(request, "operator_appeals.html", appeals_context(portal, session))


@router.post("/operator/appeals", name="page.operator.appeals.apply")
def operator_apply_appeals(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    program_id: ShortText = "",
    reason: FormText = "",
) -> Response:
    """Restate the published periods whose data changed (violations revoked on appeal)
    and show what changed. Applying again restates nothing new."""
    form = {"program_id": program_id, "reason": reason.strip()}
    try:
        try:
            body = AppealsIn.model_validate({k: v for k, v in form.items() if v})
        except ValidationError as exc:
            raise Problem(422, validation_detail(exc)) from None
        restated = restate_appeals(portal, body, principal.login)
    except Problem as problem:
        with portal.state.reading() as session:
            context = appeals_context(portal, session)
        context.update(form=form, form_error=form_error(problem))
        return render(request, "operator_appeals.html", context, status_code=problem.status)
    with portal.state.reading() as session:  # a new read: this request's began before
        context = appeals_context(portal, session)
    context.update(restated=restated, form={"program_id": program_id})
    return render(request, "operator_appeals.html", context)


# -- the audit log and the outbox -----------------------------------------------------------


@router.get("/operator/audit", name="page.operator.audit")
def operator_audit(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The newest audit entries and whether the hash chain verifies."""
    verify = service.verify_audit(portal.state).to_dict()
    entries = service.audit_entries(portal.state, AUDIT_PAGE, (page - 1) * AUDIT_PAGE)
    head = verify["head_seq"] or 0
    pages = max(1, ceil(head / AUDIT_PAGE))
    return render(
        request,
        "operator_audit.html",
        {
            "verify": verify,
            "entries": entries,
            "page": page,
            "pages": pages,
            "prev_href": f"/operator/audit?page={page - 1}" if page > 1 else None,
            "next_href": f"/operator/audit?page={page + 1}" if page < pages else None,
        },
    )


@router.get("/operator/outbox", name="page.operator.outbox")
def operator_outbox(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    status: Annotated[Literal["", "pending", "sent"], Query()] = "",
    partner_id: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Messages to partners, newest first, by status and partner."""
    total, shown = service.outbox_page(
        portal.state,
        status or None,
        partner_id.strip() or None,
        newest_first=True,
        offset=(page - 1) * OUTBOX_PAGE,
        limit=OUTBOX_PAGE,
    )
    pages = max(1, ceil(total / OUTBOX_PAGE))
    kept = {k: v for k, v in (("status", status), ("partner_id", partner_id.strip())) if v}

    def href(number: int) -> str:
        return "/operator/outbox?" + urlencode({**kept, "page": number})

    return render(
        request,
        "operator_outbox.html",
        {
            "messages": shown,
            "total": total,
            "status": status,
            "partner_id": partner_id.strip(),
            "page": page,
            "pages": pages,
            "prev_href": href(page - 1) if page > 1 else None,
            "next_href": href(page + 1) if page < pages else None,
        },
    )
