"""Credentials: no, bad, expired, revoked or foreign credentials get nowhere; the forms'
CSRF defences; signing out revokes; the login throttle slows a guesser down but never locks
an account for good; passwords and tokens are stored only as hashes.

The portal here is the module's own (SQLite, a clock the tests move): signing out, failing
to sign in and moving time must not touch the shared world of the other tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tierwise.access import ACCESS
from tierwise.accounts import SESSION_TTL, TOKEN_TTL, Accounts
from tierwise.accounts.pages import LOGIN_CSRF_COOKIE
from tierwise.db.models import Base, Credential, User
from tierwise.server.app import create_app
from tierwise.testing.portal import PortalSetup, build_portal
from tierwise.web.context import Portal
from tierwise.web.guard import SESSION_COOKIE

PROBLEM = "application/problem+json"
HIDDEN = r'name="{}" value="([^"]*)"'


class Clock:
    """The state store's clock, standing still until a test moves it (forward only, so a
    test never sees a credential or a failed sign-in from its future)."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


@dataclass
class World:
    setup: PortalSetup
    portal: Portal
    app: FastAPI
    clock: Clock

    def client(self) -> TestClient:
        """A client with a cookie jar of its own; redirects are not followed."""
        return TestClient(self.app, follow_redirects=False)

    def issue(self, login: str, kind: str, *, at: datetime | None = None) -> str:
        """A credential issued by the accounts service (optionally as if issued at `at`)."""
        with self.portal.state.session() as session:
            if at is not None:
                session.info["clock"] = lambda: at
            accounts = Accounts(session)
            user = accounts.by_login(login)
            assert user is not None
            _, token = accounts.issue(user, "session" if kind == "session" else "token")
            return token

    def revoke(self, token: str) -> None:
        with self.portal.state.session() as session:
            assert Accounts(session).sign_out(token)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("unauthenticated")
    setup = build_portal(folder, f"sqlite:///{folder / 'state.db'}")
    clock = Clock()
    portal = Portal.open(setup.state_url, setup.db)
    portal.state.clock = clock
    yield World(setup, portal, create_app(portal), clock)
    portal.close()


@pytest.fixture()
def clock(world: World) -> Clock:
    return world.clock


def hidden(html: str, name: str) -> str:
    found = re.search(HIDDEN.format(name), html)
    assert found, f"no hidden field {name!r} in the page"
    return found.group(1)


def form_sign_in(client: TestClient, login: str, password: str) -> httpx2.Response:
    """Sign in through the real login form (its double-submit cookie included)."""
    form = client.get("/login")
    assert form.status_code == 200
    return client.post(
        "/login",
        data={"login": login, "password": password, "login_csrf": hidden(form.text, "login_csrf")},
    )


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, as every signed-in page carries it (the sign-out form)."""
    page = client.get("/login")
    return hidden(page.text, "csrf_token")


# -- every protected route ----------------------------------------------------------------


def sample_path(path: str, setup: PortalSetup) -> str:
    values = {"partner_id": "A", "program_id": "buyin-mcn", "run_id": setup.preview_run}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def protected_routes(app: FastAPI, setup: PortalSetup) -> list[tuple[str, str, str]]:
    """(name, method, path) of every route that needs a credential, from the app itself."""
    found = []
    for context in iter_route_contexts(app.routes):
        rule = ACCESS.get(str(context.name))
        if rule is not None and rule.public:
            continue
        for method in sorted(context.methods or ()):
            found.append((str(context.name), method, sample_path(str(context.path), setup)))
    return found


def test_the_sweep_covers_the_api_and_the_pages(world: World) -> None:
    routes = protected_routes(world.app, world.setup)
    names = {name for name, _, _ in routes}
    missing = sorted(n for n, rule in ACCESS.items() if not rule.public and n not in names)
    assert not missing, f"protected routes in ACCESS the app does not serve: {missing}"
    assert not {"api.health", "api.tokens.create", "page.login", "static"} & names


BAD_BEARERS = ["missing", "garbage", "empty", "basic", "session-as-bearer", "expired", "revoked"]


def bearer_headers(world: World, variant: str) -> dict[str, str]:
    if variant == "missing":
        return {}
    if variant == "garbage":
        return {"Authorization": "Bearer not-a-token-at-all"}
    if variant == "empty":
        return {"Authorization": "Bearer "}
    if variant == "basic":
        return {"Authorization": "Basic b3A6Y29ycmVjdCBob3JzZSBiYXR0ZXJ5"}  # op:password
    if variant == "session-as-bearer":
        return {"Authorization": f"Bearer {world.issue('op', 'session')}"}
    if variant == "expired":
        issued = world.clock() - TOKEN_TTL - timedelta(minutes=1)
        return {"Authorization": f"Bearer {world.issue('op', 'token', at=issued)}"}
    token = world.issue("op", "token")
    world.revoke(token)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("variant", BAD_BEARERS)
def test_every_api_route_without_a_valid_token_is_401(world: World, variant: str) -> None:
    headers = bearer_headers(world, variant)
    checked = 0
    with world.client() as client:
        for name, method, path in protected_routes(world.app, world.setup):
            if not path.startswith("/api/"):
                continue
            # A schema-valid-looking JSON body: the guard answers before the body matters.
            reply = client.request(method, path, headers=headers, json={"reason": "x"})
            assert reply.status_code == 401, f"{name} {method} {path}: {reply.status_code}"
            assert reply.headers["content-type"] == PROBLEM, name
            assert reply.headers["www-authenticate"].startswith("Bearer"), name
            assert reply.json()["status"] == 401
            checked += 1
    assert checked >= 24


BAD_COOKIES = ["missing", "garbage", "token-as-cookie", "expired", "revoked"]


def session_cookie(world: World, variant: str) -> str | None:
    if variant == "missing":
        return None
    if variant == "garbage":
        return "not-a-session"
    if variant == "token-as-cookie":
        return world.issue("op", "token")
    if variant == "expired":
        issued = world.clock() - SESSION_TTL - timedelta(minutes=1)
        return world.issue("op", "session", at=issued)
    token = world.issue("op", "session")
    world.revoke(token)
    return token


@pytest.mark.parametrize("variant", BAD_COOKIES)
def test_every_page_without_a_valid_session_is_401_with_the_login_form(
    world: World, variant: str
) -> None:
    cookie = session_cookie(world, variant)
    checked = 0
    with world.client() as client:
        if cookie is not None:
            client.cookies.set(SESSION_COOKIE, cookie)
        for name, method, path in protected_routes(world.app, world.setup):
            if path.startswith("/api/"):
                continue
            reply = client.request(method, path, data={"csrf_token": "x"})
            assert reply.status_code == 401, f"{name} {method} {path}: {reply.status_code}"
            assert reply.headers["content-type"].startswith("text/html"), name
            assert 'action="/login"' in reply.text and 'name="login_csrf"' in reply.text, name
            if method == "GET":  # the form brings the reader back where it was going
                assert hidden(reply.text, "next") == path, name
            checked += 1
    assert checked >= 2


def test_the_same_credentials_work_when_valid(world: World) -> None:
    """The sweeps above fail for the credential, not for the route: valid ones pass."""
    with world.client() as client:
        token = {"Authorization": f"Bearer {world.issue('op', 'token')}"}
        assert client.get("/api/v1/me", headers=token).json()["login"] == "op"
        client.cookies.set(SESSION_COOKIE, world.issue("op", "session"))
        assert client.get("/").status_code == 303


def test_malformed_credentials_headers_do_not_break_the_guard(world: World) -> None:
    headers = [
        {"Authorization": "Bearer"},
        {"Authorization": "bearer   "},
        {"Authorization": "Bearer " + "x" * 10_000},
        {"Authorization": "Bearer a b c"},
        {"Authorization": "Token abc"},
        {"Authorization": "Bearer ' OR 1=1 --"},
    ]
    with world.client() as client:
        for h in headers:
            reply = client.get("/api/v1/me", headers=h)
            assert reply.status_code == 401, (h["Authorization"][:20], reply.text)
        for cookie in ["", "' OR 1=1 --", "x" * 10_000, "%00"]:
            client.cookies.set(SESSION_COOKIE, cookie)
            assert client.get("/").status_code == 401


def test_a_token_stops_working_once_it_expires(world: World, clock: Clock) -> None:
    headers = {"Authorization": f"Bearer {world.issue('op', 'token')}"}
    with world.client() as client:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        clock.advance(TOKEN_TTL - timedelta(minutes=1))
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        clock.advance(timedelta(minutes=2))
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_session_stops_working_once_it_expires(world: World, clock: Clock) -> None:
    with world.client() as client:
        client.cookies.set(SESSION_COOKIE, world.issue("agency-a", "session"))
        assert client.get("/").status_code == 303
        clock.advance(SESSION_TTL + timedelta(seconds=1))
        assert client.get("/").status_code == 401


# -- CSRF ---------------------------------------------------------------------------------


def unsafe_pages(world: World) -> list[tuple[str, str, str]]:
    return [
        (name, method, path)
        for name, method, path in protected_routes(world.app, world.setup)
        if not path.startswith("/api/") and method in ("POST", "PUT", "PATCH", "DELETE")
    ]


def test_every_page_post_needs_the_sessions_csrf_token(world: World) -> None:
    """An operator may post every form here, so only the CSRF check can refuse these (the
    Data Compass forms are a partner's and a creator's: tests/web/test_compass_pages.py)."""
    routes = [r for r in unsafe_pages(world) if not r[0].startswith("page.compass.")]
    assert {name for name, _, _ in routes} == {
        "page.logout",
        "page.operator.preview",
        "page.operator.publish",
        "page.operator.decisions.add",
        "page.operator.registrations.sanction",
        "page.operator.facts.enter",
        "page.operator.excellence.publish",
        "page.operator.appeals.apply",
        "page.operator.outbox.retry",
        "page.operator.users.reset",
        "page.account.password.submit",
    }
    with world.client() as client, world.client() as other:
        assert form_sign_in(client, "op", world.setup.password).status_code == 303
        assert form_sign_in(other, "op", world.setup.password).status_code == 303
        right, of_another_session = csrf_of(client), csrf_of(other)
        assert right != of_another_session
        for name, method, path in routes:
            # (what, form fields, headers)
            attempts: list[tuple[str, dict[str, str], dict[str, str]]] = [
                ("no token", {}, {}),
                ("empty token", {"csrf_token": ""}, {}),
                ("wrong token", {"csrf_token": "x" + right[1:]}, {}),
                ("another session's token", {"csrf_token": of_another_session}, {}),
                ("wrong header", {}, {"X-CSRF-Token": of_another_session}),
                ("right field, wrong header", {"csrf_token": right}, {"X-CSRF-Token": "stale"}),
            ]
            for what, data, headers in attempts:
                reply = client.request(method, path, data=data, headers=headers)
                assert reply.status_code == 403, f"{name} with {what}: {reply.status_code}"
                assert "CSRF" in reply.text, name
        # Nothing was done: still signed in.
        assert client.get("/").status_code == 303


def test_logout_with_the_csrf_header_instead_of_the_field(world: World) -> None:
    with world.client() as client:
        assert form_sign_in(client, "seller-s0", world.setup.password).status_code == 303
        reply = client.post("/logout", headers={"X-CSRF-Token": csrf_of(client)})
        assert reply.status_code == 303


def test_the_login_form_needs_its_double_submit_token(world: World) -> None:
    password = world.setup.password
    with world.client() as client:
        form = client.get("/login")
        cookie = form.cookies[LOGIN_CSRF_COOKIE]
        assert hidden(form.text, "login_csrf") == cookie
        set_cookie = form.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=strict" in set_cookie
        attempts = {
            "no field": {"login": "op", "password": password},
            "empty field": {"login": "op", "password": password, "login_csrf": ""},
            "other field": {"login": "op", "password": password, "login_csrf": cookie + "x"},
        }
        for what, data in attempts.items():
            reply = client.post("/login", data=data)
            assert reply.status_code == 403, what
            assert SESSION_COOKIE not in reply.cookies, what
    with world.client() as no_cookie:
        data = {"login": "op", "password": password, "login_csrf": cookie}
        reply = no_cookie.post("/login", data=data)
        assert reply.status_code == 403 and SESSION_COOKIE not in reply.cookies
    with world.client() as client:
        reply = form_sign_in(client, "op", password)
        assert reply.status_code == 303 and reply.headers["location"] == "/operator"
        set_cookie = reply.headers["set-cookie"].lower()
        assert f"{SESSION_COOKIE}=" in set_cookie and "httponly" in set_cookie
        assert "samesite=lax" in set_cookie


def test_no_open_redirect_after_sign_in(world: World) -> None:
    for target in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "x"]:
        with world.client() as client:
            form = client.get("/login")
            reply = client.post(
                "/login",
                data={
                    "login": "seller-s0",
                    "password": world.setup.password,
                    "login_csrf": hidden(form.text, "login_csrf"),
                    "next": target,
                },
            )
            assert reply.status_code == 303
            assert reply.headers["location"] == "/directory", target


# -- signing out --------------------------------------------------------------------------


def test_logout_revokes_the_session(world: World) -> None:
    with world.client() as client:
        assert form_sign_in(client, "agency-a", world.setup.password).status_code == 303
        old = client.cookies[SESSION_COOKIE]
        assert client.get("/").headers["location"] == "/partners/A/dashboard"
        reply = client.post("/logout", data={"csrf_token": csrf_of(client)})
        assert reply.status_code == 303 and reply.headers["location"] == "/login?bye=1"
        assert f'{SESSION_COOKIE}=""' in reply.headers["set-cookie"]
    # The old cookie, replayed by someone who kept it, is dead in the store — not just
    # forgotten by the browser.
    with world.client() as replay:
        replay.cookies.set(SESSION_COOKIE, old)
        assert replay.get("/").status_code == 401
        assert replay.post("/logout", data={"csrf_token": "x"}).status_code == 401
    with world.portal.state.reading() as session:
        assert Accounts(session).principal(old, "session") is None
        revoked = session.scalar(
            sa.select(Credential.revoked_at).where(
                Credential.token_hash == hashlib.sha256(old.encode()).hexdigest()
            )
        )
        assert revoked is not None


def test_deleting_the_current_token_revokes_it_and_only_it(world: World) -> None:
    with world.client() as client:
        tokens = []
        for _ in range(2):
            reply = client.post(
                "/api/v1/tokens", json={"login": "agency-b", "password": world.setup.password}
            )
            assert reply.status_code == 201
            tokens.append({"Authorization": f"Bearer {reply.json()['access_token']}"})
        first, second = tokens
        assert client.get("/api/v1/me", headers=first).status_code == 200
        assert client.delete("/api/v1/tokens/current", headers=first).status_code == 204
        assert client.get("/api/v1/me", headers=first).status_code == 401
        assert client.get("/api/v1/partners/B/dashboard", headers=first).status_code == 401
        assert client.delete("/api/v1/tokens/current", headers=first).status_code == 401
        # The user's other token is untouched.
        assert client.get("/api/v1/me", headers=second).json()["login"] == "agency-b"


# -- the throttle -------------------------------------------------------------------------


def api_sign_in(client: TestClient, login: str, password: str) -> httpx2.Response:
    return client.post("/api/v1/tokens", json={"login": login, "password": password})


def test_the_sixth_attempt_is_throttled_then_the_right_password_works_again(
    world: World, clock: Clock
) -> None:
    login, password = "op", world.setup.password
    with world.client() as client:
        for attempt in range(5):
            reply = api_sign_in(client, login, "wrong password")
            assert reply.status_code == 401, attempt
            assert reply.headers["www-authenticate"].startswith("Bearer")
        # Sixth attempt: throttled, even with the right password.
        for pw in ("wrong password", password):
            reply = api_sign_in(client, login, pw)
            assert reply.status_code == 429, reply.text
            assert reply.headers["retry-after"] == "1"
            assert reply.headers["content-type"] == PROBLEM
        # Another login is not slowed down by op's failures.
        assert api_sign_in(client, "agency-b", password).status_code == 201
        clock.advance(timedelta(seconds=1))
        reply = api_sign_in(client, login, password)
        assert reply.status_code == 201, reply.text
        # A success clears the count: the next mistake is a plain 401 again.
        assert api_sign_in(client, login, "wrong password").status_code == 401
        assert api_sign_in(client, login, password).status_code == 201


def test_the_delay_doubles_up_to_five_minutes_and_never_locks_for_good(
    world: World, clock: Clock
) -> None:
    """A guesser who waits out every delay: 1 s, 2 s, 4 s … then five minutes at most —
    and the right password always works once the delay has passed."""
    login, password = "creator-c0", world.setup.password
    seen = []
    with world.client() as client:
        for _ in range(5):
            assert api_sign_in(client, login, "nope").status_code == 401
        for _ in range(9):
            throttled = api_sign_in(client, login, password)
            assert throttled.status_code == 429
            wait = int(throttled.headers["retry-after"])
            seen.append(wait)
            clock.advance(timedelta(seconds=wait))
            assert api_sign_in(client, login, "nope").status_code == 401
        assert seen == [1, 2, 4, 8, 16, 32, 64, 128, 256]
        # Fourteen failures within the window: 2^9 s would be 512 s, capped at 300 s.
        throttled = api_sign_in(client, login, password)
        assert throttled.status_code == 429 and throttled.headers["retry-after"] == "300"
        clock.advance(timedelta(seconds=299))
        throttled = api_sign_in(client, login, password)
        assert throttled.status_code == 429 and throttled.headers["retry-after"] == "1"
        clock.advance(timedelta(seconds=1))
        assert api_sign_in(client, login, password).status_code == 201


def test_the_throttle_also_guards_unknown_logins_and_the_login_form(
    world: World, clock: Clock
) -> None:
    with world.client() as client:
        for login in ("nobody-here", "seller-s0"):
            for _ in range(5):
                wrong = form_sign_in(client, login, "wrong password")
                assert wrong.status_code == 401 and SESSION_COOKIE not in wrong.cookies
            # An unknown login is throttled exactly like a real one (no enumeration).
            throttled = form_sign_in(client, login, world.setup.password)
            assert throttled.status_code == 429
            assert "Try again in 1 s" in throttled.text
            assert SESSION_COOKIE not in throttled.cookies
            # The API and the form share the count.
            assert api_sign_in(client, login, world.setup.password).status_code == 429
        clock.advance(timedelta(seconds=1))
        assert form_sign_in(client, "seller-s0", world.setup.password).status_code == 303


def test_old_failures_fall_out_of_the_window(world: World, clock: Clock) -> None:
    with world.client() as client:
        for _ in range(5):
            assert api_sign_in(client, "agency-a", "nope").status_code == 401
        assert api_sign_in(client, "agency-a", "nope").status_code == 429
        clock.advance(timedelta(minutes=15, seconds=1))
        assert api_sign_in(client, "agency-a", "nope").status_code == 401  # a fresh count
        assert api_sign_in(client, "agency-a", world.setup.password).status_code == 201


# -- what the store keeps -----------------------------------------------------------------


def every_stored_text(world: World) -> str:
    """Every value of every row of every table of the state store, as text."""
    parts: list[str] = []
    with world.portal.state.reading() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(sa.select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_passwords_are_stored_as_argon2id_hashes(world: World) -> None:
    with world.portal.state.reading() as session:
        hashes = {
            login: h for login, h in session.execute(sa.select(User.login, User.password_hash))
        }
    assert set(hashes) >= set(world.setup.logins.values())
    for login, stored in hashes.items():
        assert stored.startswith("$argon2id$v=19$"), login
    assert len(set(hashes.values())) == len(hashes)  # salted: the same password, other hashes
    assert world.setup.password not in every_stored_text(world)


def test_tokens_and_sessions_are_stored_only_as_sha256(world: World) -> None:
    with world.client() as client:
        token = api_sign_in(client, "seller-s0", world.setup.password).json()["access_token"]
        assert form_sign_in(client, "seller-s0", world.setup.password).status_code == 303
        session_token = client.cookies[SESSION_COOKIE]
    stored = every_stored_text(world)
    for raw in (token, session_token):
        assert len(raw) >= 40
        assert raw not in stored
        assert hashlib.sha256(raw.encode()).hexdigest() in stored
    # Nor anywhere in the database files (pages, the write-ahead log).
    files = Path(str(world.portal.state.engine.url.database)).parent.glob("state.db*")
    blob = b"".join(f.read_bytes() for f in files)
    assert blob, "the state store's files were not found"
    assert token.encode() not in blob and session_token.encode() not in blob
