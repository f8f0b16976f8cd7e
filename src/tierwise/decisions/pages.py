"""The operator's decisions page: the list and the form that records one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from tierwise.decisions import service
from tierwise.decisions.handlers import record_decision, reviews_of
from tierwise.decisions.schemas import DecisionIn
from tierwise.web.context import Portal
from tierwise.web.forms import FormText, ShortText, flash_of, form_error, validation_detail
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.problems import Problem
from tierwise.web.render import render

DECISION_KINDS = ("invite", "downgrade", "remove", "continue_invitation", "override")


router = APIRouter()


def decisions_context(portal: Portal, program_id: str) -> dict[str, Any]:
    with portal.state.reading() as session:
        decisions = service.decisions_for(session, program_id or None)
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


@router.get("/operator/reviews", name="page.operator.reviews")
def operator_reviews(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    program_id: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The open review items, each with what it decides and why it was opened."""
    reviews = reviews_of(portal, program_id)
    context = {"reviews": reviews, "programs": portal.programs, "program_filter": program_id}
    return render(request, "operator_reviews.html", context)
