"""The operator's registrations page: who registered for which category and quarter, the
sanctions with their reasons, and the form that excludes a TSP or forfeits an award."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from tierwise.registrations.handlers import listing, sanction
from tierwise.registrations.schemas import SanctionIn
from tierwise.registrations.service import takes_registration
from tierwise.web.context import Portal
from tierwise.web.forms import FormText, ShortText, flash_of, form_error, validation_detail
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.problems import Problem
from tierwise.web.render import render

router = APIRouter()


def registrations_context(portal: Portal) -> dict[str, Any]:
    programs = [p for p in portal.programs.values() if takes_registration(p)]
    tsps = sorted(
        pid
        for pid, info in portal.catalog.partners.items()
        if any(info.kind == p.subject_kind and info.market in p.markets for p in programs)
    )
    return {
        "listing": listing(portal),
        "programs": programs,
        "partners": tsps,
        "form": {},
        "form_error": None,
    }


@router.get("/operator/registrations", name="page.operator.registrations")
def operator_registrations(request: Request, portal: PortalDep, principal: PageUser) -> Response:
    context = registrations_context(portal)
    context["flash"] = flash_of(request)
    return render(request, "operator_registrations.html", context)


@router.post("/operator/registrations", name="page.operator.registrations.sanction")
def operator_sanction(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    kind: ShortText = "",
    program_id: ShortText = "",
    partner_id: ShortText = "",
    period: ShortText = "",
    reason: FormText = "",
    decided_on: ShortText = "",
) -> Response:
    """Exclude or forfeit with the reason the partner is told, checked like the API's."""
    form = {
        "kind": kind,
        "program_id": program_id,
        "partner_id": partner_id.strip(),
        "period": period.strip(),
        "reason": reason.strip(),
        "decided_on": decided_on,
    }
    try:
        try:
            body = SanctionIn.model_validate({k: v for k, v in form.items() if v})
        except ValidationError as exc:
            raise Problem(422, validation_detail(exc)) from None
        sanction(portal, body, principal.login)
    except Problem as problem:
        context = registrations_context(portal)
        context.update(form=form, form_error=form_error(problem))
        return render(request, "operator_registrations.html", context, status_code=problem.status)
    return RedirectResponse("/operator/registrations?flash=sanctioned", status_code=303)
