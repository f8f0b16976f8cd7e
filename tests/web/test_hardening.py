"""Regressions of issue 16 in the service: what a hostile probe found in the portal, the
API and the audit log's verification, each pinned by the case that showed it."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import tierwise.cli.operate  # noqa: F401  (registers the commands)
from tests.conftest import pg_create_database, pg_drop_database
from tests.web.conftest import LiveServer, make_app
from tierwise.accounts.pages import LOGIN_CSRF_COOKIE
from tierwise.accounts.service import FREE_FAILURES
from tierwise.audit import service as audit_service
from tierwise.cli.app import app as cli
from tierwise.server.app import create_app
from tierwise.testing.portal import PortalSetup, build_portal
from tierwise.web.context import Portal

PROBLEM = "application/problem+json"


def _token(client: TestClient, setup: PortalSetup, login: str = "op") -> dict[str, str]:
    reply = client.post("/api/v1/tokens", json={"login": login, "password": setup.password})
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


# --- 1. the login form's CSRF cookie ------------------------------------------------------


def test_the_login_csrf_cookie_is_secure_when_cookies_are(fresh_portal: PortalSetup) -> None:
    portal = Portal.open(fresh_portal.state_url, fresh_portal.db, secure_cookies=True)
    with TestClient(create_app(portal, close_portal=True), base_url="https://testserver") as c:
        cookie = c.get("/login").headers["set-cookie"]
    assert cookie.startswith(f"{LOGIN_CSRF_COOKIE}=")
    assert "; secure" in cookie.lower(), cookie


def test_the_login_csrf_cookie_stays_plain_without_secure_cookies(
    fresh_portal: PortalSetup,
) -> None:
    with TestClient(make_app(fresh_portal)) as c:
        cookie = c.get("/login").headers["set-cookie"]
    assert "secure" not in cookie.lower() and "httponly" in cookie.lower()


# --- 2. the login throttle under concurrency -------------------------------------------


@pytest.fixture()
def pg_portal(tmp_path: Path) -> Iterator[PortalSetup]:
    url = pg_create_database()
    try:
        yield build_portal(tmp_path, url)
    finally:
        pg_drop_database(url)


def test_parallel_wrong_passwords_get_exactly_the_free_failures_on_postgresql(
    pg_portal: PortalSetup,
) -> None:
    """24 sign-ins at once for one login: the documented 5 are checked (401), every other
    one is throttled (429); the count and the check are one atomic step."""
    application = make_app(pg_portal)
    try:
        with LiveServer(application) as server, httpx.Client(base_url=server.url) as http:

            def attempt(i: int) -> int:
                body = {"login": "agency-a", "password": f"wrong password {i}"}
                return http.post("/api/v1/tokens", json=body, timeout=60).status_code

            with ThreadPoolExecutor(max_workers=24) as pool:
                statuses = Counter(pool.map(attempt, range(24)))
    finally:
        application.state.portal.close()
    assert statuses == {401: FREE_FAILURES, 429: 24 - FREE_FAILURES}, statuses


# --- every error path of the API answers a problem document ----------------------------


def test_an_internal_error_in_a_route_is_a_problem_document(
    fresh_portal: PortalSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(state: object) -> object:
        raise RuntimeError("secret internals: /srv/tierwise/state.db")

    monkeypatch.setattr(audit_service, "verify_audit", broken)
    with TestClient(make_app(fresh_portal), raise_server_exceptions=False) as c:
        reply = c.get("/api/v1/audit/verify", headers=_token(c, fresh_portal))
    assert reply.status_code == 500
    assert reply.headers["content-type"] == PROBLEM
    doc = reply.json()
    assert (doc["status"], doc["title"], doc["instance"]) == (
        500,
        "Internal Server Error",
        "/api/v1/audit/verify",
    )
    assert "secret" not in reply.text and "Traceback" not in reply.text


# --- 8, 9. audit verify with an entry that is no longer text -----------------------------


def _tamper_sqlite(setup: PortalSetup, statement: str) -> int:
    """Rewrite one audit entry behind the store's back (SQLite, triggers dropped)."""
    path = setup.state_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER audit_log_no_update")
        (seq,) = db.execute("SELECT max(seq) - 1 FROM audit_log").fetchone()
        db.execute(statement.format(seq=seq))
    return int(seq)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = CAST('mallory' AS BLOB) WHERE seq = {seq}",
        "UPDATE audit_log SET reason = CAST(x'ff6d616c6c6f7279' AS TEXT) WHERE seq = {seq}",
        "UPDATE audit_log SET hash = CAST(hash AS BLOB) WHERE seq = {seq}",
    ],
    ids=["blob", "invalid UTF-8", "hash as a blob"],
)
def test_an_undecodable_entry_is_reported_as_tampered_with_its_seq(
    fresh_portal: PortalSetup, statement: str
) -> None:
    seq = _tamper_sqlite(fresh_portal, statement)
    result = CliRunner().invoke(cli, ["audit", "verify", "--state", fresh_portal.state_url])
    assert result.exit_code == 1, result.output
    assert f"audit log BROKEN at entry {seq} (edited)" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    with TestClient(make_app(fresh_portal)) as c:
        reply = c.get("/api/v1/audit/verify", headers=_token(c, fresh_portal))
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert (doc["ok"], doc["first_bad"], doc["problem"]) == (False, seq, "edited")
    assert "not text" in doc["detail"]


# --- Also: periods --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "says"),
    [
        ("２０２６-０９", "is not a period"),
        ("9999-12", "years 1970 to 9998"),
        ("0001-01", "years 1970 to 9998"),
    ],
)
def test_a_period_is_ascii_digits_in_a_supported_year(
    fresh_portal: PortalSetup, period: str, says: str
) -> None:
    with TestClient(make_app(fresh_portal)) as c:
        reply = c.post(
            "/api/v1/runs",
            json={"program_id": "buyin-mcn", "period": period},
            headers=_token(c, fresh_portal),
        )
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == PROBLEM
    doc = reply.json()
    assert doc["errors"][0]["field"] == "body.period"
    assert says in doc["detail"], doc
