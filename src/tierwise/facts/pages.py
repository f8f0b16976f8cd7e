"""The operator's facts page: the facts entered for a program and period, and the form
that enters one (checked like the API's, refusals naming the field)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from tierwise.facts import service
from tierwise.facts.handlers import record_fact
from tierwise.web.context import Portal
from tierwise.web.forms import FormText, ShortText, flash_of, form_error
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.problems import Problem
from tierwise.web.render import render

router = APIRouter()


def facts_context(portal: Portal, program_id: str, period: str) -> dict[str, Any]:
    """The programs that take operator facts, the chosen one's facts and form choices."""
    programs = {pid: p for pid, p in portal.programs.items() if service.operator_facts(p)}
    chosen = programs.get(program_id) or next(iter(programs.values()), None)
    facts: list[dict[str, Any]] = []
    names: dict[str, Any] = {}
    partners: list[str] = []
    if chosen is not None:
        names = service.operator_facts(chosen)
        partners = sorted(
            pid
            for pid, info in portal.catalog.partners.items()
            if info.kind == chosen.subject_kind and info.market in chosen.markets
        )
        try:
            with portal.state.reading() as session:
                facts = service.facts_for(session, chosen, period or None)
        except service.FactRefused:
            period = ""
            with portal.state.reading() as session:
                facts = service.facts_for(session, chosen)
    return {
        "fact_programs": programs,
        "chosen": chosen,
        "period_filter": period,
        "facts": facts,
        "fact_names": names,
        "partners": partners,
        "form": {},
        "form_error": None,
    }


@router.get("/operator/facts", name="page.operator.facts")
def operator_facts(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    program_id: Annotated[str, Query(max_length=100)] = "",
    period: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    context = facts_context(portal, program_id, period)
    context["flash"] = flash_of(request)
    return render(request, "operator_facts.html", context)


@router.post("/operator/facts", name="page.operator.facts.enter")
def operator_enter_fact(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    program_id: ShortText = "",
    partner_id: ShortText = "",
    name: ShortText = "",
    period: ShortText = "",
    value: ShortText = "",
    reason: FormText = "",
) -> Response:
    """Enter one fact with its reason (audited), checked like the API's."""
    form = {
        "program_id": program_id,
        "partner_id": partner_id.strip(),
        "name": name,
        "period": period.strip(),
        "value": value.strip(),
        "reason": reason.strip(),
    }
    try:
        record_fact(
            portal,
            program_id,
            partner_id=form["partner_id"],
            name=name,
            period=form["period"],
            value=form["value"],
            reason=form["reason"],
            actor=principal.login,
            prefix="",
        )
    except Problem as problem:
        context = facts_context(portal, program_id, form["period"])
        context.update(form=form, form_error=form_error(problem))
        return render(request, "operator_facts.html", context, status_code=problem.status)
    target = f"/operator/facts?program_id={program_id}&period={form['period']}&flash=fact_entered"
    return RedirectResponse(target, status_code=303)
