"""Data Compass's portal pages.

A partner's user sees the overview and its creators in three tabs (authorized, requested,
unauthorized) and asks for access; a creator's user answers requests, sees who has access,
revokes, and reads the access log. Numbers come from `compass.analytics` (which asks the
authorization rules for every creator's visible days) and moves from `compass.service`:
this module decides nothing about who may see what. Every page that shows a creator's
numbers logs the read. "Today" is the portal's (`Portal.today`) and the workflow's instant
is the state store's clock, so tests move both.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from tierwise.accounts import Principal
from tierwise.compass import analytics, service
from tierwise.compass.authorizations import Authorization
from tierwise.compass.consent import Consent
from tierwise.compass.days import DayRange, earliest_visible_day
from tierwise.compass.errors import CompassError, RequestNotFound, RequestRefused
from tierwise.compass.exports import FORMATS, ExportList
from tierwise.compass.markets import market_zone
from tierwise.compass.ranges import QueryRange
from tierwise.compass.repository import AccessQuery, Via
from tierwise.web.context import Portal
from tierwise.web.forms import form_error
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.i18n import translator
from tierwise.web.problems import Problem
from tierwise.web.render import language, render, templates

router = APIRouter()

Tab = Literal["authorized", "requested", "unauthorized"]
TABS: tuple[Tab, ...] = ("authorized", "requested", "unauthorized")
#: The presets the pages offer, then "custom" (from/to).
RANGE_PRESETS = ("yesterday", "last_7_days", "last_28_days", "custom")
#: `?flash=` values the Data Compass pages' redirects may ask for.
FLASHES = {
    "requested": "compass_flash_requested",
    "approved": "compass_flash_approved",
    "declined": "compass_flash_declined",
    "revoked": "compass_flash_revoked",
}
#: How far ahead the request form's period reaches by default.
DEFAULT_REQUEST_AHEAD = timedelta(days=180)
ACCESS_LOG_ROWS = 50

QueryText = Annotated[str, Query(max_length=40)]
DateField = Annotated[str, Form(max_length=40)]


# --- shared ----------------------------------------------------------------------------


def _markets(portal: Portal) -> dict[str, str]:
    return {pid: info.market for pid, info in portal.catalog.partners.items()}


def partner_of(principal: Principal) -> str:
    if not principal.partner_id:  # the access table lets partners only; a user without one
        raise Problem(404, "no partner")
    return principal.partner_id


def _creator_of(principal: Principal) -> str:
    if not principal.creator_id:
        raise Problem(404, "no creator")
    return principal.creator_id


def _flash(request: Request) -> str | None:
    return FLASHES.get(request.query_params.get("flash", ""))


def page_reader(principal: Principal, partner_id: str, via: Via = "page") -> service.Reader:
    """Who reads through a page (or its export link): what the access log records."""
    return service.Reader(principal.login, principal.role, partner_id, via)


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CompassError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class RangeChoice:
    """The range the partner asked for (as typed, to show it again) and, when compass.md
    allows it, the query; otherwise the refusal's message."""

    preset: str
    first: str
    last: str
    query: QueryRange | None
    refused: str | None


def choose_range(preset: str, first: str, last: str, as_of: date) -> RangeChoice:
    """The query range of `?range=&from=&to=`: a preset, or a custom range that is refused
    with compass.md's message when it is too long, reversed or too old — never cut."""
    preset = preset or "last_7_days"
    try:
        if preset == "yesterday":
            query = QueryRange.yesterday(as_of)
        elif preset == "last_7_days":
            query = QueryRange.last_7_days(as_of)
        elif preset == "last_28_days":
            query = QueryRange.last_28_days(as_of)
        elif preset == "custom":
            query = QueryRange.custom(_date(first, "from"), _date(last, "to"), as_of)
        else:
            raise CompassError(f"unknown range {preset!r}: use {', '.join(RANGE_PRESETS)}")
    except CompassError as exc:
        return RangeChoice(preset, first, last, None, str(exc))
    return RangeChoice(preset, query.first.isoformat(), query.last.isoformat(), query, None)


def range_query(choice: RangeChoice) -> str:
    """The picker's range as a query string, for the links between the pages."""
    return f"range={choice.preset}&from={choice.first}&to={choice.last}"


def export_links(what: ExportList, choice: RangeChoice) -> list[dict[str, str]]:
    """A list page's download links: the list over the page's range in each format."""
    return [
        {"fmt": fmt, "href": f"/compass/exports/{what}.{fmt}?{range_query(choice)}"}
        for fmt in FORMATS
    ]


def format_usd(value: Decimal | float | int | None) -> str:
    """Money for people, in US dollars to the cent ("US$1,234.50")."""
    if value is None:
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sign = "−" if amount < 0 else ""
    return f"{sign}US${abs(amount):,.2f}"


def format_percent(value: float | None) -> str:
    """A rate as a percentage with one decimal ("12.5%")."""
    return "—" if value is None else f"{value * 100:.1f}%"


def format_change(value: float | None) -> str:
    """A relative change with its sign ("+12.5%", "−3.0%"); "—" when it cannot be told."""
    if value is None:
        return "—"
    return f"{'+' if value >= 0 else '−'}{abs(value) * 100:.1f}%"


# --- the partner's pages ---------------------------------------------------------------

#: The overview's figures in the order shown, with how each is written.
FIGURES: tuple[tuple[str, str], ...] = (
    ("gmv", "money"),
    ("settlement_gmv", "money"),
    ("refunds", "money"),
    ("orders", "count"),
    ("items_sold", "count"),
    ("authorized_creators", "count"),
    ("active_rate", "percent"),
    ("sales_rate", "percent"),
    ("livestreams", "count"),
    ("avg_gmv_per_livestream", "money"),
    ("live_avg_ctr", "percent"),
    ("videos", "count"),
    ("video_avg_ctr", "percent"),
    ("new_followers", "count"),
)


def range_context(choice: RangeChoice, as_of: date) -> dict[str, Any]:
    return {
        "range": choice,
        "presets": RANGE_PRESETS,
        "as_of": as_of,
    }


@router.get("/compass", name="page.compass.overview")
def compass_overview(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    range_: Annotated[str, Query(alias="range", max_length=40)] = "",
    from_: Annotated[str, Query(alias="from", max_length=40)] = "",
    to: QueryText = "",
) -> Response:
    """The partner's overview: totals over its authorized creators' visible days, each with
    its change from the previous period, and the GMV by channel as a chart."""
    partner_id = partner_of(principal)
    as_of = portal.today()
    choice = choose_range(range_, from_, to, as_of)
    context: dict[str, Any] = {**range_context(choice, as_of), "overview": None}
    if choice.query is None:
        context["form_error"] = {"status": 422, "detail": choice.refused}
        return render(request, "compass_overview.html", context, status_code=422)
    with portal.events() as con:
        result = service.read_overview(
            portal.state, con, choice.query, page_reader(principal, partner_id)
        )
    t = translator(language(request, principal))
    now, then, changes = result.current, result.previous, result.changes
    figures = [
        {
            "key": key,
            "kind": kind,
            "value": getattr(now, key),
            "previous": getattr(then, key),
            "change": changes.get(key),
        }
        for key, kind in FIGURES
    ]

    def other(f: analytics.OverviewFigures) -> float:
        return float(f.gmv - f.live_gmv - f.video_gmv)

    chart = {
        "labels": [
            t("compass_channel_live"),
            t("compass_channel_video"),
            t("compass_channel_other"),
        ],
        "datasets": [
            {
                "label": t("compass_previous_period"),
                "data": [float(then.live_gmv), float(then.video_gmv), other(then)],
            },
            {
                "label": t("compass_this_period"),
                "data": [float(now.live_gmv), float(now.video_gmv), other(now)],
            },
        ],
    }
    context.update(
        overview=result,
        figures=figures,
        chart=chart,
        bound=now.bound_creators,
    )
    return render(request, "compass_overview.html", context)


def _creators_context(
    portal: Portal,
    request: Request,
    principal: Principal,
    tab: str,
    choice: RangeChoice,
    as_of: date,
) -> dict[str, Any]:
    """The creators page: the list (numbers only for authorized creators), the partner's
    pending requests, and the form that asks for access."""
    partner_id = partner_of(principal)
    chosen: Tab = tab if tab in TABS else "authorized"
    context: dict[str, Any] = {
        **range_context(choice, as_of),
        "tab": chosen,
        "tabs": TABS,
        "authorized": [],
        "unauthorized": [],
        "pending": [],
        "flash": _flash(request),
        "request_from": earliest_visible_day(as_of).isoformat(),
        "request_to": (as_of + DEFAULT_REQUEST_AHEAD).isoformat(),
        "principal_market": _markets(portal).get(partner_id),
        "exports": export_links("creators", choice) if choice.query is not None else [],
    }
    with portal.state.reading() as session:
        pending = Consent(session).find(partner_id=partner_id, statuses=("pending",))
    pending_creators = {v.authorization.creator_id for v in pending}
    if choice.query is not None:
        with portal.events() as con:
            listing = service.read_creators(
                portal.state, con, choice.query, page_reader(principal, partner_id)
            )
        handles = {e.creator_id: e.handle for e in listing.creators}
        context["authorized"] = [e for e in listing.creators if e.authorized]
        context["unauthorized"] = [
            {"entry": e, "pending": e.creator_id in pending_creators}
            for e in listing.creators
            if not e.authorized
        ]
    else:
        handles = {}
    context["pending"] = [
        {"view": v, "handle": handles.get(v.authorization.creator_id, v.authorization.creator_id)}
        for v in pending
    ]
    return context


@router.get("/compass/creators", name="page.compass.creators")
def compass_creators(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    tab: QueryText = "authorized",
    range_: Annotated[str, Query(alias="range", max_length=40)] = "",
    from_: Annotated[str, Query(alias="from", max_length=40)] = "",
    to: QueryText = "",
) -> Response:
    as_of = portal.today()
    choice = choose_range(range_, from_, to, as_of)
    context = _creators_context(portal, request, principal, tab, choice, as_of)
    if choice.refused is not None:
        context["form_error"] = {"status": 422, "detail": choice.refused}
        return render(request, "compass_creators.html", context, status_code=422)
    return render(request, "compass_creators.html", context)


@router.post("/compass/creators/{creator_id}/request", name="page.compass.request")
def compass_request(
    creator_id: str,
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    period_from: DateField = "",
    period_to: DateField = "",
) -> Response:
    """Ask a creator bound to the partner for access to a period. A creator the partner
    was never bound to answers 404; a refused request is shown on the page with why."""
    partner_id = partner_of(principal)
    try:
        period = DayRange(_date(period_from, "from"), _date(period_to, "to"))
        with portal.events() as con:
            service.request_access(
                portal.state,
                con,
                partner_id,
                creator_id,
                period,
                actor=principal.login,
                markets=_markets(portal),
            )
    except RequestNotFound as exc:
        raise Problem(404, str(exc)) from None
    except CompassError as exc:
        status = 409 if isinstance(exc, RequestRefused) else 422
        as_of = portal.today()
        choice = choose_range("", "", "", as_of)
        context = _creators_context(portal, request, principal, "unauthorized", choice, as_of)
        context.update(
            form_error=form_error(Problem(status, str(exc))),
            self_url="/compass/creators",
            refused_creator=creator_id,
        )
        return render(request, "compass_creators.html", context, status_code=status)
    return RedirectResponse("/compass/creators?tab=requested&flash=requested", status_code=303)


# --- the creator's pages ---------------------------------------------------------------


def _imported_of(portal: Portal, creator_id: str) -> tuple[Authorization, ...]:
    """The platform's (imported) authorization rows of the creator, listed and answered
    or revoked on its page like the workflow's."""
    with portal.events() as con:
        return service.imported(con, partner_id=None, creator_id=creator_id)


def _consent_context(portal: Portal, request: Request, principal: Principal) -> dict[str, Any]:
    creator_id = _creator_of(principal)
    found = service.requests(
        portal.state, creator_id=creator_id, imported=_imported_of(portal, creator_id)
    )
    total, entries = service.access_log(
        portal.state, AccessQuery(creator_id=creator_id), limit=ACCESS_LOG_ROWS
    )

    def named(row: dict[str, Any]) -> dict[str, Any]:
        info = portal.catalog.partners.get(row.get("partner_id") or "")
        return {
            **row,
            "partner_name": info.name if info is not None else (row.get("partner_id") or "—"),
            "market": info.market if info is not None else None,
        }

    return {
        "pending": [named(r) for r in found if r["status"] == "pending"],
        "granted": [named(r) for r in found if r["status"] == "approved"],
        "log": [named(e) for e in entries],
        "log_total": total,
        "flash": _flash(request),
    }


@router.get("/compass/consent", name="page.compass.consent")
def compass_consent(request: Request, portal: PortalDep, principal: PageUser) -> Response:
    """The creator's page: requests to answer, who has access, and who looked."""
    return render(request, "compass_consent.html", _consent_context(portal, request, principal))


def _creator_move(
    request: Request,
    portal: Portal,
    principal: Principal,
    request_id: str,
    what: service.Move,
) -> Response:
    done = {"approve": "approved", "decline": "declined", "revoke": "revoked"}
    try:
        service.move(
            portal.state,
            request_id,
            what,
            actor=principal.login,
            markets=_markets(portal),
            creator_id=_creator_of(principal),
            imported=_imported_of(portal, _creator_of(principal)),
        )
    except RequestNotFound as exc:
        raise Problem(404, str(exc)) from None
    except CompassError as exc:
        context = _consent_context(portal, request, principal)
        context.update(form_error=form_error(Problem(409, str(exc))), self_url="/compass/consent")
        return render(request, "compass_consent.html", context, status_code=409)
    return RedirectResponse(f"/compass/consent?flash={done[what]}", status_code=303)


@router.post("/compass/consent/{request_id}/approve", name="page.compass.approve")
def compass_approve(
    request_id: str, request: Request, portal: PortalDep, principal: PageUser
) -> Response:
    return _creator_move(request, portal, principal, request_id, "approve")


@router.post("/compass/consent/{request_id}/decline", name="page.compass.decline")
def compass_decline(
    request_id: str, request: Request, portal: PortalDep, principal: PageUser
) -> Response:
    return _creator_move(request, portal, principal, request_id, "decline")


@router.post("/compass/consent/{request_id}/revoke", name="page.compass.revoke")
def compass_revoke(
    request_id: str, request: Request, portal: PortalDep, principal: PageUser
) -> Response:
    return _creator_move(request, portal, principal, request_id, "revoke")


def local_time(value: str | datetime | None, market: str | None) -> str:
    """An instant of the workflow in the partner's market time, to the minute."""
    if value is None:
        return "—"
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if market:
        with contextlib.suppress(CompassError):  # an unknown market: shown in UTC
            instant = instant.astimezone(market_zone(market))
    return instant.strftime("%Y-%m-%d %H:%M")


templates.env.filters["usd"] = format_usd
templates.env.filters["percent"] = format_percent
templates.env.filters["change"] = format_change
templates.env.filters["market_time"] = local_time


__all__ = [
    "RANGE_PRESETS",
    "TABS",
    "choose_range",
    "export_links",
    "page_reader",
    "partner_of",
    "range_context",
    "range_query",
    "router",
]
