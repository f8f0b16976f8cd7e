"""Changing one's password and an operator's one-time reset link, as users do it: the
service on both engines (with its clock), the pages through the real forms, the API, the
CLI. What must hold: the old password and every credential of the user end with it; a
link works once, for 24 hours, and only the newest of a user's links works; every change
is in the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import tierwise.cli.users
from tests.web.test_unauthenticated import csrf_of, form_sign_in, hidden
from tierwise.accounts import AccountError, Accounts, BadCredentials, NewUser, Throttled
from tierwise.cli.app import app as cli
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.server.app import create_app
from tierwise.web.context import Portal
from tierwise.web.guard import SESSION_COOKIE

assert tierwise.cli.users

OLD = "the old password"
NEW = "a brand new password"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts_store(state_url: str, clock: Clock) -> Iterator[StateStore]:
    store = StateStore.open(state_url, clock=clock)
    with store.session() as session:
        Accounts(session).add(NewUser("ann", "Ann", "partner", partner_id="P1"), OLD)
        Accounts(session).add(NewUser("op", "Olga", "operator"), OLD)
    yield store
    store.close()


def actions(store: StateStore) -> list[tuple[str, str, str]]:
    with store.session() as session:
        return [(e.actor, e.action, e.object) for e in AuditLog(session).entries(since=0)]


# -- the service --------------------------------------------------------------------------


def test_a_change_ends_every_credential_and_the_old_password(accounts_store: StateStore) -> None:
    with accounts_store.session() as session:
        accounts = Accounts(session)
        _, cookie = accounts.sign_in("ann", OLD, "session")
        _, token = accounts.sign_in("ann", OLD, "token")
        _, other = accounts.sign_in("op", OLD, "token")
    with accounts_store.session() as session:
        Accounts(session).change_password("ann", OLD, NEW)
    with accounts_store.session() as session:
        accounts = Accounts(session)
        assert accounts.principal(cookie, "session") is None
        assert accounts.principal(token, "token") is None
        assert accounts.principal(other, "token") is not None  # another user's: untouched
        assert accounts.authenticate("ann", NEW).login == "ann"
    with pytest.raises(BadCredentials), accounts_store.session() as session:
        Accounts(session).authenticate("ann", OLD)
    assert ("ann", "password_changed", "user/ann") in actions(accounts_store)


def test_a_change_needs_the_current_password_and_is_throttled_like_a_sign_in(
    accounts_store: StateStore, clock: Clock
) -> None:
    for _ in range(5):  # each failure is recorded (committed) although the change fails
        with accounts_store.session() as session, pytest.raises(BadCredentials):
            Accounts(session).change_password("ann", "not it at all", NEW)
    # five failures: the next attempt waits 2**0 s after the last, even with the right one
    with accounts_store.session() as session, pytest.raises(Throttled):
        Accounts(session).change_password("ann", OLD, NEW)
    assert not [a for a in actions(accounts_store) if a[1] == "password_changed"]
    clock.at = T0 + timedelta(seconds=1)
    with accounts_store.session() as session:
        Accounts(session).change_password("ann", OLD, NEW)
    assert ("ann", "password_changed", "user/ann") in actions(accounts_store)


@pytest.mark.parametrize(
    ("new", "says"),
    [(OLD, "must differ"), ("short", "at least 8"), ("x" * 1025, "at most 1024")],
)
def test_a_refused_change_keeps_the_old_password(
    accounts_store: StateStore, new: str, says: str
) -> None:
    with pytest.raises(AccountError, match=says), accounts_store.session() as session:
        Accounts(session).change_password("ann", OLD, new)
    with accounts_store.session() as session:
        assert Accounts(session).authenticate("ann", OLD).login == "ann"


def test_a_reset_link_works_once_for_24_hours(accounts_store: StateStore, clock: Clock) -> None:
    with accounts_store.session() as session:
        _, cookie = Accounts(session).sign_in("ann", OLD, "session")
        _, first, expires = Accounts(session).issue_reset("ann", "op")
    assert expires == T0 + timedelta(hours=24)
    with accounts_store.session() as session:  # issuing ends no session yet
        assert Accounts(session).principal(cookie, "session") is not None
        assert Accounts(session).reset_holder(first) is not None
        assert Accounts(session).principal(first, "session") is None  # not a session
    with accounts_store.session() as session:
        _, second, _ = Accounts(session).issue_reset("ann", "op")
    with accounts_store.session() as session:
        accounts = Accounts(session)
        assert accounts.reset_holder(first) is None  # replaced by the newer link
        assert accounts.reset_holder(second) is not None
        with pytest.raises(AccountError, match="unknown, used or expired"):
            accounts.redeem_reset(first, NEW)
    clock.at = T0 + timedelta(hours=23, minutes=59)
    with accounts_store.session() as session:
        assert Accounts(session).redeem_reset(second, NEW).login == "ann"
    with accounts_store.session() as session:
        accounts = Accounts(session)
        assert accounts.principal(cookie, "session") is None
        assert accounts.authenticate("ann", NEW).login == "ann"
        with pytest.raises(AccountError, match="unknown, used or expired"):
            accounts.redeem_reset(second, "yet another one")  # once
    assert [a for a in actions(accounts_store) if a[2] == "user/ann"] == [
        ("op", "password_reset_issued", "user/ann"),
        ("op", "password_reset_issued", "user/ann"),
        ("ann", "password_reset", "user/ann"),
    ]


def test_an_expired_link_sets_nothing(accounts_store: StateStore, clock: Clock) -> None:
    with accounts_store.session() as session:
        _, link, _ = Accounts(session).issue_reset("ann", "op")
    clock.at = T0 + timedelta(hours=24)
    with pytest.raises(AccountError), accounts_store.session() as session:
        Accounts(session).redeem_reset(link, NEW)
    with accounts_store.session() as session:
        assert Accounts(session).authenticate("ann", OLD).login == "ann"


def test_no_link_for_an_unknown_user(accounts_store: StateStore) -> None:
    with pytest.raises(AccountError, match="no active user"), accounts_store.session() as s:
        Accounts(s).issue_reset("nobody", "op")


# -- the pages and the API ----------------------------------------------------------------


@pytest.fixture
def portal_app(tmp_path: Path) -> Iterator[FastAPI]:
    portal = Portal.open(f"sqlite:///{tmp_path / 'state.db'}", None)
    with portal.state.session() as session:
        Accounts(session).add(NewUser("ann", "Ann", "partner", partner_id="P1"), OLD)
        Accounts(session).add(NewUser("op", "Olga", "operator"), OLD)
    application = create_app(portal, close_portal=True)
    yield application


def signed_in(application: FastAPI, login: str, password: str = OLD) -> TestClient:
    client = TestClient(application, follow_redirects=False)
    assert form_sign_in(client, login, password).status_code == 303
    return client


def token(application: FastAPI, login: str, password: str) -> dict[str, str]:
    reply = TestClient(application).post(
        "/api/v1/tokens", json={"login": login, "password": password}
    )
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_changing_the_password_in_the_portal(portal_app: FastAPI) -> None:
    here, elsewhere = signed_in(portal_app, "ann"), signed_in(portal_app, "ann")
    api = token(portal_app, "ann", OLD)
    form = here.get("/account/password")
    assert form.status_code == 200 and 'name="current_password"' in form.text
    csrf = csrf_of(here)

    mismatch = {"current_password": OLD, "new_password": NEW, "confirm_password": NEW + "!"}
    reply = here.post("/account/password", data={**mismatch, "csrf_token": csrf})
    assert reply.status_code == 422 and "confirmation differ" in reply.text
    wrong = {"current_password": "not my password", "new_password": NEW, "confirm_password": NEW}
    reply = here.post("/account/password", data={**wrong, "csrf_token": csrf})
    assert reply.status_code == 403 and "current password is wrong" in reply.text
    assert elsewhere.get("/").status_code == 303  # nothing changed yet

    right = {"current_password": OLD, "new_password": NEW, "confirm_password": NEW}
    reply = here.post("/account/password", data={**right, "csrf_token": csrf})
    assert reply.status_code == 303
    assert reply.headers["location"] == "/account/password?flash=password_changed"
    assert SESSION_COOKIE in reply.cookies  # a new session for this browser
    page = here.get(reply.headers["location"])
    assert page.status_code == 200 and "other sessions and tokens have ended" in page.text
    assert elsewhere.get("/").status_code == 401  # the other browser is signed out
    assert TestClient(portal_app).get("/api/v1/me", headers=api).status_code == 401
    assert (
        form_sign_in(TestClient(portal_app, follow_redirects=False), "ann", OLD).status_code == 401
    )
    assert (
        form_sign_in(TestClient(portal_app, follow_redirects=False), "ann", NEW).status_code == 303
    )


def test_changing_the_password_through_the_api(portal_app: FastAPI) -> None:
    client = TestClient(portal_app)
    api = token(portal_app, "ann", OLD)
    body = {"current_password": "not my password", "new_password": NEW}
    assert client.post("/api/v1/me/password", json=body, headers=api).status_code == 403
    body = {"current_password": OLD, "new_password": "short"}
    reply = client.post("/api/v1/me/password", json=body, headers=api)
    assert reply.status_code == 422 and "at least 8" in reply.json()["detail"]
    body = {"current_password": OLD, "new_password": NEW}
    assert client.post("/api/v1/me/password", json=body, headers=api).status_code == 204
    assert client.get("/api/v1/me", headers=api).status_code == 401  # this token ended too
    assert client.get("/api/v1/me", headers=token(portal_app, "ann", NEW)).status_code == 200


def test_an_operator_hands_out_a_reset_link_that_works_once(portal_app: FastAPI) -> None:
    operator = signed_in(portal_app, "op")
    ann = signed_in(portal_app, "ann")
    users = operator.get("/operator/users")
    assert users.status_code == 200 and 'data-testid="user-ann"' in users.text
    shown = operator.post(
        "/operator/users/reset", data={"login": "ann", "csrf_token": csrf_of(operator)}
    )
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    url = hidden(shown.text.replace("readonly value", 'name="url" value'), "url")
    path = re.sub(r"^http://[^/]+", "", url)
    assert re.fullmatch(r"/reset/[A-Za-z0-9_-]{40,}", path), url
    assert ann.get("/").status_code == 303  # still signed in until the link is used

    anyone = TestClient(portal_app, follow_redirects=False)
    form = anyone.get(path)
    assert form.status_code == 200 and "ann" in form.text
    assert form.headers["referrer-policy"] == "no-referrer"
    reply = anyone.post(path, data={"new_password": NEW, "confirm_password": "typo"})
    assert reply.status_code == 422
    reply = anyone.post(path, data={"new_password": NEW, "confirm_password": NEW})
    assert reply.status_code == 303 and reply.headers["location"] == "/login?reset=1"
    assert "Your password is set" in anyone.get("/login?reset=1").text

    assert ann.get("/").status_code == 401  # its session ended with the old password
    assert (
        form_sign_in(TestClient(portal_app, follow_redirects=False), "ann", NEW).status_code == 303
    )
    again = anyone.get(path)
    assert again.status_code == 404 and 'data-testid="reset-dead"' in again.text
    reply = anyone.post(path, data={"new_password": "third one!", "confirm_password": "third one!"})
    assert reply.status_code == 404
    assert (
        form_sign_in(TestClient(portal_app, follow_redirects=False), "ann", NEW).status_code == 303
    )


def test_the_api_reset_link_and_an_unknown_user(portal_app: FastAPI) -> None:
    client = TestClient(portal_app)
    op = token(portal_app, "op", OLD)
    reply = client.post("/api/v1/password-resets", json={"login": "ann"}, headers=op)
    assert reply.status_code == 201
    assert reply.json()["url"].startswith("http://testserver/reset/")
    assert client.get(reply.json()["url"]).status_code == 200
    reply = client.post("/api/v1/password-resets", json={"login": "nobody"}, headers=op)
    assert reply.status_code == 404
    ann = token(portal_app, "ann", OLD)
    reply = client.post("/api/v1/password-resets", json={"login": "op"}, headers=ann)
    assert reply.status_code == 403


def test_the_cli_prints_a_link_and_audits_it(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.db'}"
    with StateStore.open(state) as store, store.session() as session:
        Accounts(session).add(NewUser("ann", "Ann", "partner", partner_id="P1"), OLD)
    result = CliRunner().invoke(
        cli, ["users", "reset", "ann", "--base-url", "https://portal.example/", "--state", state]
    )
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert re.fullmatch(r"https://portal\.example/reset/[A-Za-z0-9_-]{40,}", link), link
    with StateStore.open(state) as store:
        with store.session() as session:
            assert Accounts(session).redeem_reset(link.rsplit("/", 1)[1], NEW).login == "ann"
        assert ("cli", "password_reset_issued", "user/ann") in actions(store)
    result = CliRunner().invoke(cli, ["users", "reset", "nobody", "--state", state])
    assert result.exit_code == 1 and "no active user 'nobody'" in result.output
