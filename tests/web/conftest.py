"""Fixtures for the web tests: a portal world in real stores (see
`tierwise.testing.portal`), the application over it, bearer tokens per login, and a live
uvicorn server on a free loopback port for the browser and schema tests.

`portal_setup` is shared by the whole session (PostgreSQL state): tests must not change it.
A test that publishes, decides or signs in wrongly uses `fresh_portal` (its own SQLite)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import pg_create_database, pg_drop_database
from tierwise.server.app import create_app
from tierwise.testing.portal import PortalSetup, build_portal
from tierwise.web.context import Portal


@pytest.fixture(scope="session")
def portal_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalSetup]:
    url = pg_create_database()
    try:
        yield build_portal(tmp_path_factory.mktemp("portal"), url)
    finally:
        pg_drop_database(url)


@pytest.fixture()
def fresh_portal(tmp_path: Path) -> PortalSetup:
    return build_portal(tmp_path, f"sqlite:///{tmp_path / 'state.db'}")


def make_app(setup: PortalSetup) -> FastAPI:
    return create_app(Portal.open(setup.state_url, setup.db), close_portal=True)


@pytest.fixture(scope="session")
def app(portal_setup: PortalSetup) -> Iterator[FastAPI]:
    application = make_app(portal_setup)
    yield application
    application.state.live_feed.stop()  # its lifespan never ran: the live screen's listener
    application.state.portal.close()


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


TokenFor = Callable[[str], dict[str, str]]


@pytest.fixture(scope="session")
def token_for(client: TestClient, portal_setup: PortalSetup) -> TokenFor:
    """`token_for(login)` → the Authorization header of a fresh bearer token (cached)."""
    cache: dict[str, dict[str, str]] = {}

    def get(login: str) -> dict[str, str]:
        if login not in cache:
            reply = client.post(
                "/api/v1/tokens", json={"login": login, "password": portal_setup.password}
            )
            assert reply.status_code == 201, reply.text
            cache[login] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        return cache[login]

    return get


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """uvicorn serving `app` on 127.0.0.1 in a thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_graceful_shutdown=3,  # a live screen's stream left open ends too
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The shared (read-only) portal, served for real on a loopback port."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture()
def fresh_live_server(fresh_portal: PortalSetup) -> Iterator[tuple[LiveServer, PortalSetup]]:
    """A portal of the test's own (it may publish, decide, sign out), served for real."""
    application = make_app(fresh_portal)
    try:
        with LiveServer(application) as server:
            yield server, fresh_portal
    finally:
        application.state.portal.close()
