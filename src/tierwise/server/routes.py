"""Every domain's routes, behind the guard of their kind: the REST API under `/api/v1/`
(bearer tokens or the session cookie) and the pages (the session cookie and the CSRF check).
A new domain joins the service by being listed here."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tierwise.accounts import endpoints as accounts_api
from tierwise.accounts import pages as accounts_pages
from tierwise.appeals import endpoints as appeals_api
from tierwise.appeals import pages as appeals_pages
from tierwise.audit import endpoints as audit_api
from tierwise.audit import pages as audit_pages
from tierwise.badges import endpoints as badges_api
from tierwise.badges import pages as badges_pages
from tierwise.compass import endpoints as compass_api
from tierwise.compass import module_pages as compass_module_pages
from tierwise.compass import pages as compass_pages
from tierwise.decisions import endpoints as decisions_api
from tierwise.decisions import pages as decisions_pages
from tierwise.facts import endpoints as facts_api
from tierwise.facts import pages as facts_pages
from tierwise.live import endpoints as live_api
from tierwise.outbox import endpoints as outbox_api
from tierwise.outbox import pages as outbox_pages
from tierwise.partners import endpoints as partners_api
from tierwise.partners import pages as partners_pages
from tierwise.programs import endpoints as programs_api
from tierwise.programs import pages as programs_pages
from tierwise.projection import endpoints as projection_api
from tierwise.projection import pages as projection_pages
from tierwise.registrations import endpoints as registrations_api
from tierwise.registrations import pages as registrations_pages
from tierwise.reports import pages as reports_pages
from tierwise.runs import endpoints as runs_api
from tierwise.runs import pages as runs_pages
from tierwise.screen import endpoints as screen_api
from tierwise.screen import pages as screen_pages
from tierwise.web.guard import api_guard, csrf_guard, page_guard
from tierwise.web.problems import responses

api = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(api_guard)],
    responses=responses(401, 403, 404, 422),
)
for module in (
    accounts_api,
    programs_api,
    runs_api,
    partners_api,
    decisions_api,
    registrations_api,
    facts_api,
    appeals_api,
    audit_api,
    outbox_api,
    compass_api,
    badges_api,
    projection_api,
    live_api,
    screen_api,
):
    api.include_router(module.router)

pages = APIRouter(dependencies=[Depends(page_guard), Depends(csrf_guard)], include_in_schema=False)
for module in (
    partners_pages,
    programs_pages,
    runs_pages,
    decisions_pages,
    registrations_pages,
    facts_pages,
    appeals_pages,
    audit_pages,
    outbox_pages,
    accounts_pages,
    compass_pages,
    compass_module_pages,
    badges_pages,
    projection_pages,
    reports_pages,
    screen_pages,
):
    pages.include_router(module.router)
