"""A cross-partner probe: twenty thousand generated requests (a seeded generator over
caller × partner-scoped route × target partner) against a world with two dozen partners,
about half of them aimed at partners that exist but are someone else's.

For every answer: no server error; the status the visibility rule gives (own → 200,
someone else's or nonexistent → 404, a role that has no business there → 403; a creator
sees the public pages of the partners it is bound to and of the agencies 集星 grades,
whose levels 集星 shows to creators, nothing else); not one foreign
partner anywhere in the body (every string of a JSON document, the text of a page); and
a refusal for someone else's partner that reads exactly like the refusal for a partner
that does not exist (no existence oracle)."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tierwise.accounts import Accounts, NewUser
from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.definitions.registry import load_program
from tierwise.runs.service import record_run
from tierwise.server.app import create_app
from tierwise.store import EventStore
from tierwise.testing.portal import PASSWORD, USERS, portal_world
from tierwise.testing.scenarios import export
from tierwise.web.context import Portal
from tierwise.web.guard import SESSION_COOKIE

REQUESTS = 20_000
#: Worker processes (each with the application in process): the two cores of a small CI
#: machine.
WORKERS = 2
SEED = 20_240_917
#: Twenty more agencies, with ids and names that cannot occur by chance in a page (a dot is
#: not in the alphabet of the random tokens a page carries).
EXTRA = [f"mcn.p{i:02d}" for i in range(1, 21)]
#: Every partner of the world, and what to look for to find it in a body.
PARTNERS = ["A", "B", "T", *EXTRA]
NAMES = {"A": "A", "B": "Agency B", "T": "Thai TSP", **{p: f"Agency {p}" for p in EXTRA}}
#: Partners graded by buyin-mcn (every mcn agency with creators): T is a Thai TSP.
GRADED = frozenset(PARTNERS) - {"T"}
#: The agencies any creator may find and choose by level, bound or not: every CN agency,
#: as 集星 grades them and shows its levels to creators (the Thai TSP is not one).
CHOSEN_BY_CREATORS = GRADED
#: Ids nobody has (some close to real ones).
NONEXISTENT = ["C", "a", "b", "t", "mcn-x", "mcn.p99", "mcn.p0", "mcn.p1", "A.B", "nope"]
#: Creators bound to several agencies, and one bound to none.
CREATOR_BINDINGS = {
    "k1": ("mcn.p03", "mcn.p11"),
    "k2": ("B", "mcn.p07", "mcn.p15", "mcn.p20"),
    "k3": (),
}

ROUTES = {
    # name: (path, scope) — `own`: a partner's private data; `visible`: its public face.
    "api.partners.get": ("/api/v1/partners/{p}", "visible"),
    "api.partners.dashboard": ("/api/v1/partners/{p}/dashboard", "own"),
    "api.partners.result": ("/api/v1/partners/{p}/programs/buyin-mcn/result", "own"),
    "api.partners.history": ("/api/v1/partners/{p}/programs/buyin-mcn/history", "own"),
    "api.partners.outbox": ("/api/v1/partners/{p}/outbox", "own"),
    "page.partner.dashboard": ("/partners/{p}/dashboard", "own"),
    "page.partner.report": ("/partners/{p}/programs/buyin-mcn/report.html", "own"),
    "page.directory.partner": ("/directory/{p}", "visible"),
}


@dataclass(frozen=True)
class Caller:
    login: str
    role: str
    partner: str | None = None
    bound: frozenset[str] = frozenset()

    def sees(self, target: str, scope: str) -> bool:
        """By hand: who may see which partner on a route of `scope`."""
        if target not in PARTNERS:
            return False
        if self.role == "operator":
            return True
        if scope == "own":
            return target == self.partner
        if self.role == "creator":
            return target in self.bound | CHOSEN_BY_CREATORS
        return True

    def mine(self) -> frozenset[str]:
        """Partners this caller may find named in any answer (its own, the ones it is
        bound to; an operator: all)."""
        if self.role == "operator":
            return frozenset(PARTNERS)
        return self.bound | ({self.partner} if self.partner else set())


def callers() -> list[Caller]:
    found = [
        Caller("op", "operator"),
        Caller("seller-s0", "seller"),
        Caller("agency-a", "partner", "A"),
        Caller("agency-b", "partner", "B"),
        Caller("agency-t", "partner", "T"),
        Caller("creator-c0", "creator", bound=frozenset({"A"})),
    ]
    found += [Caller(f"user-{p}", "partner", p) for p in EXTRA]
    found += [
        Caller(f"creator-{c}", "creator", bound=frozenset(b)) for c, b in CREATOR_BINDINGS.items()
    ]
    return found


def build_world(folder: Path) -> tuple[str, Path]:
    """The portal world plus twenty agencies (two creators each, reputation 4.0 → V1 in
    2024-07 and 2024-08, both published), their users, and three more creators."""
    w = portal_world()
    for n, partner in enumerate(EXTRA):
        w.partner(partner, joined_on=date(2024, 1, 1), name=NAMES[partner])
        for k in range(2):
            creator = f"x{n:02d}{k}"
            w.creator(creator)
            w.bind(partner, creator)
            for month in (7, 8):
                w.fact(creator, "reputation", "4.0", date(2024, month, 1))
    for creator, partners in CREATOR_BINDINGS.items():
        w.creator(creator)
        for partner in partners:
            w.bind(partner, creator)
    data = export(w, folder / "data")
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(data)
    url = f"sqlite:///{folder / 'state.db'}"
    with StateStore.open(url) as state:
        with EventStore.open(db, read_only=True) as events:
            record_run(
                state,
                events.con,
                load_program("buyin-mcn"),
                Period.parse("2024-07"),
                Period.parse("2024-08"),
                actor="setup",
                as_of=date(2024, 12, 1),
                publish=True,
            )
        with state.session() as session:
            accounts = Accounts(session)
            for new in USERS.values():
                accounts.add(new, PASSWORD)
            accounts.add(NewUser("agency-t", "Agency T user", "partner", partner_id="T"), PASSWORD)
            for partner in EXTRA:
                accounts.add(
                    NewUser(f"user-{partner}", f"User of {partner}", "partner", partner_id=partner),
                    PASSWORD,
                )
            for creator in CREATOR_BINDINGS:
                accounts.add(
                    NewUser(f"creator-{creator}", "A creator", "creator", creator_id=creator),
                    PASSWORD,
                )
    return url, db


@dataclass
class Probe:
    url: str
    db: Path
    app: FastAPI
    callers: list[Caller]
    #: Per login: the Authorization header (API) and the Cookie header (pages).
    api: dict[str, dict[str, str]]
    pages: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    """The world, served in process; a bearer token and a page session per caller, issued
    by the accounts service (signing in through the API and the login form is tested in
    `test_unauthenticated`; here it would only cost two argon2 checks per caller)."""
    url, db = build_world(tmp_path_factory.mktemp("probe"))
    portal = Portal.open(url, db)
    everyone = callers()
    api, pages = {}, {}
    with portal.state.session() as session:
        accounts = Accounts(session)
        for caller in everyone:
            user = accounts.by_login(caller.login)
            assert user is not None
            _, token = accounts.issue(user, "token")
            api[caller.login] = {"Authorization": f"Bearer {token}"}
            _, cookie = accounts.issue(user, "session")
            pages[caller.login] = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    yield Probe(url, db, create_app(portal), everyone, api, pages)
    portal.close()


# -- what a body names ----------------------------------------------------------------------


def strings(value: Any) -> Iterator[str]:
    """Every string of a JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def _marks(partner: str, page: bool) -> list[str]:
    """Text that names `partner` wherever it stands: its id when it cannot occur by chance,
    its name when that is not its id; in a page also the links and cells with its id."""
    marks = [partner] if "." in partner else []
    if NAMES[partner] != partner:
        marks.append(NAMES[partner])
    if page:
        marks += [f"/partners/{partner}/", f'/directory/{partner}"', f"/directory/{partner}?"]
        marks.append(f">{partner}<")
    return marks


def _finder(page: bool) -> tuple[re.Pattern[str], dict[str, str]]:
    owner = {mark: p for p in PARTNERS for mark in _marks(p, page)}
    alternatives = sorted(owner, key=len, reverse=True)
    return re.compile("|".join(re.escape(mark) for mark in alternatives)), owner


JSON_MARKS, JSON_OWNER = _finder(page=False)
PAGE_MARKS, PAGE_OWNER = _finder(page=True)
PARTNER_IDS = frozenset(PARTNERS)


def named_in_json(doc: Any) -> set[str]:
    """Partners a JSON document names: a string that is a partner id, or holds a mark."""
    texts = list(strings(doc))
    found = {text for text in texts if text in PARTNER_IDS}
    found.update(JSON_OWNER[m.group()] for m in JSON_MARKS.finditer("\n".join(texts)))
    return found


def named_in_html(html: str) -> set[str]:
    return {PAGE_OWNER[m.group()] for m in PAGE_MARKS.finditer(html)}


# -- the probe ------------------------------------------------------------------------------


def expected_status(caller: Caller, route: str, target: str) -> int:
    scope = ROUTES[route][1]
    if scope == "own" and caller.role not in ("operator", "partner"):
        return 403
    if not caller.sees(target, scope):
        return 404
    if route in ("api.partners.result", "page.partner.report") and target not in GRADED:
        return 404  # nothing published for it in buyin-mcn (T: not graded by it at all)
    return 200


def pick_target(rng: random.Random, caller: Caller) -> tuple[str, str]:
    """(target, aim): half the time someone else's existing partner, mostly the caller's
    own (or bound) partner otherwise, and one time in ten an id nobody has. An operator
    has no one else's partner: any partner it is."""
    roll = rng.random()
    if roll >= 0.9:
        return rng.choice(NONEXISTENT), "nonexistent"
    mine = sorted(caller.mine())
    if caller.role == "operator":
        return rng.choice(PARTNERS), "any"
    if roll < 0.5 or not mine:
        return rng.choice([p for p in PARTNERS if p not in mine]), "foreign"
    return rng.choice(mine), "own"


def canonical(text: str, target: str) -> str:
    """`text` with the asked-for id (where it stands as a word) replaced by a placeholder."""
    return re.sub(rf"(?<![\w.-]){re.escape(target)}(?![\w.-])", "{id}", text)


@dataclass(frozen=True)
class Shot:
    n: int
    caller: Caller
    route: str
    target: str
    aim: str

    @property
    def where(self) -> str:
        return f"#{self.n} {self.caller.login} {self.route} {self.target!r} ({self.aim})"


def plan(probe: Probe, count: int, seed: int) -> list[Shot]:
    rng = random.Random(seed)
    routes = sorted(ROUTES)
    shots = []
    for n in range(count):
        caller = rng.choice(probe.callers)
        route = rng.choice(routes)
        target, aim = pick_target(rng, caller)
        shots.append(Shot(n, caller, route, target, aim))
    return shots


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    aims: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    #: Per (caller, route): every refusal for a partner it may not see, with the asked-for
    #: id replaced — one shape each, or the refusal tells which partners exist.
    refusals: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def check(self, shot: Shot, status: int, text: str) -> None:
        caller, route, target = shot.caller, shot.route, shot.target
        self.statuses[status] += 1
        self.aims[shot.aim] += 1
        self.routes[route] += 1
        want = expected_status(caller, route, target)
        if status != want:
            self.wrong.append(f"{shot.where}: {status}, expected {want}: {text[:200]}")
            return
        scope = ROUTES[route][1]
        named = (
            named_in_html(text) if route.startswith("page.") else named_in_json(json.loads(text))
        )
        # Its own (and bound) partners, the partner it may see, and — in a refusal — the id
        # it asked for, echoed back.
        allowed = caller.mine() | {target}
        foreign = named - allowed
        if foreign:
            self.leaks.append(f"{shot.where}: names {sorted(foreign)}")
        if not caller.sees(target, scope) and len(target) >= 4:
            shapes = self.refusals.setdefault((caller.login, route), set())
            shapes.add(canonical(text, target))

    @classmethod
    def merge(cls, tallies: list[Tally]) -> Tally:
        merged = cls()
        for tally in tallies:
            merged.statuses.update(tally.statuses)
            merged.aims.update(tally.aims)
            merged.routes.update(tally.routes)
            merged.wrong += tally.wrong
            merged.leaks += tally.leaks
            for key, shapes in tally.refusals.items():
                merged.refusals.setdefault(key, set()).update(shapes)
        return merged

    def summary(self, seconds: float) -> str:
        total = sum(self.statuses.values())
        return (
            f"{total} requests in {seconds:.1f} s ({total / seconds:.0f}/s); "
            f"aims {dict(self.aims)} (foreign {self.aims['foreign'] / total:.1%}); "
            f"statuses {dict(sorted(self.statuses.items()))}; routes {dict(self.routes)}; "
            f"refusal shapes compared for {len(self.refusals)} caller × route pairs"
        )


async def fire(probe: Probe, shots: list[Shot], tally: Tally) -> None:
    """The shots in order over one in-process ASGI connection (no server, no threads of
    the test's own between requests)."""
    transport = httpx.ASGITransport(app=probe.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for shot in shots:
            page = shot.route.startswith("page.")
            headers = (probe.pages if page else probe.api)[shot.caller.login]
            path = ROUTES[shot.route][0].format(p=shot.target)
            reply = await client.get(path, headers=headers)
            tally.check(shot, reply.status_code, reply.text)


def probe_worker(
    url: str,
    db: Path,
    api: dict[str, dict[str, str]],
    pages: dict[str, dict[str, str]],
    shots: list[Shot],
) -> Tally:
    """A worker process's share of the shots, over an application of its own on the same
    stores (the probe only reads)."""
    portal = Portal.open(url, db)
    try:
        probe = Probe(url, db, create_app(portal), callers(), api, pages)
        tally = Tally()
        asyncio.run(fire(probe, shots, tally))
        return tally
    finally:
        portal.close()


def test_no_partner_sees_another_partners_data(probe: Probe) -> None:
    shots = plan(probe, REQUESTS, SEED)
    shares = [shots[i::WORKERS] for i in range(WORKERS)]
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        tallies = list(
            pool.map(
                probe_worker,
                [probe.url] * WORKERS,
                [probe.db] * WORKERS,
                [probe.api] * WORKERS,
                [probe.pages] * WORKERS,
                shares,
            )
        )
    tally = Tally.merge(tallies)
    summary = tally.summary(time.perf_counter() - started)
    print(summary)
    errors = {s: n for s, n in tally.statuses.items() if s >= 500}
    assert not errors, f"server errors {errors}\n{summary}"
    assert not tally.wrong, f"{len(tally.wrong)} wrong statuses, e.g. {tally.wrong[:5]}\n{summary}"
    assert not tally.leaks, (
        f"{len(tally.leaks)} answers name a foreign partner, e.g. {tally.leaks[:5]}\n{summary}"
    )
    telling = {k: [t[:300] for t in sorted(v)[:2]] for k, v in tally.refusals.items() if len(v) > 1}
    assert not telling, f"refusals that differ by partner: {list(telling.items())[:2]}\n{summary}"
    # The probe did what it says: every request answered, about half of them at someone
    # else's partner, every status the rule gives, refusals compared for most pairs.
    assert sum(tally.statuses.values()) == REQUESTS, summary
    assert 0.45 <= tally.aims["foreign"] / REQUESTS <= 0.55, summary
    assert set(tally.statuses) == {200, 403, 404}, summary
    assert len(tally.refusals) >= 0.8 * (len(probe.callers) - 1) * len(ROUTES), summary


def test_list_answers_hold_only_visible_partners(probe: Probe) -> None:
    """The directory's list side (API and pages): a creator finds exactly its agencies
    and those it may choose by their 集星 level, everyone else every partner — and nothing
    about the others; a 百应 level is listed to no one but its own agency (and operators)."""

    async def check() -> int:
        transport = httpx.ASGITransport(app=probe.app)
        checked = 0
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            for caller in probe.callers:
                reply = await c.get("/api/v1/partners?limit=500", headers=probe.api[caller.login])
                assert reply.status_code == 200
                items = reply.json()["items"]
                listed = {item["partner_id"] for item in items}
                want = (
                    caller.bound | CHOSEN_BY_CREATORS
                    if caller.role == "creator"
                    else frozenset(PARTNERS)
                )
                assert listed == want, caller.login
                assert named_in_json(reply.json()) <= want | caller.mine(), caller.login
                # 百应 levels: every graded agency's to an operator, its own to an agency,
                # none to a seller or a creator.
                buyin = {
                    item["partner_id"]
                    for item in items
                    if any(lv["program_id"] == "buyin-mcn" for lv in item["levels"])
                }
                if caller.role == "operator":
                    assert buyin == GRADED
                elif caller.role == "partner" and caller.partner in GRADED:
                    assert buyin == {caller.partner}, caller.login
                else:
                    assert buyin == set(), caller.login
                if caller.role == "creator":
                    for page in ("/directory", "/directory?limit=500", "/creator"):
                        html = await c.get(page, headers=probe.pages[caller.login])
                        assert html.status_code == 200, page
                        assert named_in_html(html.text) <= want, (caller.login, page)
                        assert 'data-testid="level-buyin-mcn"' not in html.text, page
                checked += 1
        return checked

    assert asyncio.run(check()) == len(probe.callers) == 29


def test_the_scanners_find_every_partner_however_it_is_named() -> None:
    """The leak check is only as good as its scanners: each partner is found by id (a JSON
    string of its own), inside longer text, by name, and in a page's links and cells."""
    for partner in PARTNERS:
        assert named_in_json({"items": [{"partner_id": partner}]}) == {partner}
        assert named_in_json({partner: 1}) == {partner}
        assert named_in_json([f"Your partner is {NAMES[partner]}."]) == (
            {partner} if NAMES[partner] != partner else set()
        )
        assert named_in_html(f'<a href="/partners/{partner}/dashboard">x</a>') == {partner}
        assert named_in_html(f'<a href="/directory/{partner}">x</a>') == {partner}
        assert named_in_html(f"<td>{partner}</td>") == {partner}
    assert named_in_json({"detail": "mcn.p07 and mcn.p17"}) == {"mcn.p07", "mcn.p17"}
    assert named_in_json({"status": "assessed", "level": "V1", "kind": "mcn"}) == set()
