"""Shared by the live-event tests: the secret, signing, a portal serving the events
endpoint on each engine, and small event documents."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.live.canonical import from_files
from tierwise.live.signing import SECRET_ENV, signed_headers
from tierwise.server.app import create_app
from tierwise.web.context import Portal

SECRET = b"live-secret-for-tests"
URL = "/api/v1/events"
__all__ = ["from_files"]  # a fixture of the tests of this folder


def body_of(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def signed(body: bytes, *, secret: bytes = SECRET, at: float | None = None) -> dict[str, str]:
    headers = signed_headers(secret, body, time.time() if at is None else at)
    return {"Content-Type": "application/json", **headers}


def post(client: TestClient, doc: Any, **kw: Any) -> Any:
    body = body_of(doc)
    return client.post(URL, content=body, headers=signed(body, **kw))


def minute(event_id: str, live_id: str, start: str, counted: str, **values: Any) -> dict[str, Any]:
    """A `live.minute` event: zeros but for `values`."""
    doc: dict[str, Any] = {
        "id": event_id,
        "kind": "live.minute",
        "at": counted,
        "live_id": live_id,
        "minute": start,
        "online_viewers": 0,
        "views": 0,
        "product_clicks": 0,
        "orders": 0,
        "gmv": "0",
        "currency": "USD",
        "likes": 0,
        "comments": 0,
        "shares": 0,
        "new_followers": 0,
    }
    return doc | values


@pytest.fixture
def portal(state_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    monkeypatch.setenv(SECRET_ENV, SECRET.decode())
    opened = Portal.open(state_url, None)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def client(portal: Portal) -> Iterator[TestClient]:
    with TestClient(create_app(portal)) as test_client:
        yield test_client
