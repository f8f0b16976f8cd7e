"""The authorization table against the application: every route has an entry, every entry
names a route, every route sits behind a guard, and a route nobody listed is refused —
even to an operator — by the real guard (deny by default)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tierwise.access import ACCESS
from tierwise.accounts import Accounts, NewUser
from tierwise.server.app import create_app
from tierwise.web.context import Portal
from tierwise.web.guard import SESSION_COOKIE, api_guard, csrf_guard, page_guard

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """An empty portal (no event store) with one operator: routes do not need data."""
    folder = tmp_path_factory.mktemp("access-table")
    opened = Portal.open(f"sqlite:///{folder / 'state.db'}", None)
    with opened.state.session() as session:
        Accounts(session).add(NewUser("op", "Olga Operator", "operator"), PASSWORD)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def app(portal: Portal) -> FastAPI:
    return create_app(portal)


def route_names(app: FastAPI) -> dict[str, str]:
    """Every route of the app (inside included routers too): name → `METHODS path`."""
    names: dict[str, str] = {}
    for context in iter_route_contexts(app.routes):
        name = context.name
        assert isinstance(name, str), f"a route without a name: {context.path}"
        assert name not in names, f"two routes named {name!r}: {names[name]}, {context.path}"
        names[name] = f"{','.join(sorted(context.methods or ['*']))} {context.path}"
    return names


def test_every_route_has_an_access_rule(app: FastAPI) -> None:
    missing = {n: where for n, where in route_names(app).items() if n not in ACCESS}
    assert not missing, f"routes without an ACCESS rule (add them to access/rules.py): {missing}"


def test_every_access_rule_names_a_route(app: FastAPI) -> None:
    names = route_names(app)
    stale = sorted(set(ACCESS) - set(names))
    assert not stale, f"ACCESS rules for routes the app does not have: {stale}"


def _calls(dependant: Dependant) -> set[object]:
    return {sub.call for sub in dependant.dependencies}


def test_every_route_is_behind_its_guard(app: FastAPI) -> None:
    """A route on a router without the guard would never look at its ACCESS rule."""
    unguarded = []
    for context in iter_route_contexts(app.routes):
        if context.name in ("static", "openapi"):
            continue  # Starlette's own routes: public files and the API's description
        dependant: Dependant = context.dependant
        needed = {api_guard} if str(context.path).startswith("/api/") else {page_guard, csrf_guard}
        if not needed <= _calls(dependant):
            unguarded.append(f"{context.name} {context.path}")
    assert not unguarded, f"routes not behind the guard of their kind: {unguarded}"


def test_public_rules_are_only_the_sign_in_and_infrastructure_routes() -> None:
    """And the reset link's form (its secret is the credential) and a badge's check (its
    signature and the published runs say what it shows)."""
    public = sorted(name for name, rule in ACCESS.items() if rule.public)
    assert public == [
        "api.events.ingest",  # the platform's live events: authorized by their signature
        "api.health",
        "api.tokens.create",
        "api.verify",
        "openapi",
        "page.login",
        "page.login.submit",
        "page.reset",
        "page.reset.submit",
        "page.verify",
        "static",
    ]
    assert all(not rule.roles for rule in ACCESS.values() if rule.public)
    assert all(rule.roles for rule in ACCESS.values() if not rule.public), "a rule nobody passes"


@pytest.fixture(scope="module")
def app_with_unlisted_routes(portal: Portal) -> FastAPI:
    """The real application plus routes that have no ACCESS entry, on routers guarded the
    way the API's and the pages' routers are."""
    application = create_app(portal)
    api = APIRouter(prefix="/api/v1", dependencies=[Depends(api_guard)])

    @api.get("/unlisted", name="api.unlisted")
    def unlisted() -> dict[str, str]:
        return {"secret": "nobody should read this"}

    @api.post("/unlisted", name="api.unlisted.create")
    def unlisted_create() -> dict[str, str]:
        return {"secret": "nobody should write this"}

    @api.get("/unnamed")
    def unnamed_route() -> dict[str, str]:  # named after the function: not in ACCESS either
        return {"secret": "nor this"}

    pages = APIRouter(dependencies=[Depends(page_guard), Depends(csrf_guard)])

    @pages.get("/unlisted-page", name="page.unlisted")
    def unlisted_page() -> dict[str, str]:
        return {"secret": "nor this page"}

    application.include_router(api)
    application.include_router(pages)
    return application


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/unlisted"), ("POST", "/api/v1/unlisted"), ("GET", "/api/v1/unnamed")],
)
def test_an_unlisted_api_route_is_refused_even_to_an_operator(
    app_with_unlisted_routes: FastAPI, method: str, path: str
) -> None:
    names = route_names(app_with_unlisted_routes)
    assert "api.unlisted" in names and "unnamed_route" in names  # the routes are really there
    with TestClient(app_with_unlisted_routes) as client:
        token = client.post("/api/v1/tokens", json={"login": "op", "password": PASSWORD})
        assert token.status_code == 201, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert client.get("/api/v1/me", headers=headers).json()["role"] == "operator"
        reply = client.request(method, path, headers=headers)
        assert reply.status_code == 403, reply.text
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["detail"] == "this route has no authorization rule"
        assert "secret" not in reply.text
        # Without credentials too: no rule, nothing to say about signing in.
        anonymous = client.request(method, path)
        assert anonymous.status_code == 403 and "secret" not in anonymous.text


def test_an_unlisted_page_is_refused_even_to_a_signed_in_operator(
    app_with_unlisted_routes: FastAPI, portal: Portal
) -> None:
    with portal.state.session() as session:
        accounts = Accounts(session)
        user = accounts.by_login("op")
        assert user is not None
        _, session_token = accounts.issue(user, "session")
    with TestClient(app_with_unlisted_routes, cookies={SESSION_COOKIE: session_token}) as client:
        # The same cookie opens a listed page (the login page shows who is signed in) …
        listed = client.get("/login")
        assert listed.status_code == 200 and "Olga Operator" in listed.text
        # … and not the unlisted one.
        reply = client.get("/unlisted-page")
        assert reply.status_code == 403, reply.text
        assert reply.headers["content-type"].startswith("text/html")
        assert "nor this page" not in reply.text


def test_a_real_route_renamed_out_of_the_table_is_refused(tmp_path: Path) -> None:
    """Deny by default is decided by the route's name at request time: the same endpoint
    under a name the table does not know answers 403."""
    portal = Portal.open(f"sqlite:///{tmp_path / 'state.db'}", None)
    try:
        application = create_app(portal)
        for context in iter_route_contexts(application.routes):
            if context.name == "api.health":
                health = context
                break
        else:
            pytest.fail("the app has no api.health route")
        with TestClient(application) as client:
            assert client.get("/api/v1/health").status_code == 200
        router = APIRouter(prefix="/api/v1/renamed", dependencies=[Depends(api_guard)])
        assert health.endpoint is not None
        router.add_api_route("/health", health.endpoint, methods=["GET"], name="api.renamed")
        application.include_router(router)
        with TestClient(application) as client:
            assert client.get("/api/v1/health").status_code == 200
            assert client.get("/api/v1/renamed/health").status_code == 403
    finally:
        portal.close()
