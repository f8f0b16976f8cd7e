"""The cross-partner probe for Data Compass: twenty thousand generated requests over every
Data Compass route and page that shows numbers — the API's creators, overview, analytics,
lives, lives/{id}, videos, videos/{id}, products, products/{id} and the CSV/XLSX exports,
and the partner pages /compass, /compass/creators, /compass/lives[/{id}],
/compass/videos[/{id}], /compass/products[/{id}] and /compass/exports — against a world
of six partners with ten creators each, about half of them aimed at real creators or
content of other partners or at days of the partner's own creators that it may not see
(bound but never asked, revoked, pending, declined, answered too late, outside the
requested period or the contract window, the approval day itself, an excluded region).

For every answer: no server error; the status a partner's user gets (200, 404 for a creator
or content it may not see, 422 for a refused range; 403 for any other role); not one other
partner's creator named anywhere in the body; every number — in a list, a total, a chart,
a table, an export (CSV parsed, XLSX opened with openpyxl) — equal to the sum over the
visible days only, worked out here from the generated rows and the visible days written by
hand below (an other creator's figure, or a day it may not see, would change a total or a
count); a 404 for another partner's creator or content that reads exactly like the one for
an id nobody has. At the end, the access log holds exactly one entry per creator read per
answer, each of the caller's own partner and creator, through the way it was asked (api,
page, export).

As of 2024-09-30 (Bangkok, UTC+7), so the last 6 months start 2024-03-30 and yesterday
is 2024-09-29. Every creator has an order every day from 2024-08-01 to 2024-09-30 at
noon, a livestream every third day (13:00-14:00) and a video every second day (14:00).
The day's order was sold in the day's livestream if there is one, else in the day's video
if there is one, else in the showcase; its product is the partner's own `PX-<partner>` on
days 5, 10, …, else one of PA, PB, PC that every partner sells."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import multiprocessing
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import httpx
import openpyxl
import pytest

from tierwise.accounts import Accounts, NewUser
from tierwise.compass.repository import AccessLog, AccessQuery
from tierwise.db.engine import StateStore
from tierwise.db.models import CompassRequest
from tierwise.server.app import create_app
from tierwise.store import EventStore
from tierwise.testing.scenarios import export
from tierwise.testing.world import World
from tierwise.web.context import Portal

REQUESTS = 20_000
WORKERS = 2
SEED = 20_240_930
TODAY = date(2024, 9, 30)
BK = ZoneInfo("Asia/Bangkok")
PASSWORD = "correct horse battery"
PARTNERS = [f"P{i}" for i in range(6)]
FIRST_DATA_DAY = date(2024, 8, 1)
#: The earliest `from` the probe asks for (a range may reach back before the data).
EARLIEST_ASKED = date(2024, 7, 20)


def d(month: int, day: int) -> date:
    return date(2024, month, day)


#: Each creator's situation, and the days it shows as of TODAY, by hand (compass.md §1).
KINDS: dict[str, tuple[tuple[date, date], ...]] = {
    # approved 04-02 for 04-01..12-31: up to yesterday
    "full": ((d(4, 1), d(9, 29)),),
    # bound, never asked
    "never": (),
    # approved, revoked by the creator on 09-10 (< today): gone
    "revoked": (),
    # asked on 09-28 through the workflow, no answer yet
    "pending": (),
    # approved through the workflow for 09-05..09-15 only
    "part": ((d(9, 5), d(9, 15)),),
    # contract window ends (exclusive) 09-20; approved for 08-01..12-31
    "window": ((d(8, 1), d(9, 19)),),
    # declined
    "declined": (),
    # approved on 09-01 at 00:00Z, 168 h after the request: no effect
    "late": (),
    # approved today (10:00 Bangkok) for 09-01..09-30 through the workflow: up to yesterday
    "today": ((d(9, 1), d(9, 29)),),
    # approved, but the creator's region (US) is excluded
    "us": (),
}
VISIBLE_KINDS = frozenset(k for k, days in KINDS.items() if days)


def creator_id(partner: str, kind: str) -> str:
    return f"k.{partner}.{kind}"


#: Finds every creator id of the world in a body.
CREATOR_MARK = re.compile(r"k\.P\d\.[a-z]+")
NONEXISTENT = ["k.P9.full", "k.P0.nope", "nobody", "k.P1", "P0"]
ALL_CREATORS = {creator_id(p, k): (p, k) for p in PARTNERS for k in KINDS}


def amount(partner: str, kind: str, day: date) -> Decimal:
    """The creator's order of the day (distinct per creator and day)."""
    return Decimal(PARTNERS.index(partner) * 1000 + list(KINDS).index(kind) * 50 + day.day) + (
        Decimal("0.25")
    )


def refund(day: date) -> Decimal:
    return Decimal("1.50") if day.day % 2 == 0 else Decimal(0)


def has_live(partner: str, day: date) -> bool:
    return day.toordinal() % 3 == PARTNERS.index(partner) % 3


def has_video(day: date) -> bool:
    return day.toordinal() % 2 == 0


PRODUCTS = ("PA", "PB", "PC")


def product_of(partner: str, day: date) -> str:
    """The product of the creator's order of the day."""
    return f"PX-{partner}" if day.day % 5 == 0 else PRODUCTS[day.toordinal() % 3]


def channel_of(partner: str, day: date) -> str:
    """Where the day's order was sold: its livestream, else its video, else the showcase."""
    if has_live(partner, day):
        return "live"
    return "video" if has_video(day) else "showcase"


def live_id(partner: str, kind: str, day: date) -> str:
    return f"L-{creator_id(partner, kind)}-{day:%m%d}"


def video_id(partner: str, kind: str, day: date) -> str:
    return f"V-{creator_id(partner, kind)}-{day:%m%d}"


CONTENT_ID = re.compile(r"[LV]-k\.(P\d)\.([a-z]+)-(\d\d)(\d\d)")


def content_of(content_id: str) -> tuple[str, str, date] | None:
    """The (partner, kind, day) a livestream's or video's id names, None for no such id."""
    found = CONTENT_ID.fullmatch(content_id)
    if found is None or found.group(2) not in KINDS:
        return None
    try:
        day = date(2024, int(found.group(3)), int(found.group(4)))
    except ValueError:
        return None
    return found.group(1), found.group(2), day


def data_days() -> Iterator[date]:
    day = FIRST_DATA_DAY
    while day <= TODAY:
        yield day
        day += timedelta(days=1)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BK)


def row(partner: str, kind: str, request_id: str, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict(
        request_id=request_id,
        partner_id=partner,
        creator_id=creator_id(partner, kind),
        requested_at=datetime(2024, 4, 1, tzinfo=UTC),
        period_from=d(4, 1),
        period_to=d(12, 31),
        responded_at=datetime(2024, 4, 2, tzinfo=UTC),
        response="approved",
        revoked_at=None,
        revoked_by=None,
    )
    return {**base, **values}


def imported_rows(partner: str) -> list[dict[str, Any]]:
    return [
        row(partner, "full", f"{partner}-full"),
        row(partner, "window", f"{partner}-window", period_from=d(8, 1)),
        row(partner, "declined", f"{partner}-declined", response="declined"),
        row(
            partner,
            "late",
            f"{partner}-late",
            requested_at=datetime(2024, 8, 25, tzinfo=UTC),
            responded_at=datetime(2024, 9, 1, tzinfo=UTC),
        ),
        row(partner, "us", f"{partner}-us"),
    ]


def workflow_rows(partner: str) -> list[dict[str, Any]]:
    return [
        row(
            partner,
            "revoked",
            f"wf-{partner}-revoked",
            revoked_at=datetime(2024, 9, 10, 3, tzinfo=UTC),
            revoked_by="creator",
        ),
        row(
            partner,
            "pending",
            f"wf-{partner}-pending",
            requested_at=datetime(2024, 9, 28, tzinfo=UTC),
            responded_at=None,
            response=None,
        ),
        row(
            partner,
            "part",
            f"wf-{partner}-part",
            period_from=d(9, 5),
            period_to=d(9, 15),
            requested_at=datetime(2024, 8, 1, tzinfo=UTC),
            responded_at=datetime(2024, 8, 1, 5, tzinfo=UTC),
        ),
        row(
            partner,
            "today",
            f"wf-{partner}-today",
            period_from=d(9, 1),
            period_to=d(9, 30),
            requested_at=datetime(2024, 9, 29, tzinfo=UTC),
            responded_at=datetime(2024, 9, 30, 3, tzinfo=UTC),
        ),
    ]


def build_world(folder: Path) -> tuple[str, Path]:
    w = World()
    w.seller("S0", market="TH")
    for product in (*PRODUCTS, *(f"PX-{p}" for p in PARTNERS)):
        w.add("products", product_id=product, seller_id="S0", title=f"title {product}", stock=1)
    for partner in PARTNERS:
        w.partner(partner, kind="tsp", market="TH", joined_on=d(1, 1))
        for kind in KINDS:
            cid = creator_id(partner, kind)
            w.creator(cid, region="US" if kind == "us" else "TH")
            ended = d(9, 20) if kind == "window" else None
            w.bind(partner, cid, "content", date(2020, 1, 1), ended, "creator")
            for day in data_days():
                channel = channel_of(partner, day)
                content = {
                    "live": live_id(partner, kind, day),
                    "video": video_id(partner, kind, day),
                }.get(channel)
                w.order(
                    at(day, 12),
                    amount(partner, kind, day),
                    creator_id=cid,
                    currency="USD",
                    refund=str(refund(day)),
                    channel=channel,
                    content_id=content,
                    product_id=product_of(partner, day),
                )
                if has_live(partner, day):
                    w.live(
                        cid, at(day, 13), at(day, 14), views=10, live_id=live_id(partner, kind, day)
                    )
                if has_video(day):
                    w.video(cid, at(day, 14), views=5, video_id=video_id(partner, kind, day))
        for values in imported_rows(partner):
            w.add("authorizations", **values)
    data = export(w, folder / "data")
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(data)
    url = f"sqlite:///{folder / 'state.db'}"
    with StateStore.open(url) as state, state.session() as session:
        accounts = Accounts(session)
        for partner in PARTNERS:
            accounts.add(
                NewUser(f"user-{partner}", partner, "partner", partner_id=partner), PASSWORD
            )
            for values in workflow_rows(partner):
                session.add(CompassRequest(**values))
        accounts.add(NewUser("op", "Olga", "operator"), PASSWORD)
        accounts.add(NewUser("seller-s0", "S0", "seller", seller_id="S0"), PASSWORD)
        accounts.add(
            NewUser("creator-full", "c", "creator", creator_id=creator_id("P0", "full")), PASSWORD
        )
    return url, db


# -- the numbers by hand ----------------------------------------------------------------------


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def visible(kind: str, first: date, last: date) -> list[date]:
    """The creator's visible days in [first, last], from KINDS."""
    return [
        day
        for a, b in KINDS[kind]
        for day in days_between(max(a, first), min(b, last))
        if max(a, first) <= min(b, last)
    ]


def cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def figures(partner: str, kind: str, days: list[date]) -> dict[str, Any]:
    """The creator's numbers over `days`, from the generated rows."""
    seen = [day for day in days if FIRST_DATA_DAY <= day <= TODAY]
    return {
        "gmv": sum((amount(partner, kind, day) for day in seen), Decimal(0)),
        "refunds": sum((refund(day) for day in seen), Decimal(0)),
        "orders": len(seen),
        "livestreams": sum(1 for day in seen if has_live(partner, day)),
        "videos": sum(1 for day in seen if has_video(day)),
    }


def bound_in(kind: str, first: date, last: date) -> bool:
    """Whether the creator's contract window overlaps [first, last] (only `window` ends)."""
    return kind != "window" or first < d(9, 20)


def expected_creators(partner: str, first: date, last: date) -> dict[str, Any]:
    listed = []
    for kind in sorted(KINDS, key=lambda k: creator_id(partner, k)):
        if not bound_in(kind, first, last):
            continue
        days = visible(kind, first, last)
        f = figures(partner, kind, days)
        metrics = None
        if days:
            metrics = {**f, "gmv": cents(f["gmv"]), "refunds": cents(f["refunds"])}
        cid = creator_id(partner, kind)
        listed.append(
            {
                "creator_id": cid,
                "handle": cid,
                "authorized": bool(days),
                "visible_days": len(days),
                "metrics": metrics,
            }
        )
    return {
        "partner_id": partner,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "as_of": TODAY.isoformat(),
        "creators": listed,
    }


def previous_of(first: date, last: date) -> tuple[date, date]:
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


def expected_overview(partner: str, first: date, last: date) -> dict[str, Any]:
    """The figures checked, for both periods: sums over every creator's visible days."""
    out = {}
    for name, (a, b) in (("current", (first, last)), ("previous", previous_of(first, last))):
        totals: dict[str, Any] = {"gmv": Decimal(0), "refunds": Decimal(0), "orders": 0}
        totals |= {"livestreams": 0, "videos": 0, "authorized_creators": 0, "bound_creators": 0}
        for kind in KINDS:
            totals["bound_creators"] += bound_in(kind, a, b)
            days = visible(kind, a, b)
            if not days:
                continue
            totals["authorized_creators"] += 1
            for key, value in figures(partner, kind, days).items():
                totals[key] += value
        out[name] = {**totals, "gmv": cents(totals["gmv"]), "refunds": cents(totals["refunds"])}
    return out


def expected_analytics(
    partner: str, first: date, last: date, only: str | None
) -> dict[str, tuple[int, float, int, float | None]]:
    """Per creator shown: (visible days, GMV, orders, previous GMV or None)."""
    before = previous_of(first, last)
    out = {}
    for kind in KINDS:
        cid = creator_id(partner, kind)
        days = visible(kind, first, last)
        if not days or (only is not None and only != cid):
            continue
        then = visible(kind, *before)
        f = figures(partner, kind, days)
        out[cid] = (
            len(days),
            cents(f["gmv"]),
            f["orders"],
            cents(figures(partner, kind, then)["gmv"]) if then else None,
        )
    return out


def read_count(route: str, partner: str, first: date, last: date, only: str | None) -> int:
    """How many access-log entries the answer writes: one per creator whose numbers it
    holds (the overview reads the previous period too)."""
    if route == "overview":
        before = previous_of(first, last)
        return sum(1 for k in KINDS if visible(k, first, last) or visible(k, *before))
    return sum(
        1
        for k in KINDS
        if visible(k, first, last) and (only is None or only == creator_id(partner, k))
    )


# -- the livestream, video and product modules by hand --------------------------------------

Money = dict[str, float]


def seen(kind: str, first: date, last: date) -> list[date]:
    """The creator's visible days in [first, last] that have data."""
    return [day for day in visible(kind, first, last) if FIRST_DATA_DAY <= day <= TODAY]


def any_visible(first: date, last: date) -> bool:
    """Whether any creator shows a day of the range: without one, a module reads nothing,
    not even the previous period."""
    return any(visible(kind, first, last) for kind in KINDS)


def module_reads(first: date, last: date) -> int:
    """Access-log entries of a list module's answer: every creator with a visible day in
    the range or the previous period, when the range has one at all."""
    if not any_visible(first, last):
        return 0
    before = previous_of(first, last)
    return sum(1 for k in KINDS if visible(k, first, last) or visible(k, *before))


def lives_in(partner: str, first: date, last: date) -> dict[str, Decimal]:
    """Each visible livestream's GMV (its day's order) over [first, last]."""
    return {
        live_id(partner, kind, day): amount(partner, kind, day)
        for kind in KINDS
        for day in seen(kind, first, last)
        if has_live(partner, day)
    }


def videos_in(partner: str, first: date, last: date) -> dict[str, Decimal]:
    """Each visible video's revenue: its day's order unless the day had a livestream."""
    return {
        video_id(partner, kind, day): (
            Decimal(0) if has_live(partner, day) else amount(partner, kind, day)
        )
        for kind in KINDS
        for day in seen(kind, first, last)
        if has_video(day)
    }


def sales_in(partner: str, first: date, last: date) -> dict[str, dict[str, Decimal]]:
    """Per product, each creator's revenue of it over [first, last]."""
    out: dict[str, dict[str, Decimal]] = {}
    for kind in KINDS:
        for day in seen(kind, first, last):
            per = out.setdefault(product_of(partner, day), {})
            cid = creator_id(partner, kind)
            per[cid] = per.get(cid, Decimal(0)) + amount(partner, kind, day)
    return out


def both(partner: str, first: date, last: date, of: Any) -> tuple[Any, Any]:
    """A module's content in the range and in the previous period (none when the range
    shows no day)."""
    if not any_visible(first, last):
        return of(partner, first, first - timedelta(days=1)), of(
            partner, first, first - timedelta(days=1)
        )
    return of(partner, first, last), of(partner, *previous_of(first, last))


def live_totals(lives: dict[str, Decimal]) -> dict[str, Any]:
    n = len(lives)
    return {
        "livestreams": n,
        "views": 10 * n,
        "orders": n,
        "gmv": cents(sum(lives.values(), Decimal(0))),
    }


def video_totals(videos: dict[str, Decimal]) -> dict[str, Any]:
    n = len(videos)
    orders = sum(1 for v in videos.values() if v)
    revenue = cents(sum(videos.values(), Decimal(0)))
    return {"videos": n, "views": 5 * n, "orders": orders, "revenue": revenue}


def expected_lives(partner: str, first: date, last: date) -> dict[str, Any]:
    now, then = both(partner, first, last, lives_in)
    return {
        "lives": {k: cents(v) for k, v in now.items()},
        "current": live_totals(now),
        "previous": live_totals(then),
    }


def expected_videos(partner: str, first: date, last: date) -> dict[str, Any]:
    now, then = both(partner, first, last, videos_in)
    return {
        "videos": {k: cents(v) for k, v in now.items()},
        "current": video_totals(now),
        "previous": video_totals(then),
    }


def expected_products(partner: str, first: date, last: date) -> dict[str, Any]:
    """Per product sold on a visible day: (revenue, orders) now, and the revenue before."""
    now, then = both(partner, first, last, sales_in)
    before = {p: cents(sum(c.values(), Decimal(0))) for p, c in then.items()}
    return {
        p: (cents(sum(c.values(), Decimal(0))), orders_of(partner, first, last, p), before.get(p))
        for p, c in now.items()
    }


def orders_of(partner: str, first: date, last: date, product: str) -> int:
    return sum(
        1
        for kind in KINDS
        for day in seen(kind, first, last)
        if product_of(partner, day) == product
    )


def expected_live(partner: str, first: date, last: date, content: str) -> dict[str, Any] | None:
    """A livestream's GMV and views, and its creator's livestreams of the previous period;
    None when the partner may not see it."""
    found = content_of(content)
    if found is None or found[0] != partner or not content.startswith("L-"):
        return None
    _, kind, day = found
    if not has_live(partner, day) or day not in seen(kind, first, last):
        return None
    before = previous_of(first, last)
    lives_before = sum(1 for x in seen(kind, *before) if has_live(partner, x))
    return {"gmv": cents(amount(partner, kind, day)), "views": 10, "previous": lives_before}


def expected_video(partner: str, first: date, last: date, content: str) -> dict[str, Any] | None:
    """A video's revenue and the top-3 other visible videos by revenue of its product (it
    has one when its day had no livestream); None when the partner may not see it."""
    found = content_of(content)
    if found is None or found[0] != partner or not content.startswith("V-"):
        return None
    _, kind, day = found
    if not has_video(day) or day not in seen(kind, first, last):
        return None
    top: list[str] = []
    if not has_live(partner, day):
        product = product_of(partner, day)
        others = [
            (-v, vid)
            for vid, v in videos_in(partner, first, last).items()
            if v and vid != content and product_of(partner, content_of(vid)[2]) == product  # type: ignore[index]
        ]
        top = [vid for _, vid in sorted(others)[:3]]
    revenue = Decimal(0) if has_live(partner, day) else amount(partner, kind, day)
    creators = {kind} | {content_of(v)[1] for v in top}  # type: ignore[index]
    return {"revenue": cents(revenue), "top": top, "reads": len(creators)}


def expected_product(partner: str, first: date, last: date, product: str) -> dict[str, Any] | None:
    """A product's revenue now and before and each creator's share; None when no visible
    day of the range sold it."""
    listed = expected_products(partner, first, last)
    if product not in listed:
        return None
    revenue, orders, before = listed[product]
    shares = sales_in(partner, first, last)[product]
    return {
        "revenue": revenue,
        "orders": orders,
        "previous": before,
        "creators": {c: cents(v) for c, v in shares.items()},
    }


# -- the shots --------------------------------------------------------------------------------

#: The API's routes with numbers, then the partner pages (`page:`), by what they read.
API_ROUTES = ("creators", "overview", "analytics", "lives", "live", "videos", "video",
              "products", "product", "export")  # fmt: skip
PAGE_ROUTES = tuple(f"page:{r}" for r in API_ROUTES if r != "analytics")
ROUTES = API_ROUTES + PAGE_ROUTES
#: The routes about one creator or one piece of content, which answer 404 for others'.
DETAILS = ("analytics", "live", "video", "product")
EXPORTS = ("lives", "videos", "products", "creators")
SORTS = ("views", "new_followers", "revenue", "rpm")
CALLERS = [f"user-{p}" for p in PARTNERS] + ["op", "seller-s0", "creator-full"]
NONEXISTENT_CONTENT = {
    "live": ["L-k.P9.full-0901", "L-k.P0.full-0102", "L-nobody", "V-k.P0.full-0902"],
    "video": ["V-k.P9.full-0902", "V-k.P0.full-0103", "nothing", "L-k.P0.full-0901"],
    "product": ["PZ", "PX-P9", "PQ-1", "nothing"],
}
PAGE_PATHS = {
    "overview": "/compass",
    "creators": "/compass/creators",
    "lives": "/compass/lives",
    "live": "/compass/lives/{target}",
    "videos": "/compass/videos",
    "video": "/compass/videos/{target}",
    "products": "/compass/products",
    "product": "/compass/products/{target}",
    "export": "/compass/exports/{what}.{fmt}",
}
API_PATHS = {
    name: "/api/v1/compass/" + path.removeprefix("/compass/")
    for name, path in PAGE_PATHS.items()
    if name not in ("overview", "creators")
} | {name: f"/api/v1/compass/{name}" for name in ("creators", "overview", "analytics")}


@dataclass(frozen=True)
class Shot:
    n: int
    login: str
    route: str
    first: date
    last: date
    aim: str
    #: The creator (analytics) or the livestream, video or product (details) asked for.
    target: str | None = None
    what: str = "lives"
    fmt: str = "csv"
    sort: str = "views"

    @property
    def partner(self) -> str | None:
        return self.login.removeprefix("user-") if self.login.startswith("user-") else None

    @property
    def page(self) -> bool:
        return self.route.startswith("page:")

    @property
    def kind(self) -> str:
        """The route without its `page:`: what it reads."""
        return self.route.removeprefix("page:")

    @property
    def path(self) -> str:
        paths = PAGE_PATHS if self.page else API_PATHS
        path = paths[self.kind].format(target=self.target, what=self.what, fmt=self.fmt)
        query = f"from={self.first}&to={self.last}"
        if self.page:
            query = "range=custom&" + query
        if self.kind == "analytics" and self.target is not None:
            query += f"&creator_id={self.target}"
        if self.kind == "videos":
            query += f"&sort={self.sort}"
        return f"{path}?{query}"

    @property
    def where(self) -> str:
        return f"#{self.n} {self.login} {self.path} ({self.aim})"

    def refused(self) -> bool:
        length = (self.last - self.first).days + 1
        return self.last < self.first or length > 30 or self.first < date(2024, 3, 30)

    def expected_status(self) -> int:
        if self.partner is None:
            return 403
        if self.refused():
            return 422
        if self.target is None:
            return 200
        if self.kind == "analytics":
            return 200 if ALL_CREATORS.get(self.target, ("",))[0] == self.partner else 404
        found = DETAIL_EXPECTATIONS[self.kind](self.partner, self.first, self.last, self.target)
        return 404 if found is None else 200


DETAIL_EXPECTATIONS = {"live": expected_live, "video": expected_video, "product": expected_product}


def a_range(rng: random.Random) -> tuple[date, date]:
    first = EARLIEST_ASKED + timedelta(days=rng.randrange((TODAY - EARLIEST_ASKED).days + 1))
    return first, first + timedelta(days=rng.randrange(30))


def outside(rng: random.Random, kind: str) -> tuple[date, date] | None:
    """A range holding none of the creator's visible days (None when none is left)."""
    for _ in range(20):
        first, last = a_range(rng)
        if not visible(kind, first, last):
            return first, last
    return None


def content_in(
    rng: random.Random, route: str, partner: str, kind: str, first: date, last: date
) -> str:
    """A real livestream, video or product of the creator on a day of [first, last] (of
    the data when the range holds none), or the creator itself for analytics."""
    if route == "analytics":
        return creator_id(partner, kind)
    days = [x for x in days_between(first, last) if FIRST_DATA_DAY <= x <= TODAY]
    days = days or list(data_days())
    if route == "live":
        lives = [x for x in days if has_live(partner, x)]
        return live_id(partner, kind, rng.choice(lives or days_with_live(partner)))
    if route == "video":
        videos = [x for x in days if has_video(x)]
        return video_id(
            partner, kind, rng.choice(videos or [x for x in data_days() if has_video(x)])
        )
    return product_of(partner, rng.choice(days))


def days_with_live(partner: str) -> list[date]:
    return [x for x in data_days() if has_live(partner, x)]


def detail_route(rng: random.Random) -> tuple[str, str]:
    """A route about one creator or piece of content (API or page) and what it reads."""
    detail = rng.choice(DETAILS)
    if detail == "analytics" or rng.random() < 0.5:
        return detail, detail
    return f"page:{detail}", detail


def plan(count: int, seed: int) -> list[Shot]:
    """Half aimed: a quarter at another partner's real creator or content (a route about
    one), a quarter at days of an own creator the partner may not see (any route); a tenth
    refused ranges; one in twenty by a role that has no numbers; one in twenty at ids
    nobody has; the rest ordinary reads. Routes, API or page, are drawn evenly."""
    rng = random.Random(seed)
    shots = []
    for n in range(count):
        partner = rng.choice(PARTNERS)
        login = f"user-{partner}"
        route = rng.choice(ROUTES)
        bare = route.removeprefix("page:")
        first, last = a_range(rng)
        extra = {
            "what": rng.choice(EXPORTS),
            "fmt": rng.choice(("csv", "xlsx")),
            "sort": rng.choice(SORTS),
        }
        roll = rng.random()
        if roll < 0.25:
            other = rng.choice([p for p in PARTNERS if p != partner])
            route, bare = detail_route(rng)
            kind = rng.choice(list(KINDS))
            # A product only the other partner's creators sell, or its real creator or content.
            foreign = (
                f"PX-{other}"
                if bare == "product"
                else content_in(rng, bare, other, kind, first, last)
            )
            shots.append(Shot(n, login, route, first, last, "foreign", foreign, **extra))
        elif roll < 0.5:
            kind = rng.choice(list(KINDS))
            span = outside(rng, kind) or (first, last)
            own = content_in(rng, bare, partner, kind, *span) if bare in DETAILS else None
            shots.append(Shot(n, login, route, span[0], span[1], "unauthorized", own, **extra))
        elif roll < 0.6:
            first = rng.choice([first, date(2024, 3, 1)])
            last = rng.choice([first - timedelta(days=1), first + timedelta(days=30 + n % 5)])
            own = content_in(rng, bare, partner, "full", first, first) if bare in DETAILS else None
            shots.append(Shot(n, login, route, first, last, "refused", own, **extra))
        elif roll < 0.65:
            caller = rng.choice(CALLERS[-3:])
            own = content_in(rng, bare, partner, "full", first, last) if bare in DETAILS else None
            shots.append(Shot(n, caller, route, first, last, "no-role", own, **extra))
        elif roll < 0.7:
            route, bare = detail_route(rng)
            ids = NONEXISTENT if bare == "analytics" else NONEXISTENT_CONTENT[bare]
            shots.append(
                Shot(n, login, route, first, last, "nonexistent", rng.choice(ids), **extra)
            )
        else:
            own = None
            if bare in DETAILS and (bare != "analytics" or rng.random() < 0.5):
                kind = rng.choice(sorted(VISIBLE_KINDS))
                own = content_in(rng, bare, partner, kind, first, last)
            shots.append(Shot(n, login, route, first, last, "own", own, **extra))
    return shots


# -- checking an answer -----------------------------------------------------------------------


def reads_of(shot: Shot, partner: str) -> int:
    """How many access-log entries the answer writes: one per creator whose numbers it
    holds."""
    first, last, kind = shot.first, shot.last, shot.kind
    if kind == "export":
        kind = "creators" if shot.what == "creators" else "lives"
    if kind in ("creators", "overview", "analytics"):
        return read_count(kind, partner, first, last, shot.target)
    if kind == "live":
        return 1
    if kind == "video":
        found = expected_video(partner, first, last, shot.target or "")
        assert found is not None
        return int(found["reads"])
    return module_reads(first, last)


def usd(value: float | None) -> str:
    return "—" if value is None else f"US${value:,.2f}"


def money_in(html: str) -> list[str]:
    return re.findall(r"US\$[\d,]+\.\d\d|—", html)


def rows_of(html: str, prefix: str, cell: str) -> dict[str, str]:
    """The table rows `<tr data-testid="<prefix>-<id>">` and the text of their `cell`."""
    out = {}
    for key, body in re.findall(rf'<tr data-testid="{prefix}-([^"]+)">(.*?)</tr>', html, re.S):
        found = re.search(rf'data-testid="{cell}">([^<]*)<', body)
        out[key] = found.group(1) if found else ""
    return out


def row_money(html: str, testid: str) -> list[str]:
    found = re.search(rf'<tr data-testid="{testid}">(.*?)</tr>', html, re.S)
    return money_in(found.group(1)) if found else []


def cell(value: str) -> Any:
    """A CSV cell as the XLSX holds it: a number, text, or None when empty."""
    if not value:
        return None
    return float(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value


def sheet_rows(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """An export's rows by column name, numbers as numbers, empty cells as None."""
    if fmt == "csv":
        return [
            {k: cell(v) for k, v in r.items()} for r in csv.DictReader(io.StringIO(body.decode()))
        ]
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    values = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    header = [str(h) for h in values[0]]
    return [dict(zip(header, r, strict=True)) for r in values[1:]]


def check_export(shot: Shot, partner: str, body: bytes) -> str | None:
    rows = sheet_rows(body, shot.fmt)
    first, last = shot.first, shot.last
    want: dict[str, Any]
    if shot.what == "creators":
        want = {
            c["creator_id"]: None if c["metrics"] is None else c["metrics"]["gmv"]
            for c in expected_creators(partner, first, last)["creators"]
        }
        got = {r["creator_id"]: r["gmv_usd"] for r in rows}
    elif shot.what == "lives":
        want = expected_lives(partner, first, last)["lives"]
        got = {r["live_id"]: r["gmv_usd"] for r in rows}
    elif shot.what == "videos":
        want = expected_videos(partner, first, last)["videos"]
        got = {r["video_id"]: r["revenue_usd"] for r in rows}
    else:
        want = {p: v[0] for p, v in expected_products(partner, first, last).items()}
        got = {r["product_id"]: r["revenue_usd"] for r in rows}
    return None if got == want else f"export {shot.what}.{shot.fmt} {got} != {want}"


def check_list(shot: Shot, partner: str, body: Any) -> str | None:
    """The lists: livestreams, videos (and their order), products."""
    first, last, kind = shot.first, shot.last, shot.kind
    if kind == "products":
        wanted = expected_products(partner, first, last)
        found = {
            p["product_id"]: (p["revenue"], p["orders"], (p["previous"] or {}).get("revenue"))
            for p in body["products"]
        }
        return None if found == wanted else f"products {found} != {wanted}"
    want, key, money = (
        (expected_lives(partner, first, last), "live_id", "gmv")
        if kind == "lives"
        else (expected_videos(partner, first, last), "video_id", "revenue")
    )
    got = {
        kind: {r[key]: r[money] for r in body[kind]},
        "current": {k: body["current"][k] for k in want["current"]},
        "previous": {k: body["previous_totals"][k] for k in want["previous"]},
    }
    if kind == "videos":
        keys = [-1 if r[shot.sort] is None else r[shot.sort] for r in body["videos"]]
        if keys != sorted(keys, reverse=True):
            return f"videos not sorted by {shot.sort}: {keys}"
    return None if got == want else f"{kind} {got} != {want}"


def check_api(shot: Shot, partner: str, body: Any) -> str | None:
    first, last, kind = shot.first, shot.last, shot.kind
    if kind in ("creators", "overview", "analytics"):
        return Tally.compare(shot, partner, body)
    if kind in ("lives", "videos", "products"):
        return check_list(shot, partner, body)
    target = shot.target or ""
    got: dict[str, Any]
    if kind == "live":
        want = expected_live(partner, first, last, target)
        got = {
            "gmv": body["live"]["gmv"],
            "views": body["live"]["views"],
            "previous": body["previous_totals"]["livestreams"],
        }
    elif kind == "video":
        want = expected_video(partner, first, last, target)
        got = {
            "revenue": body["video"]["revenue"],
            "top": [v["video_id"] for v in body["top_videos"]],
            "reads": want["reads"] if want else None,
        }
    else:
        want = expected_product(partner, first, last, target)
        p = body["product"]
        got = {
            "revenue": p["revenue"],
            "orders": p["orders"],
            "previous": None if p["previous"] is None else p["previous"]["revenue"],
            "creators": {c["creator_id"]: c["revenue"] for c in body["creators"]},
        }
    return None if got == want else f"{kind} {got} != {want}"


def check_page(shot: Shot, partner: str, html: str) -> str | None:
    """The numbers a page shows, in its tables (the charts' islands hold the same)."""
    first, last, kind = shot.first, shot.last, shot.kind
    target = shot.target or ""
    got: Any
    want: Any
    if kind == "overview":
        o = expected_overview(partner, first, last)
        want = [usd(o["current"]["gmv"]), usd(o["previous"]["gmv"])]
        got = row_money(html, "figure-gmv")[:2]
    elif kind == "creators":
        listed = expected_creators(partner, first, last)["creators"]
        want = {c["creator_id"]: usd(c["metrics"]["gmv"]) for c in listed if c["metrics"]}
        got = rows_of(html, "creator", "gmv")
    elif kind in ("lives", "videos"):
        e, money = (
            (expected_lives(partner, first, last), "gmv")
            if kind == "lives"
            else (expected_videos(partner, first, last), "revenue")
        )
        want = (
            {k: usd(v) for k, v in e[kind].items()},
            [usd(e["current"][money]), usd(e["previous"][money])],
        )
        got = (rows_of(html, kind[:-1], money), row_money(html, f"total-{money}")[:2])
    elif kind == "products":
        want = {p: usd(x[0]) for p, x in expected_products(partner, first, last).items()}
        got = rows_of(html, "product", "revenue")
    elif kind == "live":
        live = expected_live(partner, first, last, target)
        want = [usd(live["gmv"])] if live else None
        got = row_money(html, "figure-gmv")[:1]
    elif kind == "video":
        video = expected_video(partner, first, last, target)
        want = (usd(video["revenue"]), video["top"]) if video else None
        tops = re.findall(r'<tr data-testid="top-([^"]+)">', html)
        got = ((row_money(html, "figure-revenue") or [""])[0], tops)
    else:
        product = expected_product(partner, first, last, target)
        want = None
        if product is not None:
            shares = {c: usd(v) for c, v in product["creators"].items()}
            want = ([usd(product["revenue"]), usd(product["previous"])], shares)
        got = (row_money(html, "figure-revenue")[:2], rows_of(html, "share", "revenue"))
    return None if got == want else f"page {kind} {got} != {want}"


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    aims: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    #: Access-log entries the answers should have written, per way (api, page, export).
    reads: Counter[str] = field(default_factory=Counter)
    #: Per caller and route: its 404s with the asked-for id replaced — one shape, or a
    #: refusal tells whose creators or content exist.
    refusals: dict[str, set[str]] = field(default_factory=dict)

    def check(self, shot: Shot, status: int, media: str, body: bytes) -> None:
        self.statuses[status] += 1
        self.aims[shot.aim] += 1
        self.routes[shot.route] += 1
        workbook = "spreadsheet" in media
        text = repr(sheet_rows(body, "xlsx")) if workbook and status == 200 else body.decode()
        want = shot.expected_status()
        if status != want:
            self.wrong.append(f"{shot.where}: {status}, expected {want}: {text[:300]}")
            return
        partner = shot.partner
        named = set(CREATOR_MARK.findall(text))
        if status != 200 and shot.target is not None:  # the id it asked for, echoed
            named -= set(CREATOR_MARK.findall(shot.target))
        foreign = {c for c in named if ALL_CREATORS.get(c, ("",))[0] != partner}
        if foreign:
            self.leaks.append(f"{shot.where}: names {sorted(foreign)}")
        if status == 404:
            query = shot.path.split("?", 1)[1]  # echoed in a page's language links
            shape = text.replace(query.replace("&", "&amp;"), "{query}")
            shape = shape.replace(shot.target or "", "{id}")
            shape = re.sub(r'name="csrf_token" value="[^"]*"', "{csrf}", shape)  # the session's
            self.refusals.setdefault(f"{shot.login} {shot.route}", set()).add(shape)
        if status != 200 or partner is None:
            if re.search(r"\d{4}\.\d\d|US\$", text):  # a money figure in a refusal
                self.leaks.append(f"{shot.where}: a figure in a refusal: {text[:300]}")
            return
        via = "export" if shot.kind == "export" else ("page" if shot.page else "api")
        self.reads[via] += reads_of(shot, partner)
        if shot.kind == "export":
            problem = check_export(shot, partner, body)
        elif shot.page:
            problem = check_page(shot, partner, text)
        else:
            problem = check_api(shot, partner, json.loads(text))
        if problem:
            self.leaks.append(f"{shot.where}: {problem}")

    @staticmethod
    def compare(shot: Shot, partner: str, body: Any) -> str | None:
        first, last = shot.first, shot.last
        if shot.kind == "creators":
            want = expected_creators(partner, first, last)
            return None if body == want else f"creators {body} != {want}"
        if shot.kind == "overview":
            want = expected_overview(partner, first, last)
            for name, doc in (("current", body["current"]), ("previous", body["previous_figures"])):
                got = {key: doc[key] for key in want[name]}
                if got != want[name]:
                    return f"overview {name} {got} != {want[name]}"
            return None
        wanted = expected_analytics(partner, first, last, shot.target)
        got = {
            c["creator_id"]: (
                c["current"]["visible_days"],
                c["current"]["gmv"],
                c["current"]["orders"],
                None if c["previous"] is None else c["previous"]["gmv"],
            )
            for c in body["creators"]
        }
        return None if got == wanted else f"analytics {got} != {wanted}"

    @classmethod
    def merge(cls, tallies: list[Tally]) -> Tally:
        merged = cls()
        for t in tallies:
            merged.statuses.update(t.statuses)
            merged.aims.update(t.aims)
            merged.routes.update(t.routes)
            merged.wrong += t.wrong
            merged.leaks += t.leaks
            merged.reads.update(t.reads)
            for key, shapes in t.refusals.items():
                merged.refusals.setdefault(key, set()).update(shapes)
        return merged

    def summary(self, seconds: float) -> str:
        total = sum(self.statuses.values())
        aimed = self.aims["foreign"] + self.aims["unauthorized"]
        return (
            f"{total} requests in {seconds:.1f} s ({total / seconds:.0f}/s); aims "
            f"{dict(self.aims)} (aimed {aimed / total:.1%}); statuses "
            f"{dict(sorted(self.statuses.items()))}; routes {dict(sorted(self.routes.items()))}; "
            f"creator reads logged {dict(self.reads)}"
        )


async def sign_in(client: httpx.AsyncClient, login: str) -> None:
    """A page session through the real login form (the client keeps the cookie)."""
    form = (await client.get("/login")).text
    token = re.search(r'name="login_csrf" value="([^"]*)"', form)
    assert token, "no login form"
    data = {"login": login, "password": PASSWORD, "login_csrf": token.group(1)}
    reply = await client.post("/login", data=data)
    assert reply.status_code == 303, reply.text[:300]


async def fire(app: Any, tokens: dict[str, str], shots: list[Shot], tally: Tally) -> None:
    transport = httpx.ASGITransport(app=app)
    base = "http://testserver"
    async with httpx.AsyncClient(transport=transport, base_url=base) as api:
        pages: dict[str, httpx.AsyncClient] = {}
        try:
            for login in sorted({s.login for s in shots if s.page}):
                pages[login] = httpx.AsyncClient(transport=transport, base_url=base)
                await sign_in(pages[login], login)
            for shot in shots:
                if shot.page:
                    reply = await pages[shot.login].get(shot.path)
                else:
                    headers = {"Authorization": f"Bearer {tokens[shot.login]}"}
                    reply = await api.get(shot.path, headers=headers)
                media = reply.headers.get("content-type", "")
                tally.check(shot, reply.status_code, media, reply.content)
        finally:
            for client in pages.values():
                await client.aclose()


def today() -> date:
    return TODAY


class OneConnection:
    """The event store opened once per worker, one thread per query: the portal opens it
    per request (17 ms here) so that loads can run beside it, which a probe that only reads
    need not pay twenty thousand times; two workers on two cores, one thread each."""

    def __init__(self, db: Path) -> None:
        self.store = EventStore.open(db, read_only=True)
        self.store.con.execute("SET threads = 1")

    @contextmanager
    def __call__(self) -> Iterator[duckdb.DuckDBPyConnection]:
        yield self.store.con


def probe_worker(url: str, db: Path, tokens: dict[str, str], shots: list[Shot]) -> Tally:
    """A worker process's share, over an application of its own on the same stores."""
    portal = Portal.open(url, db)
    portal.today = today
    events = OneConnection(db)
    portal.events = events  # type: ignore[method-assign]
    try:
        tally = Tally()
        asyncio.run(fire(create_app(portal), tokens, shots, tally))
        return tally
    finally:
        events.store.close()
        portal.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict[str, str]]:
    url, db = build_world(tmp_path_factory.mktemp("compass-probe"))
    tokens = {}
    with StateStore.open(url) as state, state.session() as session:
        accounts = Accounts(session)
        for login in CALLERS:
            user = accounts.by_login(login)
            assert user is not None
            tokens[login] = accounts.issue(user, "token")[1]
    return url, db, tokens


def test_no_partner_reads_a_number_it_may_not_see(
    world: tuple[str, Path, dict[str, str]],
) -> None:
    url, db, tokens = world
    shots = plan(REQUESTS, SEED)
    shares = [shots[i::WORKERS] for i in range(WORKERS)]
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        tallies = list(
            pool.map(probe_worker, [url] * WORKERS, [db] * WORKERS, [tokens] * WORKERS, shares)
        )
    tally = Tally.merge(tallies)
    summary = tally.summary(time.perf_counter() - started)
    print(summary)
    errors = {s: n for s, n in tally.statuses.items() if s >= 500}
    assert not errors, f"server errors {errors}\n{summary}"
    assert not tally.wrong, f"{len(tally.wrong)} wrong statuses, e.g. {tally.wrong[:3]}\n{summary}"
    assert not tally.leaks, f"{len(tally.leaks)} leaks, e.g. {tally.leaks[:3]}\n{summary}"
    telling = {k: sorted(v)[:2] for k, v in tally.refusals.items() if len(v) > 1}
    assert not telling, f"404s that differ by id: {list(telling.items())[:2]}\n{summary}"
    # The access log: exactly the creators each answer read, each of the reader's partner.
    with StateStore.open(url) as state, state.reading() as session:
        entries = AccessLog(session).list(AccessQuery())
    assert Counter(e.via for e in entries) == tally.reads, summary
    for entry in entries:
        assert entry.role == "partner", entry.id
        assert entry.login == f"user-{entry.partner_id}", entry.id
        assert ALL_CREATORS[entry.creator_id][0] == entry.partner_id, entry.id
    # The probe did what it says.
    assert sum(tally.statuses.values()) == REQUESTS, summary
    aimed = tally.aims["foreign"] + tally.aims["unauthorized"]
    assert 0.45 <= aimed / REQUESTS <= 0.55, summary
    assert set(tally.statuses) == {200, 403, 404, 422}, summary
    # Every route and page was asked, and each caller met 404s of every route about one.
    assert set(tally.routes) == set(ROUTES), summary
    assert len(tally.refusals) == len(PARTNERS) * (len(DETAILS) * 2 - 1), summary
    assert sum(tally.reads.values()) > REQUESTS, summary


def test_the_hand_model_agrees_with_worked_examples() -> None:
    """The reference the probe compares with, checked by hand on a few cases."""
    # P0 over 09-10..09-16: full 7 days, part 09-10..09-15 (6), window 7, today 7.
    listed = {
        c["creator_id"]: c["visible_days"]
        for c in expected_creators("P0", d(9, 10), d(9, 16))["creators"]
    }
    assert listed == {
        "k.P0.declined": 0, "k.P0.full": 7, "k.P0.late": 0, "k.P0.never": 0,
        "k.P0.part": 6, "k.P0.pending": 0, "k.P0.revoked": 0, "k.P0.today": 7,
        "k.P0.us": 0, "k.P0.window": 7,
    }  # fmt: skip
    # After the window's end the creator is not listed; yesterday is the last visible day.
    late = expected_creators("P0", d(9, 25), d(9, 30))["creators"]
    assert "k.P0.window" not in {c["creator_id"] for c in late}
    full = next(c for c in late if c["creator_id"] == "k.P0.full")
    # 09-25..09-29: 0 + 0 + 25..29 + 0.25 each = 135 + 1.25; refunds on 26 and 28
    assert full["metrics"] == {
        "gmv": 136.25, "refunds": 3.0, "orders": 5, "livestreams": full["metrics"]["livestreams"],
        "videos": full["metrics"]["videos"],
    }  # fmt: skip
    # Before the data starts nothing is counted, though the days are visible.
    assert figures("P0", "full", visible("full", d(7, 20), d(7, 31)))["orders"] == 0
    assert read_count("overview", "P0", d(9, 16), d(9, 20), None) == 4  # full, part, window, today
    # The modules over P0's 09-25..09-29 (full and today visible; full is kind 0, today
    # kind 8: orders of 0 + day + 0.25 and 400 + day + 0.25). P0 goes live when the
    # day's ordinal is 0 mod 3: 09-26 (739155) and 09-29 (739158); videos on even
    # ordinals: 09-25, 09-27, 09-29 (the 29th's order was sold in its livestream).
    first, last = d(9, 25), d(9, 29)
    lives = expected_lives("P0", first, last)
    assert lives["lives"] == {
        "L-k.P0.full-0926": 26.25, "L-k.P0.full-0929": 29.25,
        "L-k.P0.today-0926": 426.25, "L-k.P0.today-0929": 429.25,
    }  # fmt: skip
    assert lives["current"] == {"livestreams": 4, "views": 40, "orders": 4, "gmv": 911.0}
    videos = expected_videos("P0", first, last)
    assert videos["current"] == {"videos": 6, "views": 30, "orders": 4, "revenue": 905.0}
    assert videos["videos"]["V-k.P0.full-0929"] == 0.0
    # Day 25 is a multiple of 5: P0's own product PX-P0, 25.25 + 425.25.
    assert expected_products("P0", first, last)["PX-P0"][:2] == (450.5, 2)
    assert expected_product("P1", first, last, "PX-P0") is None
    video = expected_video("P0", first, last, "V-k.P0.full-0925")
    assert video == {"revenue": 25.25, "top": ["V-k.P0.today-0925"], "reads": 2}
    assert expected_live("P1", first, last, "L-k.P0.full-0926") is None
    assert expected_live("P0", first, last, "L-k.P0.never-0926") is None
