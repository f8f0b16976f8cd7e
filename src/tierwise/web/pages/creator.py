"""A creator's page: the agencies it is bound to, with the levels they hold."""

from __future__ import annotations

from fastapi import Request, Response

from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.pages import router
from tierwise.web.pages.render import render


@router.get("/creator", name="page.creator")
def creator_page(
    request: Request, portal: PortalDep, session: ReadSession, principal: PageUser
) -> Response:
    bound = sorted(portal.catalog.bound_to(principal.creator_id or ""))
    entries = [e for pid in bound if (e := portal.directory.entry(session, pid)) is not None]
    return render(request, "creator.html", {"entries": entries, "programs": portal.programs})
