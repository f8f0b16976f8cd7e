"""Data Compass's pages over the world of `tierwise.testing.compass`, numbers by hand there:
Thai agency A has c0 (US$3.00 a day, no authorization yet), c1 (US$6.00 a day, an imported
approval for all of 2024) and c2 (region US, excluded); agency B has b0 (US$30.00 a day).
Today is 2024-09-20 in Bangkok; the clock moves by whole days, and sessions (12 h) end
when it does, so each day signs in again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tierwise.server.app import create_app
from tierwise.testing.compass import (
    PASSWORD,
    CompassSetup,
    build_compass_portal,
    open_compass_portal,
)
from tierwise.web.i18n import MESSAGES

PAGES = ("/compass", "/compass/creators", "/compass/consent")
#: Who gets what from each page: partner pages for partners, the consent page for creators.
EXPECTED = {
    "agency-a": (200, 200, 403),
    "agency-b": (200, 200, 403),
    "creator-c0": (403, 403, 200),
    "creator-b0": (403, 403, 200),
    "op": (403, 403, 403),
    "seller-s0": (403, 403, 403),
    None: (401, 401, 401),
}


class World:
    """The app over a fresh compass world, and a signed-in client per login."""

    def __init__(self, setup: CompassSetup) -> None:
        self.setup = setup
        self.app = create_app(open_compass_portal(setup), close_portal=True)
        self.clients: dict[str | None, TestClient] = {}

    def client(self, login: str | None) -> TestClient:
        if login not in self.clients:
            client = TestClient(self.app, follow_redirects=False)
            if login is not None:
                form = client.get("/login").text
                token = hidden(form, "login_csrf")
                reply = client.post(
                    "/login", data={"login": login, "password": PASSWORD, "login_csrf": token}
                )
                assert reply.status_code == 303, reply.text
            self.clients[login] = client
        return self.clients[login]

    def csrf(self, login: str) -> str:
        return hidden(self.client(login).get("/directory").text, "csrf_token")

    def next_day(self) -> None:
        """Tomorrow: the sessions of today have ended, so every login signs in again."""
        self.setup.clock.next_day()
        for client in self.clients.values():
            client.close()
        self.clients.clear()

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        self.app.state.portal.close()


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name!r}"
    return found.group(1)


def text(html: str) -> str:
    """The page's main content as plain text."""
    main = html.split('<main id="main">', 1)[-1]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#39;", "'").strip()


def row(html: str, testid: str) -> str:
    found = re.search(rf'<tr data-testid="{testid}">(.*?)</tr>', html, re.S)
    assert found, f"no row {testid!r}"
    return text(found.group(1))


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    setup = build_compass_portal(tmp_path, f"sqlite:///{tmp_path / 'state.db'}")
    w = World(setup)
    yield w
    w.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A world the read-only tests share (nothing is requested in it)."""
    folder = tmp_path_factory.mktemp("compass-pages")
    w = World(build_compass_portal(folder, f"sqlite:///{folder / 'state.db'}"))
    yield w
    w.close()


@pytest.mark.parametrize("login", list(EXPECTED), ids=[str(k) for k in EXPECTED])
def test_who_gets_each_page(shared: World, login: str | None) -> None:
    for path, want in zip(PAGES, EXPECTED[login], strict=True):
        reply = shared.client(login).get(path)
        assert reply.status_code == want, f"{path} as {login}"
        if want == 401:
            assert 'name="login_csrf"' in reply.text


def test_overview_counts_only_authorized_days_and_compares(shared: World) -> None:
    # As of 2024-09-20, last 7 days = 09-13..09-19; only c1 is authorized: 7 × US$6.00.
    # The previous period 09-06..09-12 is the same: a change of +0.0%.
    page = shared.client("agency-a").get("/compass").text
    assert "2024-09-13 to 2024-09-19" in text(page)
    assert "Compared with 2024-09-06 to 2024-09-12" in text(page)
    assert row(page, "figure-gmv") == "GMV US$42.00 US$42.00 +0.0%"
    assert row(page, "figure-orders") == "Orders 7 7 +0.0%"
    assert row(page, "figure-refunds") == "Refunds US$0.00 US$0.00 —"
    assert row(page, "figure-sales_rate") == "Share of them who sold 100.0% 100.0% +0.0%"
    assert "1 of your 3 creators let you see days of this period." in text(page)
    assert 'data-chart="distribution"' in page and '"data": [42.0, 0.0, 0.0]' in page
    # Nothing of c0 (US$21.00 a week) or of B's b0 (US$210.00).
    assert "US$63.00" not in page and "US$21.00" not in page and "US$210.00" not in page


def test_the_creator_tabs(shared: World) -> None:
    a = shared.client("agency-a")
    authorized = a.get("/compass/creators?tab=authorized").text
    assert row(authorized, "creator-c1") == "@nok.shop 7 US$42.00 US$0.00 7 0 0"
    assert 'data-testid="creator-c0"' not in authorized
    unauthorized = a.get("/compass/creators?tab=unauthorized").text
    assert set(re.findall(r'data-testid="creator-(\w+)"', unauthorized)) == {"c0", "c2"}
    assert unauthorized.count('data-testid="request-form"') == 2
    assert "US$" not in text(unauthorized).split("Unauthorized", 1)[1]
    assert "no request is waiting" in a.get("/compass/creators?tab=requested").text.lower()
    # B sees its own creator only, and nothing of A's.
    b = shared.client("agency-b").get("/compass/creators?tab=unauthorized").text
    assert re.findall(r'data-testid="creator-(\w+)"', b) == ["b0"]
    assert "nok.shop" not in b and "somchai" not in b


def test_a_custom_range_over_30_days_is_refused_in_the_page(shared: World) -> None:
    for path in ("/compass", "/compass/creators"):
        reply = shared.client("agency-a").get(f"{path}?range=custom&from=2024-08-01&to=2024-08-31")
        assert reply.status_code == 422
        assert "2024-08-01..2024-08-31 spans 31 days; one query spans at most 30 days" in text(
            reply.text
        )
        assert "US$" not in reply.text
    # 30 days are fine: 08-21..09-19 are all visible to A for c1 (30 days), but orders
    # begin on 09-01: 19 days × US$6.00 = US$114.00.
    page = shared.client("agency-a").get(
        "/compass/creators?range=custom&from=2024-08-21&to=2024-09-19"
    )
    assert row(page.text, "creator-c1") == "@nok.shop 30 US$114.00 US$0.00 19 0 0"


def test_refused_requests_say_why_and_another_partners_creator_is_not_found(
    world: World,
) -> None:
    a, csrf = world.client("agency-a"), world.csrf("agency-a")
    period = {"csrf_token": csrf, "period_from": "2024-09-01", "period_to": "2024-12-31"}
    us = a.post("/compass/creators/c2/request", data=period)
    assert us.status_code == 409
    assert "creator c2 is in region US" in text(us.text)
    foreign = a.post("/compass/creators/b0/request", data=period)
    assert foreign.status_code == 404
    assert "bee.live" not in foreign.text
    reversed_period = {**period, "period_from": "2024-12-31", "period_to": "2024-09-01"}
    assert a.post("/compass/creators/c0/request", data=reversed_period).status_code == 422
    made = a.post("/compass/creators/c0/request", data=period)
    assert made.headers["location"] == "/compass/creators?tab=requested&flash=requested"
    again = a.post("/compass/creators/c0/request", data=period)
    assert again.status_code == 409 and "pending" in text(again.text)
    requested = a.get("/compass/creators?tab=requested").text
    assert row(requested, "request-c0").startswith("@somchai.live 2024-09-01 – 2024-12-31")
    # Only the request for c0 reached c0; b0 was never asked.
    assert 'data-testid="pending-A"' in world.client("creator-c0").get("/compass/consent").text
    assert "no-pending" in world.client("creator-b0").get("/compass/consent").text


def _c0_row(world: World) -> str | None:
    page = world.client("agency-a").get(
        "/compass/creators?range=custom&from=2024-09-18&to=2024-09-20"
    )
    assert page.status_code == 200
    found = re.search(r'<tr data-testid="creator-c0">(.*?)</tr>', page.text, re.S)
    return text(found.group(1)) if found else None


def test_approve_then_revoke_by_the_day(world: World) -> None:
    csrf = world.csrf("agency-a")
    body = {"csrf_token": csrf, "period_from": "2024-09-01", "period_to": "2024-12-31"}
    assert world.client("agency-a").post("/compass/creators/c0/request", data=body).status_code
    assert _c0_row(world) is None
    consent = world.client("creator-c0").get("/compass/consent").text
    request_id = re.search(r"/compass/consent/([\w-]+)/approve", consent)
    assert request_id
    # Another creator cannot answer it: not found, as one that does not exist.
    other = world.client("creator-b0").post(
        f"/compass/consent/{request_id.group(1)}/approve",
        data={"csrf_token": world.csrf("creator-b0")},
    )
    assert other.status_code == 404
    done = world.client("creator-c0").post(
        f"/compass/consent/{request_id.group(1)}/approve",
        data={"csrf_token": world.csrf("creator-c0")},
    )
    assert done.headers["location"] == "/compass/consent?flash=approved"
    # Approved 09-20: history at once (09-18, 09-19: 2 × US$3.00), 09-20 from tomorrow.
    assert _c0_row(world) == "@somchai.live 2 US$6.00 US$0.00 2 2 0"
    world.next_day()
    assert _c0_row(world) == "@somchai.live 3 US$9.00 US$0.00 3 3 0"
    consent = world.client("creator-c0").get("/compass/consent").text
    assert row(consent, "granted-A").startswith("Siam Creators 2024-09-01 – 2024-12-31")
    # The access log: agency-a read 09-18..09-19 on the 20th and 09-18..09-20 on the 21st,
    # each time asking for the range 09-18..09-20.
    log = [text(r) for r in re.findall(r'<tr data-testid="log-entry">(.*?)</tr>', consent, re.S)]
    assert log == [
        "2024-09-21 10:00 Siam Creators agency-a 2024-09-18 – 2024-09-20 (3 days) "
        "portal · creators 2024-09-18..2024-09-20",
        "2024-09-20 10:00 Siam Creators agency-a 2024-09-18 – 2024-09-19 (2 days) "
        "portal · creators 2024-09-18..2024-09-20",
    ]
    revoked = world.client("creator-c0").post(
        f"/compass/consent/{request_id.group(1)}/revoke",
        data={"csrf_token": world.csrf("creator-c0")},
    )
    assert revoked.headers["location"] == "/compass/consent?flash=revoked"
    # Revoked on 09-21: still seen on the 21st, gone from the 22nd.
    assert _c0_row(world) == "@somchai.live 3 US$9.00 US$0.00 3 3 0"
    twice = world.client("creator-c0").post(
        f"/compass/consent/{request_id.group(1)}/revoke",
        data={"csrf_token": world.csrf("creator-c0")},
    )
    assert twice.status_code == 409 and "already revoked" in text(twice.text)
    world.next_day()
    assert _c0_row(world) is None
    unauthorized = world.client("agency-a").get(
        "/compass/creators?tab=unauthorized&range=custom&from=2024-09-18&to=2024-09-20"
    )
    assert 'data-testid="creator-c0"' in unauthorized.text


def test_decline_leaves_nothing_and_the_partner_may_ask_again(world: World) -> None:
    body = {
        "csrf_token": world.csrf("agency-a"),
        "period_from": "2024-09-01",
        "period_to": "2024-09-30",
    }
    world.client("agency-a").post("/compass/creators/c0/request", data=body)
    consent = world.client("creator-c0").get("/compass/consent").text
    request_id = re.search(r"/compass/consent/([\w-]+)/decline", consent)
    assert request_id
    declined = world.client("creator-c0").post(
        f"/compass/consent/{request_id.group(1)}/decline",
        data={"csrf_token": world.csrf("creator-c0")},
    )
    assert declined.headers["location"] == "/compass/consent?flash=declined"
    assert _c0_row(world) is None
    again = world.client("agency-a").post("/compass/creators/c0/request", data=body)
    assert again.status_code == 303


def test_the_pages_in_chinese_and_thai(shared: World) -> None:
    zh = shared.client("agency-a").get("/compass?lang=zh").text
    assert "数据概览" in zh and "成交额 (GMV)" in zh
    th = shared.client("creator-c0").get("/compass/consent?lang=th").text
    assert '<html lang="th">' in th and "คำขอที่รอคำตอบจากคุณ" in th
    shared.client("creator-c0").get("/compass/consent?lang=en")  # leave the cookie as found
    compass_keys = {k for k in MESSAGES["en"] if k.startswith("compass")}
    for lang in ("zh", "th"):
        assert compass_keys <= set(MESSAGES[lang]), lang
        for key in compass_keys:
            assert MESSAGES[lang][key].count("{") == MESSAGES["en"][key].count("{"), key


def test_the_navigation_links_to_data_compass(shared: World) -> None:
    partner = shared.client("agency-a").get("/compass/creators").text
    assert re.search(r'<a href="/compass"[^>]*data-testid="nav-compass"', partner)
    creator = shared.client("creator-c0").get("/compass/consent").text
    assert re.search(r'<a href="/compass/consent"[^>]*data-testid="nav-compass"', creator)


def test_every_compass_form_needs_the_sessions_csrf_token(world: World) -> None:
    """The partner's and the creator's forms: refused without the session's token, and
    nothing requested or answered."""
    forms = {
        "agency-a": ["/compass/creators/c0/request"],
        "creator-c0": [f"/compass/consent/wf-none/{move}" for move in ("approve", "decline")]
        + ["/compass/consent/wf-none/revoke"],
    }
    for login, paths in forms.items():
        client = world.client(login)
        for path in paths:
            for data in ({}, {"csrf_token": ""}, {"csrf_token": "stale"}):
                body = {**data, "period_from": "2024-09-01", "period_to": "2024-09-30"}
                reply = client.post(path, data=body)
                assert reply.status_code == 403, (login, path, data)
                assert "CSRF" in reply.text
    assert "no-requested" in world.client("agency-a").get("/compass/creators?tab=requested").text


def _c1_row(world: World) -> str | None:
    page = world.client("agency-a").get(
        "/compass/creators?range=custom&from=2024-09-18&to=2024-09-20"
    )
    found = re.search(r'<tr data-testid="creator-c1">(.*?)</tr>', page.text, re.S)
    return text(found.group(1)) if found else None


def test_an_imported_approval_is_listed_and_revoked_like_the_workflows(world: World) -> None:
    """c1's approval came from the platform (imported row imp-c1, 2024-01-01..12-31, given
    2024-08-02): c1 sees it among who has access and revokes it on its page; the partner
    keeps today's view and loses c1 from tomorrow."""
    consent = world.client("creator-c1").get("/compass/consent").text
    granted = row(consent, "granted-A")
    assert granted.startswith("Siam Creators · granted on the platform 2024-01-01 – 2024-12-31")
    # On 09-20 agency-a sees 09-18 and 09-19 of c1: 2 days × US$6.00, an order a day, no
    # livestream or video (only c0 goes live).
    assert _c1_row(world) == "@nok.shop 2 US$12.00 US$0.00 2 0 0"
    done = world.client("creator-c1").post(
        "/compass/consent/imp-c1/revoke", data={"csrf_token": world.csrf("creator-c1")}
    )
    assert done.headers["location"] == "/compass/consent?flash=revoked"
    # Revoked on the 20th: still in force today, and no longer listed as having access.
    assert _c1_row(world) == "@nok.shop 2 US$12.00 US$0.00 2 0 0"
    after = world.client("creator-c1").get("/compass/consent").text
    assert 'data-testid="granted-A"' not in after
    # Another creator cannot touch it, and c1 cannot revoke it twice.
    other = world.client("creator-c0").post(
        "/compass/consent/imp-c1/revoke", data={"csrf_token": world.csrf("creator-c0")}
    )
    assert other.status_code == 404
    twice = world.client("creator-c1").post(
        "/compass/consent/imp-c1/revoke", data={"csrf_token": world.csrf("creator-c1")}
    )
    assert twice.status_code == 409 and "already revoked" in text(twice.text)
    world.next_day()
    assert _c1_row(world) is None
