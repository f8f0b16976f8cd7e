"""The portal world as the API shows it, with the numbers worked by hand in
`tierwise.testing.portal`."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests.web.conftest import LiveServer, TokenFor


def test_partner_dashboard_has_the_hand_worked_numbers(
    client: TestClient, token_for: TokenFor
) -> None:
    doc = client.get("/api/v1/partners/A/dashboard", headers=token_for("agency-a")).json()
    card = next(c for c in doc["cards"] if c["program_id"] == "buyin-mcn")
    assert (card["period"], card["score"], card["level"]["id"], card["computed_level"]) == (
        "2024-08",
        "601",
        "V3",
        "V5",
    )
    assert [(h["period"], h["score"], h["level"]) for h in card["history"]] == [
        ("2024-07", "310", "V2"),
        ("2024-08", "601", "V3"),
    ]


def test_the_live_server_answers(live_server: LiveServer) -> None:
    reply = httpx.get(f"{live_server.url}/api/v1/health")
    assert reply.json() == {"status": "ok", "partners": 3, "programs": 5}
