"""The cross-partner probe for Data Compass: twenty thousand generated requests over
`/api/v1/compass/creators|overview|analytics` against a world of six partners with ten
creators each, about half of them aimed at real creators of other partners or at days of
the partner's own creators that it may not see (bound but never asked, revoked, pending,
declined, answered too late, outside the requested period or the contract window, the
approval day itself, an excluded region).

For every answer: no server error; the status a partner's user gets (200, 404 for a creator
it never had, 422 for a refused range; 403 for any other role); not one other partner's
creator named anywhere in the body; every number equal to the sum over the visible days
only, worked out here from the generated rows and the visible days written by hand below
(an other creator's figure, or a day it may not see, would change a total or a count); a
404 for another partner's creator that reads exactly like the one for a creator nobody
has. At the end, the access log holds exactly one entry per creator read per answer, each
of the caller's own partner and creator.

As of 2024-09-30 (Bangkok, UTC+7), so the last 6 months start 2024-03-30 and yesterday
is 2024-09-29. Every creator has an order every day from 2024-08-01 to 2024-09-30 at
noon, a livestream every third day and a video every second day."""

from __future__ import annotations

import asyncio
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
    for partner in PARTNERS:
        w.partner(partner, kind="tsp", market="TH", joined_on=d(1, 1))
        for kind in KINDS:
            cid = creator_id(partner, kind)
            w.creator(cid, region="US" if kind == "us" else "TH")
            ended = d(9, 20) if kind == "window" else None
            w.bind(partner, cid, "content", date(2020, 1, 1), ended, "creator")
            for day in data_days():
                w.order(
                    at(day, 12),
                    amount(partner, kind, day),
                    creator_id=cid,
                    currency="USD",
                    refund=str(refund(day)),
                )
                if has_live(partner, day):
                    w.live(cid, at(day, 13), at(day, 14), views=10)
                if has_video(day):
                    w.video(cid, at(day, 14), views=5)
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


# -- the shots --------------------------------------------------------------------------------

ROUTES = ("creators", "overview", "analytics")
CALLERS = [f"user-{p}" for p in PARTNERS] + ["op", "seller-s0", "creator-full"]


@dataclass(frozen=True)
class Shot:
    n: int
    login: str
    route: str
    first: date
    last: date
    aim: str
    creator: str | None = None

    @property
    def partner(self) -> str | None:
        return self.login.removeprefix("user-") if self.login.startswith("user-") else None

    @property
    def path(self) -> str:
        query = f"from={self.first}&to={self.last}"
        if self.creator is not None:
            query += f"&creator_id={self.creator}"
        return f"/api/v1/compass/{self.route}?{query}"

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
        if self.creator is not None and ALL_CREATORS.get(self.creator, ("",))[0] != self.partner:
            return 404
        return 200


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


def plan(count: int, seed: int) -> list[Shot]:
    """Half aimed: a quarter at another partner's real creator (its analytics), a quarter
    at days of an own creator the partner may not see; a tenth refused ranges; one in
    twenty by a role that has no numbers; the rest ordinary reads."""
    rng = random.Random(seed)
    shots = []
    for n in range(count):
        partner = rng.choice(PARTNERS)
        login = f"user-{partner}"
        route = rng.choice(ROUTES)
        first, last = a_range(rng)
        roll = rng.random()
        if roll < 0.25:
            other = rng.choice([p for p in PARTNERS if p != partner])
            foreign = creator_id(other, rng.choice(list(KINDS)))
            shots.append(Shot(n, login, "analytics", first, last, "foreign", foreign))
        elif roll < 0.5:
            kind = rng.choice(list(KINDS))
            span = outside(rng, kind) or (first, last)
            own = creator_id(partner, kind) if route == "analytics" else None
            shots.append(Shot(n, login, route, *span, "unauthorized", own))
        elif roll < 0.6:
            first = rng.choice([first, date(2024, 3, 1)])
            last = rng.choice([first - timedelta(days=1), first + timedelta(days=30 + n % 5)])
            shots.append(Shot(n, login, route, first, last, "refused"))
        elif roll < 0.65:
            shots.append(Shot(n, rng.choice(CALLERS[-3:]), route, first, last, "no-role"))
        elif roll < 0.7:
            creator = rng.choice(NONEXISTENT)
            shots.append(Shot(n, login, "analytics", first, last, "nonexistent", creator))
        else:
            creator = None
            if route == "analytics" and rng.random() < 0.5:
                creator = creator_id(partner, rng.choice(sorted(VISIBLE_KINDS)))
            shots.append(Shot(n, login, route, first, last, "own", creator))
    return shots


# -- checking an answer -----------------------------------------------------------------------


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    aims: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    reads: int = 0
    #: Per caller: its 404s with the asked-for id replaced — one shape, or a refusal tells
    #: whose creators exist.
    refusals: dict[str, set[str]] = field(default_factory=dict)

    def check(self, shot: Shot, status: int, body: Any, text: str) -> None:
        self.statuses[status] += 1
        self.aims[shot.aim] += 1
        want = shot.expected_status()
        if status != want:
            self.wrong.append(f"{shot.where}: {status}, expected {want}: {text[:300]}")
            return
        partner = shot.partner
        named = set(CREATOR_MARK.findall(text)) - {shot.creator}
        foreign = {c for c in named if ALL_CREATORS.get(c, ("",))[0] != partner}
        if foreign:
            self.leaks.append(f"{shot.where}: names {sorted(foreign)}")
        if status == 404:
            shape = text.replace(repr(shot.creator), "{id}")
            self.refusals.setdefault(shot.login, set()).add(shape)
        if status != 200 or partner is None:
            if re.search(r"\d{4}\.\d\d", text):  # a money figure in a refusal
                self.leaks.append(f"{shot.where}: a figure in a refusal: {text[:300]}")
            return
        self.reads += read_count(shot.route, partner, shot.first, shot.last, shot.creator)
        problem = self.compare(shot, partner, body)
        if problem:
            self.leaks.append(f"{shot.where}: {problem}")

    @staticmethod
    def compare(shot: Shot, partner: str, body: Any) -> str | None:
        first, last = shot.first, shot.last
        if shot.route == "creators":
            want = expected_creators(partner, first, last)
            return None if body == want else f"creators {body} != {want}"
        if shot.route == "overview":
            want = expected_overview(partner, first, last)
            for name, doc in (("current", body["current"]), ("previous", body["previous_figures"])):
                got = {key: doc[key] for key in want[name]}
                if got != want[name]:
                    return f"overview {name} {got} != {want[name]}"
            return None
        wanted = expected_analytics(partner, first, last, shot.creator)
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
            merged.wrong += t.wrong
            merged.leaks += t.leaks
            merged.reads += t.reads
            for login, shapes in t.refusals.items():
                merged.refusals.setdefault(login, set()).update(shapes)
        return merged

    def summary(self, seconds: float) -> str:
        total = sum(self.statuses.values())
        aimed = self.aims["foreign"] + self.aims["unauthorized"]
        return (
            f"{total} requests in {seconds:.1f} s ({total / seconds:.0f}/s); aims "
            f"{dict(self.aims)} (aimed {aimed / total:.1%}); statuses "
            f"{dict(sorted(self.statuses.items()))}; {self.reads} creator reads logged"
        )


async def fire(app: Any, tokens: dict[str, str], shots: list[Shot], tally: Tally) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for shot in shots:
            headers = {"Authorization": f"Bearer {tokens[shot.login]}"}
            reply = await client.get(shot.path, headers=headers)
            tally.check(shot, reply.status_code, reply.json(), reply.text)


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
    assert not telling, f"404s that differ by creator: {list(telling.items())[:2]}\n{summary}"
    # The access log: exactly the creators each answer read, each of the reader's partner.
    with StateStore.open(url) as state, state.reading() as session:
        entries = AccessLog(session).list(AccessQuery())
    assert len(entries) == tally.reads, summary
    for entry in entries:
        assert entry.role == "partner" and entry.via == "api", entry.id
        assert entry.login == f"user-{entry.partner_id}", entry.id
        assert ALL_CREATORS[entry.creator_id][0] == entry.partner_id, entry.id
    # The probe did what it says.
    assert sum(tally.statuses.values()) == REQUESTS, summary
    aimed = tally.aims["foreign"] + tally.aims["unauthorized"]
    assert 0.45 <= aimed / REQUESTS <= 0.55, summary
    assert set(tally.statuses) == {200, 403, 404, 422}, summary
    assert len(tally.refusals) == len(PARTNERS), summary
    assert tally.reads > REQUESTS, summary


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
