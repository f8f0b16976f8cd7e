"""The operator's appeals page: restate the periods whose data changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from tierwise.appeals.handlers import restate_appeals
from tierwise.appeals.schemas import AppealsIn
from tierwise.runs.repository import Runs
from tierwise.web.context import Portal
from tierwise.web.forms import FormText, ShortText, form_error, validation_detail
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.problems import Problem
from tierwise.web.render import render

if TYPE_CHECKING:  # annotations of helpers only: pages never query
    from sqlalchemy.orm import Session

router = APIRouter()


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
