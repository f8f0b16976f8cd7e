"""Data Compass's livestream, video and product pages for partners, and the exports the
list pages link to.

Each page reads one module of `compass.modules` through `service.read` (the one path that
counts the workflow's approvals and logs what was read) for the signed-in user's partner
and the range of the page's picker; this module decides nothing about who may see what. A
livestream, video or product the partner may not see answers 404 exactly like one that does
not exist; a refused range is shown in the page with a 422 and compass.md's message. The
exports use the page's session and are logged as exports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response

from tierwise.accounts import Principal
from tierwise.compass import service
from tierwise.compass.analytics import Profile
from tierwise.compass.authorizations import Authorization
from tierwise.compass.exports import MEDIA_TYPES, ExportFile, ExportFormat, ExportList, export_file
from tierwise.compass.module_reads import ModuleRun, read_module
from tierwise.compass.modules import (
    LiveDetail,
    LiveHistory,
    ProductDetail,
    ProductList,
    VideoDetail,
    VideoList,
    live_detail,
    live_history,
    product_detail,
    product_list,
    video_detail,
    video_list,
)
from tierwise.compass.pages import (
    RangeChoice,
    choose_range,
    export_links,
    local_time,
    page_reader,
    partner_of,
    range_context,
    range_query,
)
from tierwise.compass.ranges import QueryRange
from tierwise.compass.repository import Via
from tierwise.store.compass_activity import VIDEO_ORDERS, VideoOrder
from tierwise.web.context import Portal
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.i18n import translator
from tierwise.web.problems import Problem
from tierwise.web.render import language, render

router = APIRouter()

RangeArg = Annotated[str, Query(alias="range", max_length=40)]
FromArg = Annotated[str, Query(alias="from", max_length=40)]
ToArg = Annotated[str, Query(max_length=40)]
SearchArg = Annotated[str, Query(max_length=200)]

R = TypeVar("R", bound=service.Reads)
#: What a page adds to its context from a module's result, in the reader's language and
#: the partner's market time.
Shape = Callable[[R, Callable[..., str], str | None], dict[str, Any]]


def _read(
    portal: Portal,
    principal: Principal,
    query: QueryRange,
    what: str,
    run: ModuleRun[R],
    via: Via = "page",
) -> R:
    """One module over the user's partner, through the service (which logs the read)."""
    reader = page_reader(principal, partner_of(principal), via)
    return read_module(portal, reader, query, what, run)


def _page(
    request: Request,
    portal: Portal,
    principal: Principal,
    template: str,
    choice: RangeChoice,
    what: str,
    run: ModuleRun[R],
    shape: Shape[R],
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """A module page: the picker, and the module's numbers unless the range is refused
    (then the page says why, with a 422)."""
    as_of = portal.today()
    context: dict[str, Any] = {
        **range_context(choice, as_of),
        "title_key": template.removesuffix(".html"),
        "intro_key": None,
        **(extra or {}),
        "result": None,
        "range_query": range_query(choice),
        "self_url": request.url.path,
        "market": _market(portal, principal),
    }
    if choice.query is None:
        context["form_error"] = {"status": 422, "detail": choice.refused}
        return render(request, template, context, status_code=422)
    result = _read(portal, principal, choice.query, what, run)
    t = translator(language(request, principal))
    context.update(result=result, **shape(result, t, context["market"]))
    return render(request, template, context)


def _market(portal: Portal, principal: Principal) -> str | None:
    """The partner's market, whose time zone the pages' instants are shown in."""
    info = portal.catalog.partners.get(principal.partner_id or "")
    return None if info is None else info.market


def picked_range(
    portal: PortalDep, range_: RangeArg = "", from_: FromArg = "", to: ToArg = ""
) -> RangeChoice:
    """The range of the page's picker (`?range=&from=&to=`), as of the portal's today."""
    return choose_range(range_, from_, to, portal.today())


PickedRange = Annotated[RangeChoice, Depends(picked_range)]


def _bars(labels: Sequence[str], sets: Sequence[tuple[str, Sequence[float]]]) -> dict[str, Any]:
    """A chart's data island: labels and one data set per (label, values)."""
    return {
        "labels": list(labels),
        "datasets": [{"label": name, "data": list(values)} for name, values in sets],
    }


def _profiles(**groups: Profile | None) -> list[dict[str, Any]]:
    """The profiles a page shows: the split, or None for "not enough users"."""
    return [{"stage": stage, "profile": p} for stage, p in groups.items()]


# --- livestreams -------------------------------------------------------------------------


def _lives_shape(h: LiveHistory, t: Callable[..., str], market: str | None) -> dict[str, Any]:
    names = ("livestreams", "duration_s", "views", "orders", "items_sold", "gmv", "new_followers")
    totals = [
        {
            "key": name,
            "value": getattr(h.current, name),
            "previous": getattr(h.previous, name),
            "change": h.changes.get(name),
        }
        for name in names
    ]
    lives = list(reversed(h.lives))  # oldest first along the axis
    chart = _bars(
        [f"{local_time(r.started_at, market)} @{r.handle}" for r in lives],
        [(t("compass_fig_gmv"), [float(r.gmv) for r in lives])],
    )
    return {"totals": totals, "chart": chart}


@router.get("/compass/lives", name="page.compass.lives")
def compass_lives(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    choice: PickedRange,
) -> Response:
    """The partner's creators' livestreams on visible days, with the totals against the
    previous period and the GMV of each livestream as a chart."""
    return _page(
        request, portal, principal, "compass_lives.html", choice, "lives",
        lambda c, p, q, x: live_history(c, p, q, x), _lives_shape,
        {"exports": export_links("lives", choice), "intro_key": "compass_lives_intro"},
    )  # fmt: skip


def _live_shape(d: LiveDetail, t: Callable[..., str], market: str | None) -> dict[str, Any]:
    minutes = [local_time(m.minute, market)[-5:] for m in d.minutes]  # HH:MM
    trend = _bars(
        minutes,
        [
            (t("compass_online_viewers"), [m.online_viewers for m in d.minutes]),
            (t("compass_product_clicks"), [m.product_clicks for m in d.minutes]),
            (t("compass_fig_new_followers"), [m.new_followers for m in d.minutes]),
        ],
    )
    sources = _bars(
        [t("compass_source_" + s.source) for s in d.sources],
        [(t("compass_views"), [s.views for s in d.sources])],
    )
    profiles = _profiles(viewer=d.viewer_profile, buyer=d.buyer_profile)
    return {"trend": trend, "sources_chart": sources, "profiles": profiles}


@router.get("/compass/lives/{live_id}", name="page.compass.live")
def compass_live(
    live_id: str,
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    choice: PickedRange,
) -> Response:
    """One livestream started on a visible day of the range: per-product sales and
    conversion, the per-minute trend, traffic sources, violation notices and the profiles
    of groups over 1,000 users."""
    return _page(
        request, portal, principal, "compass_live.html", choice, f"live {live_id}",
        lambda c, p, q, x: live_detail(c, p, q, live_id, x), _live_shape,
    )  # fmt: skip


# --- videos ------------------------------------------------------------------------------


def _videos_shape(v: VideoList, t: Callable[..., str], _: str | None) -> dict[str, Any]:
    top = v.videos[:10]
    values = {
        "views": [float(r.views) for r in top],
        "new_followers": [float(r.new_followers) for r in top],
        "revenue": [float(r.revenue) for r in top],
        "rpm": [r.rpm or 0.0 for r in top],
    }[v.order]
    chart = _bars(
        [f"{r.video_id} @{r.handle}" for r in top], [(t("compass_sort_" + v.order), values)]
    )
    return {"chart": chart}


def _video_order(sort: str) -> VideoOrder:
    for order in VIDEO_ORDERS:
        if order == sort:
            return order
    raise Problem(422, f"sort: unknown video order {sort!r}: use {', '.join(VIDEO_ORDERS)}")


@router.get("/compass/videos", name="page.compass.videos")
def compass_videos(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    choice: PickedRange,
    sort: Annotated[str, Query(max_length=40)] = "views",
    search: SearchArg = "",
) -> Response:
    """The videos posted on visible days, sorted by views, new followers, revenue or RPM,
    searchable by id."""
    order = _video_order(sort)
    found = search.strip() or None
    return _page(
        request, portal, principal, "compass_videos.html", choice, "videos",
        lambda c, p, q, x: video_list(c, p, q, order, found, x), _videos_shape,
        {"exports": export_links("videos", choice), "intro_key": "compass_videos_intro",
         "sort": order, "orders": VIDEO_ORDERS, "search": search},
    )  # fmt: skip


def _video_shape(d: VideoDetail, t: Callable[..., str], _: str | None) -> dict[str, Any]:
    revenue = [float(d.video.revenue), *(float(v.revenue) for v in d.top_videos)]
    chart = _bars(
        [d.video.video_id, *(v.video_id for v in d.top_videos)],
        [(t("compass_revenue"), revenue)],
    )
    profiles = _profiles(viewer=d.viewer_profile, buyer=d.buyer_profile)
    return {"chart": chart, "profiles": profiles}


@router.get("/compass/videos/{video_id}", name="page.compass.video")
def compass_video(
    video_id: str,
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    choice: PickedRange,
    product_id: SearchArg = "",
) -> Response:
    """One video posted on a visible day: its content figures, its products, and the
    top-3 visible videos by revenue selling the same product."""
    product = product_id.strip() or None
    return _page(
        request, portal, principal, "compass_video.html", choice, f"video {video_id}",
        lambda c, p, q, x: video_detail(c, p, q, video_id, product, x), _video_shape,
    )  # fmt: skip


# --- products ----------------------------------------------------------------------------


def _products_shape(p: ProductList, t: Callable[..., str], _: str | None) -> dict[str, Any]:
    top = p.products[:10]
    chart = _bars(
        [r.current.title or r.current.product_id for r in top],
        [
            (t("compass_previous_period"), [float(r.previous.revenue) if r.previous else 0.0
                                            for r in top]),
            (t("compass_this_period"), [float(r.current.revenue) for r in top]),
        ],
    )  # fmt: skip
    return {"chart": chart}


@router.get("/compass/products", name="page.compass.products")
def compass_products(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    choice: PickedRange,
    search: SearchArg = "",
) -> Response:
    """The products sold on visible days by revenue, each with its exposure → click →
    order funnel, searchable by id or title."""
    found = search.strip() or None
    return _page(
        request, portal, principal, "compass_products.html", choice, "products",
        lambda c, p, q, x: product_list(c, p, q, found, x), _products_shape,
        {"exports": export_links("products", choice), "intro_key": "compass_products_intro",
         "search": search},
    )  # fmt: skip


def _product_shape(d: ProductDetail, t: Callable[..., str], _: str | None) -> dict[str, Any]:
    f = d.product.current
    funnel = _bars(
        [t("compass_exposure"), t("compass_clicks"), t("compass_fig_orders")],
        [(t("compass_this_period"), [f.exposure, f.clicks, f.live_product_orders])],
    )
    shares = _bars(
        ["@" + c.handle for c in d.creators],
        [(t("compass_revenue"), [float(c.revenue) for c in d.creators])],
    )
    return {"funnel_chart": funnel, "shares_chart": shares}


@router.get("/compass/products/{product_id}", name="page.compass.product")
def compass_product(
    product_id: str,
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    choice: PickedRange,
) -> Response:
    """One product with a visible sale or livestream showing: its figures against the
    previous period, the funnel and each creator's share."""
    return _page(
        request, portal, principal, "compass_product.html", choice, f"product {product_id}",
        lambda c, p, q, x: product_detail(c, p, q, product_id, x), _product_shape,
    )  # fmt: skip


# --- exports -----------------------------------------------------------------------------


@router.get("/compass/exports/{what}.{fmt}", name="page.compass.export")
def compass_export(
    what: ExportList,
    fmt: ExportFormat,
    portal: PortalDep,
    principal: PageUser,
    choice: PickedRange,
) -> Response:
    """A list of the page as CSV or XLSX over the page's range, read with the page's
    session and logged as an export."""
    if choice.query is None:
        raise Problem(422, choice.refused)
    query = choice.query

    def run(con: Any, p: str, q: QueryRange, x: Sequence[Authorization]) -> ExportFile:
        return export_file(con, p, what, fmt, q, x)

    done = _read(portal, principal, query, f"export {what}", run, via="export")
    name = f"compass-{what}-{query.first}-{query.last}.{fmt}"
    return Response(
        done.body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


__all__ = ["router"]
