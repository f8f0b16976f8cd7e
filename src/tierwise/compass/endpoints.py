"""Data Compass in the REST API: the consent workflow, the access log, and a partner's
numbers.

A partner's users ask for access for their own partner; the creator's user approves,
declines and revokes; the partner withdraws. Lists hold the caller's own requests only
(operators: all). Another partner's or creator's request answers 404, exactly as one that
does not exist; a refused move answers 409 and an unusable input 422, naming the reason.

A partner's users read their own partner's creators and numbers (`/creators`, `/overview`,
`/analytics`) as of the portal's today, over the days the rules let them see; every answer
is written to the access log first, one entry per creator whose numbers it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Response

from tierwise.accounts import Principal
from tierwise.compass import service
from tierwise.compass.authorizations import Authorization
from tierwise.compass.days import DayRange
from tierwise.compass.errors import (
    CompassError,
    ConsentRefused,
    RangeRefused,
    RequestNotFound,
    RequestRefused,
)
from tierwise.compass.exports import (
    MEDIA_TYPES,
    ExportFile,
    ExportFormat,
    ExportList,
    export_file,
)
from tierwise.compass.module_reads import ModuleRun, read_module
from tierwise.compass.modules import (
    live_detail,
    live_history,
    product_detail,
    product_list,
    video_detail,
    video_list,
)
from tierwise.compass.ranges import MAX_QUERY_DAYS, QueryRange
from tierwise.compass.repository import AccessQuery, Via
from tierwise.compass.schemas import (
    AccessLogEntryOut,
    AccessRequestIn,
    AccessRequestOut,
    AnalyticsOut,
    CreatorListOut,
    OverviewOut,
    Status,
)
from tierwise.compass.service import Reader
from tierwise.store.compass_activity import VideoOrder
from tierwise.web.context import Portal
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import Problem, responses
from tierwise.web.schemas import Limit, Offset, Page

router = APIRouter(prefix="/compass", tags=["compass"])

Filter = Annotated[str | None, Query(max_length=200)]


def _markets(portal: Portal) -> dict[str, str]:
    return {pid: info.market for pid, info in portal.catalog.partners.items()}


def _refusal(exc: CompassError) -> Problem:
    """A compass error as the API answers it."""
    if isinstance(exc, RequestNotFound):
        return Problem(404, str(exc))
    if isinstance(exc, RequestRefused | ConsentRefused):
        return Problem(409, str(exc))
    return Problem(422, str(exc))


@router.post(
    "/requests",
    name="api.compass.requests.create",
    response_model=AccessRequestOut,
    status_code=201,
    responses=responses(400, 409),
)
def create_request(
    body: AccessRequestIn, portal: PortalDep, principal: ApiUser
) -> AccessRequestOut:
    """Ask a creator bound to the caller's partner for access to a requested period."""
    partner_id = principal.partner_id or ""
    try:
        period = DayRange(body.period_from, body.period_to)
    except CompassError as exc:
        raise Problem.field("body.period_to", str(exc)) from None
    with portal.events() as con:
        try:
            made = service.request_access(
                portal.state,
                con,
                partner_id,
                body.creator_id,
                period,
                actor=principal.login,
                markets=_markets(portal),
            )
        except CompassError as exc:
            raise _refusal(exc) from None
    return AccessRequestOut(**made)


@router.get("/requests", name="api.compass.requests.list", response_model=list[AccessRequestOut])
def list_requests(
    portal: PortalDep,
    principal: ApiUser,
    status: Status | None = None,
    partner_id: Filter = None,
    creator_id: Filter = None,
) -> list[AccessRequestOut]:
    """The caller's requests with their status now: a partner's own, those made to a
    creator, every request for an operator (filters narrow them further)."""
    partner_id, creator_id = _own_scope(principal, partner_id, creator_id)
    found = service.requests(
        portal.state,
        partner_id=partner_id,
        creator_id=creator_id,
        statuses=None if status is None else (status,),
        imported=_imported(portal, partner_id, creator_id),
    )
    return [AccessRequestOut(**r) for r in found]


def _imported(
    portal: Portal, partner_id: str | None, creator_id: str | None
) -> tuple[Authorization, ...]:
    with portal.events() as con:
        return service.imported(con, partner_id=partner_id, creator_id=creator_id)


def _own_scope(
    principal: Principal, partner_id: str | None, creator_id: str | None
) -> tuple[str | None, str | None]:
    """The filters a caller may use: its own subject always, whatever it asks for."""
    if principal.role == "partner":
        if partner_id not in (None, principal.partner_id):
            raise Problem(404, f"no partner {partner_id!r}")
        return principal.partner_id, creator_id
    if principal.role == "creator":
        if creator_id not in (None, principal.creator_id):
            raise Problem(404, f"no creator {creator_id!r}")
        return partner_id, principal.creator_id
    return partner_id, creator_id


@router.get(
    "/requests/{request_id}", name="api.compass.requests.get", response_model=AccessRequestOut
)
def get_request(request_id: str, portal: PortalDep, principal: ApiUser) -> AccessRequestOut:
    partner_id, creator_id = _own_scope(principal, None, None)
    try:
        found = service.get_request(
            portal.state,
            request_id,
            partner_id=partner_id,
            creator_id=creator_id,
            imported=_imported(portal, partner_id, creator_id),
        )
    except CompassError as exc:
        raise _refusal(exc) from None
    return AccessRequestOut(**found)


def _move(
    portal: Portal, principal: Principal, request_id: str, what: service.Move
) -> AccessRequestOut:
    try:
        done = service.move(
            portal.state,
            request_id,
            what,
            actor=principal.login,
            markets=_markets(portal),
            creator_id=principal.creator_id,
            partner_id=principal.partner_id,
            imported=_imported(portal, principal.partner_id, principal.creator_id),
        )
    except CompassError as exc:
        raise _refusal(exc) from None
    return AccessRequestOut(**done)


@router.post(
    "/requests/{request_id}/approve",
    name="api.compass.requests.approve",
    response_model=AccessRequestOut,
    responses=responses(409),
)
def approve(request_id: str, portal: PortalDep, principal: ApiUser) -> AccessRequestOut:
    """The creator approves a pending request (refused at or after 168 h)."""
    return _move(portal, principal, request_id, "approve")


@router.post(
    "/requests/{request_id}/decline",
    name="api.compass.requests.decline",
    response_model=AccessRequestOut,
    responses=responses(409),
)
def decline(request_id: str, portal: PortalDep, principal: ApiUser) -> AccessRequestOut:
    """The creator declines a pending request (refused at or after 168 h)."""
    return _move(portal, principal, request_id, "decline")


@router.post(
    "/requests/{request_id}/revoke",
    name="api.compass.requests.revoke",
    response_model=AccessRequestOut,
    responses=responses(409),
)
def revoke(request_id: str, portal: PortalDep, principal: ApiUser) -> AccessRequestOut:
    """The creator revokes an approval: visible through today, gone from tomorrow."""
    return _move(portal, principal, request_id, "revoke")


@router.post(
    "/requests/{request_id}/withdraw",
    name="api.compass.requests.withdraw",
    response_model=AccessRequestOut,
    responses=responses(409),
)
def withdraw(request_id: str, portal: PortalDep, principal: ApiUser) -> AccessRequestOut:
    """The partner gives up an approval it holds (a pending request cannot be withdrawn)."""
    return _move(portal, principal, request_id, "withdraw")


@router.get("/access-log", name="api.compass.access_log", response_model=Page[AccessLogEntryOut])
def access_log(
    portal: PortalDep,
    principal: ApiUser,
    creator_id: Filter = None,
    partner_id: Filter = None,
    login: Annotated[str | None, Query(max_length=128)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AccessLogEntryOut]:
    """Who read which days of whose numbers, and when, newest first: a creator's own,
    everything for an operator."""
    partner_id, creator_id = _own_scope(principal, partner_id, creator_id)
    query = AccessQuery(creator_id, partner_id, login, since, until)
    total, entries = service.access_log(portal.state, query, offset=offset, limit=limit)
    return Page[AccessLogEntryOut](
        total=total,
        offset=offset,
        limit=limit,
        items=[AccessLogEntryOut(**e) for e in entries],
    )


# -- a partner's numbers (compass.md §3) ----------------------------------------------------

FromDay = Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD), included.")]
ToDay = Annotated[date, Query(alias="to", description="Last day (YYYY-MM-DD), included.")]


def _query_range(portal: Portal, first: date, last: date) -> QueryRange:
    """The range as of the portal's today, or a 422 naming the parameter at fault: `to`
    for a range that ends before it starts or spans over 30 days, `from` for one reaching
    before the last 6 months."""
    try:
        return QueryRange.custom(first, last, portal.today())
    except RangeRefused as exc:
        fits = first <= last and (last - first).days < MAX_QUERY_DAYS
        raise Problem.field("query.from" if fits else "query.to", str(exc)) from None


def _reader(principal: Principal) -> Reader:
    return Reader(principal.login, principal.role, principal.partner_id or "", "api")


@router.get(
    "/creators",
    name="api.compass.creators",
    response_model=CreatorListOut,
    responses=responses(422),
)
def creators(portal: PortalDep, principal: ApiUser, first: FromDay, last: ToDay) -> CreatorListOut:
    """Every creator bound to the caller's partner in the range, its numbers over the days
    the partner may see (compass.md §3); the creators read are logged."""
    query = _query_range(portal, first, last)
    with portal.events() as con:
        try:
            found = service.read_creators(portal.state, con, query, _reader(principal))
        except CompassError as exc:
            raise _refusal(exc) from None
    return CreatorListOut.model_validate(found.to_dict())


@router.get(
    "/overview",
    name="api.compass.overview",
    response_model=OverviewOut,
    responses=responses(422),
)
def overview(portal: PortalDep, principal: ApiUser, first: FromDay, last: ToDay) -> OverviewOut:
    """The data overview over the partner's authorized creators' visible days, with the
    previous period of the same length; the creators read are logged."""
    query = _query_range(portal, first, last)
    with portal.events() as con:
        try:
            found = service.read_overview(portal.state, con, query, _reader(principal))
        except CompassError as exc:
            raise _refusal(exc) from None
    return OverviewOut.model_validate(found.to_dict())


@router.get(
    "/analytics",
    name="api.compass.analytics",
    response_model=AnalyticsOut,
    responses=responses(404, 422),
)
def analytics(
    portal: PortalDep,
    principal: ApiUser,
    first: FromDay,
    last: ToDay,
    creator_id: Filter = None,
) -> AnalyticsOut:
    """Creator analytics of the partner's authorized creators (of one, with `creator_id`: a
    creator the partner was never bound to answers 404, as one that does not exist); the
    creators read are logged."""
    query = _query_range(portal, first, last)
    with portal.events() as con:
        try:
            found = service.read_analytics(portal.state, con, query, _reader(principal), creator_id)
        except CompassError as exc:
            raise _refusal(exc) from None
    return AnalyticsOut.model_validate(found.to_dict())


# --- Data Compass: livestream, video and product analytics and exports -----------------
# A signed-in partner user over its own creators as of today, over the days it may see;
# every creator whose numbers an answer holds is written to the access log. A livestream
# or video it may not see answers 404, exactly as one that does not exist.

Search = Annotated[str | None, Query(max_length=200)]


R = TypeVar("R", bound=service.Reads)


def _analytics(
    portal: Portal,
    principal: Principal,
    first: date,
    last: date,
    read: ModuleRun[R],
    *,
    what: str,
    via: Via = "api",
) -> R:
    """Run one module for the caller's partner as of today, through the service (which
    logs the creators it read)."""
    partner_id = principal.partner_id
    if partner_id is None:
        raise Problem(404, "no partner for this user")
    query = _query_range(portal, first, last)
    reader = service.Reader(principal.login, principal.role, partner_id, via)
    return read_module(portal, reader, query, what, read)


@router.get("/lives", name="api.compass.lives.list", responses=responses(422))
def lives(portal: PortalDep, principal: ApiUser, first: FromDay, last: ToDay) -> dict[str, Any]:
    """The history of the partner's creators' livestreams on visible days, with totals
    compared with the previous period of the same length."""
    return _analytics(
        portal, principal, first, last,
        lambda c, p, q, x: live_history(c, p, q, x), what="lives",
    ).to_dict()  # fmt: skip


@router.get("/lives/{live_id}", name="api.compass.lives.get", responses=responses(404, 422))
def live(
    live_id: str, portal: PortalDep, principal: ApiUser, first: FromDay, last: ToDay
) -> dict[str, Any]:
    """One livestream: per-product sales and conversion, per-minute trends, traffic
    sources, violation notices, profiles over 1,000 users."""
    return _analytics(
        portal, principal, first, last,
        lambda c, p, q, x: live_detail(c, p, q, live_id, x), what=f"live {live_id}",
    ).to_dict()  # fmt: skip


@router.get("/videos", name="api.compass.videos.list", responses=responses(422))
def videos(
    portal: PortalDep,
    principal: ApiUser,
    first: FromDay,
    last: ToDay,
    sort: VideoOrder = "views",
    search: Search = None,
) -> dict[str, Any]:
    """The videos posted on visible days, sorted by views, new followers, revenue or RPM."""
    return _analytics(
        portal, principal, first, last,
        lambda c, p, q, x: video_list(c, p, q, sort, search, x), what="videos",
    ).to_dict()  # fmt: skip


@router.get("/videos/{video_id}", name="api.compass.videos.get", responses=responses(404, 422))
def video(
    video_id: str,
    portal: PortalDep,
    principal: ApiUser,
    first: FromDay,
    last: ToDay,
    product_id: Search = None,
) -> dict[str, Any]:
    """One video, its products and the top-3 visible videos by revenue of the same product."""
    return _analytics(
        portal, principal, first, last,
        lambda c, p, q, x: video_detail(c, p, q, video_id, product_id, x),
        what=f"video {video_id}",
    ).to_dict()  # fmt: skip


@router.get("/products", name="api.compass.products.list", responses=responses(422))
def products(
    portal: PortalDep, principal: ApiUser, first: FromDay, last: ToDay, search: Search = None
) -> dict[str, Any]:
    """Product analytics over visible days, compared with the previous period."""
    return _analytics(
        portal, principal, first, last,
        lambda c, p, q, x: product_list(c, p, q, search, x), what="products",
    ).to_dict()  # fmt: skip


@router.get(
    "/products/{product_id}", name="api.compass.products.get", responses=responses(404, 422)
)
def product(
    product_id: str, portal: PortalDep, principal: ApiUser, first: FromDay, last: ToDay
) -> dict[str, Any]:
    """One product sold or shown on a visible day: its figures against the previous
    period, the exposure → click → order funnel and each creator's share."""
    return _analytics(
        portal, principal, first, last,
        lambda c, p, q, x: product_detail(c, p, q, product_id, x), what=f"product {product_id}",
    ).to_dict()  # fmt: skip


@router.get(
    "/exports/{what}.{fmt}",
    name="api.compass.exports.get",
    response_class=Response,
    responses={
        200: {"content": {m: {} for m in MEDIA_TYPES.values()}},
        **responses(422),
    },
)
def export(
    what: ExportList, fmt: ExportFormat, portal: PortalDep, principal: ApiUser,
    first: FromDay, last: ToDay,
) -> Response:  # fmt: skip
    """A list (live history, creators, videos, products) as CSV or XLSX."""

    def read(con: Any, p: str, q: QueryRange, x: Sequence[Authorization]) -> ExportFile:
        return export_file(con, p, what, fmt, q, x)

    done = _analytics(portal, principal, first, last, read, what=f"export {what}", via="export")
    name = f"compass-{what}-{first}-{last}.{fmt}"
    return Response(
        done.body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
