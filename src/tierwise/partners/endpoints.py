"""Partners in the REST API: the directory, one partner, its dashboard, results and history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tierwise.access import directory_viewer
from tierwise.partners.dashboard import dashboard, program_card
from tierwise.partners.directory import DirectoryQuery
from tierwise.partners.schemas import CardOut, DashboardOut, DirectoryEntryOut, HistoryPoint
from tierwise.runs.repository import Runs, read_document
from tierwise.runs.schemas import ResultDetail
from tierwise.web.context import program_of
from tierwise.web.guard import ApiUser, PortalDep, ReadSession
from tierwise.web.problems import Problem
from tierwise.web.schemas import Page

router = APIRouter(tags=["partners"])


Text = Annotated[str | None, Query(max_length=100)]


@router.get("/partners", name="api.partners.list", response_model=Page[DirectoryEntryOut])
def list_partners(
    portal: PortalDep,
    session: ReadSession,
    principal: ApiUser,
    program: Text = None,
    level: Text = None,
    market: Text = None,
    kind: Text = None,
    q: Text = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Page[DirectoryEntryOut]:
    """The directory: basic information, published levels and badges of the partners the
    caller may see (a creator: the partners it is bound to)."""
    query = DirectoryQuery(program, level, market, kind, q, offset, limit)
    viewer = directory_viewer(principal, portal.catalog, portal.programs.values())
    total, entries = portal.directory.search(session, query, viewer)
    return Page[DirectoryEntryOut](
        total=total,
        offset=offset,
        limit=limit,
        items=[DirectoryEntryOut(**e.to_dict()) for e in entries],
    )


def _entry(
    portal: PortalDep, session: ReadSession, principal: ApiUser, partner_id: str
) -> DirectoryEntryOut:
    viewer = directory_viewer(principal, portal.catalog, portal.programs.values())
    entry = portal.directory.entry(session, partner_id, viewer)
    if entry is None:  # the guard checked visibility; the catalog may have been reloaded
        raise Problem(404, f"no partner {partner_id!r}")
    return DirectoryEntryOut(**entry.to_dict())


@router.get("/partners/{partner_id}", name="api.partners.get", response_model=DirectoryEntryOut)
def get_partner(
    partner_id: str, portal: PortalDep, session: ReadSession, principal: ApiUser
) -> DirectoryEntryOut:
    """A partner's public page."""
    return _entry(portal, session, principal, partner_id)


@router.get(
    "/partners/{partner_id}/dashboard", name="api.partners.dashboard", response_model=DashboardOut
)
def get_dashboard(
    partner_id: str, portal: PortalDep, session: ReadSession, principal: ApiUser
) -> DashboardOut:
    """One card per program: level, score, breakdown, the gap to the next level and its
    actions, what keeps the level, rights, awards, history, warnings."""
    entry = _entry(portal, session, principal, partner_id)
    info = portal.catalog.partners[partner_id]
    cards = dashboard(
        session,
        list(portal.programs.values()),
        info,
        portal.today(),
        by_partner=principal.role == "partner",
    )
    return DashboardOut(partner=entry, cards=[CardOut(**c.to_dict()) for c in cards])


@router.get(
    "/partners/{partner_id}/programs/{program_id}/result",
    name="api.partners.result",
    response_model=ResultDetail,
)
def get_result(
    partner_id: str,
    program_id: str,
    portal: PortalDep,
    session: ReadSession,
    principal: ApiUser,
    period: Annotated[str | None, Query(max_length=16)] = None,
) -> ResultDetail:
    """The published result with its explanation (default: the latest published period)."""
    program = program_of(portal, program_id)
    runs = Runs(session)
    if period is None:
        card = program_card(session, program, partner_id, portal.today())
        run_id = card.run_id
    else:
        run = runs.published_run(program.id, period)
        run_id = None if run is None else run.id
    result = None if run_id is None else runs.result(run_id, partner_id)
    if result is None or run_id is None:
        raise Problem(404, f"nothing published for {partner_id} in {program.id}")
    doc = read_document(result.body)
    detail = ResultDetail(
        partner_id=partner_id,
        program_id=program.id,
        period=runs.get(run_id).period,
        run_id=run_id,
        status=result.status,
        score=result.score,
        computed_level=result.computed_level,
        level=result.level,
        previous_level=result.previous_level,
        change=result.change,
        metrics=doc.metrics,
        breakdown=list(doc.trace),
        next_level=doc.next_level,
        keep=doc.keep,
        standing=result.standing,
        evaluations=doc.evaluations,
    )
    if principal.role == "partner" and detail.standing is not None:
        # Review items are the operator's to-do, never shown to the partner.
        standing = {k: v for k, v in detail.standing.items() if k != "reviews"}
        detail = detail.model_copy(update={"standing": standing})
    if principal.role == "partner" and program.visibility.withholds(result.status):
        # As on its card (`as_shown_to_partner`): the status, its checks, nothing else.
        withheld = {"rule", "status"}
        return detail.model_copy(
            update={
                "score": None,
                "computed_level": None,
                "level": None,
                "previous_level": None,
                "metrics": {},
                "breakdown": [e for e in detail.breakdown if e.kind in withheld],
                "next_level": None,
                "keep": None,
                "evaluations": {},
            }
        )
    return detail


@router.get(
    "/partners/{partner_id}/programs/{program_id}/history",
    name="api.partners.history",
    response_model=list[HistoryPoint],
)
def get_history(
    partner_id: str, program_id: str, portal: PortalDep, session: ReadSession, principal: ApiUser
) -> list[HistoryPoint]:
    """The partner's published results in the program, oldest period first."""
    program = program_of(portal, program_id)
    by_partner = principal.role == "partner"
    points = []
    for h in Runs(session).history(program.id, partner_id):
        point = {**h.__dict__, "published_at": h.published_at.isoformat()}
        if by_partner and program.visibility.withholds(h.status):
            point.update(score=None, level=None, computed_level=None)
        points.append(HistoryPoint(**point))
    return points
