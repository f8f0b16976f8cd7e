"""Two real servers (separate uvicorn processes) over one PostgreSQL state store: an event
posted to server A reaches a live screen's Server-Sent Events client on server B within
2 seconds (issue 12: PostgreSQL LISTEN/NOTIFY, no polling), and B still stops promptly on
SIGTERM with the stream open (`GRACEFUL_S`)."""

from __future__ import annotations

import json
import queue
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live.conftest import SECRET
from tests.live.test_events_killed import free_port, start_server
from tests.web.test_live_screen import screens_of
from tierwise.live.signing import signed_headers
from tierwise.screen.stream import GRACEFUL_S
from tierwise.testing.compass import PASSWORD, build_compass_portal

SERVE = (
    "import sys, uvicorn\n"
    "from pathlib import Path\n"
    "from tierwise.screen.stream import GRACEFUL_S\n"
    "from tierwise.server.app import create_app\n"
    "from tierwise.web.context import Portal\n"
    "app = create_app(Portal.open(sys.argv[1], Path(sys.argv[2])), close_portal=True)\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[3]), log_level='warning',\n"
    "            timeout_graceful_shutdown=GRACEFUL_S)\n"
)
#: The most an event may take from server A's answer to server B's stream (issue 12).
DELIVERY_S = 2.0


class Server:
    """`create_app` on uvicorn in a process of its own."""

    def __init__(self, state_url: str, db: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = start_server(SERVE, [state_url, str(db), str(self.port)], self.port)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _, errors = self.process.communicate(timeout=30)
        return errors.decode(errors="replace")


@pytest.fixture()
def servers(pg_state_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    setup = build_compass_portal(tmp_path, pg_state_url)
    a = Server(pg_state_url, setup.db)
    try:
        b = Server(pg_state_url, setup.db)
    except BaseException:
        a.stop()
        raise
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def _token(server: Server) -> dict[str, str]:
    reply = httpx.post(
        f"{server.url}/api/v1/tokens", json={"login": "agency-a", "password": PASSWORD}
    )
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def _listen(url: str, headers: dict[str, str], screens: queue.Queue[Any]) -> None:
    """Read the stream, putting each screen document (and finally None) in `screens`."""
    try:
        with httpx.stream("GET", url, headers=headers, timeout=None) as reply:
            screens.put(reply.status_code)
            for screen in screens_of(reply.iter_lines()):
                screens.put(screen)
    except httpx.HTTPError as exc:
        screens.put(exc)
    finally:
        screens.put(None)


def _events(now: datetime) -> list[dict[str, Any]]:
    minute = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    return [
        {
            "id": "sse/start",
            "kind": "live.started",
            "at": minute.isoformat(),
            "live_id": "LIVE-SSE",
            "creator_id": "c1",
        },
        {
            "id": "sse/minute",
            "kind": "live.minute",
            "at": (now - timedelta(seconds=1)).isoformat(),
            "live_id": "LIVE-SSE",
            "minute": minute.isoformat(),
            "online_viewers": 123,
            "views": 7,
            "product_clicks": 2,
            "orders": 1,
            "gmv": "9.50",
            "currency": "USD",
            "likes": 0,
            "comments": 0,
            "shares": 0,
            "new_followers": 0,
        },
    ]


def test_an_event_posted_to_one_server_reaches_a_stream_on_the_other(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers
    screens: queue.Queue[Any] = queue.Queue()
    url = f"{b.url}/api/v1/compass/live/stream?creator_id=c1"
    reader = threading.Thread(target=_listen, args=(url, _token(b), screens), daemon=True)
    reader.start()
    assert screens.get(timeout=30) == 200
    first = screens.get(timeout=30)
    # c1 is not live yet: its public part, no live
    assert first["creators"][0]["creator_id"] == "c1"
    assert first["creators"][0]["live_id"] is None

    body = json.dumps(_events(datetime.now(UTC))).encode()
    headers = {"Content-Type": "application/json", **signed_headers(SECRET, body, time.time())}
    posted = httpx.post(f"{a.url}/api/v1/events", content=body, headers=headers)
    assert posted.status_code == 200, posted.text
    answered = time.monotonic()
    assert posted.json()["stored"] == 2

    pushed = screens.get(timeout=DELIVERY_S)
    waited = time.monotonic() - answered
    card = pushed["creators"][0]
    assert card["live_id"] == "LIVE-SSE" and card["running"] is True
    assert card["figures"]["online_viewers"] == 123 and card["figures"]["gmv"] == 9.5
    assert waited <= DELIVERY_S, f"{waited:.2f} s from A's answer to B's stream"

    # B stops with the stream still open: within its graceful timeout, not never.
    stopping = time.monotonic()
    b.process.send_signal(signal.SIGTERM)
    b.process.wait(timeout=GRACEFUL_S + 15)
    assert time.monotonic() - stopping <= GRACEFUL_S + 15
    reader.join(timeout=15)
    assert not reader.is_alive(), "the stream did not end when its server stopped"
