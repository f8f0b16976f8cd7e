"""The partner directory (what a seller looks at before working with a partner): basic
information, the published levels, badges and awards in force — never a score or a
metric — filtered by program, level, market, kind and name, a page at a time, and each
partner's public page.

The filter is a plain GET form; with htmx it asks for the results again in place
(`HX-Request`), and the server answers with the results fragment only."""

from __future__ import annotations

from math import ceil
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response

from tierwise.access import partner_visible, visible_partners
from tierwise.portal import DirectoryQuery
from tierwise.web.context import Portal
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.pages import router
from tierwise.web.pages.render import render
from tierwise.web.problems import Problem

PAGE_SIZE = 20
KINDS = ("mcn", "tsp", "isv")

Text = Annotated[str, Query(max_length=100)]


def level_options(portal: Portal) -> list[dict[str, Any]]:
    """Every program's levels for the filter, one option per level id (programs may share
    one: both Thai TSP programs certify)."""
    seen: set[str] = set()
    groups = []
    for program in portal.programs.values():
        levels = [lv for lv in program.levels if lv.id not in seen]
        seen.update(lv.id for lv in levels)
        if levels:
            groups.append(
                {
                    "title": {"en": program.title.en, "zh": program.title.zh},
                    "levels": [
                        {"id": lv.id, "title": {"en": lv.title.en, "zh": lv.title.zh}}
                        for lv in levels
                    ],
                }
            )
    return groups


def is_fragment(request: Request) -> bool:
    """An htmx request for the results only (a history restore wants the whole page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


@router.get("/directory", name="page.directory")
def directory_page(
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
    program: Text = "",
    level: Text = "",
    market: Text = "",
    kind: Text = "",
    q: Text = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=500)] = PAGE_SIZE,
) -> Response:
    visible = visible_partners(principal, portal.catalog)
    query = DirectoryQuery(
        program=program or None,
        level=level or None,
        market=market or None,
        kind=kind or None,
        text=q.strip() or None,
        offset=(page - 1) * limit,
        limit=limit,
    )
    total, entries = portal.directory.search(session, query, visible)
    pages = max(1, ceil(total / limit))
    filters = {"program": program, "level": level, "market": market, "kind": kind, "q": q}
    kept = {k: v for k, v in filters.items() if v}
    if limit != PAGE_SIZE:
        kept["limit"] = str(limit)

    def page_href(number: int) -> str:
        return "/directory?" + urlencode({**kept, "page": number})

    markets = sorted({info.market for pid, info in portal.catalog.partners.items() if visible(pid)})
    context = {
        "filters": filters,
        "entries": entries,
        "total": total,
        "page": page,
        "pages": pages,
        "first": query.offset + 1 if entries else 0,
        "last": query.offset + len(entries),
        "prev_href": page_href(page - 1) if page > 1 else None,
        "next_href": page_href(page + 1) if page < pages else None,
        "programs": portal.programs,
        "level_groups": level_options(portal),
        "markets": markets,
        "kinds": KINDS,
    }
    if is_fragment(request):
        reply = render(request, "_directory_results.html", context)
    else:
        reply = render(request, "directory.html", context)
    reply.headers["Vary"] = "HX-Request"
    return reply


@router.get("/directory/{partner_id}", name="page.directory.partner")
def directory_partner(
    partner_id: str,
    request: Request,
    portal: PortalDep,
    session: ReadSession,
    principal: PageUser,
) -> Response:
    """A partner's public page: who it is, its levels, badges and awards in force."""
    entry = portal.directory.entry(session, partner_id)
    if entry is None:  # the guard checked visibility; the catalog may have been reloaded
        raise Problem(404, f"no partner {partner_id!r}")
    return render(
        request,
        "directory_partner.html",
        {
            "entry": entry,
            "programs": portal.programs,
            "own": partner_visible(principal, partner_id, "own", portal.catalog),
        },
    )
