"""The live screen's pages and API over the world of `tierwise.testing.compass`: agency A
has c0 (bound, never authorized), c1 (an imported approval given 2024-08-02: today's live
numbers shown) and c2 (region US, excluded); B has b0. The clock stands at 2024-09-20
03:00Z (10:00 in Bangkok); the lives below run from 02:00Z, their events stored through the
ingestion service as the endpoint stores them. Every expected number is worked out here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.live.conftest import minute as live_minute
from tests.web.test_compass_module_pages import entries
from tests.web.test_compass_pages import World, text
from tierwise.db.engine import StateStore
from tierwise.live.events import events_from_json
from tierwise.live.service import ingest
from tierwise.testing.compass import PASSWORD, build_compass_portal

DAY = "2024-09-20"


def at(hh_mm: str) -> str:
    return f"{DAY}T{hh_mm}:00Z"


def started(live_id: str, creator_id: str, hh_mm: str = "02:00") -> dict[str, Any]:
    return {
        "id": f"{live_id}/start",
        "kind": "live.started",
        "at": at(hh_mm),
        "live_id": live_id,
        "creator_id": creator_id,
    }


def minute(live_id: str, hh_mm: str, counted: str | None = None, **values: Any) -> dict[str, Any]:
    """A `live.minute` of `live_id` (zeros but for `values`), counted at `counted`."""
    event_id = f"{live_id}/{hh_mm}/{counted or 'first'}"
    return live_minute(event_id, live_id, at(hh_mm), at(counted or hh_mm), **values)


def product(live_id: str, product_id: str, hh_mm: str, **values: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": f"{live_id}/{product_id}/{hh_mm}",
        "kind": "live.product",
        "at": at(hh_mm),
        "live_id": live_id,
        "product_id": product_id,
        "impressions": 0,
        "clicks": 0,
        "orders": 0,
        "items_sold": 0,
        "gmv": "0",
        "currency": "USD",
    }
    return doc | values


def stock(product_id: str, hh_mm: str, count: int) -> dict[str, Any]:
    return {
        "id": f"stock/{product_id}/{hh_mm}/{count}",
        "kind": "stock.changed",
        "at": at(hh_mm),
        "product_id": product_id,
        "stock": count,
    }


def ended(live_id: str, hh_mm: str) -> dict[str, Any]:
    return {
        "id": f"{live_id}/end",
        "kind": "live.ended",
        "at": at(hh_mm),
        "live_id": live_id,
        "views": 0,
        "viewers": 0,
        "product_impressions": 0,
        "product_clicks": 0,
    }


def violation(violation_id: str, creator_id: str, hh_mm: str) -> dict[str, Any]:
    return {
        "id": f"violation/{violation_id}",
        "kind": "violation.issued",
        "at": at(hh_mm),
        "violation_id": violation_id,
        "subject_kind": "creator",
        "subject_id": creator_id,
        "violation_kind": "content",
        "severe": False,
        "points": "1",
    }


class LiveWorld(World):
    """The compass world with live events and bearer tokens."""

    def send(self, *docs: dict[str, Any]) -> None:
        with StateStore.open(self.setup.state_url, clock=self.setup.clock.now) as state:
            ingest(state, events_from_json(json.dumps(list(docs))))

    def token(self, login: str) -> dict[str, str]:
        api = self.client(None)
        reply = api.post("/api/v1/tokens", json={"login": login, "password": PASSWORD})
        assert reply.status_code == 201, reply.text
        return {"Authorization": f"Bearer {reply.json()['access_token']}"}

    def api(self, path: str, login: str = "agency-a") -> Any:
        return self.client(None).get(path, headers=self.token(login))


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[LiveWorld]:
    w = LiveWorld(build_compass_portal(tmp_path, f"sqlite:///{tmp_path / 'state.db'}"))
    yield w
    w.close()


#: c0's live numbers: A may not see them, so none of these may show anywhere.
C0_SECRET: dict[str, Any] = {
    "online_viewers": 4321,
    "gmv": "777.77",
    "orders": 91,
    "product_clicks": 6543,
}


def three_lives(world: LiveWorld) -> None:
    """c1 live (authorized), c0 live (not authorized), B's b0 live; c2 not live."""
    world.send(
        started("LIVE-1", "c1"),
        minute("LIVE-1", "02:00", online_viewers=50, gmv="12.50", orders=1, product_clicks=3),
        minute("LIVE-1", "02:01", online_viewers=80, gmv="7.50", orders=2, product_clicks=4),
        started("LIVE-0", "c0"),
        minute("LIVE-0", "02:00", **C0_SECRET),
        started("LIVE-B", "b0"),
        minute("LIVE-B", "02:00", online_viewers=999, gmv="555.55"),
    )


def test_the_cards_show_who_is_live_and_numbers_only_where_authorized(world: LiveWorld) -> None:
    three_lives(world)
    found = world.api("/api/v1/compass/live").json()
    assert found["day"] == DAY and found["partner_id"] == "A"
    # c1: latest minute's online viewers 80; GMV 12.50 + 7.50; orders 1 + 2; clicks 3 + 4.
    assert found["creators"] == [
        {
            "creator_id": "c0",
            "handle": "somchai.live",
            "authorized": False,
            "live_id": "LIVE-0",
            "running": True,
            "figures": None,
        },
        {
            "creator_id": "c1",
            "handle": "nok.shop",
            "authorized": True,
            "live_id": "LIVE-1",
            "running": True,
            "figures": {
                "online_viewers": 80,
                "gmv": 20.0,
                "currency": "USD",
                "orders": 3,
                "product_clicks": 7,
            },
        },
    ]
    page = world.client("agency-a").get("/compass/live")
    assert page.status_code == 200
    shown = text(page.text)
    assert "@nok.shop" in shown and "@somchai.live" in shown and "bee.live" not in shown
    assert 'data-testid="live-card-c0"' in page.text and 'data-testid="no-access"' in page.text
    assert 'data-stream="/compass/live/stream"' in page.text
    for secret in ("4,321", "4321", "777.77", "6,543", "999", "555.55"):
        assert secret not in page.text and secret not in json.dumps(found)
    # B sees its own b0 only.
    b = world.api("/api/v1/compass/live", "agency-b").json()
    assert [c["creator_id"] for c in b["creators"]] == ["b0"]


def test_the_screen_compares_the_latest_minute_with_the_previous_five(world: LiveWorld) -> None:
    world.send(
        started("LIVE-1", "c1"),
        # outside M-5..M-1 (M = 02:10): not in the mean
        minute("LIVE-1", "02:04", online_viewers=1000, gmv="500"),
        minute("LIVE-1", "02:05", online_viewers=100, gmv="10"),
        minute("LIVE-1", "02:06", online_viewers=999, gmv="99"),
        # 02:06 recounted later: this count wins; an older recount changes nothing
        minute("LIVE-1", "02:06", "02:09", online_viewers=120, gmv="20"),
        minute("LIVE-1", "02:06", "02:07", online_viewers=5, gmv="5"),
        minute("LIVE-1", "02:08", online_viewers=140, gmv="0"),
        # 02:07 and 02:09 never arrived
        minute("LIVE-1", "02:10", online_viewers=200, gmv="30"),
    )
    found = world.api("/api/v1/compass/live/screen?creator_id=c1").json()
    [card] = found["creators"]
    figures = card["figures"]
    assert figures["latest_minute"] == "2024-09-20T02:10:00+00:00"
    assert figures["compared_minutes"] == 3
    by_figure = {c["figure"]: c for c in figures["comparisons"]}
    # online viewers: mean(100, 120, 140) = 120; (200 − 120) / 120 = 2/3
    assert by_figure["online_viewers"]["latest"] == 200
    assert by_figure["online_viewers"]["mean"] == 120
    assert by_figure["online_viewers"]["change"] == pytest.approx(2 / 3)
    # GMV: mean(10, 20, 0) = 10; (30 − 10) / 10 = 2
    assert (by_figure["gmv"]["mean"], by_figure["gmv"]["change"]) == (10, pytest.approx(2.0))
    # orders: all 0 before: a mean of 0 has no change
    assert (by_figure["orders"]["mean"], by_figure["orders"]["change"]) == (0, None)
    page = world.client("agency-a").get("/compass/live/screen?creator_id=c1")
    assert page.status_code == 200
    row = page.text.split('data-testid="cmp-online_viewers">', 1)[1].split("</tr>", 1)[0]
    assert text(row) == "Online viewers 200 120 +66.7%"
    # totals so far: GMV 500 + 10 + 20 + 0 + 30 = 560
    assert figures["gmv"] == 560.0 and figures["online_viewers"] == 200


def test_a_screen_holds_at_most_five_creators(world: LiveWorld) -> None:
    six = "&".join(f"creator_id={c}" for c in ("c0", "c1", "c2", "x1", "x2", "x3"))
    refused = world.api(f"/api/v1/compass/live/screen?{six}")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["errors"][0]["field"] == "query.creator_id"
    assert "at most 5" in problem["errors"][0]["message"]
    page = world.client("agency-a").get(f"/compass/live/screen?{six}")
    assert page.status_code == 422 and 'data-testid="form-error"' in page.text
    assert "at most 5 creators" in page.text
    streamed = world.client(None).get(
        f"/api/v1/compass/live/stream?{six}", headers=world.token("agency-a")
    )
    assert streamed.status_code == 422  # refused before the stream opens
    # the same creator asked twice is one; three of A's creators are a screen
    assert world.api("/api/v1/compass/live/screen?creator_id=c1&creator_id=c1").status_code == 200
    three = world.api("/api/v1/compass/live/screen?creator_id=c0&creator_id=c1&creator_id=c2")
    assert [c["creator_id"] for c in three.json()["creators"]] == ["c0", "c1", "c2"]
    # no creator: refused too
    assert world.api("/api/v1/compass/live/screen").status_code == 422


@pytest.mark.parametrize("creator_id", ["b0", "nobody"])
def test_another_partners_creator_is_not_found_like_none(world: LiveWorld, creator_id: str) -> None:
    three_lives(world)
    api = world.api(f"/api/v1/compass/live/screen?creator_id=c1&creator_id={creator_id}")
    assert api.status_code == 404
    assert api.json()["detail"] == f"no creator {creator_id!r}"
    assert "555.55" not in api.text
    page = world.client("agency-a").get(f"/compass/live/screen?creator_id={creator_id}")
    assert page.status_code == 404 and "555.55" not in page.text


def test_an_unauthorized_creator_shows_no_numbers_on_the_screen(world: LiveWorld) -> None:
    three_lives(world)
    world.send(product("LIVE-0", "P9", "02:01", gmv="777.77"), stock("P9", "02:02", 1))
    found = world.api("/api/v1/compass/live/screen?creator_id=c0&creator_id=c2").json()
    c0, c2 = found["creators"]
    assert (c0["authorized"], c0["running"], c0["figures"]) == (False, True, None)
    assert (c2["authorized"], c2["live_id"], c2["figures"]) == (False, None, None)
    page = world.client("agency-a").get("/compass/live/screen?creator_id=c0").text
    assert 'data-testid="no-access"' in page and "low-stock" not in page
    for secret in ("4,321", "777.77", "6,543", "P9"):
        assert secret not in page and secret not in json.dumps(found)
    # and nothing of c0 was logged as read
    assert [e for e in entries(world) if e[1] == "c0"] == []


def _badges(world: LiveWorld) -> tuple[list[str], str]:
    found = world.api("/api/v1/compass/live/screen?creator_id=c1").json()
    page = world.client("agency-a").get("/compass/live/screen?creator_id=c1").text
    return found["creators"][0]["figures"]["low_stock"], page


def test_the_low_stock_badge_appears_and_clears_with_the_stock(world: LiveWorld) -> None:
    world.send(
        started("LIVE-1", "c1"),
        minute("LIVE-1", "02:00", online_viewers=10),
        product("LIVE-1", "P1", "02:10", clicks=4, orders=2, items_sold=3, gmv="45"),
        product("LIVE-1", "P2", "02:10", clicks=1),
        stock("P1", "02:20", 8),
        stock("P2", "02:20", 9),
    )
    assert _badges(world)[0] == []
    world.send(stock("P1", "02:30", 4))  # below 5
    low, page = _badges(world)
    assert low == ["P1"]
    assert 'data-testid="low-stock-P1"' in page
    assert "Attention: the product P1 is low in stock (4 left)." in text(page)
    world.send(stock("P1", "02:40", 12))  # restocked: the badge clears
    low, page = _badges(world)
    assert low == [] and "low-stock" not in page
    world.send(stock("P1", "02:45", 2), stock("P1", "02:20", 0))  # a late older count: no effect
    assert _badges(world)[0] == ["P1"]
    world.send(ended("LIVE-1", "02:50"))  # only while the live runs
    low, page = _badges(world)
    assert low == [] and "low-stock" not in page
    found = world.api("/api/v1/compass/live/screen?creator_id=c1").json()["creators"][0]
    assert found["running"] is False
    products = {p["product_id"]: p for p in found["figures"]["products"]}
    assert products["P1"] == {  # its stock still shown; no notice once the live ended
        "product_id": "P1",
        "impressions": 0,
        "clicks": 4,
        "orders": 2,
        "items_sold": 3,
        "gmv": 45.0,
        "currency": "USD",
        "stock": 2,
        "low_stock": False,
    }


def test_the_screen_lists_the_lives_violations(world: LiveWorld) -> None:
    world.send(
        violation("V-BEFORE", "c1", "01:59"),  # before the live: not its notice
        started("LIVE-1", "c1"),
        violation("V-1", "c1", "02:20"),
        violation("V-OTHER", "c0", "02:21"),
    )
    found = world.api("/api/v1/compass/live/screen?creator_id=c1").json()
    assert [v["violation_id"] for v in found["creators"][0]["figures"]["violations"]] == ["V-1"]
    page = world.client("agency-a").get("/compass/live/screen?creator_id=c1").text
    assert 'data-testid="violation-V-1"' in page and "V-OTHER" not in page
    # 02:20Z is 09:20 in Bangkok
    assert "2024-09-20 09:20 · content" in text(page)


def test_reading_the_screen_is_logged_for_the_authorized_creator(world: LiveWorld) -> None:
    three_lives(world)
    assert world.api("/api/v1/compass/live/screen?creator_id=c0&creator_id=c1").status_code == 200
    assert world.client("agency-a").get("/compass/live").status_code == 200
    assert entries(world) == [
        ("agency-a", "c1", "api", 1, "live screen c0,c1"),
        ("agency-a", "c1", "page", 1, "live now"),
    ]


def test_the_stream_pushes_the_screen_when_an_event_is_stored(world: LiveWorld) -> None:
    world.send(started("LIVE-1", "c1"), minute("LIVE-1", "02:00", online_viewers=10))
    client = TestClient(world.app)
    try:
        url = "/api/v1/compass/live/stream?creator_id=c1"
        with client.stream("GET", url, headers=world.token("agency-a")) as reply:
            assert reply.status_code == 200
            assert reply.headers["content-type"].startswith("text/event-stream")
            screens = screens_of(reply.iter_lines())
            assert next(screens)["creators"][0]["figures"]["online_viewers"] == 10
            world.send(minute("LIVE-1", "02:01", online_viewers=25))
            assert next(screens)["creators"][0]["figures"]["online_viewers"] == 25
            world.send(stock("P-ELSEWHERE", "02:02", 1))  # not on this screen: no push
            world.send(stock("P1", "02:03", 1), product("LIVE-1", "P1", "02:03"))
            assert next(screens)["creators"][0]["figures"]["low_stock"] == ["P1"]
    finally:
        client.close()


def screens_of(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """The `screen` events of a stream's lines, as documents."""
    event, data = "", []
    for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and data:
            if event == "screen":
                yield json.loads("\n".join(data))
            event, data = "", []
