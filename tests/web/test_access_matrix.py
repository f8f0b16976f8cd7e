"""The access matrix: every route × every caller (each role, a second partner, anonymous)
× own / other / nonexistent partner, with the expected status written here by hand — not
derived from `tierwise.access.ACCESS`, so the table is checked against an independent
statement of who may do what.

Reading routes run against the shared world (PostgreSQL); routes that change something
run against a world of this module's own (SQLite), where a refused request is also checked
to have left no trace in the audit log."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tests.web.conftest import make_app
from tierwise.testing.portal import PortalSetup, build_portal
from tierwise.web.guard import SESSION_COOKIE

Scope = Literal["own", "visible"]
ROLES = frozenset({"operator", "partner", "creator", "seller"})
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Route:
    """What the test expects of one route: who may call it (None: anyone, signed in or
    not), how the `{partner_id}` in its path is checked, and the status of a caller that
    may."""

    method: str
    path: str
    who: frozenset[str] | None
    scope: Scope | None = None
    ok: int = 200
    body: dict[str, str] = field(default_factory=dict)
    #: A query string the route needs to answer `ok` (`?period=…`).
    query: str = ""

    @property
    def page(self) -> bool:
        return not self.path.startswith("/api/")

    @property
    def unsafe(self) -> bool:
        return self.method != "GET"


EVERYONE = ROLES
OPERATOR = frozenset({"operator"})
OPERATOR_AND_PARTNER = frozenset({"operator", "partner"})
CREATOR = frozenset({"creator"})
PARTNER = frozenset({"partner"})
COMPASS_READERS = frozenset({"operator", "partner", "creator"})
#: A Data Compass range the portal (as of the real today) accepts: the last seven days.
RECENT = f"?from={date.today() - timedelta(days=7)}&to={date.today() - timedelta(days=1)}"
OVERRIDE = {
    "program_id": "buyin-mcn",
    "kind": "override",
    "partner_id": "B",
    "reason": "matrix",
    "level": "V2",
    "mode": "floor",
}
#: The Thai TSP T excluded (each route its own quarter: the same sanction twice is refused).
EXCLUDE_T = {
    "kind": "exclude",
    "program_id": "tts-th-tsp-shop",
    "partner_id": "T",
    "reason": "matrix",
}
FACT = {
    "partner_id": "A",
    "name": "key_project",
    "period": "2024Q3",
    "value": "1",
    "reason": "matrix",
}
NEW_PASSWORD = {"new_password": "a new password", "confirm_password": "a new password"}
WRONG_CURRENT = {
    "current_password": "not the password",
    "new_password": "a new password",
    "confirm_password": "a new password",
}

#: Every route of the application, by hand.
ROUTES: dict[str, Route] = {
    # -- open to anyone ---------------------------------------------------------------------
    "api.health": Route("GET", "/api/v1/health", None),
    "api.tokens.create": Route(
        "POST", "/api/v1/tokens", None, ok=201, body={"login": "seller-s0", "password": ""}
    ),
    "openapi": Route("GET", "/api/v1/openapi.json", None),
    # signed by the platform, not by a user: unsigned, every caller is refused alike
    "api.events.ingest": Route("POST", "/api/v1/events", None, ok=401, body={"id": "e1"}),
    "static": Route("GET", "/static/app.css", None),
    "page.login": Route("GET", "/login", None),
    "page.login.submit": Route("POST", "/login", None, ok=303),
    # a reset link nobody was given: the same answer for everyone
    "page.reset": Route("GET", "/reset/{token}", None, ok=404),
    "page.reset.submit": Route("POST", "/reset/{token}", None, ok=404, body=NEW_PASSWORD),
    # a badge link nobody signed: not genuine, for everyone
    "api.verify": Route("GET", "/api/v1/verify/{link_id}", None, ok=404),
    "page.verify": Route("GET", "/verify/{link_id}", None, ok=404),
    # -- anyone signed in -------------------------------------------------------------------
    "api.me": Route("GET", "/api/v1/me", EVERYONE),
    "api.tokens.delete": Route("DELETE", "/api/v1/tokens/current", EVERYONE, ok=204),
    "api.programs.list": Route("GET", "/api/v1/programs", EVERYONE),
    "api.programs.get": Route("GET", "/api/v1/programs/{program_id}", EVERYONE),
    "api.partners.list": Route("GET", "/api/v1/partners", EVERYONE),
    "api.partners.get": Route("GET", "/api/v1/partners/{partner_id}", EVERYONE, "visible"),
    "page.home": Route("GET", "/", EVERYONE, ok=303),
    "page.logout": Route("POST", "/logout", EVERYONE, ok=303),
    "page.directory": Route("GET", "/directory", EVERYONE),
    "page.directory.partner": Route("GET", "/directory/{partner_id}", EVERYONE, "visible"),
    # a wrong current password: refused as a failed sign-in, nothing changes
    "api.me.password": Route(
        "POST",
        "/api/v1/me/password",
        EVERYONE,
        ok=403,
        body={"current_password": "not the password", "new_password": "a new password"},
    ),
    "page.account.password": Route("GET", "/account/password", EVERYONE),
    "page.account.password.submit": Route(
        "POST", "/account/password", EVERYONE, ok=403, body=WRONG_CURRENT
    ),
    # -- a partner's own data: its users and operators --------------------------------------
    "api.partners.dashboard": Route(
        "GET", "/api/v1/partners/{partner_id}/dashboard", OPERATOR_AND_PARTNER, "own"
    ),
    "api.partners.result": Route(
        "GET",
        "/api/v1/partners/{partner_id}/programs/{program_id}/result",
        OPERATOR_AND_PARTNER,
        "own",
    ),
    "api.partners.history": Route(
        "GET",
        "/api/v1/partners/{partner_id}/programs/{program_id}/history",
        OPERATOR_AND_PARTNER,
        "own",
    ),
    "api.partners.outbox": Route(
        "GET", "/api/v1/partners/{partner_id}/outbox", OPERATOR_AND_PARTNER, "own"
    ),
    "page.partner.dashboard": Route(
        "GET", "/partners/{partner_id}/dashboard", OPERATOR_AND_PARTNER, "own"
    ),
    "api.partners.badges": Route(
        "GET", "/api/v1/partners/{partner_id}/badges", OPERATOR_AND_PARTNER, "own"
    ),
    "page.partner.badges": Route(
        "GET", "/partners/{partner_id}/badges", OPERATOR_AND_PARTNER, "own"
    ),
    "api.partners.projection": Route(
        "GET",
        "/api/v1/partners/{partner_id}/programs/{program_id}/projection",
        OPERATOR_AND_PARTNER,
        "own",
    ),
    "page.partner.projection": Route(
        "GET",
        "/partners/{partner_id}/programs/{program_id}/projection",
        OPERATOR_AND_PARTNER,
        "own",
    ),
    "page.partner.report": Route(  # asked as HTML (below): the PDF is it printed, in seconds
        "GET",
        "/partners/{partner_id}/programs/{program_id}/report.{fmt}",
        OPERATOR_AND_PARTNER,
        "own",
        query="?period=2024-08",
    ),
    "api.partners.registrations": Route(
        "GET", "/api/v1/partners/{partner_id}/registrations", OPERATOR_AND_PARTNER, "own"
    ),
    # A and B are agencies, which the TSP programs do not grade: refused (409) for every
    # caller that may register them, before anything is written
    "api.partners.registrations.create": Route(
        "POST",
        "/api/v1/partners/{partner_id}/registrations",
        OPERATOR_AND_PARTNER,
        "own",
        ok=409,
        body={"program_id": "tts-th-tsp-shop", "period": "2024Q3"},
    ),
    # -- creators ---------------------------------------------------------------------------
    "page.creator": Route("GET", "/creator", CREATOR),
    # -- operators --------------------------------------------------------------------------
    "api.programs.periods": Route("GET", "/api/v1/programs/{program_id}/periods", OPERATOR),
    "api.programs.distribution": Route(
        "GET", "/api/v1/programs/{program_id}/distribution", OPERATOR
    ),
    "api.programs.plan": Route(
        "GET", "/api/v1/programs/{program_id}/plan", OPERATOR, query="?period=2024-09"
    ),
    "api.runs.list": Route("GET", "/api/v1/runs", OPERATOR),
    "api.runs.create": Route(
        "POST",
        "/api/v1/runs",
        OPERATOR,
        ok=201,
        body={"program_id": "buyin-mcn", "period": "2024-09"},
    ),
    "api.runs.get": Route("GET", "/api/v1/runs/{run_id}", OPERATOR),
    "api.runs.results": Route("GET", "/api/v1/runs/{run_id}/results", OPERATOR),
    "api.runs.diff": Route("GET", "/api/v1/runs/{run_id}/diff", OPERATOR),
    "api.runs.publish": Route(
        "POST", "/api/v1/runs/{run_id}/publish", OPERATOR, body={"reason": "matrix"}
    ),
    "api.decisions.list": Route("GET", "/api/v1/decisions", OPERATOR),
    "api.decisions.create": Route("POST", "/api/v1/decisions", OPERATOR, ok=201, body=OVERRIDE),
    "api.appeals.apply": Route(
        "POST", "/api/v1/appeals", OPERATOR, body={"program_id": "buyin-mcn", "reason": "matrix"}
    ),
    # review items are the operator's to-do: never a partner's, not even its own
    "api.reviews.list": Route("GET", "/api/v1/reviews", OPERATOR),
    "api.facts.list": Route("GET", "/api/v1/programs/{program_id}/facts", OPERATOR),
    # 百应 reads no operator facts: the operator is told so, naming the program
    "api.facts.enter": Route(
        "POST", "/api/v1/programs/{program_id}/facts", OPERATOR, ok=422, body=FACT
    ),
    # 百应 selects no excellent partners
    "api.excellence.get": Route(
        "GET", "/api/v1/programs/{program_id}/excellence", OPERATOR, ok=404, query="?year=2024"
    ),
    "api.excellence.publish": Route(
        "POST",
        "/api/v1/programs/{program_id}/excellence/publish",
        OPERATOR,
        ok=404,
        body={"reason": "matrix"},
        query="?year=2024",
    ),
    "api.audit.list": Route("GET", "/api/v1/audit", OPERATOR),
    "api.audit.verify": Route("GET", "/api/v1/audit/verify", OPERATOR),
    "api.outbox.list": Route("GET", "/api/v1/outbox", OPERATOR),
    "api.outbox.deliveries": Route("GET", "/api/v1/outbox/{message_id}/deliveries", OPERATOR),
    "api.outbox.retry": Route(  # nothing has failed: the operator is told so
        "POST", "/api/v1/outbox/{message_id}/retry", OPERATOR, ok=409, body={"reason": "matrix"}
    ),
    "api.password_resets.create": Route(
        "POST", "/api/v1/password-resets", OPERATOR, ok=201, body={"login": "seller-s0"}
    ),
    "page.operator.users": Route("GET", "/operator/users", OPERATOR),
    "page.operator.users.reset": Route(
        "POST", "/operator/users/reset", OPERATOR, body={"login": "seller-s0"}
    ),
    "page.operator": Route("GET", "/operator", OPERATOR),
    "page.operator.program": Route("GET", "/operator/programs/{program_id}", OPERATOR),
    "page.operator.program.report": Route(
        "GET", "/operator/programs/{program_id}/report.{fmt}", OPERATOR, query="?period=2024-08"
    ),
    "page.operator.preview": Route(
        "POST",
        "/operator/programs/{program_id}/preview",
        OPERATOR,
        ok=303,
        body={"period": "2024-09"},
    ),
    "page.operator.run": Route("GET", "/operator/runs/{run_id}", OPERATOR),
    "page.operator.publish": Route(
        "POST", "/operator/runs/{run_id}/publish", OPERATOR, ok=303, body={"reason": "matrix"}
    ),
    "page.operator.decisions": Route("GET", "/operator/decisions", OPERATOR),
    "page.operator.decisions.add": Route(
        "POST", "/operator/decisions", OPERATOR, ok=303, body=OVERRIDE
    ),
    "api.registrations.list": Route("GET", "/api/v1/registrations", OPERATOR),
    "api.sanctions.create": Route(
        "POST", "/api/v1/sanctions", OPERATOR, ok=201, body={**EXCLUDE_T, "period": "2024Q3"}
    ),
    "page.operator.registrations": Route("GET", "/operator/registrations", OPERATOR),
    "page.operator.registrations.sanction": Route(
        "POST", "/operator/registrations", OPERATOR, ok=303, body={**EXCLUDE_T, "period": "2024Q4"}
    ),
    "page.operator.appeals": Route("GET", "/operator/appeals", OPERATOR),
    "page.operator.reviews": Route("GET", "/operator/reviews", OPERATOR),
    "page.operator.facts": Route("GET", "/operator/facts", OPERATOR),
    "page.operator.facts.enter": Route(
        "POST", "/operator/facts", OPERATOR, ok=422, body={**FACT, "program_id": "buyin-mcn"}
    ),
    "page.operator.excellence": Route("GET", "/operator/excellence", OPERATOR),
    # the ISV program has no published quarter here: nothing to select yet
    "page.operator.excellence.publish": Route(
        "POST",
        "/operator/excellence/publish",
        OPERATOR,
        ok=409,
        body={"program_id": "tts-sea-isv", "year": "2024", "reason": "matrix"},
    ),
    "page.operator.appeals.apply": Route(
        "POST", "/operator/appeals", OPERATOR, body={"program_id": "buyin-mcn", "reason": "matrix"}
    ),
    "page.operator.audit": Route("GET", "/operator/audit", OPERATOR),
    "page.operator.outbox": Route("GET", "/operator/outbox", OPERATOR),
    "page.operator.outbox.retry": Route(
        "POST", "/operator/outbox/{message_id}/retry", OPERATOR, ok=409, body={"reason": "matrix"}
    ),
    # -- Data Compass: the role layer here; whose request it is, in tests/compass ---------
    "api.compass.requests.create": Route(
        "POST",
        "/api/v1/compass/requests",
        PARTNER,
        ok=404,  # a creator nobody has: every partner gets the same answer
        body={"creator_id": "nobody", "period_from": "2024-09-01", "period_to": "2024-09-30"},
    ),
    "api.compass.requests.list": Route("GET", "/api/v1/compass/requests", COMPASS_READERS),
    "api.compass.requests.get": Route(
        "GET", "/api/v1/compass/requests/{request_id}", COMPASS_READERS, ok=404
    ),
    "api.compass.requests.approve": Route(
        "POST", "/api/v1/compass/requests/{request_id}/approve", CREATOR, ok=404
    ),
    "api.compass.requests.decline": Route(
        "POST", "/api/v1/compass/requests/{request_id}/decline", CREATOR, ok=404
    ),
    "api.compass.requests.revoke": Route(
        "POST", "/api/v1/compass/requests/{request_id}/revoke", CREATOR, ok=404
    ),
    "api.compass.requests.withdraw": Route(
        "POST", "/api/v1/compass/requests/{request_id}/withdraw", PARTNER, ok=404
    ),
    "api.compass.access_log": Route("GET", "/api/v1/compass/access-log", OPERATOR | CREATOR),
    "api.compass.lives.list": Route("GET", "/api/v1/compass/lives", PARTNER, query=RECENT),
    "api.compass.lives.get": Route(
        "GET", "/api/v1/compass/lives/{live_id}", PARTNER, ok=404, query=RECENT
    ),
    "api.compass.videos.list": Route("GET", "/api/v1/compass/videos", PARTNER, query=RECENT),
    "api.compass.videos.get": Route(
        "GET", "/api/v1/compass/videos/{video_id}", PARTNER, ok=404, query=RECENT
    ),
    "api.compass.products.list": Route("GET", "/api/v1/compass/products", PARTNER, query=RECENT),
    "api.compass.products.get": Route(
        "GET", "/api/v1/compass/products/{product_id}", PARTNER, ok=404, query=RECENT
    ),
    "api.compass.exports.get": Route(
        "GET", "/api/v1/compass/exports/{what}.{fmt}", PARTNER, query=RECENT
    ),
    # -- Data Compass pages: the role layer here; whose creator or request, in
    # tests/web/test_compass_pages.py ("nobody" and "wf-none" do not exist: 404) ----------
    "page.compass.overview": Route("GET", "/compass", PARTNER),
    "page.compass.creators": Route("GET", "/compass/creators", PARTNER),
    "page.compass.request": Route(
        "POST",
        "/compass/creators/{creator_id}/request",
        PARTNER,
        ok=404,
        body={"period_from": "2024-09-01", "period_to": "2024-09-30"},
    ),
    "page.compass.consent": Route("GET", "/compass/consent", CREATOR),
    # the live screen (tests/web/test_live_screen.py): "nobody" is no one's creator (404);
    # a stream is opened, its status read, and closed (`send`)
    "page.compass.live_now": Route("GET", "/compass/live", PARTNER),
    "page.compass.live_screen": Route(
        "GET", "/compass/live/screen", PARTNER, ok=404, query="?creator_id=nobody"
    ),
    "page.compass.live_stream": Route("GET", "/compass/live/stream", PARTNER),
    # the livestream, video and product pages (tests/web/test_compass_module_pages.py):
    # "none" is no content of anyone's (404); the pages' default range is the last 7 days
    "page.compass.lives": Route("GET", "/compass/lives", PARTNER),
    "page.compass.live": Route("GET", "/compass/lives/{live_id}", PARTNER, ok=404),
    "page.compass.videos": Route("GET", "/compass/videos", PARTNER),
    "page.compass.video": Route("GET", "/compass/videos/{video_id}", PARTNER, ok=404),
    "page.compass.products": Route("GET", "/compass/products", PARTNER),
    "page.compass.product": Route("GET", "/compass/products/{product_id}", PARTNER, ok=404),
    "page.compass.export": Route("GET", "/compass/exports/{what}.{fmt}", PARTNER),
    "page.compass.approve": Route("POST", "/compass/consent/{request_id}/approve", CREATOR, ok=404),
    "page.compass.decline": Route("POST", "/compass/consent/{request_id}/decline", CREATOR, ok=404),
    "page.compass.revoke": Route("POST", "/compass/consent/{request_id}/revoke", CREATOR, ok=404),
    # -- Data Compass: a partner's numbers, its own partner's only (the partner comes from
    # the credential: there is no other partner to ask for) -----------------------------
    "api.compass.creators": Route("GET", "/api/v1/compass/creators", PARTNER, query=RECENT),
    "api.compass.overview": Route("GET", "/api/v1/compass/overview", PARTNER, query=RECENT),
    "api.compass.analytics": Route("GET", "/api/v1/compass/analytics", PARTNER, query=RECENT),
    "api.compass.live_now": Route("GET", "/api/v1/compass/live", PARTNER),
    "api.compass.live_screen": Route(
        "GET", "/api/v1/compass/live/screen", PARTNER, ok=404, query="?creator_id=nobody"
    ),
    "api.compass.live_stream": Route("GET", "/api/v1/compass/live/stream", PARTNER),
}
#: Routes that stream (Server-Sent Events): never-ending answers, so `send` reads only the
#: status and headers and closes them.
STREAMS = frozenset({"api.compass.live_stream", "page.compass.live_stream"})


#: The callers: their login, role, own partner and the partners they are bound to.
CALLERS: dict[str, tuple[str | None, str | None, str | None, frozenset[str]]] = {
    "anonymous": (None, None, None, frozenset()),
    "operator": ("op", "operator", None, frozenset()),
    "partner": ("agency-a", "partner", "A", frozenset()),
    "other_partner": ("agency-b", "partner", "B", frozenset()),
    "creator": ("creator-c0", "creator", None, frozenset({"A"})),
    "seller": ("seller-s0", "seller", None, frozenset()),
}
#: Partner A, partner B, and a partner nobody has.
TARGETS = ("A", "B", "nope")
#: The agencies any creator may find, bound or not: those 集星 grades (CN agencies: A and
#: B), as 集星 shows its levels to creators.
CHOSEN_BY_CREATORS = frozenset({"A", "B"})


def expected(route: Route, caller: str, target: str | None) -> int:
    _login, role, own, bound = CALLERS[caller]
    if route.who is None:
        return route.ok
    if role is None:
        return 401
    if role not in route.who:
        return 403
    if route.scope is None or target is None:
        return route.ok
    if target == "nope":
        return 404
    if role == "operator":
        return route.ok
    if route.scope == "own":
        return route.ok if target == own else 404
    if role == "creator":
        return route.ok if target in bound | CHOSEN_BY_CREATORS else 404
    return route.ok


def combinations() -> list[tuple[str, str, str | None]]:
    """Every route × every caller, × every target for a route about one partner."""
    found = []
    for name, route in ROUTES.items():
        targets: tuple[str | None, ...] = TARGETS if "{partner_id}" in route.path else (None,)
        found += [(name, caller, target) for caller in CALLERS for target in targets]
    return found


def cases() -> Iterator[Any]:
    for name, caller, target in combinations():
        case_id = f"{name}-{caller}" + (f"-{target}" if target else "")
        yield pytest.param(name, caller, target, id=case_id)


# -- the worlds ---------------------------------------------------------------------------


class Signed:
    """A world's application and its callers' credentials: a bearer token and a page
    session (signed in through the real login form) per caller, made once."""

    def __init__(self, app: FastAPI, setup: PortalSetup) -> None:
        self.app = app
        self.setup = setup
        self.api = TestClient(app, follow_redirects=False)
        self._tokens: dict[str, dict[str, str]] = {}
        self._pages: dict[str, tuple[TestClient, str]] = {}
        #: Clients never entered as context managers (that would run the app's lifespan,
        #: whose end closes the shared portal): closed here.
        self._clients: list[TestClient] = [self.api]

    def client(self) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def new_token(self, login: str) -> dict[str, str]:
        reply = self.api.post("/api/v1/tokens", json={"login": login, "password": self.password})
        assert reply.status_code == 201, reply.text
        return {"Authorization": f"Bearer {reply.json()['access_token']}"}

    @property
    def password(self) -> str:
        return self.setup.password

    def headers(self, caller: str) -> dict[str, str]:
        login = CALLERS[caller][0]
        if login is None:
            return {}
        if caller not in self._tokens:
            self._tokens[caller] = self.new_token(login)
        return self._tokens[caller]

    def new_page_session(self, login: str | None) -> tuple[TestClient, str]:
        """A client of its own whose cookie jar holds a fresh session, and its CSRF token."""
        client = self.client()
        if login is None:
            return client, ""
        reply = sign_in_form(client, login, self.password)
        assert reply.status_code == 303, reply.text
        assert SESSION_COOKIE in client.cookies
        return client, hidden(client.get("/login").text, "csrf_token")

    def page(self, caller: str) -> tuple[TestClient, str]:
        if caller not in self._pages:
            self._pages[caller] = self.new_page_session(CALLERS[caller][0])
        return self._pages[caller]

    def operator_get(self, path: str) -> Any:
        reply = self.api.get(path, headers=self.headers("operator"))
        assert reply.status_code == 200, reply.text
        return reply.json()


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name!r}"
    return found.group(1)


def sign_in_form(client: TestClient, login: str, password: str) -> httpx2.Response:
    form = client.get("/login")
    data = {"login": login, "password": password, "login_csrf": hidden(form.text, "login_csrf")}
    return client.post("/login", data=data)


@pytest.fixture(scope="module")
def shared(app: FastAPI, portal_setup: PortalSetup) -> Iterator[Signed]:
    """The shared world (read only: only GET routes run here)."""
    signed = Signed(app, portal_setup)
    yield signed
    signed.close()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signed]:
    """A world of this module's own for the routes that change something."""
    folder = tmp_path_factory.mktemp("matrix")
    setup = build_portal(folder, f"sqlite:///{folder / 'state.db'}")
    application = make_app(setup)
    signed = Signed(application, setup)
    yield signed
    signed.close()
    application.state.portal.close()


# -- the table against the app ------------------------------------------------------------


def test_the_table_lists_every_route_of_the_app(app: FastAPI) -> None:
    served = {}
    for context in iter_route_contexts(app.routes):
        methods = sorted((context.methods or {"GET"}) - {"HEAD"})
        served[str(context.name)] = (methods, context.path)
    unlisted = sorted(set(served) - set(ROUTES))
    assert not unlisted, f"routes without an expectation in this test's table: {unlisted}"
    missing = sorted(set(ROUTES) - set(served))
    assert not missing, f"routes this test expects but the app does not serve: {missing}"
    for name, route in ROUTES.items():
        methods, path = served[name]
        if name == "static":
            assert path == "/static"
            continue
        assert (methods, path) == ([route.method], route.path), name


# -- the matrix ---------------------------------------------------------------------------


def run_id(world: Signed, status: str) -> str:
    runs = world.operator_get(f"/api/v1/runs?program_id=buyin-mcn&status={status}")["items"]
    assert runs, f"no {status} run"
    return str(runs[0]["id"])


def fresh_preview(world: Signed) -> str:
    """A run that may still be published (the same inputs give the same run, so once a
    period's preview is published, an earlier period is previewed anew)."""
    for period in ("2024-09", "2024-08", "2024-07"):
        reply = world.api.post(
            "/api/v1/runs",
            json={"program_id": "buyin-mcn", "period": period},
            headers=world.headers("operator"),
        )
        assert reply.status_code == 201, reply.text
        if reply.json()["status"] == "preview":
            return str(reply.json()["id"])
    pytest.fail("no period left to preview and publish")


def audit_length(world: Signed) -> int:
    entries: int = world.operator_get("/api/v1/audit/verify")["entries"]
    return entries


def send(world: Signed, name: str, route: Route, caller: str, path: str) -> httpx2.Response:
    login = CALLERS[caller][0]
    body: dict[str, str] = dict(route.body)
    if name == "api.tokens.create":
        body["password"] = world.password
    if not route.page:
        headers = world.headers(caller)
        if name == "api.tokens.delete" and login is not None:
            headers = world.new_token(login)  # sign a token of its own out, not the cached one
        if name in STREAMS:
            return opened(world.api, path, headers)
        return world.api.request(route.method, path, headers=headers, json=body or None)
    if name == "page.login.submit":
        return sign_in_form(world.client(), "seller-s0", world.password)
    if name == "page.logout":
        client, csrf = world.new_page_session(login)  # sign a session of its own out
    else:
        client, csrf = world.page(caller)
    if route.unsafe:
        return client.request(route.method, path, data={**body, "csrf_token": csrf})
    if name in STREAMS:
        return opened(client, path, {})
    return client.request(route.method, path)


def opened(client: TestClient, path: str, headers: dict[str, str]) -> httpx2.Response:
    """A stream's answer: its status and headers (its body, for a refusal; a stream that
    opened is closed unread)."""
    with client.stream("GET", path, headers=headers) as reply:
        if reply.status_code != 200:
            reply.read()
        else:
            assert reply.headers["content-type"].startswith("text/event-stream")
        return reply


@pytest.mark.parametrize(("name", "caller", "target"), list(cases()))
def test_access(
    name: str, caller: str, target: str | None, shared: Signed, scratch: Signed
) -> None:
    route = ROUTES[name]
    world = scratch if route.unsafe else shared
    want = expected(route, caller, target)
    values = {
        "program_id": "buyin-mcn",
        "partner_id": target or "",
        "request_id": "wf-none",
        "live_id": "none",
        "video_id": "none",
        "product_id": "none",
        "what": "lives",
        "fmt": "html" if name.endswith(".report") else "csv",
        "creator_id": "nobody",
        "message_id": "1",
        "token": "none",
        "link_id": "b1.none.none",
    }
    if "{run_id}" in route.path:
        if not route.unsafe:
            values["run_id"] = run_id(world, "published")
        elif want == route.ok:
            values["run_id"] = fresh_preview(world)
        else:  # refused before the run is looked at: any run will do, it must not change
            values["run_id"] = world.setup.preview_run
        run_before = world.operator_get(f"/api/v1/runs/{values['run_id']}")["status"]
    path = route.path.format(**values) + route.query
    audit_before = audit_length(world) if route.unsafe and want != route.ok else None

    reply = send(world, name, route, caller, path)

    assert reply.status_code == want, (
        f"{route.method} {path} as {caller}: {reply.status_code}, expected {want}\n"
        f"{reply.text[:500]}"
    )
    assert reply.status_code < 500
    kind = reply.headers.get("content-type", "")
    if want >= 400 and not route.page:
        assert kind == PROBLEM, kind
        assert reply.json()["status"] == want
        if want == 401:
            scheme = "Tierwise-Signature" if name == "api.events.ingest" else "Bearer"
            assert reply.headers["www-authenticate"].startswith(scheme)
    if want >= 400 and route.page:
        assert kind.startswith("text/html"), kind
        if want == 401:
            assert 'name="login_csrf"' in reply.text
    if want == 404 and target is not None:
        # Refused exactly as a partner that does not exist: nothing of it in the answer.
        if route.page:
            assert f"no partner &#39;{target}&#39;" in reply.text
        else:
            assert reply.json()["detail"] == f"no partner {target!r}"
        # The page's header names the signed-in user ("Agency B user" for agency-b): only
        # the answer itself must say nothing of the partner.
        body = reply.text.split("<main", 1)[-1] if route.page else reply.text
        assert "Agency B" not in body
    if want == 200 and name == "api.partners.badges":
        # A list, empty here (百应 shows no public badge): whatever it holds is the target's.
        assert all(b["partner_id"] == target for b in reply.json())
    elif want == 200 and target is not None and not route.page and name != "api.partners.history":
        # The partner asked for, not some other one (a history names no partner).
        assert f'"partner_id":"{target}"' in reply.text
    if audit_before is not None:
        assert audit_length(world) == audit_before, "a refused request changed the state"
    if name in ("api.runs.publish", "page.operator.publish"):
        run = world.operator_get(path.replace("/operator/", "/api/v1/").removesuffix("/publish"))
        assert run["status"] == ("published" if want == route.ok else run_before)


def test_the_matrix_is_complete() -> None:
    """Each route × each caller, and for partner routes each target: the generated cases."""
    generated = combinations()
    partner_routes = [n for n, r in ROUTES.items() if "{partner_id}" in r.path]
    assert len(partner_routes) == 14
    per_caller = len(ROUTES) - len(partner_routes) + len(TARGETS) * len(partner_routes)
    assert len(generated) == len(set(generated)) == len(CALLERS) * per_caller
    # Every status the matrix expects occurs: the table is not trivially all-allowed.
    statuses = Counter(expected(ROUTES[name], caller, target) for name, caller, target in generated)
    assert set(statuses) == {200, 201, 204, 303, 401, 403, 404, 409, 422}, statuses
    assert statuses[403] > 100 and statuses[404] > 20 and statuses[401] > 40, statuses
